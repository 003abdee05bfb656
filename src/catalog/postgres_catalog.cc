#include "catalog/postgres_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "catalog/sql_catalog.h"
#include "catalog/sql_connection.h"

namespace heapscope::catalog {
namespace {

constexpr SqlDialect kPostgresDialect{
    // clock_timestamp(), not now(): now() stands still for a transaction.
    .now_ms = "(extract(epoch from clock_timestamp()) * 1000)::bigint",
    .serial_key = "BIGSERIAL PRIMARY KEY",
    .begin = "BEGIN",
    .skip_locked = "FOR UPDATE SKIP LOCKED",
    // CREATE TABLE IF NOT EXISTS is not safe against itself: two sessions
    // can both find the table missing. The key is "heapscop" in ASCII.
    .schema_lock = "SELECT pg_advisory_xact_lock(7522525888192409456)",
};

// libpq's messages end in a newline and may hold several lines.
std::string OneLine(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(PGconn* conn, std::string location) : conn_(conn), location_(std::move(location)) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  const SqlDialect& Dialect() const override { return kPostgresDialect; }
  const std::string& Location() const override { return location_; }
  Result<SqlRows> Run(std::string_view sql, std::initializer_list<SqlValue> params) override;

 private:
  Result<SqlRows> Execute(const std::string& sql, const std::vector<const char*>& values);

  PGconn* conn_;
  std::string location_;
  bool in_transaction_ = false;  // our BEGIN succeeded; no COMMIT or ROLLBACK yet
};

Result<SqlRows> PostgresConnection::Run(std::string_view sql, std::initializer_list<SqlValue> params) {
  std::vector<std::string> texts;
  texts.reserve(params.size());
  for (const SqlValue& param : params) {
    texts.push_back(std::visit(
        [](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::string_view>) return std::string(value);
          // Doubles print as the shortest text that reads back exactly.
          if constexpr (!std::is_same_v<T, std::string_view>) return fmt::format("{}", value);
        },
        param));
  }
  std::vector<const char*> values;
  for (const std::string& text : texts) values.push_back(text.c_str());
  std::string statement(sql);

  if (sql == "COMMIT" || sql == "ROLLBACK") {
    in_transaction_ = false;
    return Execute(statement, values);
  }
  if (in_transaction_) return Execute(statement, values);
  // Outside a transaction only reads and BEGIN run, so running one again
  // on a fresh connection cannot repeat a write.
  if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);
  auto done = Execute(statement, values);
  if (!done.ok() && PQstatus(conn_) != CONNECTION_OK) {
    PQreset(conn_);
    done = Execute(statement, values);
  }
  if (done.ok() && sql == kPostgresDialect.begin) in_transaction_ = true;
  return done;
}

Result<SqlRows> PostgresConnection::Execute(const std::string& sql, const std::vector<const char*>& values) {
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(
      PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
      PQclear);
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string message = OneLine(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn_));
    if (message.empty()) message = OneLine(PQerrorMessage(conn_));
    if (sql == "COMMIT" && PQstatus(conn_) != CONNECTION_OK) message += "; whether the change was made is unknown";
    return Error::Io(fmt::format("catalog {}: {} (in \"{}\")", location_, message, sql.substr(0, 60)));
  }
  SqlRows rows;
  int fields = PQnfields(result.get());
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    std::vector<std::string>& values_out = rows.rows.emplace_back();
    for (int field = 0; field < fields; ++field) {
      values_out.emplace_back(PQgetvalue(result.get(), row, field), PQgetlength(result.get(), row, field));
    }
  }
  rows.changed = std::atoll(PQcmdTuples(result.get()));  // "" for statements that change no rows
  return rows;
}

}  // namespace

std::string MaskPostgresPassword(std::string_view uri) {
  std::string out(uri);
  size_t scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    size_t start = scheme_end + 3;
    size_t end = std::min(out.find_first_of("/?#", start), out.size());
    size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      size_t colon = out.find(':', start);
      if (colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  size_t query = out.find('?');
  for (size_t param = query; param < out.size() && out[param] != '#';) {
    ++param;  // past '?' or '&'
    size_t param_end = std::min(out.find_first_of("&#", param), out.size());
    if (out.compare(param, 9, "password=") == 0) {
      out.replace(param + 9, param_end - param - 9, "***");
      param_end = param + 12;
    }
    param = param_end;
  }
  return out;
}

Result<std::unique_ptr<DumpCatalog>> OpenPostgresCatalog(const std::string& uri) {
  std::string location = MaskPostgresPassword(uri);
  // Defaults first: the URI (expanded from "dbname") overrides them, and
  // the PG* variables are left to libpq.
  std::vector<const char*> keys;
  std::vector<const char*> values;
  auto set = [&](const char* key, const char* value) {
    keys.push_back(key);
    values.push_back(value);
  };
  if (std::getenv("PGCONNECT_TIMEOUT") == nullptr) set("connect_timeout", "10");
  if (std::getenv("PGAPPNAME") == nullptr) set("application_name", "heapscope");
  set("dbname", uri.c_str());
  set(nullptr, nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return Error::Io(fmt::format("catalog {}: out of memory", location));
  auto connection = std::make_unique<PostgresConnection>(conn, location);
  if (PQstatus(conn) != CONNECTION_OK) {
    return Error::Io(fmt::format("catalog {}: {}", location, OneLine(PQerrorMessage(conn))));
  }
  // Notices ("relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return OpenSqlCatalog(std::move(connection));
}

}  // namespace heapscope::catalog
