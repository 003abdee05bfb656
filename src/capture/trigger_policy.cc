#include "capture/trigger_policy.h"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace heapscope::capture {
namespace {

double Share(uint64_t used, uint64_t max) { return max ? static_cast<double>(used) / static_cast<double>(max) : 0; }

// The old generation's ceiling: its max, or its capacity for collectors
// that report no max.
uint64_t OldCeiling(const HeapFigures& f) { return f.old_max ? f.old_max : f.old_capacity; }
uint64_t HeapCeiling(const HeapFigures& f) { return f.heap_max ? f.heap_max : f.heap_capacity; }

double MiB(uint64_t bytes) { return static_cast<double>(bytes) / 1048576.0; }

int MinuteOfDayUtc(WallClock::time_point now) {
  const std::time_t t = WallClock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm.tm_hour * 60 + tm.tm_min;
}

}  // namespace

std::string TriggerPolicy::Pressure(const std::deque<HeapFigures>& r, std::string* detail) const {
  const size_t n = static_cast<size_t>(c_.samples);
  const HeapFigures& last = r.back();
  if (r.size() >= n) {
    auto all_above = [&](auto share_of, double threshold) {
      return threshold > 0 && std::all_of(r.end() - static_cast<long>(n), r.end(),
                                          [&](const HeapFigures& f) { return share_of(f) >= threshold; });
    };
    auto old_share = [](const HeapFigures& f) { return Share(f.old_used, OldCeiling(f)); };
    auto heap_share = [](const HeapFigures& f) { return Share(f.heap_used, HeapCeiling(f)); };
    if (all_above(old_share, c_.old_threshold)) {
      *detail = fmt::format("old generation {:.1f}% of {:.1f} MiB (>= {:.0f}%) for {} readings",
                            old_share(last) * 100, MiB(OldCeiling(last)), c_.old_threshold * 100, n);
      return "old_gen";
    }
    if (all_above(heap_share, c_.heap_threshold)) {
      *detail = fmt::format("heap {:.1f}% of {:.1f} MiB (>= {:.0f}%) for {} readings", heap_share(last) * 100,
                            MiB(HeapCeiling(last)), c_.heap_threshold * 100, n);
      return "heap";
    }
  }
  if (c_.gc_share > 0 && r.size() > n) {
    const HeapFigures& first = r[r.size() - n - 1];
    const double wall = last.uptime_seconds - first.uptime_seconds;
    const double gc = last.gc_seconds - first.gc_seconds;
    if (wall > 0 && gc / wall >= c_.gc_share) {
      *detail = fmt::format("GC took {:.1f}% of the last {:.1f} s (>= {:.0f}%)", gc / wall * 100, wall,
                            c_.gc_share * 100);
      return "gc_time";
    }
  }
  *detail = fmt::format("old generation {:.1f}%, heap {:.1f}%", Share(last.old_used, OldCeiling(last)) * 100,
                        Share(last.heap_used, HeapCeiling(last)) * 100);
  return r.size() < n ? "warming_up" : "below_threshold";
}

TriggerDecision TriggerPolicy::Observe(const std::string& jvm, const HeapFigures& figures,
                                       WallClock::time_point now, const DumpSpace& space) {
  std::deque<HeapFigures>& r = readings_[jvm];
  // A JVM that restarted under the same name starts over.
  if (!r.empty() && figures.uptime_seconds < r.back().uptime_seconds) r.clear();
  r.push_back(figures);
  while (r.size() > static_cast<size_t>(c_.samples) + 1) r.pop_front();

  TriggerDecision d;
  const std::string pressure = Pressure(r, &d.detail);
  if (pressure == "below_threshold" || pressure == "warming_up") {
    d.reason = pressure;
    return d;
  }
  d.pressure = pressure;
  d.action = TriggerAction::kHold;
  auto hold = [&](std::string reason, std::string why) {
    d.reason = std::move(reason);
    d.detail += "; " + why;
    return d;
  };
  if (!c_.window.empty() && !InTimeWindow(c_.window, MinuteOfDayUtc(now)).value_or(true)) {
    return hold("window", fmt::format("outside the dump window {} UTC", c_.window));
  }
  for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
    if (it->first == jvm && now - it->second < c_.cooldown) {
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(c_.cooldown - (now - it->second));
      return hold("cooldown", fmt::format("dumped {} s ago, cooldown {} s left",
                                          std::chrono::duration_cast<std::chrono::seconds>(now - it->second).count(),
                                          left.count()));
    }
  }
  if (busy_) return hold("busy", "another dump is in progress");
  const auto last_hour = std::count_if(history_.begin(), history_.end(),
                                       [&](const auto& h) { return now - h.second < std::chrono::hours(1); });
  if (last_hour >= c_.max_dumps_per_hour) {
    return hold("rate_limit", fmt::format("circuit breaker: {} dumps in the last hour (max {})", last_hour,
                                          c_.max_dumps_per_hour));
  }
  const double expected = static_cast<double>(figures.heap_used) * c_.dump_size_factor +
                          static_cast<double>(c_.free_space_margin);
  if (static_cast<double>(space.free_bytes) < expected) {
    return hold("free_space", fmt::format("circuit breaker: {:.1f} MiB free, a dump needs about {:.1f} MiB "
                                          "(heap used x {} + margin)",
                                          MiB(space.free_bytes), expected / 1048576.0, c_.dump_size_factor));
  }
  d.action = TriggerAction::kDump;
  d.reason = pressure;
  return d;
}

void TriggerPolicy::DumpStarted(const std::string& jvm, WallClock::time_point now) {
  busy_ = true;
  history_.emplace_back(jvm, now);
  // Older than both the cooldown and the breaker's hour: no longer needed.
  const auto keep = std::max<WallClock::duration>(c_.cooldown, std::chrono::hours(1));
  std::erase_if(history_, [&](const auto& h) { return now - h.second > keep; });
}

}  // namespace heapscope::capture
