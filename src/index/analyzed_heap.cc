#include "index/analyzed_heap.h"

#include <chrono>
#include <filesystem>
#include <future>
#include <random>
#include <utility>

#include <sys/resource.h>

#include <fmt/format.h>

#include "hprof/encrypted_reader.h"
#include "index/analysis_part.h"
#include "index/dump_identity.h"
#include "index/index_part.h"
#include "index/model_part.h"

namespace heapscope::index {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kModelPartDir = "model";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

uint64_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

uint64_t NewBuildId() {
  std::random_device rd;
  uint64_t id = 0;
  while (id == 0) id = (uint64_t{rd()} << 32) ^ rd();
  return id;
}

// Turns a part that can't be used into the one-line note the brief of every
// command promises ("index stale (dump changed): rebuilding").
std::string ProblemText(const PartOpen& open) {
  switch (open.problem) {
    case PartProblem::kNone: return "";
    case PartProblem::kMissing: return "";
    case PartProblem::kStale: return fmt::format("index stale ({})", open.detail);
    case PartProblem::kCorrupt: return fmt::format("index corrupt ({})", open.detail);
  }
  return "";
}

// A new model makes every analysis part stale; they would only hold disk.
void RemoveAnalysisParts(const std::string& dir) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    // Another process's part in the making is its own business.
    if (name.rfind("analysis-", 0) == 0 && name.find(".tmp-") == std::string::npos) fs::remove_all(e.path(), ec);
  }
}

class Builder {
 public:
  Builder(const std::string& dump_path, const IndexOptions& options)
      : path_(dump_path), opt_(options), heap_(std::make_shared<AnalyzedHeap>()) {}

  Result<std::shared_ptr<const AnalyzedHeap>> Run() {
    auto identity = ReadDumpIdentity(path_);
    if (!identity.ok()) return identity.error();
    identity_ = identity.value();
    // An encrypted dump's model holds its strings in the clear (the arena),
    // so its index is neither read nor written: no plaintext on the disk.
    in_memory_ = hprof::IsEncryptedFile(path_);
    write_ = opt_.write && !in_memory_;
    IndexInfo& info = heap_->index;
    if (!in_memory_) info.dir = IndexDirFor(path_, opt_.index_dir);
    Status s = OpenOrBuildModel();
    if (!s.ok()) return s.error();
    if (opt_.with_analysis) {
      s = OpenOrBuildAnalysis();
      if (!s.ok()) return s.error();
    } else {
      FinishModelWrite();
    }
    return std::shared_ptr<const AnalyzedHeap>(std::move(heap_));
  }

 private:
  std::string ModelDir() const { return (fs::path(heap_->index.dir) / kModelPartDir).string(); }
  std::string AnalysisDir() const {
    return (fs::path(heap_->index.dir) / AnalysisPartName(opt_.weak_refs, opt_.keep_unreachable)).string();
  }

  // Ends the phase that began at `start` and returns the time to start the next.
  Clock::time_point Phase(std::string name, Clock::time_point start) {
    heap_->index.phases.push_back({std::move(name), SecondsSince(start), PeakRssBytes()});
    return Clock::now();
  }

  void Note(const std::string& text) {
    if (opt_.note) opt_.note(text);
  }
  void NoteProblem(const PartOpen& open, std::string_view action) {
    std::string text = ProblemText(open);
    if (text.empty()) return;
    if (heap_->index.problem.empty()) heap_->index.problem = text;
    Note(fmt::format("{}: {}", text, action));
  }
  void NoteWriteError(const Error& e) {
    if (heap_->index.write_error.empty()) {
      heap_->index.write_error = e.message;
      Note(fmt::format("cannot write the index ({}); going on without it", e.message));
    }
  }

  Status OpenOrBuildModel() {
    IndexInfo& info = heap_->index;
    if (!opt_.rebuild && !in_memory_) {
      auto start = Clock::now();
      PartOpen open = OpenPart(
          ModelDir(),
          [&](const nlohmann::json& m) { return ModelPartStaleness(m, identity_, opt_.read.allow_truncated); },
          opt_.read.threads);
      if (open.problem == PartProblem::kNone) {
        auto model = LoadModelPart(open.part, path_, identity_);
        if (model.ok()) {
          heap_->model = std::move(model.value());
          model_build_id_ = ModelBuildId(open.part.manifest);
          info.model_reused = true;
          info.bytes += open.part.bytes;
          info.open_seconds += SecondsSince(start);
          return {};
        }
        if (model.error().kind == ErrorKind::kIo) return model.error();  // the dump itself is unreadable
        open = {PartProblem::kCorrupt, model.error().message, {}};
      }
      info.open_seconds += SecondsSince(start);
      NoteProblem(open, "rebuilding");
      if (open.problem == PartProblem::kMissing) Note(fmt::format("no index yet: building {}", info.dir));
    }
    auto start = Clock::now();
    auto model = heap::BuildHeapModel(path_, heap::ModelOptions{opt_.read});
    if (!model.ok()) return model.error();
    heap_->model = std::move(model.value());
    Phase("model", start);
    if (in_memory_) Note("encrypted dump: the index stays in memory, so no plaintext reaches the disk");
    model_build_id_ = NewBuildId();
    // A dump rewritten while it was read must not be indexed under its old
    // identity.
    auto after = ReadDumpIdentity(path_);
    if (write_ && !(after.ok() && after.value() == identity_)) {
      NoteWriteError(Error::Io("the dump changed while it was read"));
    } else if (write_) {
      // Writing 2 GB of columns is bound by the disk (6 s at 365 MB/s here),
      // so it runs while the graph and dominators are computed; the model is
      // read-only from here on.
      model_write_ = std::async(std::launch::async, [this] {
        return WriteModelPart(ModelDir(), heap_->model, path_, identity_, opt_.read.allow_truncated,
                              model_build_id_);
      });
    }
    info.build_seconds += SecondsSince(start);
    return {};
  }

