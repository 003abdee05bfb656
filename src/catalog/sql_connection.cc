#include "catalog/sql_connection.h"

namespace heapscope::catalog {

Result<SqlTransaction> SqlTransaction::Begin(SqlConnection& connection) {
  auto begun = connection.Run(connection.Dialect().begin, {});
  if (!begun.ok()) return begun.error();
  return SqlTransaction(&connection);
}

SqlTransaction::~SqlTransaction() {
  // A failed ROLLBACK leaves nothing to undo: the connection is broken and
  // the server has dropped the transaction with it.
  if (connection_ != nullptr) (void)connection_->Run("ROLLBACK", {});
}

Status SqlTransaction::Commit() {
  // On failure the destructor still rolls back: SQLite keeps a transaction
  // open when its COMMIT fails, and PostgreSQL only warns about a ROLLBACK.
  auto committed = connection_->Run("COMMIT", {});
  if (!committed.ok()) return committed.error();
  connection_ = nullptr;
  return {};
}

}  // namespace heapscope::catalog
