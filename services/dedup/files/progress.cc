#include "services/dedup/files/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "common/util/strings.h"

namespace crm::dedup {
namespace {

constexpr int kBarWidth = 30;
constexpr uint32_t kMaxStride = 1u << 16;
// Aim for clock reads every ~5-20 ms whatever the call rate.
constexpr int64_t kMinCheckNs = 5'000'000;
constexpr int64_t kMaxCheckNs = 20'000'000;

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// 950, 12.3k, 4.56M.
std::string Human(double v) {
  if (v >= 1e9) return Fixed(v / 1e9, 2) + "G";
  if (v >= 1e6) return Fixed(v / 1e6, 2) + "M";
  if (v >= 1e4) return Fixed(v / 1e3, 1) + "k";
  return Fixed(v, v >= 100 ? 0 : 1);
}

// 45s, 3m07s, 2h05m.
std::string Duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60));
  }
  return buf;
}

}  // namespace

Progress::Progress(std::string label, int64_t total, std::FILE* out, Style style)
    : label_(std::move(label)),
      total_(std::max<int64_t>(total, 0)),
      out_(out),
      terminal_(style == Style::kAuto ? (out && isatty(fileno(out))) : style == Style::kTerminal),
      interval_(terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000)),
      start_(Clock::now()),
      next_draw_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(interval_).count()) {}

Progress::~Progress() { Finish(); }

void Progress::Update(int64_t done) {
  int64_t seen = done_.load(std::memory_order_relaxed);
  while (done > seen && !done_.compare_exchange_weak(seen, done, std::memory_order_relaxed)) {
  }
  uint32_t n = calls_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (n % stride_.load(std::memory_order_relaxed) != 0) return;
  MaybeDraw();
}

void Progress::MaybeDraw() {
  Clock::time_point now = Clock::now();
  int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_).count();
  int64_t since = now_ns - last_check_ns_.exchange(now_ns, std::memory_order_relaxed);
  uint32_t stride = stride_.load(std::memory_order_relaxed);
  if (since < kMinCheckNs && stride < kMaxStride) {
    stride_.store(stride * 2, std::memory_order_relaxed);
  } else if (since > kMaxCheckNs && stride > 1) {
    stride_.store(stride / 2, std::memory_order_relaxed);
  }
  if (now_ns < next_draw_ns_.load(std::memory_order_relaxed)) return;
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || finished_ || now_ns < next_draw_ns_.load(std::memory_order_relaxed)) return;
  next_draw_ns_.store(now_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(interval_).count(),
                      std::memory_order_relaxed);
  Draw(now, false);
}

void Progress::Finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  Draw(Clock::now(), true);
}

void Progress::Draw(Clock::time_point now, bool final) {
  if (!out_) return;
  int64_t done = done_.load(std::memory_order_relaxed);
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  std::string line;
  if (terminal_) {
    line = StrCat("\r", label_, " ");
    if (total_ > 0) {
      double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
      int filled = static_cast<int>(frac * kBarWidth);
      line += StrCat("[", std::string(filled, '#'), std::string(kBarWidth - filled, '.'), "] ",
                     Fixed(frac * 100, 1), "% ", done, "/", total_, " ", Human(rate), "/s");
      if (final) {
        line += StrCat(" in ", Duration(elapsed));
      } else if (rate > 0) {
        line += StrCat(" ETA ", Duration(static_cast<double>(std::max<int64_t>(total_ - done, 0)) / rate));
      }
    } else {
      line += StrCat(done, " ", Human(rate), "/s");
      if (final) line += StrCat(" in ", Duration(elapsed));
    }
    // Blank out the rest of a longer previous line.
    size_t width = line.size() - 1;
    if (width < last_width_) line.append(last_width_ - width, ' ');
    last_width_ = width;
    if (final) line.push_back('\n');
  } else {
    line = StrCat(label_, ": ");
    if (final) line += "done ";
    line += StrCat(done);
    if (total_ > 0) line += StrCat("/", total_, " (", Fixed(std::min(1.0, static_cast<double>(done) / total_) * 100, 1), "%)");
    line += StrCat(", ", Human(rate), "/s");
    if (final) {
      line += StrCat(", ", Duration(elapsed));
    } else if (total_ > 0 && rate > 0) {
      line += StrCat(", ETA ", Duration(static_cast<double>(std::max<int64_t>(total_ - done, 0)) / rate));
    }
    line.push_back('\n');
  }
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace crm::dedup
