#pragma once

// How good a probability is on labelled rows: ROC AUC, Brier score and a
// calibration table. Pure functions; `p` and `y` are parallel.

#include <cstddef>
#include <optional>
#include <vector>

namespace crm::scoring::retention {

// Area under the ROC curve from ranks (Mann-Whitney): the chance that a
// random positive scores above a random negative, ties counting half.
// nullopt without at least one positive and one negative.
std::optional<double> RocAuc(const std::vector<double>& p, const std::vector<bool>& y);

// Mean squared difference between probability and outcome (0 is perfect;
// always saying the base rate b scores b(1-b)). 0 for no rows.
double BrierScore(const std::vector<double>& p, const std::vector<bool>& y);

struct CalibrationBin {
  double lower = 0, upper = 0;  // [lower, upper); the last bin includes 1
  size_t count = 0;
  double mean_predicted = 0;  // 0 when count is 0
  double observed_rate = 0;
};

// `bins` equal-width bins of the predicted probability over [0, 1].
std::vector<CalibrationBin> Calibration(const std::vector<double>& p, const std::vector<bool>& y, int bins = 10);

}  // namespace crm::scoring::retention
