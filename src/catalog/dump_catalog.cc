#include "catalog/dump_catalog.h"

#include <fmt/format.h>

#include "catalog/postgres_catalog.h"
#include "catalog/sqlite_catalog.h"

namespace heapscope::catalog {

const char* JobStateName(JobState s) {
  switch (s) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kDead: return "dead";
  }
  return "unknown";
}

Result<std::unique_ptr<DumpCatalog>> OpenDumpCatalog(const std::string& url) {
  std::string_view text = url;
  if (text.starts_with("postgres://") || text.starts_with("postgresql://")) return OpenPostgresCatalog(url);
  if (text.starts_with("sqlite://")) return OpenSqliteCatalog(url.substr(9));
  if (text.starts_with("sqlite:")) return OpenSqliteCatalog(url.substr(7));
  constexpr std::string_view kForms =
      "postgresql://[user[:password]@]host[:port]/database (or postgres://), sqlite://PATH, sqlite:PATH or a "
      "plain file path";
  if (text.empty()) return Error::Usage(fmt::format("no catalog given: use {}", kForms));
  // Only the scheme is repeated: the rest may hold a password.
  if (size_t scheme = text.find("://"); scheme != std::string_view::npos) {
    return Error::Usage(fmt::format("catalog {}://...: unknown kind; use {}", text.substr(0, scheme), kForms));
  }
  return OpenSqliteCatalog(url);
}

}  // namespace heapscope::catalog
