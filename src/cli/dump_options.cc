#include "cli/dump_options.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/progress_bar.h"
#include "hprof/dump_input.h"

namespace heapscope::cli {

void AddDumpOptions(CLI::App* cmd, DumpOptions& o) {
  cmd->add_option("DUMP", o.path, "heap dump (.hprof, gzip-compressed or encrypted)")->required();
  AddDumpFlags(cmd, o);
}

void AddDumpFlags(CLI::App* cmd, DumpOptions& o) {
  cmd->add_flag("--json", o.json, "machine-readable JSON on stdout");
  cmd->add_flag("--allow-truncated", o.allow_truncated,
                "analyze what precedes a truncation and report what was lost");
  cmd->add_option("--threads", o.threads, "threads to use (0 = all cores)")->default_val(0);
  cmd->add_option("--key-file", o.key_file,
                  "master key of an encrypted dump: 64 hex digits or 32 raw bytes (default: $HEAPSCOPE_KEY_FILE)");
}

void AddGraphOptions(CLI::App* cmd, GraphCommandOptions& o) {
  cmd->add_option("--weak-refs", o.weak_refs,
                  "as-mat: Reference.referent edges count for dominators (MAT's default); "
                  "exclude: drop them first")
      ->check(CLI::IsMember({"as-mat", "exclude"}))
      ->default_val("as-mat");
  cmd->add_flag("--keep-unreachable", o.keep_unreachable,
                "keep objects no GC root reaches, as children of the super-root");
  cmd->add_option("--index-dir", o.index_dir,
                  "where the index lives (default: DUMP.hsidx beside the dump)");
  cmd->add_flag("--rebuild-index", o.rebuild_index, "ignore an existing index and build a new one");
}

int ReportError(const Error& e) {
  fmt::print(stderr, "heapscope: error: {}\n", e.ToString());
  if (e.truncated) fmt::print(stderr, "heapscope: (use --allow-truncated to analyze what was read)\n");
  return e.ExitCode();
}

Result<std::shared_ptr<const hprof::DumpKey>> LoadDumpKey(const std::string& key_file) {
  std::string path = key_file;
  bool from_env = false;
  if (path.empty()) {
    const char* env = std::getenv("HEAPSCOPE_KEY_FILE");
    if (!env || !*env) return std::shared_ptr<const hprof::DumpKey>();
    path = env;
    from_env = true;
  }
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const hprof::DumpKey>> loaded;
  std::lock_guard lock(mu);
  if (auto it = loaded.find(path); it != loaded.end()) return it->second;
  auto key = hprof::DumpKey::Load(path);
  if (!key.ok()) {
    Error e = key.error();
    if (from_env) e.message += " (the path is HEAPSCOPE_KEY_FILE's)";
    return e;
  }
  auto shared = std::make_shared<const hprof::DumpKey>(std::move(key.value()));
  loaded.emplace(path, shared);
  return shared;
}

Result<hprof::ReadOptions> ReadOptionsFor(const DumpOptions& o) {
  hprof::ReadOptions ro;
  auto key = LoadDumpKey(o.key_file);
  if (!key.ok()) return key.error();
  ro.key = std::move(key.value());
  ro.allow_truncated = o.allow_truncated;
  ro.threads = o.threads;
  auto bar = std::make_shared<ProgressBar>("reading");
  ro.progress = [bar](uint64_t done, uint64_t total) { bar->Update(done, total); };
  return ro;
}

Result<heap::HeapScan> Scan(const DumpOptions& o) {
  auto ro = ReadOptionsFor(o);
  if (!ro.ok()) return ro.error();
  return heap::ScanHeapFile(o.path, heap::ScanOptions{std::move(ro.value())});
}

void PrintJson(const nlohmann::ordered_json& j) {
  std::string s = j.dump(2);
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), stdout);
}

Result<std::shared_ptr<const AnalyzedHeap>> Analyze(const DumpOptions& o, const GraphCommandOptions& g,
                                                    bool with_analysis) {
  index::IndexOptions io;
  io.index_dir = g.index_dir;
  io.weak_refs = g.weak_refs == "exclude" ? analysis::WeakRefs::kExclude : analysis::WeakRefs::kAsMat;
  io.keep_unreachable = g.keep_unreachable;
  io.rebuild = g.rebuild_index;
  io.with_analysis = with_analysis;
  auto ro = ReadOptionsFor(o);
  if (!ro.ok()) return ro.error();
  io.read = std::move(ro.value());
  io.note = [](const std::string& text) { fmt::print(stderr, "heapscope: {}\n", text); };
  return index::OpenOrBuild(o.path, io);
}

Result<heap::ObjectIdx> ParseObject(const heap::HeapModel& model, const std::string& text) {
  uint64_t id = 0;
  bool hex = text.size() > 2 && (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0);
  std::string digits = hex ? text.substr(2) : text;
  if (digits.empty() || digits.size() > 16) {
    return Error::Usage(fmt::format("\"{}\" is not an object id (expected 0x... or a decimal number)", text));
  }
  for (char ch : digits) {
    int v = ch >= '0' && ch <= '9'   ? ch - '0'
            : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
            : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                     : -1;
    if (v < 0 || (!hex && v > 9)) {
      return Error::Usage(fmt::format("\"{}\" is not an object id (expected 0x... or a decimal number)", text));
    }
    id = id * (hex ? 16 : 10) + static_cast<uint64_t>(v);
  }
  heap::ObjectIdx o = model.Find(id);
  if (o == heap::kNoObject) return Error::BadInput(fmt::format("no object with id 0x{:x} in this dump", id));
  return o;
}

}  // namespace heapscope::cli
