// What only the PostgreSQL catalog has: a password to keep out of messages,
// and a server connection that can break under it and must come back.
#include "catalog/postgres_catalog.h"

#include <gtest/gtest.h>

#include "catalog/test_postgres_server.h"

namespace heapscope::catalog {
namespace {

TEST(MaskPostgresPassword, HidesEveryPassword) {
  EXPECT_EQ(MaskPostgresPassword("postgresql://u:secret@db.local:5432/heap"), "postgresql://u:***@db.local:5432/heap");
  EXPECT_EQ(MaskPostgresPassword("postgres://u:p%40ss@h1:5432,h2:5433/heap"), "postgres://u:***@h1:5432,h2:5433/heap");
  EXPECT_EQ(MaskPostgresPassword("postgresql://h/heap?user=u&password=secret&sslmode=require"),
            "postgresql://h/heap?user=u&password=***&sslmode=require");
  EXPECT_EQ(MaskPostgresPassword("postgresql://u:a@h/heap?password=b"), "postgresql://u:***@h/heap?password=***");
  for (const char* unchanged : {"postgresql://u@h:5432/heap", "postgresql:///heap?host=/run/postgresql",
                                "postgresql://h/heap?application_name=x:y@z", "postgresql://h/heap?mypassword=x"}) {
    EXPECT_EQ(MaskPostgresPassword(unchanged), unchanged);
  }
}

// Kills the catalog's server session, as a server restart or an idle
// timeout would.
void DropOtherSessions(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  PGresult* result = PQexec(conn,
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << PQerrorMessage(conn);
  EXPECT_EQ(PQntuples(result), 1);
  PQclear(result);
  PQfinish(conn);
}

TEST(PostgresCatalog, ReconnectsAfterTheSessionDrops) {
  std::string why;
  TestPostgresServer* server = TestPostgresServer::Shared(&why);
  if (server == nullptr) GTEST_SKIP() << "no PostgreSQL for the tests: " << why;
  auto uri = server->CreateDatabase();
  ASSERT_TRUE(uri.ok()) << uri.error().ToString();
  auto catalog = OpenPostgresCatalog(*uri);
  ASSERT_TRUE(catalog.ok()) << catalog.error().ToString();

  DropOtherSessions(*uri);
  auto counts = (*catalog)->Counts();  // a read
  ASSERT_TRUE(counts.ok()) << counts.error().ToString();
  DropOtherSessions(*uri);
  DumpRecord dump;
  dump.id = "d1";
  dump.service = "checkout";
  auto added = (*catalog)->AddDump(dump, 3);  // a write: its BEGIN is what runs again
  ASSERT_TRUE(added.ok()) << added.error().ToString();
  EXPECT_TRUE(*added);
  DropOtherSessions(*uri);
  auto lease = (*catalog)->Claim("w1", 60'000);
  ASSERT_TRUE(lease.ok()) << lease.error().ToString();
  EXPECT_TRUE(lease->has_value());
}

}  // namespace
}  // namespace heapscope::catalog
