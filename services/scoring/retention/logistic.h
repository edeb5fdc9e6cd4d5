#pragma once

// The baseline beside XGBoost: L2-regularized logistic regression on
// standardized features, fitted by Newton's method (IRLS). No dependency
// beyond the standard library; deterministic.

#include <vector>

#include "services/scoring/retention/dataset.h"

namespace crm::scoring::retention {

struct LogisticOptions {
  // Ridge penalty on the standardized coefficients (not the intercept):
  // keeps them finite on separable data. 0 gives the maximum-likelihood fit.
  double l2 = 1.0;
  int max_iterations = 100;
  // Stops when no coefficient moves by more than this.
  double tolerance = 1e-9;
};

class LogisticModel {
 public:
  // Each column is centred and scaled by its training mean and standard
  // deviation; a missing value (NaN) is replaced by the mean, and a constant
  // column gets weight 0.
  static LogisticModel Fit(const Dataset& data, const LogisticOptions& options = {});

  double Predict(const float* row) const;
  std::vector<double> PredictAll(const Dataset& data) const;

  // [0] the intercept, then one per column, on the standardized scale.
  const std::vector<double>& coefficients() const { return beta_; }
  int iterations() const { return iterations_; }

 private:
  double Margin(const float* row) const;
  std::vector<double> mean_, scale_, beta_;
  int iterations_ = 0;
};

}  // namespace crm::scoring::retention
