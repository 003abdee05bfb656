// catalog/postgres_catalog.h - the catalog in PostgreSQL: for workers on many
// machines.
//
// Claims lock the candidate row FOR UPDATE SKIP LOCKED, so concurrent
// claimers pass each other by instead of waiting; leases and retry times use
// the server's clock, so workers' clocks never matter. Every statement is
// parameterized. A connection found broken is reset once before a statement
// that can safely run again (a read, or the BEGIN of a write), so a
// restarted server costs one failed call at most, never a write twice.
#ifndef HEAPSCOPE_CATALOG_POSTGRES_CATALOG_H_
#define HEAPSCOPE_CATALOG_POSTGRES_CATALOG_H_

#include <memory>
#include <string>
#include <string_view>

#include "catalog/dump_catalog.h"

namespace heapscope::catalog {

// `uri` is a libpq connection URI (postgres:// or postgresql://); libpq's
// PG* variables fill what it leaves out. Unless given, connect_timeout is
// 10 s and application_name "heapscope".
Result<std::unique_ptr<DumpCatalog>> OpenPostgresCatalog(const std::string& uri);

// The URI with the password (user:PASSWORD@ or password=...) shown as ***.
std::string MaskPostgresPassword(std::string_view uri);

}  // namespace heapscope::catalog

#endif  // HEAPSCOPE_CATALOG_POSTGRES_CATALOG_H_
