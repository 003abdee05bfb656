// cli/diff_command.h - `heapscope diff BASE TARGET`: what changed per class
// between two dumps of one service.
#ifndef HEAPSCOPE_CLI_DIFF_COMMAND_H_
#define HEAPSCOPE_CLI_DIFF_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterDiff(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_DIFF_COMMAND_H_
