// cli/graph_commands.h - commands that need the object graph and the
// dominator tree: `dominators` (and `histogram --retained`, which lives with
// `histogram`).
#ifndef HEAPSCOPE_CLI_GRAPH_COMMANDS_H_
#define HEAPSCOPE_CLI_GRAPH_COMMANDS_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterDominators(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_GRAPH_COMMANDS_H_
