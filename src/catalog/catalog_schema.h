// catalog/catalog_schema.h - the catalog's tables, written once for both
// backends (the dialect fills the few words that differ).
//
//   dumps     one row a shipped dump (id = the store folder dumps/<id>/)
//   jobs      one analysis job a dump: the leased queue (state, attempt,
//             lease owner and expiry, retry time, last error)
//   results   one row a dump, ever (its primary key): the analysis figures
//   suspects  a result's leak suspects by rank; trends join on signature
//
// Every *_ms column is Unix milliseconds. JSON documents are kept as text.
#ifndef HEAPSCOPE_CATALOG_CATALOG_SCHEMA_H_
#define HEAPSCOPE_CATALOG_CATALOG_SCHEMA_H_

#include "catalog/sql_connection.h"
#include "hprof/error.h"

namespace heapscope::catalog {

inline constexpr int kCatalogSchemaVersion = 1;

// Creates what is missing, in one transaction behind the dialect's schema
// lock, so processes starting together on an empty database all succeed
// (a schema already in place costs one read). A database of another schema
// version is refused.
Status CreateCatalogSchema(SqlConnection& connection);

}  // namespace heapscope::catalog

#endif  // HEAPSCOPE_CATALOG_CATALOG_SCHEMA_H_
