// Weights by name, their validation, the weights file, and profiles judged
// by each series' own weights.

#include <gtest/gtest.h>

#include <cmath>

#include "services/scoring/domain/profile_builder.h"
#include "services/scoring/domain/weights.h"
#include "services/scoring/weights_file.h"

namespace crm::scoring {
namespace {

TEST(Weights, EveryNamedFieldReadsBackWhatWasSet) {
  Weights w;
  double v = 1;
  for (const auto& name : WeightNames()) {
    ASSERT_TRUE(SetWeight(w, name, v).ok()) << name;
    v += 1;
  }
  v = 1;
  for (const auto& name : WeightNames()) {
    EXPECT_EQ(GetWeight(w, name), v) << name;
    v += 1;
  }
  EXPECT_EQ(w.w_expectation, 1);
  EXPECT_EQ(w.subtype_quality_dwell_s, static_cast<double>(WeightNames().size()));
  EXPECT_EQ(WeightNames().size(), 31u);
}

TEST(Weights, UnknownNamesAndFractionalCountsAreRefused) {
  Weights w;
  EXPECT_EQ(SetWeight(w, "v_economc", 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SetWeight(w, "cost_per_sales_contact", 12.5).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SetWeight(w, "subtype_min_visits", -1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(SetWeight(w, "cost_per_sales_contact", 4000).ok());
  EXPECT_EQ(w.cost_per_sales_contact, 4000);
  EXPECT_TRUE(std::isnan(GetWeight(w, "nope")));
}

TEST(Weights, ValidationNamesTheFieldOutOfRange) {
  EXPECT_TRUE(ValidateWeights(Weights{}).ok());
  Weights w;
  w.w_quality = 0.5;  // satisfaction weights now sum to 1.2
  auto st = ValidateWeights(w);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("must be 1"), std::string::npos) << st.message();
  w = Weights{};
  w.v_capability = -1;
  EXPECT_NE(ValidateWeights(w).message().find("v_capability"), std::string::npos);
  w = Weights{};
  w.attitude_high = 1.5;
  EXPECT_NE(ValidateWeights(w).message().find("attitude_high"), std::string::npos);
  w = Weights{};
  w.subtype_cautious_dwell_s = 400;  // above quality_dwell 360
  EXPECT_FALSE(ValidateWeights(w).ok());
}

constexpr char kFile[] = R"(
default:
  v_economic: 1.5
organizers:
  - name: canton-group
    series: [auto-expo, home-expo]
    weights:
      v_demonstration: 2.0
      acquisition_cost_exhibitor: 80000
  - name: small-fairs
    series: [tea-fair]
)";

TEST(WeightsFile, OrganizerWeightsApplyToTheirSeriesOverTheDefaultSection) {
  auto book = ParseWeightsFile(kFile, "weights.yaml");
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(book->For("auto-expo").v_demonstration, 2.0);
  EXPECT_EQ(book->For("home-expo").acquisition_cost_exhibitor, 80000);
  EXPECT_EQ(book->For("auto-expo").v_economic, 1.5);      // from default:
  EXPECT_EQ(book->For("auto-expo").w_quality, Weights{}.w_quality);  // built in
  EXPECT_EQ(book->For("tea-fair").v_demonstration, 1.0);
  EXPECT_EQ(book->For("tea-fair").v_economic, 1.5);
  EXPECT_EQ(book->For("unlisted").v_economic, 1.5);
  EXPECT_EQ(book->For("unlisted").acquisition_cost_exhibitor, Weights{}.acquisition_cost_exhibitor);
  EXPECT_EQ(book->series().size(), 3u);
}

TEST(WeightsFile, AnEmptyFileMeansTheBuiltInWeights) {
  auto book = ParseWeightsFile("", "empty.yaml");
  ASSERT_TRUE(book.ok());
  EXPECT_EQ(book->For("auto-expo").v_economic, Weights{}.v_economic);
}

TEST(WeightsFile, MistakesAreErrorsWithTheirLine) {
  struct Case {
    const char* yaml;
    const char* says;
  };
  const Case cases[] = {
      {"default:\n  v_economc: 2\n", "weights.yaml:2: default: unknown field \"v_economc\""},
      {"default:\n  v_economic: lots\n", "expected a number"},
      {"defaults:\n  v_economic: 2\n", "unknown section \"defaults\""},
      {"organizers:\n  - name: a\n    series: [x]\n  - name: b\n    series: [x]\n",
       "series x is named by a and by b"},
      {"organizers:\n  - name: a\n    series: []\n", "a: series: expected a list of show ids"},
      {"organizers:\n  - series: [x]\n", "each entry needs a name"},
      {"organizers:\n  - name: a\n    series: [x]\n    weigths: {}\n", "unknown key \"weigths\""},
      {"organizers:\n  - name: a\n    series: [x]\n    weights:\n      w_quality: 0.9\n", "must be 1"},
      {"default: [1, 2\n", "weights.yaml:"},
  };
  for (const auto& c : cases) {
    auto book = ParseWeightsFile(c.yaml, "weights.yaml");
    ASSERT_FALSE(book.ok()) << c.yaml;
    EXPECT_EQ(book.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(book.status().message().find(c.says), std::string::npos) << book.status().message();
  }
}

TEST(WeightsFile, AMissingFileIsNotFound) {
  EXPECT_EQ(LoadWeightsFile("/nonexistent/weights.yaml").status().code(), absl::StatusCode::kNotFound);
}

crm::v1::ScoringFact PayIn(const std::string& show, const std::string& id, int64_t minor) {
  crm::v1::ScoringFact f;
  f.set_event_id(id);
  f.set_show_id(show);
  f.set_edition_id("2025");
  f.set_occurred_ms(1745107200000);
  f.mutable_payment()->set_invoice_id("I" + id);
  f.mutable_payment()->set_amount_minor(minor);
  f.mutable_payment()->set_currency("CNY");
  return f;
}

TEST(WeightsFile, EachSeriesOfAProfileIsJudgedByItsOrganizersWeights) {
  auto book = ParseWeightsFile("organizers:\n  - name: o\n    series: [auto-expo]\n    weights:\n      v_economic: 3\n",
                               "weights.yaml");
  ASSERT_TRUE(book.ok()) << book.status();
  // The same spend in two series: the same economic value, three times the
  // value where the organizer weighs economic value 3.
  std::vector<crm::v1::ScoringFact> facts = {PayIn("auto-expo", "a", 2'000'000), PayIn("home-expo", "b", 2'000'000)};
  auto p = BuildProfile("C1", facts, 1, {{"auto-expo", {"2025"}}, {"home-expo", {"2025"}}}, *book);
  ASSERT_EQ(p.series_size(), 2);
  const auto& auto_expo = p.series(0).show_id() == "auto-expo" ? p.series(0) : p.series(1);
  const auto& home_expo = p.series(0).show_id() == "auto-expo" ? p.series(1) : p.series(0);
  ASSERT_GT(home_expo.indicators().economic_value(), 0);
  EXPECT_EQ(auto_expo.indicators().economic_value(), home_expo.indicators().economic_value());
  const double others = home_expo.indicators().value() - home_expo.indicators().economic_value();
  EXPECT_NEAR(auto_expo.indicators().value(), 3 * auto_expo.indicators().economic_value() + others, 1e-9);
}

}  // namespace
}  // namespace crm::scoring
