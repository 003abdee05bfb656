#include "capture/agent_config.h"

#include <pwd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>

#include <fmt/format.h>

namespace heapscope::capture {
namespace {

using Apply = std::function<bool(AgentConfig&, const std::string&)>;

struct Entry {
  AgentSetting setting;
  Apply apply;  // false: the text is not a valid value
};

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    size_t comma = s.find(',', at);
    if (comma == std::string::npos) comma = s.size();
    std::string item = Trim(s.substr(at, comma - at));
    if (!item.empty()) out.push_back(item);
    at = comma + 1;
  }
  return out;
}

std::optional<double> ParseNumber(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

// "90%", "90" and "0.9" all mean 90%.
std::optional<double> ParseShare(const std::string& s) {
  const bool percent = !s.empty() && s.back() == '%';
  auto v = ParseNumber(percent ? Trim(s.substr(0, s.size() - 1)) : s);
  if (!v || *v < 0) return std::nullopt;
  double share = percent || *v > 1 ? *v / 100 : *v;
  if (share > 1) return std::nullopt;
  return share;
}

std::optional<bool> ParseBool(const std::string& s) {
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  return std::nullopt;
}

template <typename T>
Apply Number(T AgentConfig::*field, double min, double max) {
  return [field, min, max](AgentConfig& c, const std::string& s) {
    auto v = ParseNumber(s);
    if (!v || *v < min || *v > max) return false;
    c.*field = static_cast<T>(*v);
    return true;
  };
}
Apply Share(double AgentConfig::*field) {
  return [field](AgentConfig& c, const std::string& s) {
    auto v = ParseShare(s);
    if (v) c.*field = *v;
    return v.has_value();
  };
}
template <typename D>
Apply Duration(D AgentConfig::*field, bool zero_ok) {
  return [field, zero_ok](AgentConfig& c, const std::string& s) {
    auto v = ParseDuration(s);
    if (!v || (!zero_ok && v->count() == 0)) return false;
    c.*field = std::chrono::duration_cast<D>(*v);
    return true;
  };
}
Apply Size(uint64_t AgentConfig::*field) {
  return [field](AgentConfig& c, const std::string& s) {
    auto v = ParseSize(s);
    if (v) c.*field = *v;
    return v.has_value();
  };
}
Apply Flag(bool AgentConfig::*field) {
  return [field](AgentConfig& c, const std::string& s) {
    auto v = ParseBool(s);
    if (v) c.*field = *v;
    return v.has_value();
  };
}
Apply Text(std::string AgentConfig::*field) {
  return [field](AgentConfig& c, const std::string& s) {
    c.*field = s;
    return true;
  };
}
Apply List(std::vector<std::string> AgentConfig::*field) {
  return [field](AgentConfig& c, const std::string& s) {
    c.*field = SplitList(s);
    return true;
  };
}

const std::vector<Entry>& Entries() {
  static const std::vector<Entry> entries = {
      {{"interval", "5s", "how often the performance counters of every JVM are read"},
       Duration(&AgentConfig::interval, false)},
      {{"pids", "", "watch only these process ids (comma list; empty: every JVM)"},
       [](AgentConfig& c, const std::string& s) {
         c.pids.clear();
         for (const std::string& p : SplitList(s)) {
           auto v = ParseNumber(p);
           if (!v || *v < 1) return false;
           c.pids.push_back(static_cast<int>(*v));
         }
         return true;
       }},
      {{"command_pattern", "", "watch only JVMs whose main class or jar (sun.rt.javaCommand) matches this RE2"},
       Text(&AgentConfig::command_pattern)},
      {{"users", "", "watch only JVMs run by these users (names or uids, comma list)"}, List(&AgentConfig::users)},
      {{"old_threshold", "90%", "dump when the old generation stays at or above this share of its maximum"},
       Share(&AgentConfig::old_threshold)},
      {{"heap_threshold", "85%", "... or the whole heap stays at or above this share of its maximum"},
       Share(&AgentConfig::heap_threshold)},
      {{"samples", "3", "readings in a row above a threshold before a dump"}, Number(&AgentConfig::samples, 1, 1000)},
      {{"gc_share", "50%", "... or GC took this share of wall time over those readings (thrashing; 0 = off)"},
       Share(&AgentConfig::gc_share)},
      {{"cooldown", "60m", "after a dump, no other dump of the same JVM for this long"},
       Duration(&AgentConfig::cooldown, true)},
      {{"max_dumps_per_hour", "2", "circuit breaker: at most this many dumps per hour by this agent"},
       Number(&AgentConfig::max_dumps_per_hour, 0, 1000)},
      {{"free_space_margin", "1GiB", "circuit breaker: dump only with the expected dump size plus this free"},
       Size(&AgentConfig::free_space_margin)},
      {{"dump_size_factor", "1.1", "expected dump size = heap used x this (HPROF adds headers and 8-byte ids)"},
       Number(&AgentConfig::dump_size_factor, 0.1, 10)},
      {{"window", "", "dump only between these UTC times, HH:MM-HH:MM (may wrap midnight; empty: any time)"},
       [](AgentConfig& c, const std::string& s) {
         if (!s.empty() && !InTimeWindow(s, 0)) return false;
         c.window = s;
         return true;
       }},
      {{"dump_dir", "/tmp/heapscope-dumps", "folder for dumps as the JVM sees it; each JVM gets a subfolder"},
       Text(&AgentConfig::dump_dir)},
      {{"agent_dump_dir", "", "the same folder as the agent sees it (a shared volume); empty: via /proc/<pid>/root"},
       Text(&AgentConfig::agent_dump_dir)},
      {{"arm_oom_dumps", "true", "turn on HeapDumpOnOutOfMemoryError in each JVM, into its own subfolder"},
       Flag(&AgentConfig::arm_oom_dumps)},
      {{"watch_dirs", "", "more folders where JVMs write OutOfMemoryError dumps (comma list, as the agent sees them)"},
       List(&AgentConfig::watch_dirs)},
      {{"dump_timeout", "10m", "longest wait for a JVM to write a dump"}, Duration(&AgentConfig::dump_timeout, false)},
      {{"store", "/var/lib/heapscope/store", "where shipped dumps go: a folder, file://PATH or s3://BUCKET[/PREFIX][?endpoint=...] (docs/PIPELINE.md)"},
       Text(&AgentConfig::store)},
      {{"catalog", "", "the pipeline's catalog, where each shipped dump is queued for analysis: sqlite://PATH or "
                       "postgresql://...; empty: none"},
       Text(&AgentConfig::catalog)},
      {{"state_dir", "/var/lib/heapscope/agent", "the agent's own state: dumps waiting to be shipped"},
       Text(&AgentConfig::state_dir)},
      {{"redact_mode", "strings", "what shipping removes: none, secrets, strings (every char[]/byte[]) or all"},
       [](AgentConfig& c, const std::string& s) {
         if (s != "none" && s != "secrets" && s != "strings" && s != "all") return false;
         c.redact_mode = s;
         return true;
       }},
      {{"encrypt", "true", "encrypt shipped dumps (envelope AES-256-GCM under key_file)"}, Flag(&AgentConfig::encrypt)},
      {{"key_file", "", "the master key (heapscope keygen); empty: $HEAPSCOPE_KEY_FILE"}, Text(&AgentConfig::key_file)},
      {{"delete_after_ship", "true", "delete the plaintext dump once it is in the store"},
       Flag(&AgentConfig::delete_after_ship)},
      {{"ship_rate", "0", "read dumps at most this many bytes per second while shipping (0: no limit)"},
       Size(&AgentConfig::ship_rate)},
      {{"retry_min", "10s", "first wait after a failed ship; doubles on each failure"},
       Duration(&AgentConfig::retry_min, false)},
      {{"retry_max", "30m", "longest wait between ship attempts"}, Duration(&AgentConfig::retry_max, false)},
      {{"threads", "2", "threads for compressing and encrypting"}, Number(&AgentConfig::threads, 1, 256)},
      {{"service", "", "service name for the metadata (e.g. the app label)"}, Text(&AgentConfig::service)},
      {{"pod", "", "pod name (downward API metadata.name); empty: the JVM's HOSTNAME"}, Text(&AgentConfig::pod)},
      {{"namespace", "", "namespace (downward API metadata.namespace)"}, Text(&AgentConfig::namespace_)},
      {{"container", "", "the app container's name"}, Text(&AgentConfig::container)},
      {{"image", "", "the app container's image (not in the downward API: template it)"}, Text(&AgentConfig::image)},
      {{"node", "", "node name (downward API spec.nodeName); empty: this host's name"}, Text(&AgentConfig::node)},
      {{"metrics_listen", "127.0.0.1:9464", "host:port of /metrics (Prometheus text); empty: off"},
       Text(&AgentConfig::metrics_listen)},
      {{"dry_run", "false", "decide and log, but never attach, dump or ship"}, Flag(&AgentConfig::dry_run)},
      {{"drain_timeout", "20s", "on SIGTERM, go on shipping queued dumps this long (keep under the pod's grace period)"},
       Duration(&AgentConfig::drain_timeout, true)},
  };
  return entries;
}

const Entry* Find(const std::string& key) {
  for (const Entry& e : Entries()) {
    if (key == e.setting.key) return &e;
  }
  return nullptr;
}

std::string EnvName(const std::string& key) {
  std::string name = "HEAPSCOPE_AGENT_";
  for (char ch : key) name += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

}  // namespace

const std::vector<AgentSetting>& AgentSettings() {
  static const std::vector<AgentSetting> settings = [] {
    std::vector<AgentSetting> out;
    for (const Entry& e : Entries()) out.push_back(e.setting);
    return out;
  }();
  return settings;
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  static const std::pair<const char*, int64_t> kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  for (const auto& [unit, ms] : kUnits) {
    const std::string u = unit;
    if (text.size() > u.size() && text.ends_with(u)) {
      const std::string number = text.substr(0, text.size() - u.size());
      // "5ms" must not be read as 5m + "s".
      if (!number.empty() && !std::isdigit(static_cast<unsigned char>(number.back())) && number.back() != '.') continue;
      auto v = ParseNumber(number);
      if (!v || *v < 0 || *v > 1e9) return std::nullopt;
      return std::chrono::milliseconds(static_cast<int64_t>(*v * static_cast<double>(ms)));
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseSize(const std::string& text) {
  static const std::pair<const char*, double> kUnits[] = {
      {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
      {"K", 1024.0},   {"M", 1048576.0},   {"G", 1073741824.0},   {"T", 1099511627776.0},
      {"KB", 1e3},     {"MB", 1e6},        {"GB", 1e9},           {"TB", 1e12}};
  double scale = 1;
  std::string number = text;
  for (const auto& [unit, s] : kUnits) {
    if (text.ends_with(unit)) {
      number = Trim(text.substr(0, text.size() - std::string(unit).size()));
      scale = s;
      break;
    }
  }
  auto v = ParseNumber(number);
  if (!v || *v < 0 || *v * scale > 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(*v * scale);
}

std::optional<bool> InTimeWindow(const std::string& window, int minute_of_day) {
  int h1, m1, h2, m2;
  char tail;
  if (std::sscanf(window.c_str(), "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &tail) != 4) return std::nullopt;
  if (h1 < 0 || h1 > 24 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59) return std::nullopt;
  const int from = h1 * 60 + m1, to = h2 * 60 + m2;
  if (from <= to) return minute_of_day >= from && minute_of_day < to;
  return minute_of_day >= from || minute_of_day < to;  // wraps midnight
}

Result<AgentConfig> LoadAgentConfig(const std::string& file, char** env,
                                    const std::map<std::string, std::string>& flags) {
  std::map<std::string, std::pair<std::string, std::string>> values;  // key -> (text, source)
  for (const Entry& e : Entries()) values[e.setting.key] = {e.setting.default_value, "the default"};
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return Error::Usage(fmt::format("cannot read the agent config {}", file));
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      line = Trim(line.substr(0, line.find('#')));
      if (line.empty()) continue;
      const size_t eq = line.find('=');
      const std::string key = eq == std::string::npos ? line : Trim(line.substr(0, eq));
      if (eq == std::string::npos || !Find(key)) {
        return Error::Usage(fmt::format("{}:{}: {} (expected `key = value` with a key of `heapscope agent --help`)",
                                        file, number, eq == std::string::npos ? "no '='" : "unknown key " + key));
      }
      values[key] = {Trim(line.substr(eq + 1)), fmt::format("{}:{}", file, number)};
    }
  }
  std::vector<std::string> unknown_env;
  for (char** e = env; e && *e; ++e) {
    const std::string var = *e;
    const size_t eq = var.find('=');
    if (eq == std::string::npos || !var.starts_with("HEAPSCOPE_AGENT_")) continue;
    bool known = false;
    for (const Entry& entry : Entries()) {
      if (EnvName(entry.setting.key) == var.substr(0, eq)) {
        values[entry.setting.key] = {var.substr(eq + 1), "$" + var.substr(0, eq)};
        known = true;
      }
    }
    if (!known) unknown_env.push_back(var.substr(0, eq));
  }
  for (const auto& [key, text] : flags) {
    if (!Find(key)) return Error::Usage(fmt::format("unknown agent setting --{}", key));
    values[key] = {text, "--" + key};
  }
  AgentConfig c;
  for (const std::string& var : unknown_env) {
    c.warnings.push_back(fmt::format("ignoring ${}: no agent setting has that name", var));
  }
  for (const auto& [key, v] : values) {
    if (!Find(key)->apply(c, v.first)) {
      return Error::Usage(fmt::format("bad value for {} from {}: '{}' ({})", key, v.second, v.first,
                                      Find(key)->setting.meaning));
    }
    c.text[key] = v.first;
  }
  if (c.key_file.empty()) {
    if (const char* k = std::getenv("HEAPSCOPE_KEY_FILE")) c.key_file = k;
  }
  if (c.encrypt && c.key_file.empty() && !c.dry_run) {
    return Error::Usage("encrypt = true needs key_file (or $HEAPSCOPE_KEY_FILE); make one with `heapscope keygen`, "
                        "or set encrypt = false");
  }
  if (c.retry_max < c.retry_min) c.retry_max = c.retry_min;
  return c;
}

std::string DescribeAgentConfig(const AgentConfig& c) {
  std::string out;
  for (const Entry& e : Entries()) {
    auto it = c.text.find(e.setting.key);
    out += fmt::format("# {}\n{} = {}\n", e.setting.meaning, e.setting.key, it == c.text.end() ? "" : it->second);
  }
  return out;
}

}  // namespace heapscope::capture
