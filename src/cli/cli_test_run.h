// cli/cli_test_run.h - (tests only) runs the built heapscope binary the way
// a user would, for end-to-end tests of commands: exit code and stdout.
//
// Header-only; included by *_test.cc files, never by the library.
#ifndef HEAPSCOPE_CLI_CLI_TEST_RUN_H_
#define HEAPSCOPE_CLI_CLI_TEST_RUN_H_

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace heapscope::cli {

struct CommandRun {
  int exit_code = -1;
  std::string out;
};

// $HEAPSCOPE_BIN (CTest sets it), else build/heapscope; "" when that is not
// an executable, so the caller can skip.
inline std::string HeapscopeBinary() {
  const char* env = std::getenv("HEAPSCOPE_BIN");
  std::string bin = env && *env ? env : "build/heapscope";
  return access(bin.c_str(), X_OK) == 0 ? bin : "";
}

// Runs `[env] BIN ARGS` through the shell with stdout captured and stderr
// discarded. ARGS is shell text: quote paths.
inline CommandRun RunHeapscope(const std::string& bin, const std::string& args, const std::string& env = "") {
  CommandRun r;
  std::string command = fmt::format("{} '{}' {} 2>/dev/null", env, bin, args);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_CLI_TEST_RUN_H_
