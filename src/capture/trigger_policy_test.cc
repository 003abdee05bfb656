#include "capture/trigger_policy.h"

#include <gtest/gtest.h>

namespace heapscope::capture {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

AgentConfig Config(std::map<std::string, std::string> flags = {}) {
  flags.emplace("encrypt", "false");
  auto c = LoadAgentConfig("", nullptr, flags);
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return c.value();
}

HeapFigures Figures(double old_share, double uptime, double gc_seconds = 0) {
  HeapFigures f;
  f.old_max = 100 << 20;
  f.old_used = static_cast<uint64_t>(old_share * static_cast<double>(f.old_max));
  f.heap_max = 200 << 20;
  f.heap_used = f.old_used;
  f.uptime_seconds = uptime;
  f.gc_seconds = gc_seconds;
  return f;
}

const DumpSpace kRoomy{uint64_t{1} << 40};

TEST(TriggerPolicy, NeedsSamplesInARow) {
  TriggerPolicy p(Config());
  const auto t0 = WallClock::now();
  EXPECT_EQ(p.Observe("a", Figures(0.95, 1), t0, kRoomy).reason, "warming_up");
  EXPECT_EQ(p.Observe("a", Figures(0.95, 2), t0, kRoomy).action, TriggerAction::kNone);
  EXPECT_EQ(p.Observe("a", Figures(0.50, 3), t0, kRoomy).reason, "below_threshold");
  EXPECT_EQ(p.Observe("a", Figures(0.95, 4), t0, kRoomy).action, TriggerAction::kNone);
  EXPECT_EQ(p.Observe("a", Figures(0.95, 5), t0, kRoomy).action, TriggerAction::kNone);
  const TriggerDecision d = p.Observe("a", Figures(0.95, 6), t0, kRoomy);
  EXPECT_EQ(d.action, TriggerAction::kDump);
  EXPECT_EQ(d.reason, "old_gen");
  EXPECT_NE(d.detail.find("95.0%"), std::string::npos) << d.detail;
}

TEST(TriggerPolicy, CooldownThenBusyThenBreaker) {
  TriggerPolicy p(Config({{"samples", "1"}, {"cooldown", "10m"}, {"max_dumps_per_hour", "2"}}));
  auto t = WallClock::now();
  ASSERT_EQ(p.Observe("a", Figures(0.95, 1), t, kRoomy).action, TriggerAction::kDump);
  p.DumpStarted("a", t);
  EXPECT_EQ(p.Observe("a", Figures(0.95, 2), t, kRoomy).reason, "cooldown");
  EXPECT_EQ(p.Observe("b", Figures(0.95, 2), t, kRoomy).reason, "busy");
  p.DumpEnded();
  ASSERT_EQ(p.Observe("b", Figures(0.95, 3), t, kRoomy).action, TriggerAction::kDump);
  p.DumpStarted("b", t);
  p.DumpEnded();
  EXPECT_EQ(p.Observe("c", Figures(0.95, 3), t, kRoomy).reason, "rate_limit");
  t += minutes(11);
  EXPECT_EQ(p.Observe("a", Figures(0.95, 4), t, kRoomy).reason, "rate_limit");
  t += minutes(50);
  EXPECT_EQ(p.Observe("a", Figures(0.95, 5), t, kRoomy).action, TriggerAction::kDump);
}

TEST(TriggerPolicy, CooldownSurvivesRestore) {
  AgentConfig c = Config({{"samples", "1"}});
  TriggerPolicy first(c);
  const auto t = WallClock::now();
  first.DumpStarted("a", t - minutes(5));
  TriggerPolicy second(c);
  second.Restore(first.History());
  EXPECT_EQ(second.Observe("a", Figures(0.95, 1), t, kRoomy).reason, "cooldown");
}

TEST(TriggerPolicy, FreeSpaceBreaker) {
  TriggerPolicy p(Config({{"samples", "1"}, {"free_space_margin", "100MiB"}}));
  const HeapFigures f = Figures(0.95, 1);  // 95 MiB used, x1.1 + 100 MiB
  const auto t = WallClock::now();
  EXPECT_EQ(p.Observe("a", f, t, DumpSpace{150u << 20}).reason, "free_space");
  EXPECT_EQ(p.Observe("a", f, t, DumpSpace{300u << 20}).action, TriggerAction::kDump);
}

TEST(TriggerPolicy, GcThrashing) {
  TriggerPolicy p(Config({{"old_threshold", "99%"}, {"heap_threshold", "99%"}, {"gc_share", "40%"}}));
  const auto t = WallClock::now();
  // 3 readings over 3 s of which 1.5 s in GC: 50%.
  EXPECT_EQ(p.Observe("a", Figures(0.5, 10, 0.0), t, kRoomy).action, TriggerAction::kNone);
  EXPECT_EQ(p.Observe("a", Figures(0.5, 11, 0.5), t, kRoomy).action, TriggerAction::kNone);
  EXPECT_EQ(p.Observe("a", Figures(0.5, 12, 1.0), t, kRoomy).action, TriggerAction::kNone);
  EXPECT_EQ(p.Observe("a", Figures(0.5, 13, 1.5), t, kRoomy).reason, "gc_time");
  EXPECT_EQ(p.Observe("a", Figures(0.5, 14, 1.6), t, kRoomy).action, TriggerAction::kNone);  // 1.1/3 s
}

TEST(TriggerPolicy, Window) {
  TriggerPolicy p(Config({{"samples", "1"}, {"window", "01:00-02:00"}}));
  const auto midnight = WallClock::from_time_t(86400 * 20000);
  EXPECT_EQ(p.Observe("a", Figures(0.95, 1), midnight + minutes(30), kRoomy).reason, "window");
  EXPECT_EQ(p.Observe("a", Figures(0.95, 2), midnight + minutes(90), kRoomy).action, TriggerAction::kDump);
}

TEST(TriggerPolicy, RestartedJvmStartsOver) {
  TriggerPolicy p(Config());
  const auto t = WallClock::now();
  p.Observe("a", Figures(0.95, 100), t, kRoomy);
  p.Observe("a", Figures(0.95, 101), t, kRoomy);
  EXPECT_EQ(p.Observe("a", Figures(0.95, 1), t, kRoomy).reason, "warming_up");
}

TEST(AgentConfig, SourcesInOrder) {
  const std::string path = ::testing::TempDir() + "/agent.conf";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("# comment\ninterval = 2s\nsamples = 5\ncooldown=10m\n", f);
    std::fclose(f);
  }
  std::string e1 = "HEAPSCOPE_AGENT_SAMPLES=7", e2 = "HEAPSCOPE_AGENT_OLD_THRESHOLD=80%", e3 = "PATH=/bin";
  char* env[] = {e1.data(), e2.data(), e3.data(), nullptr};
  auto c = LoadAgentConfig(path, env, {{"old_threshold", "0.7"}, {"encrypt", "false"}});
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(c->samples, 7);
  EXPECT_EQ(c->cooldown, seconds(600));
  EXPECT_DOUBLE_EQ(c->old_threshold, 0.7);
  EXPECT_DOUBLE_EQ(c->heap_threshold, 0.85);
  EXPECT_NE(DescribeAgentConfig(c.value()).find("samples = 7"), std::string::npos);
}

