// The catalog's contract, run against both backends: SQLite on a fresh file
// and PostgreSQL on a fresh database of the throwaway server
// (test_postgres_server.h; skipped when PostgreSQL is not installed). Leases
// expire in real time, so the timing tests use leases of 0 ms (expired a
// millisecond later) and sleep a little.
#include "catalog/dump_catalog.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/test_postgres_server.h"

namespace heapscope::catalog {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int64_t kLongLease = 60'000;

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The value, failing the test (and giving T{}) on an error.
template <typename T>
T Ok(Result<T> result) {
  EXPECT_TRUE(result.ok()) << result.error().ToString();
  if (!result.ok()) return T{};
  return std::move(result).value();
}

DumpRecord Dump(const std::string& id, const std::string& service = "checkout", int64_t captured_ms = 1000) {
  DumpRecord dump;
  dump.id = id;
  dump.service = service;
  dump.pod = "pod-" + id;
  dump.namespace_name = "shop";
  dump.captured_ms = captured_ms;
  dump.size = (uint64_t{1} << 40) + 7;
  dump.location = "dumps/" + id + "/heap.hprof.gz";
  dump.metadata_json = R"({"id":")" + id + R"(","jvm":{"version":"17"}})";
  return dump;
}

AnalysisResult Analysis(const JobLease& lease, uint64_t heap_bytes = 5000) {
  AnalysisResult result;
  result.captured_ms = lease.dump.captured_ms;
  result.heap_bytes = heap_bytes;
  result.object_count = 123;
  result.result_location = "results/" + lease.job.dump_id + "/";
  result.summary_json = R"({"heap_bytes":5000})";
  result.suspects.push_back({1, "sig-a", "accumulation_point", "java.util.HashMap", 4000, 80.123456789012345, 9,
                             "a map holds 80%"});
  result.suspects.push_back({2, "sig-b", "static_cache", "com.shop.Cache", 500, 10, 1, "a cache"});
  return result;
}

class CatalogConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      std::string why;
      server_ = TestPostgresServer::Shared(&why);
      if (server_ == nullptr) GTEST_SKIP() << "no PostgreSQL for the tests: " << why;
    } else {
      std::string pattern = (fs::temp_directory_path() / "heapscope-catalog-XXXXXX").string();
      ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
      temp_ = pattern;
    }
    url_ = FreshUrl();
    catalog_ = Open(url_);
    ASSERT_NE(catalog_, nullptr);
  }
  void TearDown() override {
    catalog_.reset();
    std::error_code ec;
    if (!temp_.empty()) fs::remove_all(temp_, ec);
  }

  // A new, empty catalog location.
  std::string FreshUrl() {
    if (server_ != nullptr) return Ok(server_->CreateDatabase());
    return "sqlite://" + (temp_ / ("catalog-" + std::to_string(next_file_++) + ".db")).string();
  }
  static std::unique_ptr<DumpCatalog> Open(const std::string& url) { return Ok(OpenDumpCatalog(url)); }

  std::optional<JobLease> Claim(const std::string& worker, int64_t lease_ms = kLongLease) {
    return Ok(catalog_->Claim(worker, lease_ms));
  }
  JobRecord Job(const std::string& dump_id) {
    for (const JobRecord& job : Ok(catalog_->ListJobs({}))) {
      if (job.dump_id == dump_id) return job;
    }
    ADD_FAILURE() << "no job for " << dump_id;
    return {};
  }
  void Add(const std::string& id, int max_attempts = 3, const std::string& service = "checkout",
           int64_t captured_ms = 1000) {
    EXPECT_TRUE(Ok(catalog_->AddDump(Dump(id, service, captured_ms), max_attempts)));
  }
  // Lets a lease of 0 ms run out (it expires once the clock passes it).
  static void LetExpire() { std::this_thread::sleep_for(milliseconds(5)); }

  TestPostgresServer* server_ = nullptr;
  fs::path temp_;
  int next_file_ = 0;
  std::string url_;
  std::unique_ptr<DumpCatalog> catalog_;
};

