// cli/index_command.h - `heapscope index DUMP`: builds the dump's persisted
// index (model, graph, dominators as mapped column files), or verifies and
// reopens a valid one, and says which it did and how long it took.
#ifndef HEAPSCOPE_CLI_INDEX_COMMAND_H_
#define HEAPSCOPE_CLI_INDEX_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterIndex(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_INDEX_COMMAND_H_
