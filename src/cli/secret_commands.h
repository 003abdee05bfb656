// cli/secret_commands.h - `heapscope scan DUMP` (which secrets a dump holds,
// and where) and `heapscope redact IN OUT` (a copy without them).
#ifndef HEAPSCOPE_CLI_SECRET_COMMANDS_H_
#define HEAPSCOPE_CLI_SECRET_COMMANDS_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterScan(CLI::App& app, std::function<int()>& run);
void RegisterRedact(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_SECRET_COMMANDS_H_