TEST_P(CatalogConformance, AddDumpIsIdempotentAndQueuesOneJob) {
  int64_t before = NowMs();
  EXPECT_TRUE(Ok(catalog_->AddDump(Dump("d1"), 3)));
  DumpRecord changed = Dump("d1", "other-service");
  EXPECT_FALSE(Ok(catalog_->AddDump(changed, 5)));

  auto found = Ok(catalog_->FindDump("d1"));
  ASSERT_TRUE(found.has_value());
  DumpRecord expected = Dump("d1");
  EXPECT_EQ(found->service, "checkout");
  EXPECT_EQ(found->pod, expected.pod);
  EXPECT_EQ(found->namespace_name, "shop");
  EXPECT_EQ(found->captured_ms, 1000);
  EXPECT_EQ(found->size, expected.size);
  EXPECT_EQ(found->location, expected.location);
  EXPECT_EQ(found->metadata_json, expected.metadata_json);
  EXPECT_GE(found->added_ms, before - 1000);
  EXPECT_FALSE(Ok(catalog_->FindDump("nope")).has_value());

  auto jobs = Ok(catalog_->ListJobs({}));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].dump_id, "d1");
  EXPECT_EQ(jobs[0].service, "checkout");
  EXPECT_EQ(jobs[0].state, JobState::kQueued);
  EXPECT_EQ(jobs[0].attempt, 0);
  EXPECT_EQ(jobs[0].max_attempts, 3);
  EXPECT_GT(jobs[0].created_ms, 0);
}

