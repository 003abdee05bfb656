#include "cli/secret_commands.h"

#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analysis/gc_root_paths.h"
#include "cli/dump_options.h"
#include "hprof/byte_sink.h"
#include "hprof/encrypted_writer.h"
#include "hprof/gzip_writer.h"
#include "redact/dump_redactor.h"
#include "redact/secret_finder.h"
#include "report/path_report.h"
#include "report/secret_report.h"

namespace heapscope::cli {
namespace {

struct RuleOptions {
  std::string rules_file;
  bool no_builtin = false;
};

void AddRuleOptions(CLI::App* cmd, RuleOptions& o) {
  cmd->add_option("--rules", o.rules_file, "more rules, one `name = pattern [; check=luhn|iban]` a line (docs/CLI.md)");
  cmd->add_flag("--no-builtin-rules", o.no_builtin, "use only the rules of --rules");
}

Result<std::shared_ptr<const redact::SecretMatcher>> CompileRules(const RuleOptions& o) {
  std::vector<redact::SecretRule> rules;
  if (!o.no_builtin) rules = redact::BuiltInSecretRules();
  if (!o.rules_file.empty()) {
    auto more = redact::LoadSecretRules(o.rules_file);
    if (!more.ok()) return more.error();
    for (auto& r : more.value()) {
      for (const auto& b : rules) {
        if (b.name == r.name) return Error::Usage(fmt::format("{}: rule `{}` is a built-in rule's name", o.rules_file, r.name));
      }
      rules.push_back(std::move(r));
    }
  }
  return redact::SecretMatcher::Compile(std::move(rules));
}

// The shortest path from a GC root to each rule's example, from the index.
Result<report::SecretPaths> PathsFromIndex(const DumpOptions& d, const GraphCommandOptions& g,
                                           const redact::SecretFindings& f) {
  report::SecretPaths paths;
  paths.from_root.resize(f.rules.size());
  auto analyzed = Analyze(d, g);
  if (!analyzed.ok()) return analyzed.error();
  const AnalyzedHeap& a = *analyzed.value();
  for (size_t i = 0; i < f.rules.size(); ++i) {
    if (!f.rules[i].count) continue;
    heap::ObjectIdx o = a.model.Find(f.rules[i].example_object);
    if (o == heap::kNoObject) continue;
    auto p = analysis::FindGcRootPaths(a.model, a.reverse, o, {});
    if (p.ok() && !p->paths.empty()) paths.from_root[i] = report::RenderPath(a.model, p->paths.front());
  }
  return paths;
}

}  // namespace

void RegisterScan(CLI::App& app, std::function<int()>& run) {
  struct Options {
    DumpOptions dump;
    GraphCommandOptions graph;
    RuleOptions rules;
    bool paths = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "scan", "find secrets (keys, tokens, passwords, card numbers, IBANs, e-mail addresses) in Strings, char[] and "
              "byte[]: per rule the count, where, and a masked example");
  AddDumpOptions(cmd, o->dump);
  AddRuleOptions(cmd, o->rules);
  cmd->add_flag("--paths", o->paths,
                "give each example's path from a GC root (builds or reuses the index; without it, the holders)");
  AddGraphOptions(cmd, o->graph);
  cmd->callback([o, &run] {
    run = [o] {
      auto matcher = CompileRules(o->rules);
      if (!matcher.ok()) return ReportError(matcher.error());
      auto read = ReadOptionsFor(o->dump);
      if (!read.ok()) return ReportError(read.error());
      auto found = redact::FindSecrets(o->dump.path, *matcher.value(), read.value());
      if (!found.ok()) return ReportError(found.error());
      report::SecretPaths paths;
      if (o->paths) {
        auto p = PathsFromIndex(o->dump, o->graph, found.value());
        if (!p.ok()) return ReportError(p.error());
        paths = std::move(p.value());
      }
      if (o->dump.json) PrintJson(report::SecretsJson(o->dump.path, found.value(), paths));
      else fmt::print("{}", report::SecretsText(o->dump.path, found.value(), paths));
      return 0;
    };
  });
}

void RegisterRedact(CLI::App& app, std::function<int()>& run) {
  struct Options {
    DumpOptions dump;
    RuleOptions rules;
    std::string out;
    std::string mode = "strings";
    bool keep_thread_names = false;
    bool encrypt = false;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "redact", "write a copy of a dump without its secrets or contents; same objects, ids, classes and references, "
                "so every analysis gives the same result");
  cmd->add_option("IN", o->dump.path, "the dump to redact (plain, gzip or encrypted)")->required();
  cmd->add_option("OUT", o->out, "where to write it; gzip when it ends in .gz")->required();
  AddDumpFlags(cmd, o->dump);
  AddRuleOptions(cmd, o->rules);
  cmd->add_option("--mode", o->mode,
                  "secrets: mask what the rules find; strings: blank every String, char[] and byte[]; all: also zero "
                  "every primitive field and array except counts")
      ->check(CLI::IsMember({"secrets", "strings", "all"}))
      ->default_val("strings");
  cmd->add_flag("--keep-thread-names", o->keep_thread_names, "strings and all: leave thread names readable");
  cmd->add_flag("--encrypt", o->encrypt, "encrypt OUT with the --key-file key (AES-256-GCM, docs/CLI.md)");
  cmd->add_flag("--force", o->force, "overwrite OUT if it exists");
  cmd->callback([o, &run] {
    run = [o] {
      const auto start = std::chrono::steady_clock::now();
      struct stat st {};
      if (!o->force && ::stat(o->out.c_str(), &st) == 0) {
        return ReportError(Error::Usage(fmt::format("{} exists (--force overwrites it)", o->out)));
      }
      auto read = ReadOptionsFor(o->dump);
      if (!read.ok()) return ReportError(read.error());
      if (o->encrypt && !read->key) {
        return ReportError(Error::Usage("--encrypt needs a key: --key-file FILE or HEAPSCOPE_KEY_FILE"));
      }
      redact::RedactOptions ro;
      ro.mode = o->mode == "secrets" ? redact::RedactMode::kSecrets
                : o->mode == "all"   ? redact::RedactMode::kAll
                                     : redact::RedactMode::kStrings;
      ro.keep_thread_names = o->keep_thread_names;
      ro.read = read.value();
      std::shared_ptr<const redact::SecretMatcher> matcher;
      if (ro.mode == redact::RedactMode::kSecrets) {
        auto m = CompileRules(o->rules);
        if (!m.ok()) return ReportError(m.error());
        matcher = m.value();
        ro.matcher = matcher.get();
      }
      auto file = hprof::CreateFileSink(o->out);
      if (!file.ok()) return ReportError(file.error());
      std::unique_ptr<hprof::ByteSink> sink = std::move(file.value());
      if (o->encrypt) sink = hprof::CreateEncryptingSink(std::move(sink), *read->key, o->dump.threads);
      const bool gzip = o->out.size() > 3 && o->out.ends_with(".gz");
      if (gzip) sink = hprof::CreateGzipBlockSink(std::move(sink), {.threads = o->dump.threads});
      auto stats = redact::RedactDump(o->dump.path, *sink, ro);
      if (!stats.ok()) return ReportError(stats.error());
      if (Status s = sink->Finish(); !s.ok()) return ReportError(s.error());
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const redact::RedactStats& s = stats.value();
      std::string what;
      if (ro.mode == redact::RedactMode::kSecrets) {
        uint64_t spans = 0;
        for (uint64_t n : s.masked_by_rule) spans += n;
        what = fmt::format("{} secrets masked in {} arrays", spans, s.arrays_masked);
      } else {
        what = fmt::format("{} arrays blanked", s.arrays_blanked);
        if (ro.mode == redact::RedactMode::kAll) what += fmt::format(", {} statics zeroed", s.statics_zeroed);
        if (o->keep_thread_names) what += fmt::format(", {} thread names kept", s.thread_names_kept);
      }
      fmt::print(stderr, "heapscope: redacted {} -> {} (mode {}{}{}): {}, {} fields zeroed; {:.1f} MB in {:.2f} s\n",
                 o->dump.path, o->out, o->mode, gzip ? ", gzip" : "", o->encrypt ? ", encrypted" : "", what,
                 s.fields_zeroed, static_cast<double>(s.bytes) / 1e6, seconds);
      if (s.truncated) {
        fmt::print(stderr,
                   "heapscope: warning: {} is truncated, and so is {}: it ends after the last whole record, {} bytes "
                   "of the input left out ({})\n",
                   o->dump.path, o->out, s.dropped_bytes, s.truncation);
      }
      return 0;
    };
  });
}

}  // namespace heapscope::cli