TEST(AgentConfig, ErrorsNameTheSource) {
  auto bad_value = LoadAgentConfig("", nullptr, {{"interval", "soon"}});
  ASSERT_FALSE(bad_value.ok());
  EXPECT_NE(bad_value.error().message.find("--interval"), std::string::npos);
  auto unknown = LoadAgentConfig("", nullptr, {{"intervall", "5s"}});
  EXPECT_FALSE(unknown.ok());
  // Kubernetes' service variables share the prefix: ignored, with a warning.
  std::string e = "HEAPSCOPE_AGENT_SERVICE_HOST=10.0.0.1";
  char* env[] = {e.data(), nullptr};
  auto k8s = LoadAgentConfig("", env, {{"encrypt", "false"}});
  ASSERT_TRUE(k8s.ok());
  ASSERT_EQ(k8s->warnings.size(), 1u);
  EXPECT_NE(k8s->warnings[0].find("SERVICE_HOST"), std::string::npos);
  EXPECT_FALSE(LoadAgentConfig("", nullptr, {{"old_threshold", "150%"}}).ok());
  EXPECT_FALSE(LoadAgentConfig("", nullptr, {{"window", "25:00-01:00"}}).ok());
  // Encryption without a key is refused up front, not at the first dump.
  if (!std::getenv("HEAPSCOPE_KEY_FILE")) EXPECT_FALSE(LoadAgentConfig("", nullptr, {}).ok());
}

TEST(AgentConfig, Parsers) {
  EXPECT_EQ(ParseDuration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(ParseDuration("5m"), std::chrono::milliseconds(300000));
  EXPECT_EQ(ParseDuration("1.5h"), std::chrono::milliseconds(5400000));
  EXPECT_FALSE(ParseDuration("5"));
  EXPECT_FALSE(ParseDuration("ms"));
  EXPECT_EQ(ParseSize("512MiB"), uint64_t{512} << 20);
  EXPECT_EQ(ParseSize("2G"), uint64_t{2} << 30);
  EXPECT_EQ(ParseSize("1000"), 1000u);
  EXPECT_FALSE(ParseSize("lots"));
  EXPECT_EQ(InTimeWindow("22:00-06:00", 23 * 60), true);
  EXPECT_EQ(InTimeWindow("22:00-06:00", 7 * 60), false);
  EXPECT_FALSE(InTimeWindow("22-06", 0));
}

}  // namespace
}  // namespace heapscope::capture
