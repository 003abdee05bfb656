// cli/pipeline_location.h - where the pipeline's store and catalog are,
// shared by every pipeline command. On one machine nothing needs setting:
// both live in a home folder (a local store and a SQLite file). A fleet
// points every process at the same S3 bucket and PostgreSQL database.
#ifndef HEAPSCOPE_CLI_PIPELINE_LOCATION_H_
#define HEAPSCOPE_CLI_PIPELINE_LOCATION_H_

#include <string>

namespace CLI {
class App;
}

namespace heapscope::cli {

struct PipelineLocation {
  std::string home;     // --home, $HEAPSCOPE_HOME, else ./heapscope-data
  std::string store;    // --store, $HEAPSCOPE_STORE, else <home>/store
  std::string catalog;  // --catalog, $HEAPSCOPE_CATALOG, else sqlite://<home>/catalog.db

  // The URLs with the home folder's defaults filled in.
  std::string StoreUrl() const;
  std::string CatalogUrl() const;
};

void AddPipelineLocation(CLI::App* cmd, PipelineLocation& where);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_PIPELINE_LOCATION_H_
