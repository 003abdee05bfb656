// cli/commands.h - the subcommands. Each registers its options and, when
// chosen, sets `run` to the function that does the work and returns the
// exit code. Commands parse, call the layers and print: nothing more.
#ifndef HEAPSCOPE_CLI_COMMANDS_H_
#define HEAPSCOPE_CLI_COMMANDS_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterCommands(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_COMMANDS_H_
