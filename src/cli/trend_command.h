// cli/trend_command.h - `heapscope trend D1 D2 ... Dn`: what grows across
// several dumps of one service.
#ifndef HEAPSCOPE_CLI_TREND_COMMAND_H_
#define HEAPSCOPE_CLI_TREND_COMMAND_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterTrend(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_TREND_COMMAND_H_
