// catalog/sql_catalog.h - the DumpCatalog over any SqlConnection: the
// queue's semantics (claim, lease fence, retries, dead letters, results
// once per dump) written once for SQLite and PostgreSQL.
//
// A lease that has expired but that no one has reclaimed yet still belongs
// to its worker: its Complete, Fail, Heartbeat and Release succeed. Only a
// Claim by another worker takes it away (the usual rule of leased queues; a
// late result is as good as any, and results stay unique per dump).
// Thread-safe: every call holds the catalog's one connection under a mutex.
#ifndef HEAPSCOPE_CATALOG_SQL_CATALOG_H_
#define HEAPSCOPE_CATALOG_SQL_CATALOG_H_

#include <memory>

#include "catalog/dump_catalog.h"
#include "catalog/sql_connection.h"

namespace heapscope::catalog {

// Creates the schema when missing.
Result<std::unique_ptr<DumpCatalog>> OpenSqlCatalog(std::unique_ptr<SqlConnection> connection);

}  // namespace heapscope::catalog

#endif  // HEAPSCOPE_CATALOG_SQL_CATALOG_H_
