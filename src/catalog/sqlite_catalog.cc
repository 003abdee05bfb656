#include "catalog/sqlite_catalog.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <sqlite3.h>

#include "catalog/sql_catalog.h"
#include "catalog/sql_connection.h"

namespace heapscope::catalog {
namespace {

namespace fs = std::filesystem;

constexpr SqlDialect kSqliteDialect{
    // julianday('now') has millisecond precision and is one value for the
    // whole statement; 2440587.5 is the Unix epoch's Julian day.
    .now_ms = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)",
    .serial_key = "INTEGER PRIMARY KEY",
    .begin = "BEGIN IMMEDIATE",
    .skip_locked = "",  // BEGIN IMMEDIATE already makes claimers take turns
    .schema_lock = "",  // likewise
};

constexpr int kBusyTimeoutMs = 10'000;
// The busy handler does not cover every case (a WAL file being recovered,
// a lock taken while the handler would deadlock): those get a few retries.
constexpr int kBusyRetries = 20;
constexpr auto kBusyRetryPause = std::chrono::milliseconds(25);

// SQLite reads "$1" as a parameter named "$1", numbered by where it first
// appears; "?1" is parameter 1 wherever it stands.
std::string NumberedParameters(std::string_view sql) {
  std::string text(sql);
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '$' && text[i + 1] >= '0' && text[i + 1] <= '9') text[i] = '?';
  }
  return text;
}

class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(sqlite3* db, std::string location) : db_(db), location_(std::move(location)) {}
  ~SqliteConnection() override { sqlite3_close_v2(db_); }

  const SqlDialect& Dialect() const override { return kSqliteDialect; }
  const std::string& Location() const override { return location_; }
  Result<SqlRows> Run(std::string_view sql, std::initializer_list<SqlValue> params) override;

  Error Failure(std::string_view sql) const {
    return Error::Io(fmt::format("catalog {}: {} (in \"{}\")", location_, sqlite3_errmsg(db_), sql.substr(0, 60)));
  }

 private:
  sqlite3* db_;
  std::string location_;
};

std::string ColumnText(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_NULL: return {};
    case SQLITE_INTEGER: return std::to_string(sqlite3_column_int64(statement, column));
    case SQLITE_FLOAT: return fmt::format("{}", sqlite3_column_double(statement, column));  // shortest exact
    default: {
      auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      return std::string(text, sqlite3_column_bytes(statement, column));
    }
  }
}

Result<SqlRows> SqliteConnection::Run(std::string_view sql, std::initializer_list<SqlValue> params) {
  std::string text = NumberedParameters(sql);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &raw, nullptr) != SQLITE_OK) {
    return Failure(sql);
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw, sqlite3_finalize);
  int index = 0;
  for (const SqlValue& param : params) {
    ++index;
    int bound = std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, int64_t>) return sqlite3_bind_int64(raw, index, value);
          if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(raw, index, value);
          if constexpr (std::is_same_v<T, std::string_view>) {
            return sqlite3_bind_text64(raw, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
          }
        },
        param);
    if (bound != SQLITE_OK) return Failure(sql);
  }
  SqlRows out;
  int retries = 0;
  while (true) {
    int step = sqlite3_step(raw);
    if (step == SQLITE_ROW) {
      std::vector<std::string>& row = out.rows.emplace_back();
      for (int column = 0; column < sqlite3_column_count(raw); ++column) row.push_back(ColumnText(raw, column));
      continue;
    }
    if (step == SQLITE_DONE) break;
    // A busy statement did nothing (a failed statement is undone in
    // SQLite), so it can run again, even inside a transaction.
    bool busy = (step & 0xff) == SQLITE_BUSY || (step & 0xff) == SQLITE_LOCKED;
    if (!busy || !out.rows.empty() || ++retries > kBusyRetries) return Failure(sql);
    sqlite3_reset(raw);
    std::this_thread::sleep_for(kBusyRetryPause);
  }
  if (!sqlite3_stmt_readonly(raw)) out.changed = sqlite3_changes64(db_);
  return out;
}

}  // namespace

Result<std::unique_ptr<DumpCatalog>> OpenSqliteCatalog(const std::string& path) {
  if (path.empty()) return Error::Usage("catalog: no SQLite file given");
  std::error_code ec;
  fs::path file = fs::absolute(path, ec);
  if (!ec) fs::create_directories(file.parent_path(), ec);
  if (ec) return Error::Io(fmt::format("catalog {}: {}", path, ec.message()));
  // Made here and not by SQLite, which would make it 0644; its -wal and
  // -shm files take the database file's mode. Only when it is new: closing
  // a descriptor of a file drops every POSIX lock this process holds on it,
  // so opening and closing it beside our other connections would make them
  // invisible to other processes, and the next one to close would delete
  // the WAL file under them (seen with a worker's several connections).
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST) {
    return Error::Io(fmt::format("catalog {}: {}", file.string(), std::strerror(errno)));
  }
  if (fd >= 0) ::close(fd);
  sqlite3* db = nullptr;
  int opened = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto connection = std::make_unique<SqliteConnection>(db, "sqlite://" + file.string());
  if (opened != SQLITE_OK) return connection->Failure("open");
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
    if (auto set = connection->Run(pragma, {}); !set.ok()) return set.error();
  }
  return OpenSqlCatalog(std::move(connection));
}

}  // namespace heapscope::catalog
