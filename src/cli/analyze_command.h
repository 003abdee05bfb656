// cli/analyze_command.h - `heapscope analyze`: the leak-suspect and heap
// report (docs/REPORT.md), the command users run first.
#ifndef HEAPSCOPE_CLI_ANALYZE_COMMAND_H_
#define HEAPSCOPE_CLI_ANALYZE_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterAnalyze(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_ANALYZE_COMMAND_H_
