#pragma once

// `crm-scoring train` without its I/O: (N-1 -> N) rows split by customer
// into training and held-out sets, XGBoost and the logistic baseline fitted
// on the first and measured on the second, and the report in markdown.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/scoring/domain/retention_features.h"
#include "services/scoring/retention/logistic.h"
#include "services/scoring/retention/metrics.h"
#include "services/scoring/retention/xgb_model.h"

namespace crm::scoring::retention {

struct TrainOptions {
  // Share of customers held out (by a hash of the customer id, so the same
  // customers on every run and every row of a customer on one side).
  double holdout = 0.25;
  XgbParams xgb;
  LogisticOptions logistic;
};

// True for the customers whose rows are held out.
bool HeldOut(const std::string& customer_id, double share);

struct Evaluation {
  size_t rows = 0, positives = 0;
  std::optional<double> auc;
  double brier = 0;
  std::vector<CalibrationBin> calibration;
};

// A model's figures on the held-out rows: all of them, and only the rows of
// customers who took part in N-1 (retention in the narrow sense).
struct ModelEvaluation {
  Evaluation all, took_part_before;
};

struct TrainResult {
  std::unique_ptr<XgbModel> model;
  size_t customers = 0, held_out_customers = 0;
  size_t train_rows = 0, train_positives = 0;
  // Rows per (series, edition N), all customers.
  std::map<std::pair<std::string, std::string>, std::pair<size_t, size_t>> rows_by_edition;  // rows, positives
  ModelEvaluation xgb, logistic, base_rate;
  std::vector<std::pair<std::string, double>> gain;  // XGBoost total gain, largest first
};

// Fails without both outcomes among the training rows or without held-out rows.
absl::StatusOr<TrainResult> TrainRetention(std::vector<RetentionExample> examples, const TrainOptions& options);

// The markdown report; `source` says where the history came from.
std::string RenderReport(const TrainResult& result, const TrainOptions& options, const std::string& source);
// A few lines for the terminal.
std::string RenderSummary(const TrainResult& result);

}  // namespace crm::scoring::retention
