// The retention model's parts on hand-computed cases: AUC, Brier score and
// calibration, the logistic baseline, the features (only editions up to
// N-1), the rows and labels, the potential contribution, and the XGBoost
// wrapper's save/load round trip.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "services/scoring/domain/facts.h"
#include "services/scoring/domain/profile_builder.h"
#include "services/scoring/domain/retention_features.h"
#include "services/scoring/retention/logistic.h"
#include "services/scoring/retention/metrics.h"
#include "services/scoring/retention/train.h"
#include "services/scoring/retention/xgb_model.h"

namespace crm::scoring {
namespace {

using retention::Dataset;

// --- metrics ------------------------------------------------------------------

TEST(RocAuc, CountsPairsRankedRight) {
  // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs right.
  EXPECT_DOUBLE_EQ(*retention::RocAuc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}), 0.75);
  EXPECT_DOUBLE_EQ(*retention::RocAuc({0.1, 0.2, 0.3}, {false, true, true}), 1.0);
  EXPECT_DOUBLE_EQ(*retention::RocAuc({0.3, 0.2, 0.1}, {false, true, true}), 0.0);
}

TEST(RocAuc, TiesCountHalf) {
  // The positive at 0.5 ties both negatives (1/2 + 1/2), the one at 0.9 beats both: 3 of 4.
  EXPECT_DOUBLE_EQ(*retention::RocAuc({0.5, 0.5, 0.5, 0.9}, {false, true, false, true}), 0.75);
  // Everything tied: no information.
  EXPECT_DOUBLE_EQ(*retention::RocAuc({0.2, 0.2, 0.2, 0.2}, {true, false, true, false}), 0.5);
}

TEST(RocAuc, NeedsBothOutcomes) {
  EXPECT_FALSE(retention::RocAuc({0.1, 0.9}, {true, true}).has_value());
  EXPECT_FALSE(retention::RocAuc({}, {}).has_value());
}

TEST(BrierScore, IsTheMeanSquaredError) {
  // (0.1^2 + 0.2^2) / 2
  EXPECT_NEAR(retention::BrierScore({0.9, 0.2}, {true, false}), 0.025, 1e-12);
  EXPECT_DOUBLE_EQ(retention::BrierScore({1.0, 0.0}, {true, false}), 0.0);
  // The base rate 0.5 always: 0.25.
  EXPECT_DOUBLE_EQ(retention::BrierScore({0.5, 0.5}, {true, false}), 0.25);
}

TEST(Calibration, TenBinsWithMeansAndRates) {
  auto bins = retention::Calibration({0.05, 0.15, 0.12, 0.95, 1.0}, {false, true, false, true, true});
  ASSERT_EQ(bins.size(), 10u);
  EXPECT_EQ(bins[0].count, 1u);
  EXPECT_DOUBLE_EQ(bins[0].mean_predicted, 0.05);
  EXPECT_DOUBLE_EQ(bins[0].observed_rate, 0.0);
  EXPECT_EQ(bins[1].count, 2u);
  EXPECT_NEAR(bins[1].mean_predicted, 0.135, 1e-12);
  EXPECT_DOUBLE_EQ(bins[1].observed_rate, 0.5);
  EXPECT_EQ(bins[5].count, 0u);
  EXPECT_EQ(bins[9].count, 2u);  // 1.0 falls in the last bin
  EXPECT_NEAR(bins[9].mean_predicted, 0.975, 1e-12);
  EXPECT_DOUBLE_EQ(bins[9].observed_rate, 1.0);
  EXPECT_DOUBLE_EQ(bins[3].lower, 0.3);
  EXPECT_DOUBLE_EQ(bins[3].upper, 0.4);
}

// --- logistic regression ------------------------------------------------------

Dataset Rows(const std::vector<std::vector<float>>& x, const std::vector<bool>& y) {
  Dataset d{x.empty() ? 0 : x[0].size()};
  for (size_t i = 0; i < x.size(); ++i) d.Add(x[i], y[i]);
  return d;
}

TEST(Logistic, MaximumLikelihoodOnANonSeparableSetIsTheGroupRates) {
  // x = 0: 1 of 4 came back; x = 1: 3 of 4. Unpenalized, the fit is exact.
  auto d = Rows({{0}, {0}, {0}, {0}, {1}, {1}, {1}, {1}},
                {true, false, false, false, true, true, true, false});
  auto m = retention::LogisticModel::Fit(d, {.l2 = 0});
  const float zero = 0, one = 1, missing = NAN;
  EXPECT_NEAR(m.Predict(&zero), 0.25, 1e-6);
  EXPECT_NEAR(m.Predict(&one), 0.75, 1e-6);
  // A missing value is the training mean (0.5), which this fit puts at 0.5.
  EXPECT_NEAR(m.Predict(&missing), 0.5, 1e-6);
}

