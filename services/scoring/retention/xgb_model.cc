#include "services/scoring/retention/xgb_model.h"

#include <xgboost/c_api.h>

#include <cinttypes>
#include <cstdio>
#include <limits>
#include <map>

#include "common/log/log.h"
#include "common/util/strings.h"

namespace crm::scoring::retention {
namespace {

// XGBoost's C API answers 0 or -1 and keeps the message per thread.
absl::Status Check(int rc, const char* what) {
  if (rc == 0) return absl::OkStatus();
  return absl::InternalError(StrCat("xgboost ", what, ": ", XGBGetLastError()));
}

std::vector<const char*> CStrings(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  for (const auto& s : v) out.push_back(s.c_str());
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

struct DMatrix {
  DMatrixHandle h = nullptr;
  ~DMatrix() {
    if (h) XGDMatrixFree(h);
  }
};

// The rows of `data` as an XGBoost matrix, NaN for a missing value.
absl::Status MatrixOf(const Dataset& data, DMatrix* dm) {
  return Check(XGDMatrixCreateFromMat(data.x.data(), data.rows(), data.cols, std::numeric_limits<float>::quiet_NaN(),
                                      &dm->h),
               "DMatrix");
}

}  // namespace

XgbModel::~XgbModel() {
  if (booster_) XGBoosterFree(booster_);
}

absl::StatusOr<std::unique_ptr<XgbModel>> XgbModel::Train(const Dataset& data,
                                                          const std::vector<std::string>& feature_names,
                                                          const XgbParams& params) {
  if (data.cols != feature_names.size()) return absl::InvalidArgumentError("feature names do not match the columns");
  if (data.rows() == 0) return absl::InvalidArgumentError("no rows to train on");
  DMatrix dm;
  if (auto st = MatrixOf(data, &dm); !st.ok()) return st;
  std::vector<float> labels(data.rows());
  for (size_t i = 0; i < data.rows(); ++i) labels[i] = data.y[i] ? 1.0f : 0.0f;
  if (auto st = Check(XGDMatrixSetFloatInfo(dm.h, "label", labels.data(), labels.size()), "labels"); !st.ok())
    return st;
  auto names = CStrings(feature_names);
  if (auto st = Check(XGDMatrixSetStrFeatureInfo(dm.h, "feature_name", names.data(), names.size()), "names");
      !st.ok())
    return st;
  BoosterHandle b = nullptr;
  if (auto st = Check(XGBoosterCreate(&dm.h, 1, &b), "booster"); !st.ok()) return st;
  std::unique_ptr<XgbModel> model(new XgbModel(b, data.cols));
  const std::map<std::string, std::string> settings = {
      {"objective", "binary:logistic"},
      {"eval_metric", "logloss"},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(params.max_depth)},
      {"eta", Num(params.eta)},
      {"min_child_weight", Num(params.min_child_weight)},
      {"subsample", Num(params.subsample)},
      {"colsample_bytree", Num(params.colsample_bytree)},
      {"lambda", Num(params.lambda)},
      {"seed", std::to_string(params.seed)},
      {"nthread", std::to_string(params.threads)},
      {"verbosity", "0"},
  };
  for (const auto& [k, v] : settings)
    if (auto st = Check(XGBoosterSetParam(b, k.c_str(), v.c_str()), k.c_str()); !st.ok()) return st;
  if (auto st = Check(XGBoosterSetStrFeatureInfo(b, "feature_name", names.data(), names.size()), "names"); !st.ok())
    return st;
  for (int i = 0; i < params.rounds; ++i)
    if (auto st = Check(XGBoosterUpdateOneIter(b, i, dm.h), "training round"); !st.ok()) return st;
  // The service predicts on its own thread; the model file keeps no thread count.
  if (auto st = Check(XGBoosterSetParam(b, "nthread", "1"), "nthread"); !st.ok()) return st;
  return model;
}

absl::StatusOr<std::unique_ptr<XgbModel>> XgbModel::Load(const std::string& path,
                                                         const std::vector<std::string>& feature_names) {
  BoosterHandle b = nullptr;
  if (auto st = Check(XGBoosterCreate(nullptr, 0, &b), "booster"); !st.ok()) return st;
  std::unique_ptr<XgbModel> model(new XgbModel(b, feature_names.size()));
  if (auto st = Check(XGBoosterLoadModel(b, path.c_str()), "load"); !st.ok())
    return absl::InvalidArgumentError(StrCat("retention model ", path, ": ", st.message()));
  bst_ulong n = 0;
  const char** names = nullptr;
  if (auto st = Check(XGBoosterGetStrFeatureInfo(b, "feature_name", &n, &names), "names"); !st.ok()) return st;
  std::vector<std::string> got(names, names + n);
  if (got != feature_names) {
    return absl::FailedPreconditionError(StrCat("retention model ", path, " was trained on ", got.size(),
                                                " other features than the ", feature_names.size(),
                                                " this build computes; train it again"));
  }
  for (const auto& [k, v] : std::map<std::string, std::string>{{"nthread", "1"}, {"verbosity", "0"}})
    if (auto st = Check(XGBoosterSetParam(b, k.c_str(), v.c_str()), k.c_str()); !st.ok()) return st;
  return model;
}

absl::Status XgbModel::Save(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return Check(XGBoosterSaveModel(booster_, path.c_str()), "save");
}

absl::StatusOr<std::vector<double>> XgbModel::PredictAll(const Dataset& data) const {
  if (data.cols != features_) return absl::InvalidArgumentError("wrong number of features");
  if (data.rows() == 0) return std::vector<double>{};
  DMatrix dm;
  if (auto st = MatrixOf(data, &dm); !st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  static const char* kConfig =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";
  if (auto st = Check(XGBoosterPredictFromDMatrix(booster_, dm.h, kConfig, &shape, &dim, &out), "predict"); !st.ok())
    return st;
  return std::vector<double>(out, out + data.rows());
}

std::optional<double> XgbModel::Predict(const std::vector<float>& features) const {
  if (features.size() != features_) return std::nullopt;
  // In-place prediction on one row: no DMatrix to build per customer.
  char array[160];
  std::snprintf(array, sizeof array,
                R"({"data": [%)" PRIuPTR R"(, true], "shape": [1, %zu], "typestr": "<f4", "version": 3})",
                reinterpret_cast<uintptr_t>(features.data()), features.size());
  static const char* kConfig =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false,)"
      R"( "missing": NaN, "cache_id": 0})";
  std::lock_guard<std::mutex> lock(mu_);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  if (auto st = Check(XGBoosterPredictFromDense(booster_, array, kConfig, nullptr, &shape, &dim, &out), "predict");
      !st.ok()) {
    log::Warn("retention prediction failed", {{"error", st.ToString()}});
    return std::nullopt;
  }
  return static_cast<double>(out[0]);
}

std::vector<std::pair<std::string, double>> XgbModel::TotalGain() const {
  std::lock_guard<std::mutex> lock(mu_);
  bst_ulong n = 0, dim = 0;
  const char** names = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  std::vector<std::pair<std::string, double>> out;
  if (XGBoosterFeatureScore(booster_, R"({"importance_type": "total_gain"})", &n, &names, &dim, &shape, &scores) != 0)
    return out;
  for (bst_ulong i = 0; i < n; ++i) out.emplace_back(names[i], scores[i]);
  return out;
}

}  // namespace crm::scoring::retention
