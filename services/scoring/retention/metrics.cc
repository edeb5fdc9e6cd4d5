#include "services/scoring/retention/metrics.h"

#include <algorithm>
#include <numeric>

namespace crm::scoring::retention {

std::optional<double> RocAuc(const std::vector<double>& p, const std::vector<bool>& y) {
  const size_t n = std::min(p.size(), y.size());
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  // Sum of the positives' ranks (1-based), each run of equal scores given
  // the mean rank of the run.
  double rank_sum = 0;
  size_t positives = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && p[order[j]] == p[order[i]]) ++j;
    const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t t = i; t < j; ++t) {
      if (y[order[t]]) {
        rank_sum += mean_rank;
        ++positives;
      }
    }
    i = j;
  }
  const size_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return std::nullopt;
  const double pos = static_cast<double>(positives);
  return (rank_sum - pos * (pos + 1) / 2.0) / (pos * static_cast<double>(negatives));
}

double BrierScore(const std::vector<double>& p, const std::vector<bool>& y) {
  const size_t n = std::min(p.size(), y.size());
  if (n == 0) return 0;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = p[i] - (y[i] ? 1.0 : 0.0);
    sum += d * d;
  }
  return sum / static_cast<double>(n);
}

std::vector<CalibrationBin> Calibration(const std::vector<double>& p, const std::vector<bool>& y, int bins) {
  bins = std::max(bins, 1);
  std::vector<CalibrationBin> out(static_cast<size_t>(bins));
  std::vector<double> sum_p(out.size(), 0), sum_y(out.size(), 0);
  for (size_t b = 0; b < out.size(); ++b) {
    out[b].lower = static_cast<double>(b) / bins;
    out[b].upper = static_cast<double>(b + 1) / bins;
  }
  const size_t n = std::min(p.size(), y.size());
  for (size_t i = 0; i < n; ++i) {
    const int b = std::clamp(static_cast<int>(p[i] * bins), 0, bins - 1);
    auto& bin = out[static_cast<size_t>(b)];
    ++bin.count;
    sum_p[static_cast<size_t>(b)] += p[i];
    sum_y[static_cast<size_t>(b)] += y[i] ? 1.0 : 0.0;
  }
  for (size_t b = 0; b < out.size(); ++b) {
    if (out[b].count == 0) continue;
    out[b].mean_predicted = sum_p[b] / static_cast<double>(out[b].count);
    out[b].observed_rate = sum_y[b] / static_cast<double>(out[b].count);
  }
  return out;
}

}  // namespace crm::scoring::retention
