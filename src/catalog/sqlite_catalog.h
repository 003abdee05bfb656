// catalog/sqlite_catalog.h - the catalog in one SQLite file: the embedded
// default, for one machine.
//
// Several processes may use the file at once (the embedded mode's worker
// threads, and a `heapscope submit` beside them): WAL mode lets reads run
// beside the one writer, and every write transaction starts with BEGIN
// IMMEDIATE, so claimers queue for the write lock instead of deadlocking on
// an upgrade. Waits are bounded by a 10 s busy timeout. Commits are synced
// (synchronous=FULL, about 4 ms each on a plain disk: plenty for jobs that
// take minutes), so a queued dump survives a power cut. Leases use this
// machine's clock. Not for a network file system (SQLite's locking is not
// reliable there): use PostgreSQL for workers on many machines.
#ifndef HEAPSCOPE_CATALOG_SQLITE_CATALOG_H_
#define HEAPSCOPE_CATALOG_SQLITE_CATALOG_H_

#include <memory>
#include <string>

#include "catalog/dump_catalog.h"

namespace heapscope::catalog {

// Creates the file (mode 0600: it names services and pods) and its parent
// folder when missing.
Result<std::unique_ptr<DumpCatalog>> OpenSqliteCatalog(const std::string& path);

}  // namespace heapscope::catalog

#endif  // HEAPSCOPE_CATALOG_SQLITE_CATALOG_H_
