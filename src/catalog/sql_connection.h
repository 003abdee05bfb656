// catalog/sql_connection.h - the little the catalog needs from a database:
// run one statement with parameters and read its rows as text. SQLite and
// PostgreSQL each implement it, so the queue's semantics (sql_catalog) and
// its schema (catalog_schema) are written once.
//
// Statements number their parameters $1, $2, ... (PostgreSQL's form; the
// SQLite connection rewrites them). Writes always run inside a transaction
// begun with the dialect's `begin`, so a connection may retry a statement
// that failed outside one (a read, or the BEGIN itself) without ever
// applying a write twice. Not thread-safe: the catalog holds a mutex.
#ifndef HEAPSCOPE_CATALOG_SQL_CONNECTION_H_
#define HEAPSCOPE_CATALOG_SQL_CONNECTION_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hprof/error.h"

namespace heapscope::catalog {

// What differs in the SQL text between the backends; everything else is shared.
struct SqlDialect {
  std::string_view now_ms;       // an expression: Unix ms by the database's clock
  std::string_view serial_key;   // an auto-numbered bigint primary key column type
  std::string_view begin;        // begins a write transaction
  std::string_view skip_locked;  // appended to the claim's SELECT
  std::string_view schema_lock;  // run first in the schema transaction; "" = none needed
};

// A parameter. String views must outlive the call (temporaries in the
// argument list do). Unsigned values are passed as their int64 bit pattern.
using SqlValue = std::variant<int64_t, double, std::string_view>;

struct SqlRows {
  std::vector<std::vector<std::string>> rows;  // every value as text; NULL as ""
  int64_t changed = 0;  // rows inserted, updated or deleted
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual const SqlDialect& Dialect() const = 0;
  // Error::Io with the database's message and Location() on failure.
  virtual Result<SqlRows> Run(std::string_view sql, std::initializer_list<SqlValue> params) = 0;
  // For messages: "sqlite:///abs/path" or the URI with its password masked.
  virtual const std::string& Location() const = 0;
};

// A write transaction, rolled back unless committed (a dropped connection
// rolls it back on the server too).
class SqlTransaction {
 public:
  static Result<SqlTransaction> Begin(SqlConnection& connection);
  SqlTransaction(SqlTransaction&& other) noexcept : connection_(other.connection_) { other.connection_ = nullptr; }
  SqlTransaction& operator=(SqlTransaction&&) = delete;
  ~SqlTransaction();
  Status Commit();

 private:
  explicit SqlTransaction(SqlConnection* connection) : connection_(connection) {}
  SqlConnection* connection_;  // null once committed or rolled back
};

}  // namespace heapscope::catalog

#endif  // HEAPSCOPE_CATALOG_SQL_CONNECTION_H_
