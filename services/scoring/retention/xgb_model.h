#pragma once

// The retention model: gradient-boosted trees from XGBoost's C API
// (Debian libxgboost-dev), binary:logistic. Trained by `crm-scoring train`,
// saved as XGBoost's JSON model file with the feature names in it, and
// loaded by the service (scoring.retention_model) to predict.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/scoring/domain/retention_features.h"
#include "services/scoring/retention/dataset.h"

namespace crm::scoring::retention {

struct XgbParams {
  int rounds = 300;
  int max_depth = 4;
  double eta = 0.05;
  double min_child_weight = 5;
  double subsample = 1.0;  // < 1 draws rows with `seed`
  double colsample_bytree = 1.0;
  double lambda = 1.0;
  int seed = 7;
  // Training threads; the service predicts on one.
  int threads = 1;
};

class XgbModel : public RetentionPredictor {
 public:
  ~XgbModel() override;

  // Fits on `data` whose columns are named `feature_names`.
  static absl::StatusOr<std::unique_ptr<XgbModel>> Train(const Dataset& data,
                                                         const std::vector<std::string>& feature_names,
                                                         const XgbParams& params);
  // Loads a model file; FAILED_PRECONDITION unless it was trained on
  // exactly `feature_names` (in order).
  static absl::StatusOr<std::unique_ptr<XgbModel>> Load(const std::string& path,
                                                        const std::vector<std::string>& feature_names);
  // XGBoost's JSON format (the path should end in .json).
  absl::Status Save(const std::string& path) const;

  absl::StatusOr<std::vector<double>> PredictAll(const Dataset& data) const;
  std::optional<double> Predict(const std::vector<float>& features) const override;

  // Total gain of each feature over all splits (0 for unused ones), by name.
  std::vector<std::pair<std::string, double>> TotalGain() const;

 private:
  explicit XgbModel(void* booster, size_t features) : booster_(booster), features_(features) {}
  void* booster_;  // BoosterHandle
  size_t features_;
  // XGBoost's prediction buffer belongs to the booster until the next call.
  mutable std::mutex mu_;
};

}  // namespace crm::scoring::retention
