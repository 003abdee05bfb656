// cli/progress_bar.h - a one-line progress bar on stderr.
//
// Shown only when stderr is a terminal and the work has run for over a
// second, so scripts and quick runs see nothing. Safe to call from one
// thread at a time.
#ifndef HEAPSCOPE_CLI_PROGRESS_BAR_H_
#define HEAPSCOPE_CLI_PROGRESS_BAR_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace heapscope::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  void Update(uint64_t done, uint64_t total);

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_PROGRESS_BAR_H_