  void FinishModelWrite() {
    if (!model_write_.valid()) return;
    Result<uint64_t> written = model_write_.get();
    if (written.ok()) {
      heap_->index.bytes += written.value();
      RemoveAnalysisParts(heap_->index.dir);
    } else {
      NoteWriteError(written.error());
    }
  }

  Status OpenOrBuildAnalysis() {
    IndexInfo& info = heap_->index;
    if (!opt_.rebuild && info.model_reused) {
      auto start = Clock::now();
      PartOpen open = OpenPart(
          AnalysisDir(),
          [&](const nlohmann::json& m) {
            return AnalysisPartStaleness(m, opt_.weak_refs, opt_.keep_unreachable, model_build_id_);
          },
          opt_.read.threads);
      if (open.problem == PartProblem::kNone) {
        Status s = LoadAnalysisPart(open.part, heap_.get());
        if (s.ok()) {
          info.analysis_reused = true;
          info.bytes += open.part.bytes;
          info.open_seconds += SecondsSince(start);
          return {};
        }
        open = {PartProblem::kCorrupt, s.error().message, {}};
        heap_->reverse = {};
        heap_->dominators = {};
      }
      info.open_seconds += SecondsSince(start);
      NoteProblem(open, "recomputing the graph and dominators");
      if (open.problem == PartProblem::kMissing) {
        Note(fmt::format("the index has no {}: computing it", AnalysisPartName(opt_.weak_refs, opt_.keep_unreachable)));
      }
    }
    auto start = Clock::now();
    auto phase = start;
    analysis::GraphOptions graph_options;
    graph_options.weak_refs = opt_.weak_refs;
    auto graph = analysis::BuildObjectGraph(heap_->model, graph_options);
    if (!graph.ok()) return graph.error();
    phase = Phase("graph", phase);
    analysis::DominatorOptions dominator_options;
    dominator_options.keep_unreachable = opt_.keep_unreachable;
    heap_->reverse = analysis::BuildReverseGraph(graph.value());
    graph.value().out_kind = {};  // the reverse graph has the kinds; dominators need none
    phase = Phase("reverse graph", phase);
    // The forward graph is not kept (see AnalyzedHeap): dominators free it
    // as soon as their search is done with it.
    heap_->dominators = analysis::ComputeDominators(std::move(graph.value()), heap_->reverse,
                                                    heap_->model.shallow_size.span(), dominator_options);
    heap_->retained_by_class.storage() = analysis::RetainedByClass(heap_->dominators, heap_->model.object_class.span(),
                                                         heap_->model.scan.classes.size());
    phase = Phase("dominators", phase);
    FinishModelWrite();
    phase = Phase("model write (waited for)", phase);
    // Without a model part on disk an analysis part could never be reused.
    if (write_ && info.write_error.empty()) {
      auto written = WriteAnalysisPart(AnalysisDir(), *heap_, opt_.weak_refs, opt_.keep_unreachable, model_build_id_);
      if (written.ok()) info.bytes += written.value();
      else NoteWriteError(written.error());
      Phase("analysis write", phase);
    }
    info.build_seconds += SecondsSince(start);
    return {};
  }

  const std::string& path_;
  const IndexOptions& opt_;
  std::shared_ptr<AnalyzedHeap> heap_;
  DumpIdentity identity_;
  uint64_t model_build_id_ = 0;
  bool in_memory_ = false;  // encrypted: nothing of the index touches the disk
  bool write_ = true;       // opt_.write, unless in_memory_
  // Declared last: destroyed first, so an early return waits for the write
  // while everything it reads is still alive.
  std::future<Result<uint64_t>> model_write_;
};

}  // namespace

Result<std::shared_ptr<const AnalyzedHeap>> OpenOrBuild(const std::string& dump_path, const IndexOptions& options) {
  return Builder(dump_path, options).Run();
}

}  // namespace heapscope::index
