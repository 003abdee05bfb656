// cli/jvms_command.h - `heapscope jvms`: the running JVMs and their heap
// figures from performance data (no attach, no signal): a jps + jstat.
#ifndef HEAPSCOPE_CLI_JVMS_COMMAND_H_
#define HEAPSCOPE_CLI_JVMS_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterJvms(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_JVMS_COMMAND_H_
