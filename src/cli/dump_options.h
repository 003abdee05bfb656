// cli/dump_options.h - what every command that reads a dump shares: its
// common options, how errors are printed, JSON output, and the analyzed
// heap (model, graph, dominators) that graph commands start from.
#ifndef HEAPSCOPE_CLI_DUMP_OPTIONS_H_
#define HEAPSCOPE_CLI_DUMP_OPTIONS_H_

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/dominator_tree.h"
#include "analysis/object_graph.h"
#include "heap/heap_model.h"
#include "heap/heap_scan.h"
#include "hprof/dump_reader.h"
#include "hprof/error.h"
#include "index/analyzed_heap.h"

namespace CLI {
class App;
}

namespace heapscope::cli {

struct DumpOptions {
  std::string path;
  bool json = false;
  bool allow_truncated = false;
  int threads = 0;
  std::string key_file;  // --key-file; "" = $HEAPSCOPE_KEY_FILE, if set
};

void AddDumpOptions(CLI::App* cmd, DumpOptions& o);
// The same without the DUMP argument, for commands that take several dumps.
void AddDumpFlags(CLI::App* cmd, DumpOptions& o);

// Options of commands that need the object graph.
struct GraphCommandOptions {
  std::string weak_refs = "as-mat";  // or "exclude"
  bool keep_unreachable = false;
  std::string index_dir;             // "" = beside the dump
  bool rebuild_index = false;
};
void AddGraphOptions(CLI::App* cmd, GraphCommandOptions& o);

// Prints "heapscope: error: ..." and returns the exit code.
int ReportError(const Error& e);

// The master key for encrypted dumps from `key_file`, else from the file
// $HEAPSCOPE_KEY_FILE names; null when neither is set. Each file is read
// once per process (diff and trend open several dumps with one key).
Result<std::shared_ptr<const hprof::DumpKey>> LoadDumpKey(const std::string& key_file);

// Read options from the command line (the key loaded), with a progress bar
// that lives as long as the options do.
Result<hprof::ReadOptions> ReadOptionsFor(const DumpOptions& o);

Result<heap::HeapScan> Scan(const DumpOptions& o);

void PrintJson(const nlohmann::ordered_json& j);

// The model with its graph, reverse graph and dominator tree, from the
// dump's index when a valid one exists (built and written otherwise).
using AnalyzedHeap = index::AnalyzedHeap;
Result<std::shared_ptr<const AnalyzedHeap>> Analyze(const DumpOptions& o, const GraphCommandOptions& g,
                                                    bool with_analysis = true);

// Parses an object id as the dump writes it ("0x1a2b" or decimal) and finds
// the object: a usage error for bad syntax, bad input for an unknown id.
Result<heap::ObjectIdx> ParseObject(const heap::HeapModel& model, const std::string& text);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_DUMP_OPTIONS_H_
