#include "cli/attach_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "capture/attach_client.h"
#include "cli/dump_options.h"

namespace heapscope::cli {

void RegisterAttach(CLI::App& app, std::function<int()>& run) {
  struct Options {
    int pid = 0;
    std::vector<std::string> command;
    int timeout_ms = 10000;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "attach", "run a jcmd command (GC.heap_dump, Thread.print, VM.flags, help ...) in a running JVM through the "
                "HotSpot attach protocol; no JDK needed");
  cmd->add_option("PID", o->pid, "the JVM's process id (as seen from here; containers are reached through /proc)")
      ->required();
  cmd->add_option("--timeout-ms", o->timeout_ms, "how long to wait for the JVM to answer (give it before PID)")
      ->default_val(10000);
  // Everything after PID is the jcmd command line, dashes included
  // (GC.heap_dump -gz=1 FILE).
  cmd->prefix_command();
  cmd->footer("COMMAND...: the jcmd command and its arguments, e.g. GC.heap_dump -gz=1 /tmp/app.hprof.gz");
  cmd->callback([o, cmd, &run] {
    o->command = cmd->remaining();
    run = [o] {
      if (o->command.empty()) return ReportError(Error::Usage("attach PID COMMAND...: no command (try `help`)"));
      std::string line;
      for (const std::string& w : o->command) line += (line.empty() ? "" : " ") + w;
      auto reply = capture::Jcmd(o->pid, line, {std::chrono::milliseconds(o->timeout_ms)});
      if (!reply.ok()) return ReportError(reply.error());
      std::fwrite(reply->text.data(), 1, reply->text.size(), stdout);
      if (reply->code != 0) {
        fmt::print(stderr, "heapscope: the JVM answered with code {}\n", reply->code);
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace heapscope::cli
