// cli/pipeline_commands.h - the pipeline's commands: `worker` analyzes
// queued dumps, `submit` ships a dump by hand and queues it, `jobs` lists
// the queue and `results` a service's history.
#ifndef HEAPSCOPE_CLI_PIPELINE_COMMANDS_H_
#define HEAPSCOPE_CLI_PIPELINE_COMMANDS_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterWorker(CLI::App& app, std::function<int()>& run);
void RegisterSubmit(CLI::App& app, std::function<int()>& run);
void RegisterJobs(CLI::App& app, std::function<int()>& run);
void RegisterResults(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_PIPELINE_COMMANDS_H_
