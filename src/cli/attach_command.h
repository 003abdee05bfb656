// cli/attach_command.h - `heapscope attach PID COMMAND...`: any jcmd
// command in a running JVM, without a JDK (a jcmd replacement).
#ifndef HEAPSCOPE_CLI_ATTACH_COMMAND_H_
#define HEAPSCOPE_CLI_ATTACH_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterAttach(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_ATTACH_COMMAND_H_
