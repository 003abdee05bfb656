#include "cli/agent_command.h"

#include <csignal>
#include <map>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "capture/agent_config.h"
#include "capture/capture_agent.h"
#include "cli/dump_options.h"

extern char** environ;

namespace heapscope::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop.store(true); }

std::string FlagName(const std::string& key) {
  std::string flag = "--" + key;
  for (char& ch : flag) ch = ch == '_' ? '-' : ch;
  return flag;
}

}  // namespace

void RegisterAgent(CLI::App& app, std::function<int()>& run) {
  struct Options {
    std::string config_file;
    bool print_config = false;
    std::map<std::string, std::string> given;   // key -> text, filled from the flags below
    std::map<std::string, std::string> values;  // CLI11's storage for each key's flag
    int dump_pid = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "agent", "the capture agent: watch JVMs through their performance counters, dump on sustained heap pressure, "
               "pick up OutOfMemoryError dumps, ship every dump redacted, compressed and encrypted to a store");
  cmd->add_option("--config", o->config_file, "a file of `key = value` lines (see --print-config)");
  cmd->add_flag("--print-config", o->print_config, "print every setting's effective value, then exit");
  std::vector<std::pair<std::string, CLI::Option*>> options;
  for (const capture::AgentSetting& s : capture::AgentSettings()) {
    const std::string key = s.key;
    const std::string d = s.default_value;
    const std::string help = fmt::format("{} (default: {}; env HEAPSCOPE_AGENT_{})", s.meaning, d.empty() ? "none" : d,
                                         [&] {
                                           std::string up;
                                           for (char ch : key) up += static_cast<char>(std::toupper(ch));
                                           return up;
                                         }());
    CLI::Option* opt = (d == "true" || d == "false") ? cmd->add_flag(FlagName(key), o->values[key], help)
                                                     : cmd->add_option(FlagName(key), o->values[key], help);
    options.emplace_back(key, opt);
  }
  cmd->footer("Precedence: flags, then HEAPSCOPE_AGENT_* variables, then the --config file, then the defaults.");
  CLI::App* dump = cmd->add_subcommand("dump", "take one dump of PID now and ship it (the agent's settings apply)");
  dump->add_option("PID", o->dump_pid, "the JVM's process id")->required();
  dump->fallthrough();

  cmd->callback([o, options, dump, &run] {
    for (const auto& [key, opt] : options) {
      if (opt->count() > 0) o->given[key] = o->values[key];
    }
    run = [o, dump] {
      auto config = capture::LoadAgentConfig(o->config_file, environ, o->given);
      if (!config.ok()) return ReportError(config.error());
      for (const std::string& w : config->warnings) fmt::print(stderr, "heapscope agent: {}\n", w);
      if (o->print_config) {
        fmt::print("{}", capture::DescribeAgentConfig(config.value()));
        return 0;
      }
      auto agent = capture::CaptureAgent::Create(std::move(config.value()));
      if (!agent.ok()) return ReportError(agent.error());
      std::signal(SIGTERM, OnStopSignal);
      std::signal(SIGINT, OnStopSignal);
      std::signal(SIGPIPE, SIG_IGN);
      if (dump->parsed()) {
        auto id = agent.value()->DumpNow(o->dump_pid, g_stop);
        if (!id.ok()) return ReportError(id.error());
        fmt::print("{}\n", id.value());
        return 0;
      }
      if (Status s = agent.value()->Run(g_stop); !s.ok()) return ReportError(s.error());
      return 0;
    };
  });
}

}  // namespace heapscope::cli
