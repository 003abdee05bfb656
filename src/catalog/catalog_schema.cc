#include "catalog/catalog_schema.h"

#include <fmt/format.h>

namespace heapscope::catalog {
namespace {

// Statements in creation order; {serial_key} comes from the dialect.
constexpr const char* kSchema[] = {
    R"(CREATE TABLE IF NOT EXISTS schema_version (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         version INTEGER NOT NULL))",
    R"(CREATE TABLE IF NOT EXISTS dumps (
         id TEXT PRIMARY KEY,
         service TEXT NOT NULL,
         pod TEXT NOT NULL,
         namespace TEXT NOT NULL,
         captured_ms BIGINT NOT NULL,
         size BIGINT NOT NULL,
         location TEXT NOT NULL,
         metadata TEXT NOT NULL,
         added_ms BIGINT NOT NULL))",
    R"(CREATE TABLE IF NOT EXISTS jobs (
         id {serial_key},
         dump_id TEXT NOT NULL UNIQUE REFERENCES dumps (id),
         service TEXT NOT NULL,
         state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'dead')),
         attempt INTEGER NOT NULL DEFAULT 0,
         max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
         locked_by TEXT NOT NULL DEFAULT '',
         locked_until_ms BIGINT NOT NULL DEFAULT 0,
         run_after_ms BIGINT NOT NULL,
         error TEXT NOT NULL DEFAULT '',
         result_location TEXT NOT NULL DEFAULT '',
         created_ms BIGINT NOT NULL,
         updated_ms BIGINT NOT NULL))",
    // The claim's two ways in: due queued jobs in order, and expired leases.
    "CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs (run_after_ms, id) WHERE state = 'queued'",
    "CREATE INDEX IF NOT EXISTS jobs_leases ON jobs (locked_until_ms) WHERE state = 'running'",
    "CREATE INDEX IF NOT EXISTS jobs_service ON jobs (service, id)",
    R"(CREATE TABLE IF NOT EXISTS results (
         dump_id TEXT PRIMARY KEY REFERENCES dumps (id),
         job_id BIGINT NOT NULL REFERENCES jobs (id),
         service TEXT NOT NULL,
         captured_ms BIGINT NOT NULL,
         heap_bytes BIGINT NOT NULL,
         object_count BIGINT NOT NULL,
         result_location TEXT NOT NULL,
         summary TEXT NOT NULL,
         worker TEXT NOT NULL,
         completed_ms BIGINT NOT NULL))",
    "CREATE INDEX IF NOT EXISTS results_service ON results (service, captured_ms)",
    R"(CREATE TABLE IF NOT EXISTS suspects (
         dump_id TEXT NOT NULL REFERENCES results (dump_id),
         rank INTEGER NOT NULL,
         signature TEXT NOT NULL,
         kind TEXT NOT NULL,
         class_name TEXT NOT NULL,
         retained_bytes BIGINT NOT NULL,
         retained_percent DOUBLE PRECISION NOT NULL,
         count BIGINT NOT NULL,
         title TEXT NOT NULL,
         PRIMARY KEY (dump_id, rank)))",
    // Trends: one suspect signature across a service's dumps.
    "CREATE INDEX IF NOT EXISTS suspects_signature ON suspects (signature, dump_id)",
    "INSERT INTO schema_version (id, version) VALUES (1, {version}) ON CONFLICT (id) DO NOTHING",
};

// "" when `rows` (of SELECT version) name the version this code knows.
std::string VersionMismatch(const SqlRows& rows) {
  std::string found = rows.rows.empty() ? "none" : rows.rows[0][0];
  return found == std::to_string(kCatalogSchemaVersion) ? "" : found;
}

}  // namespace

Status CreateCatalogSchema(SqlConnection& connection) {
  // Most opens find the schema in place: one read, and no DDL, which a role
  // without CREATE rights could not even run as a no-op.
  constexpr std::string_view kReadVersion = "SELECT version FROM schema_version";
  if (auto current = connection.Run(kReadVersion, {}); current.ok() && VersionMismatch(*current).empty()) return {};

  const SqlDialect& dialect = connection.Dialect();
  auto tx = SqlTransaction::Begin(connection);
  if (!tx.ok()) return tx.error();
  if (!dialect.schema_lock.empty()) {
    if (auto locked = connection.Run(dialect.schema_lock, {}); !locked.ok()) return locked.error();
  }
  for (const char* statement : kSchema) {
    std::string sql = fmt::format(fmt::runtime(statement), fmt::arg("serial_key", dialect.serial_key),
                                  fmt::arg("version", kCatalogSchemaVersion));
    if (auto done = connection.Run(sql, {}); !done.ok()) return done.error();
  }
  auto version = connection.Run(kReadVersion, {});
  if (!version.ok()) return version.error();
  if (std::string found = VersionMismatch(*version); !found.empty()) {
    return Error::Io(fmt::format("catalog {}: schema version {}, this heapscope knows version {}",
                                 connection.Location(), found, kCatalogSchemaVersion));
  }
  return tx->Commit();
}

}  // namespace heapscope::catalog
