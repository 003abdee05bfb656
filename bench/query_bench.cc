// bench/query_bench.cc - in-process latency of the graph queries on a
// reopened index (Google Benchmark). Not a test.
//
// The dump is HEAPSCOPE_BENCH_DUMP (default bench/data/big.hprof, relative
// to the working directory); its index goes to HEAPSCOPE_BENCH_INDEX_DIR if
// set, else beside the dump. The index is opened (or built and written, when
// no valid one exists) once, before any benchmark runs, and shared by all of
// them: the reopen is reported on stderr and excluded from the timings.
// Run through bench/query.sh, which asks for medians of repetitions.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "analysis/dominator_tree.h"
#include "analysis/gc_root_paths.h"
#include "analysis/object_graph.h"
#include "index/analyzed_heap.h"
#include "report/histogram_report.h"

namespace {

using heapscope::analysis::NodeId;
using heapscope::heap::ObjectIdx;
namespace analysis = heapscope::analysis;

// Opened once in main(), before the benchmarks run; read-only after.
std::shared_ptr<const heapscope::index::AnalyzedHeap>& Heap() {
  static std::shared_ptr<const heapscope::index::AnalyzedHeap> heap;
  return heap;
}

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

// The object the path benchmarks start from: the largest retainer, then
// three steps down the dominator tree through each node's first (largest)
// child, stopping early at a leaf.
ObjectIdx PathTarget(const analysis::DominatorTree& tree, ObjectIdx top, int* depth) {
  NodeId node = analysis::NodeOf(top);
  *depth = 0;
  for (int i = 0; i < 3; ++i) {
    auto children = tree.Children(node);
    if (children.empty()) break;
    node = children[0];
    ++*depth;
  }
  return analysis::ObjectOf(node);
}

// The largest retainer, or false (with the benchmark marked as failed) in a
// heap with nothing reachable.
bool LargestRetainer(benchmark::State& state, ObjectIdx* out) {
  std::vector<ObjectIdx> top = analysis::TopRetainers(Heap()->dominators, 1);
  if (top.empty()) {
    state.SkipWithError("the heap has no reachable object");
    return false;
  }
  *out = top[0];
  return true;
}

void BM_TopDominators(benchmark::State& state) {
  const auto& heap = *Heap();
  for (auto _ : state) {
    std::vector<ObjectIdx> top = analysis::TopRetainers(heap.dominators, 20);
    benchmark::DoNotOptimize(top.data());
    benchmark::ClobberMemory();
  }
}

void BM_DominatorChildren(benchmark::State& state) {
  const auto& heap = *Heap();
  // The widest of the big retainers: the largest one often has one child
  // (a collection's backing array), which would time nothing.
  NodeId largest = analysis::kSuperRoot;
  for (ObjectIdx o : analysis::TopRetainers(heap.dominators, 100)) {
    if (heap.dominators.Children(analysis::NodeOf(o)).size() > heap.dominators.Children(largest).size() ||
        largest == analysis::kSuperRoot) {
      largest = analysis::NodeOf(o);
    }
  }
  if (largest == analysis::kSuperRoot) {
    state.SkipWithError("the heap has no reachable object");
    return;
  }
  uint64_t children_count = 0;
  for (auto _ : state) {
    auto children = heap.dominators.Children(largest);
    children_count = children.size();
    for (NodeId child : children) {
      uint64_t retained = heap.dominators.retained[child];
      benchmark::DoNotOptimize(retained);
    }
  }
  state.counters["children"] = static_cast<double>(children_count);
}

void BM_PathsToRoots(benchmark::State& state) {
  const auto& heap = *Heap();
  ObjectIdx top = 0;
  if (!LargestRetainer(state, &top)) return;
  int depth = 0;
  const ObjectIdx target = PathTarget(heap.dominators, top, &depth);
  analysis::PathOptions options;
  options.max_paths = static_cast<size_t>(state.range(0));
  size_t found = 0;
  size_t longest = 0;
  uint64_t edges = 0;
  for (auto _ : state) {
    auto paths = analysis::FindGcRootPaths(heap.model, heap.reverse, target, options);
    if (!paths.ok()) {
      state.SkipWithError(paths.error().ToString().c_str());
      return;
    }
    found = paths->paths.size();
    longest = 0;
    for (const auto& p : paths->paths) longest = std::max(longest, p.steps.size());
    edges = paths->edges_examined;
    benchmark::DoNotOptimize(paths->paths.data());
  }
  state.counters["target_depth"] = depth;
  state.counters["paths"] = static_cast<double>(found);
  state.counters["longest"] = static_cast<double>(longest);
  state.counters["edges"] = static_cast<double>(edges);
}

void BM_RetainedHistogram(benchmark::State& state) {
  const auto& heap = *Heap();
  for (auto _ : state) {
    // What `histogram --retained` does: the per-class sums are in the index.
    auto rows = heapscope::report::HistogramRows(heap.model.scan, heapscope::report::HistogramSort::kRetained, 0,
                                                 heap.retained_by_class.span());
    benchmark::DoNotOptimize(rows.data());
    benchmark::ClobberMemory();
  }
}

BENCHMARK(BM_TopDominators)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DominatorChildren)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PathsToRoots)->ArgName("max_paths")->Arg(1)->Arg(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RetainedHistogram)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const std::string dump = EnvOr("HEAPSCOPE_BENCH_DUMP", "bench/data/big.hprof");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(dump, ec)) {
    std::fprintf(stderr,
                 "heapscope_query_bench: dump %s not found (set HEAPSCOPE_BENCH_DUMP, "
                 "or make it with bench/make_dump.sh)\n",
                 dump.c_str());
    return 2;
  }

  heapscope::index::IndexOptions options;
  options.index_dir = EnvOr("HEAPSCOPE_BENCH_INDEX_DIR", "");
  options.write = true;
  options.note = [](const std::string& line) { std::fprintf(stderr, "heapscope_query_bench: %s\n", line.c_str()); };

  // The benchmarks measure queries on a reopened (mapped) index. When no
  // valid index was there, the first call builds and writes one; drop that
  // in-memory heap and reopen what was written, so the timings are the same
  // either way.
  for (int attempt = 0; attempt < 2; ++attempt) {
    Heap().reset();
    const auto start = std::chrono::steady_clock::now();
    auto opened = heapscope::index::OpenOrBuild(dump, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!opened.ok()) {
      std::fprintf(stderr, "heapscope_query_bench: %s: %s\n", dump.c_str(), opened.error().ToString().c_str());
      return opened.error().ExitCode();
    }
    Heap() = std::move(opened).value();
    const heapscope::index::IndexInfo& info = Heap()->index;
    const bool reopened = info.model_reused && info.analysis_reused;
    std::fprintf(stderr,
                 "heapscope_query_bench: %s: %s in %.3f s (index %s; open %.3f s, build %.3f s); "
                 "%llu objects\n",
                 dump.c_str(), reopened ? "index reopened" : "index built", seconds, info.dir.c_str(), info.open_seconds, info.build_seconds,
                 static_cast<unsigned long long>(Heap()->model.object_count()));
    if (reopened) break;
    if (!info.write_error.empty()) {
      std::fprintf(stderr,
                   "heapscope_query_bench: index not written (%s): timing queries on the in-memory heap\n",
                   info.write_error.c_str());
      break;
    }
  }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  Heap().reset();
  return 0;
}
