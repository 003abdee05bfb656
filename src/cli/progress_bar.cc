#include "cli/progress_bar.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace heapscope::cli {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputs("\r\033[K", stderr);
}

void ProgressBar::Update(uint64_t done, uint64_t total) {
  if (!enabled_ || total == 0) return;
  auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(1)) return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  constexpr int kWidth = 30;
  double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  int filled = static_cast<int>(frac * kWidth);
  double secs = std::chrono::duration<double>(now - start_).count();
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  fmt::print(stderr, "\r{} [{}] {:3.0f}% {:.0f} MB/s", label_, bar, frac * 100,
             static_cast<double>(done) / 1e6 / secs);
  std::fflush(stderr);
}

}  // namespace heapscope::cli
