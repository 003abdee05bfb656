#include "cli/pipeline_location.h"

#include <CLI/CLI.hpp>

namespace heapscope::cli {

std::string PipelineLocation::StoreUrl() const { return store.empty() ? home + "/store" : store; }

std::string PipelineLocation::CatalogUrl() const {
  return catalog.empty() ? "sqlite://" + home + "/catalog.db" : catalog;
}

void AddPipelineLocation(CLI::App* cmd, PipelineLocation& where) {
  cmd->add_option("--home", where.home, "folder of the embedded store and catalog")
      ->envname("HEAPSCOPE_HOME")
      ->default_val("heapscope-data");
  cmd->add_option("--store", where.store,
                  "where dumps and reports are kept: a folder, file://PATH or s3://BUCKET[/PREFIX][?endpoint=...] "
                  "(default: HOME/store)")
      ->envname("HEAPSCOPE_STORE");
  cmd->add_option("--catalog", where.catalog,
                  "dumps, jobs and results: sqlite://PATH or postgresql://... (default: sqlite://HOME/catalog.db)")
      ->envname("HEAPSCOPE_CATALOG");
}

}  // namespace heapscope::cli
