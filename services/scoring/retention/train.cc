#include "services/scoring/retention/train.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/util/strings.h"

namespace crm::scoring::retention {
namespace {

// FNV-1a: stable across builds and platforms (std::hash is not).
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Evaluation Evaluate(const std::vector<double>& p, const std::vector<bool>& y) {
  Evaluation e;
  e.rows = y.size();
  e.positives = static_cast<size_t>(std::count(y.begin(), y.end(), true));
  e.auc = RocAuc(p, y);
  e.brier = BrierScore(p, y);
  e.calibration = Calibration(p, y, 10);
  return e;
}

ModelEvaluation EvaluateBoth(const std::vector<double>& p, const Dataset& test, const std::vector<bool>& before) {
  std::vector<double> sub_p;
  std::vector<bool> sub_y;
  for (size_t i = 0; i < p.size(); ++i) {
    if (!before[i]) continue;
    sub_p.push_back(p[i]);
    sub_y.push_back(test.y[i]);
  }
  return {Evaluate(p, test.y), Evaluate(sub_p, sub_y)};
}

std::string Fixed(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string AucText(const std::optional<double>& auc) { return auc ? Fixed(*auc) : "n/a"; }

std::string CalibrationTable(const Evaluation& e) {
  std::string out = "| predicted | rows | mean predicted | observed |\n| --- | ---: | ---: | ---: |\n";
  for (const auto& b : e.calibration) {
    out += StrCat("| ", Fixed(b.lower, 1), "-", Fixed(b.upper, 1), " | ", b.count, " | ",
                  b.count ? Fixed(b.mean_predicted, 3) : "", " | ", b.count ? Fixed(b.observed_rate, 3) : "", " |\n");
  }
  return out;
}

}  // namespace

bool HeldOut(const std::string& customer_id, double share) {
  return static_cast<double>(Fnv1a(customer_id) % 1'000'000) < share * 1'000'000.0;
}

absl::StatusOr<TrainResult> TrainRetention(std::vector<RetentionExample> examples, const TrainOptions& options) {
  // The row order is part of the result (XGBoost's histograms), so fix it.
  std::sort(examples.begin(), examples.end(), [](const RetentionExample& a, const RetentionExample& b) {
    return std::tie(a.customer_id, a.show_id, a.edition_id) < std::tie(b.customer_id, b.show_id, b.edition_id);
  });
  const auto& names = RetentionFeatureNames();
  TrainResult r;
  Dataset train{names.size()}, test{names.size()};
  std::vector<bool> test_before;
  std::set<std::string> customers, held;
  for (const auto& ex : examples) {
    if (ex.features.size() != names.size()) return absl::InvalidArgumentError("a row has the wrong feature count");
    customers.insert(ex.customer_id);
    auto& by = r.rows_by_edition[{ex.show_id, ex.edition_id}];
    ++by.first;
    by.second += ex.took_part ? 1 : 0;
    if (HeldOut(ex.customer_id, options.holdout)) {
      held.insert(ex.customer_id);
      test.Add(ex.features, ex.took_part);
      test_before.push_back(ex.took_part_before);
    } else {
      train.Add(ex.features, ex.took_part);
    }
  }
  r.customers = customers.size();
  r.held_out_customers = held.size();
  r.train_rows = train.rows();
  r.train_positives = static_cast<size_t>(std::count(train.y.begin(), train.y.end(), true));
  if (r.train_positives == 0 || r.train_positives == train.rows())
    return absl::FailedPreconditionError(
        StrCat("the ", train.rows(), " training rows need customers who came back and customers who did not"));
  if (test.rows() == 0) return absl::FailedPreconditionError("no held-out rows (too few customers)");

  auto model = XgbModel::Train(train, names, options.xgb);
  if (!model.ok()) return model.status();
  r.model = std::move(*model);
  auto p_xgb = r.model->PredictAll(test);
  if (!p_xgb.ok()) return p_xgb.status();
  r.xgb = EvaluateBoth(*p_xgb, test, test_before);
  const LogisticModel logistic = LogisticModel::Fit(train, options.logistic);
  r.logistic = EvaluateBoth(logistic.PredictAll(test), test, test_before);
  const double rate = static_cast<double>(r.train_positives) / static_cast<double>(train.rows());
  r.base_rate = EvaluateBoth(std::vector<double>(test.rows(), rate), test, test_before);
  r.gain = r.model->TotalGain();
  std::sort(r.gain.begin(), r.gain.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return r;
}

std::string RenderReport(const TrainResult& r, const TrainOptions& o, const std::string& source) {
  std::string out = "# Retention model\n\n";
  out += StrCat("History: ", source, ". Rows are (customer, series, edition N-1 -> N): the features as of N-1's ",
                "close, the label whether the customer took part in N.\n\n");
  out += "| series | edition N | rows | took part in N |\n| --- | --- | ---: | ---: |\n";
  for (const auto& [key, n] : r.rows_by_edition)
    out += StrCat("| ", key.first, " | ", key.second, " | ", n.first, " | ", n.second, " |\n");
  out += StrCat("\nCustomers: ", r.customers, ", held out: ", r.held_out_customers, " (", Fixed(o.holdout * 100, 0),
                "% by a hash of the customer id). Training rows: ", r.train_rows, " (", r.train_positives,
                " took part in N).\n\n");
  out += "## Held-out customers\n\n";
  out += "| model | rows | took part in N | AUC | Brier | AUC, took part in N-1 | Brier, took part in N-1 | rows "
         "|\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const auto& [name, m] : std::vector<std::pair<std::string, const ModelEvaluation*>>{
           {"XGBoost", &r.xgb}, {"logistic regression", &r.logistic}, {"base rate", &r.base_rate}}) {
    out += StrCat("| ", name, " | ", m->all.rows, " | ", m->all.positives, " | ", AucText(m->all.auc), " | ",
                  Fixed(m->all.brier), " | ", AucText(m->took_part_before.auc), " | ", Fixed(m->took_part_before.brier),
                  " | ", m->took_part_before.rows, " |\n");
  }
  out += "\n\"took part in N-1\": only the rows of customers who took part in edition N-1. \"base rate\" predicts "
         "the training rows' share of returners for everyone.\n\n";
  out += "### Calibration, XGBoost (held out)\n\n" + CalibrationTable(r.xgb.all);
  out += "\n### Calibration, logistic regression (held out)\n\n" + CalibrationTable(r.logistic.all);
  out += StrCat("\n## Parameters\n\nXGBoost: binary:logistic, hist, ", o.xgb.rounds, " rounds, max_depth ",
                o.xgb.max_depth, ", eta ", Fixed(o.xgb.eta, 3), ", min_child_weight ", Fixed(o.xgb.min_child_weight, 1),
                ", subsample ", Fixed(o.xgb.subsample, 2), ", colsample_bytree ", Fixed(o.xgb.colsample_bytree, 2),
                ", lambda ", Fixed(o.xgb.lambda, 2), ", seed ", o.xgb.seed, ". Logistic regression: standardized ",
                "features, missing values at the training mean, L2 ", Fixed(o.logistic.l2, 3), ", Newton/IRLS.\n\n");
  out += "## Features (docs/SCORING.md defines each), by XGBoost total gain\n\n| feature | total gain |\n| --- | ---: |\n";
  std::set<std::string> listed;
  for (const auto& [name, gain] : r.gain) {
    out += StrCat("| ", name, " | ", Fixed(gain, 1), " |\n");
    listed.insert(name);
  }
  for (const auto& name : RetentionFeatureNames())
    if (!listed.count(name)) out += StrCat("| ", name, " | 0 (unused) |\n");
  return out;
}

std::string RenderSummary(const TrainResult& r) {
  std::string out = StrCat("retention model: ", r.train_rows, " training rows, ", r.xgb.all.rows,
                           " held-out rows of ", r.held_out_customers, " customers\n");
  for (const auto& [name, m] : std::vector<std::pair<std::string, const ModelEvaluation*>>{
           {"xgboost ", &r.xgb}, {"logistic", &r.logistic}, {"base    ", &r.base_rate}}) {
    out += StrCat("  ", name, "  AUC ", AucText(m->all.auc), "  Brier ", Fixed(m->all.brier),
                  "   (took part in N-1: AUC ", AucText(m->took_part_before.auc), "  Brier ",
                  Fixed(m->took_part_before.brier), ")\n");
  }
  return out;
}

}  // namespace crm::scoring::retention