TEST_P(CatalogConformance, RefusesBadDumps) {
  DumpRecord no_service = Dump("d1", "");
  EXPECT_EQ(catalog_->AddDump(no_service, 3).error().kind, ErrorKind::kUsage);
  DumpRecord bad_json = Dump("d2");
  bad_json.metadata_json = "{not json";
  EXPECT_EQ(catalog_->AddDump(bad_json, 3).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(catalog_->AddDump(Dump("d3"), 0).error().kind, ErrorKind::kUsage);
  EXPECT_TRUE(Ok(catalog_->ListJobs({})).empty());
}

TEST_P(CatalogConformance, ClaimsOldestFirstUnderALease) {
  for (const char* id : {"a", "b", "c"}) Add(id);
  int64_t before = NowMs();
  auto first = Claim("w1", 30'000);
  int64_t after = NowMs();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->job.dump_id, "a");
  EXPECT_EQ(first->dump.id, "a");
  EXPECT_EQ(first->dump.location, Dump("a").location);
  EXPECT_EQ(first->worker, "w1");
  EXPECT_EQ(first->attempt, 1);
  EXPECT_EQ(first->job.attempt, 1);
  EXPECT_EQ(first->job.state, JobState::kRunning);
  EXPECT_EQ(first->job.locked_by, "w1");
  EXPECT_FALSE(first->reclaimed);
  // The server's clock is this machine's clock here.
  EXPECT_GE(first->job.locked_until_ms, before + 30'000 - 1000);
  EXPECT_LE(first->job.locked_until_ms, after + 30'000 + 1000);

  EXPECT_EQ(Claim("w2")->job.dump_id, "b");
  EXPECT_EQ(Claim("w1")->job.dump_id, "c");
  EXPECT_FALSE(Claim("w3").has_value());
  EXPECT_EQ(Ok(catalog_->Counts()).running, 3u);
}

TEST_P(CatalogConformance, ConcurrentClaimersNeverShareAJob) {
  constexpr int kJobs = 200;
  constexpr int kWorkers = 4;
  for (int job = 0; job < kJobs; ++job) Add(fmt::format("d{:03}", job));
  std::vector<std::vector<std::string>> claimed(kWorkers);
  std::vector<std::unique_ptr<DumpCatalog>> catalogs;
  for (int worker = 0; worker < kWorkers; ++worker) catalogs.push_back(Open(url_));
  std::vector<std::thread> threads;
  for (int worker = 0; worker < kWorkers; ++worker) {
    threads.emplace_back([&, worker] {
      std::string name = "w" + std::to_string(worker);
      while (true) {
        auto lease = catalogs[worker]->Claim(name, kLongLease);
        if (!lease.ok() || !lease->has_value()) {
          EXPECT_TRUE(lease.ok()) << lease.error().ToString();
          return;
        }
        claimed[worker].push_back((*lease)->job.dump_id);
        auto done = catalogs[worker]->Complete(**lease, Analysis(**lease));
        EXPECT_TRUE(done.ok() && *done);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::map<std::string, int> times;
  // How the jobs spread is up to the scheduler (SQLite's busy wait favours
  // whoever just committed), so only "exactly once" is checked.
  for (const auto& ids : claimed) {
    for (const auto& id : ids) ++times[id];
  }
  EXPECT_EQ(times.size(), size_t{kJobs});
  for (const auto& [id, count] : times) EXPECT_EQ(count, 1) << id;
  EXPECT_EQ(Ok(catalog_->Counts()).succeeded, uint64_t{kJobs});
}

TEST_P(CatalogConformance, HeartbeatExtendsTheLease) {
  Add("a");
  auto lease = Claim("w1", 0);
  ASSERT_TRUE(lease.has_value());
  EXPECT_TRUE(Ok(catalog_->Heartbeat(*lease, kLongLease)));
  LetExpire();
  EXPECT_GE(Job("a").locked_until_ms, NowMs() + kLongLease - 5000);
  EXPECT_FALSE(Claim("w2").has_value());
  EXPECT_EQ(Ok(catalog_->Counts()).expired_leases, 0u);
}

TEST_P(CatalogConformance, ExpiredLeaseIsReclaimedAndTheFirstWorkerFenced) {
  Add("a");
  auto first = Claim("w1", 0);
  ASSERT_TRUE(first.has_value());
  LetExpire();
  EXPECT_EQ(Ok(catalog_->Counts()).expired_leases, 1u);
  auto second = Claim("w2");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->job.id, first->job.id);
  EXPECT_EQ(second->attempt, 2);
  EXPECT_TRUE(second->reclaimed);

  EXPECT_FALSE(Ok(catalog_->Heartbeat(*first, kLongLease)));
  EXPECT_FALSE(Ok(catalog_->Complete(*first, Analysis(*first))));
  EXPECT_EQ(Ok(catalog_->Fail(*first, "late failure", 0)), FailOutcome::kLost);
  EXPECT_FALSE(Ok(catalog_->Release(*first)));
  JobRecord job = Job("a");
  EXPECT_EQ(job.state, JobState::kRunning);
  EXPECT_EQ(job.locked_by, "w2");
  EXPECT_EQ(job.attempt, 2);
  EXPECT_EQ(job.error, "");
  EXPECT_GT(job.locked_until_ms, NowMs() + kLongLease / 2);
  EXPECT_TRUE(Ok(catalog_->Results("checkout", 10)).empty());

  EXPECT_TRUE(Ok(catalog_->Complete(*second, Analysis(*second))));
  auto results = Ok(catalog_->Results("checkout", 10));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].worker, "w2");
}

TEST_P(CatalogConformance, ExpiredLeaseStillCompletesUntilReclaimed) {
  Add("a");
  auto lease = Claim("w1", 0);
  ASSERT_TRUE(lease.has_value());
  LetExpire();
  EXPECT_TRUE(Ok(catalog_->Complete(*lease, Analysis(*lease))));
  EXPECT_FALSE(Claim("w2").has_value());
}

TEST_P(CatalogConformance, LeaseExpiredOnTheLastAttemptIsDeadLettered) {
  Add("a", 2);
  Add("b", 3);
  ASSERT_EQ(Claim("w1", 0)->job.dump_id, "a");
  LetExpire();
  auto retaken = Claim("w2", 0);
  ASSERT_TRUE(retaken.has_value());
  EXPECT_EQ(retaken->job.dump_id, "a");
  EXPECT_EQ(retaken->attempt, 2);
  LetExpire();
  auto next = Claim("w3");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->job.dump_id, "b");
  EXPECT_FALSE(next->reclaimed);

  JobRecord dead = Job("a");
  EXPECT_EQ(dead.state, JobState::kDead);
  EXPECT_EQ(dead.error, "lease expired after 2 attempts (last worker w2)");
  EXPECT_FALSE(Ok(catalog_->Complete(*retaken, Analysis(*retaken))));
  QueueCounts counts = Ok(catalog_->Counts());
  EXPECT_EQ(counts.dead, 1u);
  EXPECT_EQ(counts.running, 1u);
  EXPECT_EQ(counts.expired_leases, 0u);
}

TEST_P(CatalogConformance, FailRetriesAfterTheDelayThenDies) {
  Add("a", 2);
  auto first = Claim("w1");
  ASSERT_TRUE(first.has_value());
  int64_t before = NowMs();
  EXPECT_EQ(Ok(catalog_->Fail(*first, "boom 1", 300)), FailOutcome::kRetry);
  JobRecord waiting = Job("a");
  EXPECT_EQ(waiting.state, JobState::kQueued);
  EXPECT_EQ(waiting.error, "boom 1");
  EXPECT_EQ(waiting.attempt, 1);
  EXPECT_GE(waiting.run_after_ms, before + 300 - 1000);
  EXPECT_FALSE(Claim("w2").has_value()) << "claimable before its retry time";
  EXPECT_EQ(Ok(catalog_->Counts()).queued, 1u);

  std::this_thread::sleep_for(milliseconds(350));
  auto second = Claim("w2");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->attempt, 2);
  EXPECT_FALSE(second->reclaimed);
  EXPECT_EQ(Ok(catalog_->Fail(*second, "boom 2", 0)), FailOutcome::kDead);
  JobRecord dead = Job("a");
  EXPECT_EQ(dead.state, JobState::kDead);
  EXPECT_EQ(dead.error, "boom 2");
  EXPECT_FALSE(Claim("w3").has_value());
}

TEST_P(CatalogConformance, ReleaseDoesNotCountTheAttempt) {
  Add("a", 1);
  auto first = Claim("w1");
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(Ok(catalog_->Release(*first)));
  JobRecord released = Job("a");
  EXPECT_EQ(released.state, JobState::kQueued);
  EXPECT_EQ(released.attempt, 0);

  auto second = Claim("w2");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->attempt, 1);
  EXPECT_FALSE(second->reclaimed);
  EXPECT_FALSE(Ok(catalog_->Release(*first)));
  EXPECT_FALSE(Ok(catalog_->Heartbeat(*first, kLongLease)));
  EXPECT_EQ(Ok(catalog_->Fail(*second, "boom", 0)), FailOutcome::kDead);
}

TEST_P(CatalogConformance, CompleteWritesTheResultOnce) {
  Add("a");
  auto lease = Claim("w1");
  ASSERT_TRUE(lease.has_value());
  int64_t before = NowMs();
  EXPECT_TRUE(Ok(catalog_->Complete(*lease, Analysis(*lease))));
  JobRecord job = Job("a");
  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_EQ(job.result_location, "results/a/");

  // A duplicate worker holding the same lease, or a late retry of the call.
  EXPECT_FALSE(Ok(catalog_->Complete(*lease, Analysis(*lease, 99))));
  EXPECT_EQ(Ok(catalog_->Fail(*lease, "late", 0)), FailOutcome::kLost);
  EXPECT_FALSE(Ok(catalog_->Release(*lease)));

  auto results = Ok(catalog_->Results("checkout", 10));
  ASSERT_EQ(results.size(), 1u);
  const AnalysisResult& kept = results[0];
  AnalysisResult expected = Analysis(*lease);
  EXPECT_EQ(kept.dump_id, "a");
  EXPECT_EQ(kept.service, "checkout");
  EXPECT_EQ(kept.captured_ms, 1000);
  EXPECT_EQ(kept.heap_bytes, 5000u);
  EXPECT_EQ(kept.object_count, 123u);
  EXPECT_EQ(kept.result_location, "results/a/");
  EXPECT_EQ(kept.summary_json, expected.summary_json);
  EXPECT_EQ(kept.worker, "w1");
  EXPECT_GE(kept.completed_ms, before - 1000);
  ASSERT_EQ(kept.suspects.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const SuspectRow& got = kept.suspects[i];
    const SuspectRow& want = expected.suspects[i];
    EXPECT_EQ(got.rank, want.rank);
    EXPECT_EQ(got.signature, want.signature);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.class_name, want.class_name);
    EXPECT_EQ(got.retained_bytes, want.retained_bytes);
    EXPECT_EQ(got.retained_percent, want.retained_percent);  // exact: doubles travel in shortest exact text
    EXPECT_EQ(got.count, want.count);
    EXPECT_EQ(got.title, want.title);
  }
  EXPECT_EQ(Ok(catalog_->Counts()).succeeded, 1u);
}

