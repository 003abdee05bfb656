// cli/agent_command.h - `heapscope agent`: the capture daemon, and
// `heapscope agent dump PID`, one dump taken and shipped now.
#ifndef HEAPSCOPE_CLI_AGENT_COMMAND_H_
#define HEAPSCOPE_CLI_AGENT_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterAgent(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_AGENT_COMMAND_H_