TEST(Logistic, RidgeKeepsASeparableSetFiniteAndOrdered) {
  // The second column is constant and must not disturb the fit.
  auto d = Rows({{-2, 3}, {-1, 3}, {1, 3}, {2, 3}}, {false, false, true, true});
  auto m = retention::LogisticModel::Fit(d, {.l2 = 1.0});
  auto p = m.PredictAll(d);
  for (double v : p) EXPECT_TRUE(std::isfinite(v));
  EXPECT_LT(p[0], p[1]);
  EXPECT_LT(p[1], 0.5);
  EXPECT_GT(p[2], 0.5);
  EXPECT_LT(p[2], p[3]);
  EXPECT_DOUBLE_EQ(*retention::RocAuc(p, d.y), 1.0);
  EXPECT_DOUBLE_EQ(m.coefficients()[2], 0.0);
  EXPECT_LT(m.iterations(), 100);
}

// --- features -----------------------------------------------------------------

constexpr auto kExhibitor = crm::v1::CUSTOMER_TYPE_EXHIBITOR;

float Feature(const std::vector<float>& x, const std::string& name) {
  const auto& names = RetentionFeatureNames();
  auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  return it == names.end() ? NAN : x[static_cast<size_t>(it - names.begin())];
}

crm::v1::EditionAggregate Edition(const std::string& id) {
  crm::v1::EditionAggregate e;
  e.set_show_id("auto-expo");
  e.set_edition_id(id);
  return e;
}

crm::v1::EditionAggregate Exhibited(const std::string& id, double sqm, int64_t paid) {
  auto e = Edition(id);
  e.set_exhibited(true);
  e.set_booth_area_sqm(sqm);
  e.set_booking_status("confirmed");
  e.mutable_booth_fees()->set_currency("CNY");
  e.mutable_booth_fees()->set_minor(paid);
  e.mutable_paid()->set_currency("CNY");
  e.mutable_paid()->set_minor(paid);
  e.add_days_checked_in("2025-04-24");
  return e;
}

const std::vector<std::string> kCalendar = {"2024", "2025", "2026"};

// Feature vectors compared bit for bit (NaN equals NaN).
std::vector<uint32_t> Bits(const std::vector<float>& x) {
  std::vector<uint32_t> out(x.size());
  std::memcpy(out.data(), x.data(), x.size() * sizeof(float));
  return out;
}

TEST(RetentionFeatures, NamesAreUniqueAndMatchTheVector) {
  const auto& names = RetentionFeatureNames();
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  auto x = RetentionFeatures({Edition("2024")}, kCalendar, 0, kExhibitor);
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->size(), names.size());
}

