// index/analyzed_heap.h - what graph commands start from: a dump's model,
// reverse graph, dominators and retained sizes, reopened from its index when valid
// (format, heapscope build, dump size/mtime/head+tail hashes and every file's
// length and XXH3-64 all match), else built, written and noted in one line.
// Never a silently wrong answer. The result is read-only and shareable across
// threads; reopened columns are views of mapped files (heap/column.h).
#ifndef HEAPSCOPE_INDEX_ANALYZED_HEAP_H_
#define HEAPSCOPE_INDEX_ANALYZED_HEAP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analysis/dominator_tree.h"
#include "analysis/object_graph.h"
#include "heap/heap_model.h"
#include "hprof/dump_reader.h"
#include "hprof/error.h"

namespace heapscope::index {

struct IndexOptions {
  std::string index_dir;  // "" = "<dump>.hsidx" beside the dump
  analysis::WeakRefs weak_refs = analysis::WeakRefs::kAsMat;
  bool keep_unreachable = false;
  bool rebuild = false;  // ignore an existing index (--force)
  bool write = true;     // write what was built; false = keep it in memory only
  // false: the model only (graph, reverse and dominators left empty), for
  // commands such as `threads` that need no graph.
  bool with_analysis = true;
  hprof::ReadOptions read;  // also: read.threads verify checksums (0 = all cores)
  // Receives one-line notes for stderr: "index stale (dump changed): rebuilding".
  std::function<void(const std::string&)> note;
};

// One step of a build, for `heapscope index` and the benchmark: where the
// time and the memory go.
struct BuildPhase {
  std::string name;        // "model", "graph", "dominators", ...
  double seconds = 0;
  uint64_t peak_rss_bytes = 0;  // the process's peak RSS so far, as getrusage reports it
};

// How the heap was obtained, for `heapscope index` and for tests.
struct IndexInfo {
  std::string dir;
  bool model_reused = false;     // the model came from the index
  bool analysis_reused = false;  // graph, reverse graph and dominators too
  std::string problem;           // why an existing index was not used; "" if none was there or it was used
  std::string write_error;       // set when the index could not be written (the heap is still right)
  uint64_t bytes = 0;            // index files verified or written
  double open_seconds = 0;       // reading, verifying and mapping the index
  double build_seconds = 0;      // reading the dump and computing what the index lacked
  std::vector<BuildPhase> phases;  // what was built, step by step
};

// The forward ObjectGraph is not kept: dominators need it once, and paths
// take their forward edges from the model's references.
struct AnalyzedHeap {
  heap::HeapModel model;
  analysis::ReverseGraph reverse;
  analysis::DominatorTree dominators;
  // Per class (ClassIdx): analysis::RetainedByClass, computed once so
  // `histogram --retained` needs no walk of the dominator tree.
  heap::Column<uint64_t> retained_by_class;
  IndexInfo index;
};

// An encrypted dump's index is never read or written (its model holds the
// dump's strings in the clear): it is built in memory each time, with a note.
// Errors are those of reading the dump (a bad dump stays an error) or, when
// `options.write` is set and nothing can be reused, none at all for an
// index that can't be written: that goes to index.write_error and a note.
Result<std::shared_ptr<const AnalyzedHeap>> OpenOrBuild(const std::string& dump_path, const IndexOptions& options);

// The directory a dump's index lives in (see IndexDirFor in dump_identity.h)
// and the part of it that holds the analysis for these options.
std::string AnalysisPartName(analysis::WeakRefs weak_refs, bool keep_unreachable);

}  // namespace heapscope::index

#endif  // HEAPSCOPE_INDEX_ANALYZED_HEAP_H_