TEST_P(CatalogConformance, FailedCompleteWritesNothing) {
  Add("a");
  auto lease = Claim("w1");
  ASSERT_TRUE(lease.has_value());
  AnalysisResult twice = Analysis(*lease);
  twice.suspects[1].rank = 1;  // the (dump, rank) key fails after the job and result rows went in
  EXPECT_FALSE(catalog_->Complete(*lease, twice).ok());
  EXPECT_EQ(Job("a").state, JobState::kRunning);
  EXPECT_TRUE(Ok(catalog_->Results("checkout", 10)).empty());

  AnalysisResult other_dump = Analysis(*lease);
  other_dump.dump_id = "b";
  EXPECT_EQ(catalog_->Complete(*lease, other_dump).error().kind, ErrorKind::kUsage);
  EXPECT_TRUE(Ok(catalog_->Complete(*lease, Analysis(*lease))));
}

TEST_P(CatalogConformance, ResultsAreTheNewestOldestFirst) {
  for (int64_t captured : {5, 1, 4, 2, 3}) Add(fmt::format("r{}", captured), 3, "checkout", captured);
  Add("o1", 3, "search", 7);
  while (auto lease = Claim("w1")) {
    AnalysisResult result = Analysis(*lease, 1000 + lease->dump.captured_ms);
    result.suspects[0].signature = "sig-" + lease->job.dump_id;
    ASSERT_TRUE(Ok(catalog_->Complete(*lease, result)));
  }
  auto newest = Ok(catalog_->Results("checkout", 3));
  ASSERT_EQ(newest.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(newest[i].captured_ms, int64_t(i) + 3);
    EXPECT_EQ(newest[i].heap_bytes, 1003 + i);
    ASSERT_EQ(newest[i].suspects.size(), 2u);
    EXPECT_EQ(newest[i].suspects[0].signature, "sig-" + newest[i].dump_id);
  }
  auto all = Ok(catalog_->Results("checkout", 100));
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(all[i].captured_ms, int64_t(i) + 1);
  EXPECT_EQ(Ok(catalog_->Results("search", 100)).size(), 1u);
  EXPECT_TRUE(Ok(catalog_->Results("nothing", 100)).empty());
}

