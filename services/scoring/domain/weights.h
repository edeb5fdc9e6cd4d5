#pragma once

// Weights per series. An organizer sets its own weights for the series it
// runs (the weights file, weights_file.h); every other series is judged by
// the default ones. Fields are named as the weights file spells them.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/scoring/domain/indicators.h"

namespace crm::scoring {

class WeightBook {
 public:
  WeightBook() = default;
  // One set of weights for every series (implicit: a Weights is a book
  // with no organizer of its own).
  WeightBook(const Weights& defaults) : default_(defaults) {}  // NOLINT(google-explicit-constructor)

  void SetSeries(const std::string& show_id, const Weights& w) { by_series_[show_id] = w; }
  const Weights& For(const std::string& show_id) const {
    auto it = by_series_.find(show_id);
    return it == by_series_.end() ? default_ : it->second;
  }
  const Weights& defaults() const { return default_; }
  const std::map<std::string, Weights>& series() const { return by_series_; }

 private:
  Weights default_;
  std::map<std::string, Weights> by_series_;
};

// Sets the field `name` of `w`. INVALID_ARGUMENT for an unknown name, or a
// fractional value for a whole-number field (costs in minor units, counts).
absl::Status SetWeight(Weights& w, std::string_view name, double value);
// The value of field `name` (for --print and tests); NaN for an unknown one.
double GetWeight(const Weights& w, std::string_view name);
// Every field name, in declaration order.
const std::vector<std::string>& WeightNames();

// INVALID_ARGUMENT naming the first field out of range: negative values,
// satisfaction weights not summing to 1, shares and thresholds outside
// [0, 1], sub-type dwell thresholds out of order.
absl::Status ValidateWeights(const Weights& w);

}  // namespace crm::scoring
