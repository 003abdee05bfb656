// cli/app.h - the heapscope command line: parses arguments and runs one
// command. Commands only parse, call the layers and print.
#ifndef HEAPSCOPE_CLI_APP_H_
#define HEAPSCOPE_CLI_APP_H_

namespace heapscope::cli {

// Returns the process exit code (docs/CLI.md).
int RunApp(int argc, char** argv);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_APP_H_
