#pragma once

// Progress reporting for long batch runs. On a terminal: one line redrawn in
// place (label, bar, percent, count/total, rate, ETA) at most ~5 times a
// second. Otherwise (logs, pipes): a plain line at most every 5 s and one at
// the end, so log files stay readable.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace crm::dedup {

class Progress {
 public:
  enum class Style { kAuto, kTerminal, kPlain };  // kAuto: kTerminal when `out` is a TTY

  // `total` 0 means unknown: only count and rate are shown.
  Progress(std::string label, int64_t total, std::FILE* out = stderr, Style style = Style::kAuto);
  ~Progress();  // Finish() if not yet called
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Records `done` units finished (monotonic: a smaller value than seen
  // before is ignored). Thread-safe and cheap enough to call per record: the
  // clock is read only every `stride` calls, with the stride adapted so that
  // happens a few hundred times a second at most.
  void Update(int64_t done);
  // Draws the final state and ends the line. Idempotent.
  void Finish();

 private:
  using Clock = std::chrono::steady_clock;

  void MaybeDraw();
  void Draw(Clock::time_point now, bool final);

  const std::string label_;
  const int64_t total_;
  std::FILE* const out_;
  bool terminal_;
  const Clock::duration interval_;
  const Clock::time_point start_;

  std::atomic<int64_t> done_{0};
  std::atomic<uint32_t> calls_{0};
  std::atomic<uint32_t> stride_{1};
  std::atomic<int64_t> last_check_ns_{0};  // since start_
  std::atomic<int64_t> next_draw_ns_;       // since start_

  std::mutex mu_;  // guards drawing and the fields below
  size_t last_width_ = 0;
  bool finished_ = false;
};

}  // namespace crm::dedup
