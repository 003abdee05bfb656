#include "cli/app.h"

#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"

namespace heapscope::cli {

int RunApp(int argc, char** argv) {
  CLI::App app{"heapscope: heap-dump analysis for JVM services"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "heapscope 0.1.0");
  std::function<int()> run;
  RegisterCommands(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  return run ? run() : 2;
}

}  // namespace heapscope::cli
