#include "cli/index_command.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/dump_options.h"
#include "hprof/encrypted_reader.h"
#include "index/analyzed_heap.h"

namespace heapscope::cli {

namespace {

std::string State(bool reused) { return reused ? "reused" : "built"; }

}  // namespace

void RegisterIndex(CLI::App& app, std::function<int()>& run) {
  struct Options {
    DumpOptions dump;
    GraphCommandOptions graph;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "index", "build the dump's index (model, graph and dominators as mapped files) so later commands open it "
               "in about a second; a valid index is only verified");
  AddDumpOptions(cmd, o->dump);
  AddGraphOptions(cmd, o->graph);
  cmd->add_flag("--force", o->force, "rebuild even when a valid index exists (same as --rebuild-index)");
  cmd->callback([o, &run] {
    run = [o] {
      index::IndexOptions io;
      io.index_dir = o->graph.index_dir;
      io.weak_refs = o->graph.weak_refs == "exclude" ? analysis::WeakRefs::kExclude : analysis::WeakRefs::kAsMat;
      io.keep_unreachable = o->graph.keep_unreachable;
      io.rebuild = o->force || o->graph.rebuild_index;
      // The index holds the dump's strings and structure in the clear.
      if (hprof::IsEncryptedFile(o->dump.path)) {
        return ReportError(Error::Usage(fmt::format(
            "{} is encrypted: its index is never written, as it would put plaintext on the disk (other commands "
            "build it in memory each time)",
            o->dump.path)));
      }
      auto ro = ReadOptionsFor(o->dump);
      if (!ro.ok()) return ReportError(ro.error());
      io.read = std::move(ro.value());
      io.note = [](const std::string& text) { fmt::print(stderr, "heapscope: {}\n", text); };
      auto start = std::chrono::steady_clock::now();
      auto heap = index::OpenOrBuild(o->dump.path, io);
      if (!heap.ok()) return ReportError(heap.error());
      double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const index::IndexInfo& info = heap.value()->index;
      // Writing the index is this command's whole job.
      if (!info.write_error.empty()) return ReportError(Error::Io(info.write_error));
      if (o->dump.json) {
        nlohmann::ordered_json j = {
            {"index", info.dir},
            {"model", State(info.model_reused)},
            {"analysis", State(info.analysis_reused)},
            {"rebuilt_because", info.problem},
            {"bytes", info.bytes},
            {"objects", heap.value()->model.object_count()},
            {"open_seconds", info.open_seconds},
            {"build_seconds", info.build_seconds},
            {"total_seconds", total},
        };
        nlohmann::ordered_json phases = nlohmann::ordered_json::array();
        for (const index::BuildPhase& p : info.phases) {
          phases.push_back({{"name", p.name}, {"seconds", p.seconds}, {"peak_rss_bytes", p.peak_rss_bytes}});
        }
        j["phases"] = std::move(phases);
        PrintJson(j);
        return 0;
      }
      fmt::print("index     {}\n", info.dir);
      fmt::print("model     {}\nanalysis  {}\n", State(info.model_reused), State(info.analysis_reused));
      if (!info.problem.empty()) fmt::print("rebuilt   {}\n", info.problem);
      fmt::print("objects   {}\n", heap.value()->model.object_count());
      fmt::print("size      {:.1f} MiB in index files\n", static_cast<double>(info.bytes) / (1 << 20));
      fmt::print("time      open and verify {:.3f} s, build {:.3f} s, total {:.3f} s\n", info.open_seconds,
                 info.build_seconds, total);
      for (const index::BuildPhase& p : info.phases) {
        fmt::print("  {:<26} {:7.3f} s   peak RSS so far {:7.0f} MiB\n", p.name, p.seconds,
                   static_cast<double>(p.peak_rss_bytes) / (1 << 20));
      }
      return 0;
    };
  });
}

}  // namespace heapscope::cli