TEST_P(CatalogConformance, ListJobsFiltersNewestFirst) {
  Add("a", 3, "s1");
  Add("b", 3, "s2");
  Add("c", 3, "s1");
  ASSERT_TRUE(Claim("w1").has_value());  // a
  auto ids = [&](const JobFilter& filter) {
    std::vector<std::string> out;
    for (const JobRecord& job : Ok(catalog_->ListJobs(filter))) out.push_back(job.dump_id);
    return out;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids({}), (Ids{"c", "b", "a"}));
  EXPECT_EQ(ids({JobState::kRunning, "", 100}), (Ids{"a"}));
  EXPECT_EQ(ids({std::nullopt, "s1", 100}), (Ids{"c", "a"}));
  EXPECT_EQ(ids({JobState::kQueued, "s1", 100}), (Ids{"c"}));
  EXPECT_EQ(ids({std::nullopt, "", 2}), (Ids{"c", "b"}));
}

TEST_P(CatalogConformance, CountsEveryState) {
  for (const char* id : {"done", "dead", "busy", "lapsed", "q1", "q2"}) Add(id, 1);
  auto done = Claim("w");
  auto dead = Claim("w");
  auto busy = Claim("w");
  auto lapsed = Claim("w", 0);
  ASSERT_TRUE(done && dead && busy && lapsed);
  ASSERT_TRUE(Ok(catalog_->Complete(*done, Analysis(*done))));
  ASSERT_EQ(Ok(catalog_->Fail(*dead, "boom", 0)), FailOutcome::kDead);
  LetExpire();
  QueueCounts counts = Ok(catalog_->Counts());
  EXPECT_EQ(counts.queued, 2u);
  EXPECT_EQ(counts.running, 2u);
  EXPECT_EQ(counts.succeeded, 1u);
  EXPECT_EQ(counts.dead, 1u);
  EXPECT_EQ(counts.expired_leases, 1u);
}