TEST(RetentionFeatures, ByHandForAnExhibitorWhoseBoothShrank) {
  auto e24 = Exhibited("2024", 36, 1'000'000);
  auto e25 = Exhibited("2025", 18, 500'000);
  e25.add_days_checked_in("2025-04-25");
  auto* s = e25.mutable_survey();
  s->set_answers(1);
  s->set_satisfaction(4);
  s->set_would_return(false);
  s->set_would_recommend(3);
  auto* c = e25.add_complaints();
  c->set_category("logistics");
  c->set_open(1);
  c->set_open_severity(4);
  auto x = *RetentionFeatures({e24, e25}, kCalendar, 1, kExhibitor);
  EXPECT_EQ(Feature(x, "editions_known"), 2);
  EXPECT_EQ(Feature(x, "editions_participated"), 2);
  EXPECT_EQ(Feature(x, "participation_rate"), 1);
  EXPECT_EQ(Feature(x, "took_part_last"), 1);
  EXPECT_EQ(Feature(x, "took_part_before_last"), 1);
  EXPECT_EQ(Feature(x, "first_time_last"), 0);
  EXPECT_EQ(Feature(x, "streak"), 2);
  EXPECT_EQ(Feature(x, "editions_since_participation"), 0);
  EXPECT_EQ(Feature(x, "days_checked_in_last"), 2);
  EXPECT_FLOAT_EQ(Feature(x, "days_checked_in_mean"), 1.5f);
  EXPECT_EQ(Feature(x, "booth_area_last"), 18);
  EXPECT_FLOAT_EQ(Feature(x, "booth_area_change_last"), static_cast<float>(std::log(0.5)));
  EXPECT_EQ(Feature(x, "booth_area_max"), 36);
  EXPECT_FLOAT_EQ(Feature(x, "net_paid_last"), static_cast<float>(std::log1p(5000.0)));
  EXPECT_FLOAT_EQ(Feature(x, "net_paid_lifetime"), static_cast<float>(std::log1p(15000.0)));
  EXPECT_EQ(Feature(x, "survey_answered_last"), 1);
  EXPECT_EQ(Feature(x, "satisfaction_last"), 4);
  EXPECT_EQ(Feature(x, "would_return_last"), 0);
  EXPECT_EQ(Feature(x, "would_recommend_latest"), 3);
  EXPECT_EQ(Feature(x, "complaints_open_last"), 1);
  EXPECT_EQ(Feature(x, "complaint_severity_open_last"), 4);
  EXPECT_EQ(Feature(x, "type_exhibitor"), 1);
  EXPECT_EQ(Feature(x, "type_public_visitor"), 0);
}

TEST(RetentionFeatures, MissingValuesAreNaN) {
  // Known from an import only: never took part, no survey, no booth.
  auto e = Edition("2024");
  e.set_imported_rows(2);
  auto x = *RetentionFeatures({e}, kCalendar, 0, crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR);
  EXPECT_TRUE(std::isnan(Feature(x, "editions_since_participation")));
  EXPECT_TRUE(std::isnan(Feature(x, "satisfaction_last")));
  EXPECT_TRUE(std::isnan(Feature(x, "satisfaction_latest")));
  EXPECT_TRUE(std::isnan(Feature(x, "booth_area_change_last")));
  EXPECT_TRUE(std::isnan(Feature(x, "days_checked_in_mean")));
  EXPECT_EQ(Feature(x, "participation_rate"), 0);
  EXPECT_EQ(Feature(x, "imported_rows_last"), 2);
  EXPECT_EQ(Feature(x, "type_professional_visitor"), 1);
}

TEST(RetentionFeatures, OnlyEditionsUpToNMinus1AreRead) {
  auto e24 = Exhibited("2024", 36, 1'000'000);
  auto e25 = Exhibited("2025", 36, 1'000'000);
  auto booked = Edition("2026");  // edition N: a rebooking, and the visit itself
  booked.set_booking_status("confirmed");
  booked.set_exhibited(true);
  booked.add_days_checked_in("2026-04-16");
  EXPECT_EQ(Bits(*RetentionFeatures({e24, e25}, kCalendar, 1, kExhibitor)),
            Bits(*RetentionFeatures({e24, e25, booked}, kCalendar, 1, kExhibitor)));
  // Not known by N-1: nothing to say.
  EXPECT_FALSE(RetentionFeatures({booked}, kCalendar, 1, kExhibitor).has_value());
}

TEST(RetentionFeatures, ComeBackAfterAGap) {
  auto e24 = Exhibited("2024", 9, 100'000);
  auto x = *RetentionFeatures({e24, Edition("2025")}, kCalendar, 1, kExhibitor);
  EXPECT_EQ(Feature(x, "took_part_last"), 0);
  EXPECT_EQ(Feature(x, "took_part_before_last"), 1);
  EXPECT_EQ(Feature(x, "editions_since_participation"), 1);
  EXPECT_EQ(Feature(x, "participation_rate"), 0.5);
  EXPECT_EQ(Feature(x, "streak"), 0);
  EXPECT_EQ(Feature(x, "exhibited_last"), 0);
  EXPECT_EQ(Feature(x, "booth_area_max"), 9);
}

TEST(RetentionExamples, OneRowPerPairTheCustomerWasKnownAt) {
  crm::v1::Profile p;
  p.set_customer_id("C1");
  p.mutable_summary()->set_customer_type(kExhibitor);
  auto* s = p.add_series();
  s->set_show_id("auto-expo");
  *s->add_editions() = Exhibited("2025", 18, 1);  // first known in 2025
  *s->add_editions() = Edition("2026");           // registered but did not come
  s->mutable_editions(1)->set_registrations(1);
  auto rows = RetentionExamples(p, {{"auto-expo", kCalendar}, {"other-show", {"1", "2"}}});
  // 2024 -> 2025: not known by 2024, no row. 2025 -> 2026: a row, did not take part.
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].edition_id, "2026");
  EXPECT_FALSE(rows[0].took_part);
  EXPECT_TRUE(rows[0].took_part_before);
  *s->mutable_editions(1) = Exhibited("2026", 18, 1);
  rows = RetentionExamples(p, {{"auto-expo", kCalendar}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].took_part);
}

