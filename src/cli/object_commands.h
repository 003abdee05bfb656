// cli/object_commands.h - commands about one object: `paths` (why it is
// alive: paths from GC roots) and `object` (its fields, sizes, dominator,
// referrers). Both take the object by its dump id, 0x... or decimal.
#ifndef HEAPSCOPE_CLI_OBJECT_COMMANDS_H_
#define HEAPSCOPE_CLI_OBJECT_COMMANDS_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterPaths(CLI::App& app, std::function<int()>& run);
void RegisterObject(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_OBJECT_COMMANDS_H_