TEST_P(CatalogConformance, ProcessesStartingTogetherShareTheSchema) {
  std::string fresh = FreshUrl();
  constexpr int kOpeners = 4;
  std::vector<std::unique_ptr<DumpCatalog>> opened(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) threads.emplace_back([&, i] { opened[i] = Open(fresh); });
  for (auto& thread : threads) thread.join();
  for (const auto& catalog : opened) ASSERT_NE(catalog, nullptr);
  EXPECT_TRUE(Ok(opened[0]->AddDump(Dump("x"), 3)));
  EXPECT_TRUE(Ok(opened[3]->FindDump("x")).has_value());
  opened.clear();
  EXPECT_TRUE(Ok(Open(fresh)->FindDump("x")).has_value()) << "kept when reopened";
}

TEST_P(CatalogConformance, LocationNamesTheCatalogWithoutItsPassword) {
  if (server_ == nullptr) {
    EXPECT_EQ(catalog_->Location(), url_);
    return;
  }
  // Trust authentication takes any password, so one can be given and hidden.
  std::string with_password = url_;
  with_password.replace(with_password.find("postgres@"), 9, "postgres:hunter2@");
  auto catalog = Open(with_password);
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->Location(), url_.substr(0, url_.find('@')) + ":***" + url_.substr(url_.find('@')));
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogConformance, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST(OpenDumpCatalog, RefusesUnknownKinds) {
  auto mysql = OpenDumpCatalog("mysql://root:hunter2@db/heap");
  ASSERT_FALSE(mysql.ok());
  EXPECT_EQ(mysql.error().kind, ErrorKind::kUsage);
  EXPECT_NE(mysql.error().message.find("postgresql://"), std::string::npos) << mysql.error().message;
  EXPECT_NE(mysql.error().message.find("sqlite:PATH"), std::string::npos);
  EXPECT_EQ(mysql.error().message.find("hunter2"), std::string::npos);
  EXPECT_EQ(OpenDumpCatalog("").error().kind, ErrorKind::kUsage);
  EXPECT_EQ(OpenDumpCatalog("sqlite://").error().kind, ErrorKind::kUsage);
}

TEST(OpenDumpCatalog, UnreachablePostgresIsAnIoError) {
  auto refused = OpenDumpCatalog("postgresql://u:hunter2@127.0.0.1:1/heap");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kIo);
  EXPECT_NE(refused.error().message.find("postgresql://u:***@127.0.0.1:1/heap"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(refused.error().message.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace heapscope::catalog