// --- potential contribution ---------------------------------------------------

class FixedModel : public RetentionPredictor {
 public:
  explicit FixedModel(double p) : p_(p) {}
  std::optional<double> Predict(const std::vector<float>& x) const override {
    seen = x;
    return p_;
  }
  mutable std::vector<float> seen;

 private:
  double p_;
};

TEST(ExpectedNextEdition, IsTheMeanNetOfEditionsTakenPart) {
  auto a = Exhibited("2024", 9, 1'000);
  auto b = Exhibited("2025", 9, 3'000);
  auto paid_not_came = Edition("2026");
  paid_not_came.mutable_paid()->set_currency("CNY");
  paid_not_came.mutable_paid()->set_minor(50'000);
  EXPECT_EQ(ExpectedNextEditionMinor({a, b, paid_not_came}, kCalendar, 2, "CNY"), 2'000);
  EXPECT_EQ(ExpectedNextEditionMinor({paid_not_came}, kCalendar, 2, "CNY"), 0);
}

TEST(SetRetention, ProbabilityAndPotentialAsOfTheLatestEdition) {
  const FixedModel model(0.4);
  crm::v1::Indicators ind;
  ind.mutable_contribution_lifetime()->set_currency("CNY");
  const std::vector<std::string> calendar = {"2024", "2025"};
  SetRetention({Exhibited("2024", 9, 1'000), Exhibited("2025", 9, 3'001)}, calendar, kExhibitor, model, &ind);
  EXPECT_DOUBLE_EQ(ind.retention_probability(), 0.4);
  EXPECT_EQ(ind.contribution_potential().currency(), "CNY");
  EXPECT_EQ(ind.contribution_potential().minor(), 800);  // 0.4 x round(4001 / 2)
  EXPECT_EQ(Bits(model.seen), Bits(*RetentionFeatures({Exhibited("2024", 9, 1'000), Exhibited("2025", 9, 3'001)},
                                                       calendar, 1, kExhibitor)));
  crm::v1::Indicators unknown;
  SetRetention({Edition("2026")}, calendar, kExhibitor, model, &unknown);
  EXPECT_FALSE(unknown.has_retention_probability());
  EXPECT_FALSE(unknown.has_contribution_potential());
}

TEST(BuildProfile, RetentionOnlyWithAModel) {
  crm::v1::ScoringFact gate;
  gate.set_event_id("g1");
  gate.set_show_id("auto-expo");
  gate.set_edition_id("2025");
  gate.set_occurred_ms(1745107200000);
  gate.mutable_gate_check_in()->set_gate("N1");
  const Calendars calendars = {{"auto-expo", {"2024", "2025"}}};
  auto without = BuildProfile("C1", {gate}, 1, calendars, Weights{});
  EXPECT_FALSE(without.series(0).indicators().has_retention_probability());
  const FixedModel model(0.7);
  auto with = BuildProfile("C1", {gate}, 1, calendars, Weights{}, {}, &model);
  EXPECT_DOUBLE_EQ(with.series(0).indicators().retention_probability(), 0.7);
  EXPECT_EQ(with.series(0).indicators().contribution_potential().minor(), 0);  // never paid
  // No calendar for the series (the registry lags): nothing to predict for.
  auto lagging = BuildProfile("C1", {gate}, 1, {}, Weights{}, {}, &model);
  EXPECT_FALSE(lagging.series(0).indicators().has_retention_probability());
}

// --- XGBoost and the training run ---------------------------------------------

// y depends on the first column (and on whether the second is missing).
Dataset Synthetic(size_t n, size_t cols) {
  Dataset d{cols};
  uint64_t s = 12345;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(s >> 11) / static_cast<double>(1ull << 53);
  };
  for (size_t i = 0; i < n; ++i) {
    std::vector<float> x(cols);
    for (auto& v : x) v = static_cast<float>(next());
    if (i % 5 == 0) x[1] = NAN;
    const double p = (x[0] > 0.5 ? 0.85 : 0.2) + (std::isnan(x[1]) ? -0.1 : 0.0);
    d.Add(x, next() < p);
  }
  return d;
}

std::vector<std::string> Names(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back("f" + std::to_string(i));
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(XgbModel, LearnsSavesLoadsAndPredictsTheSameBytes) {
  const auto data = Synthetic(600, 3);
  retention::XgbParams params;
  params.rounds = 30;
  auto model = retention::XgbModel::Train(data, Names(3), params);
  ASSERT_TRUE(model.ok()) << model.status();
  auto p = (*model)->PredictAll(data);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_GT(*retention::RocAuc(*p, data.y), 0.75);
  const std::string path = ::testing::TempDir() + "/retention_model.json";
  ASSERT_TRUE((*model)->Save(path).ok());
  EXPECT_NE(Slurp(path).find("\"feature_names\""), std::string::npos);  // JSON, names inside
  auto loaded = retention::XgbModel::Load(path, Names(3));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto q = (*loaded)->PredictAll(data);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*p, *q);
  // One row at a time (the service's way), missing values included.
  for (size_t i = 0; i < 20; ++i) {
    const std::vector<float> row(data.row(i), data.row(i) + data.cols);
    EXPECT_EQ((*loaded)->Predict(row), std::optional<double>((*q)[i])) << i;
  }
  EXPECT_FALSE((*loaded)->Predict({0.5f}).has_value());  // wrong width
  // Same data and seed: the same model file.
  auto again = retention::XgbModel::Train(data, Names(3), params);
  const std::string path2 = ::testing::TempDir() + "/retention_model2.json";
  ASSERT_TRUE((*again)->Save(path2).ok());
  EXPECT_EQ(Slurp(path), Slurp(path2));
  std::remove(path.c_str());
  std::remove(path2.c_str());
}

TEST(XgbModel, RefusesAModelOfOtherFeaturesAndAMissingFile) {
  const auto data = Synthetic(100, 3);
  retention::XgbParams params;
  params.rounds = 2;
  auto model = retention::XgbModel::Train(data, Names(3), params);
  ASSERT_TRUE(model.ok());
  const std::string path = ::testing::TempDir() + "/retention_other.json";
  ASSERT_TRUE((*model)->Save(path).ok());
  EXPECT_EQ(retention::XgbModel::Load(path, {"a", "b", "c"}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(retention::XgbModel::Load(::testing::TempDir() + "/no_such_model.json", Names(3)).ok());
  std::remove(path.c_str());
}

TEST(HeldOut, IsStableAndNearTheShare) {
  size_t held = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string id = "C" + std::to_string(i);
    EXPECT_EQ(retention::HeldOut(id, 0.25), retention::HeldOut(id, 0.25));
    held += retention::HeldOut(id, 0.25);
  }
  EXPECT_NEAR(static_cast<double>(held) / 20000, 0.25, 0.02);
}

TEST(TrainRetention, ReportsBothModelsOnHeldOutCustomers) {
  // Exhibitors who came to 2025 return to 2026 more often when their booth did not shrink.
  std::vector<RetentionExample> examples;
  for (int i = 0; i < 400; ++i) {
    const bool grew = i % 3 != 0;
    auto x = *RetentionFeatures({Exhibited("2024", 36, 1), Exhibited("2025", grew ? 36 : 18, 1)}, kCalendar, 1,
                                kExhibitor);
    examples.push_back({"C" + std::to_string(i), "auto-expo", "2026", x, grew ? i % 10 != 1 : i % 10 < 3, true});
  }
  retention::TrainOptions o;
  o.xgb.rounds = 20;
  auto r = retention::TrainRetention(examples, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->held_out_customers, 50u);
  EXPECT_EQ(r->train_rows + r->xgb.all.rows, examples.size());
  ASSERT_TRUE(r->xgb.all.auc.has_value());
  ASSERT_TRUE(r->logistic.all.auc.has_value());
  EXPECT_GT(*r->xgb.all.auc, 0.6);
  EXPECT_DOUBLE_EQ(*r->base_rate.all.auc, 0.5);
  const std::string report = retention::RenderReport(*r, o, "test");
  EXPECT_NE(report.find("| XGBoost |"), std::string::npos);
  EXPECT_NE(report.find("| logistic regression |"), std::string::npos);
  EXPECT_NE(report.find("booth_area_change_last"), std::string::npos);
  // Only one outcome: nothing to learn.
  for (auto& e : examples) e.took_part = true;
  EXPECT_FALSE(retention::TrainRetention(examples, o).ok());
}

}  // namespace
}  // namespace crm::scoring
