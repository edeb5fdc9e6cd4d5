#pragma once

// The judgements derived from one customer's aggregates in one series.
// Every formula, input and config key is in docs/SCORING.md; the weights are
// per organizer (scoring.yaml). Pure functions over the aggregates.

#include <optional>
#include <string>
#include <vector>

#include "crm/v1/profile.pb.h"

namespace crm::scoring {

struct Weights {
  // Satisfaction index: weights of the four survey scores (sum 1).
  double w_expectation = 0.10, w_quality = 0.30, w_value = 0.25, w_satisfaction = 0.35;
  // Points taken off per severity point of an open complaint, and the share
  // of them given back once the complaint is resolved.
  double complaint_points_per_severity = 3.0;
  double resolution_recovery = 0.5;
  // Knox: attitude and repeat rate at or above these count as high.
  double attitude_high = 0.6;
  double behaviour_high = 0.5;
  // Value scores.
  double demonstration_per_log_sqm = 1.0;   // x ln(1 + booth area)
  double demonstration_per_log_visit = 0.5; // x ln(1 + booth visits received... leads made)
  double recommendation_per_referral = 2.0;
  double recommendation_per_promoter = 1.0;
  double capability_per_session_spoken = 3.0;
  double capability_per_survey = 0.5;
  double capability_per_comment = 0.5;
  // Economic value: points per 10,000 minor units of lifetime net contribution.
  double economic_per_10k_minor = 1.0;
  // Weights of the four values in the customer's value.
  double v_economic = 1.0, v_demonstration = 1.0, v_recommendation = 1.0, v_capability = 1.0;
  // Relationship costs, minor units.
  int64_t acquisition_cost_exhibitor = 50'000;
  int64_t acquisition_cost_visitor = 2'000;
  int64_t cost_per_sales_contact = 3'000;
  int64_t cost_per_campaign_message = 10;
  // Key account: booth area or lifetime contribution at or above.
  double key_account_sqm = 200;
  int64_t key_account_minor = 10'000'000;
  // Sub-types (domain/sub_types.h). Exhibitors: exhibiting in fewer than
  // this share of the editions since their first is trial. Professional
  // visitors with at least subtype_min_visits booth visits whose dwell was
  // measured, by mean dwell per such visit in seconds: below exploring_dwell exploring, from cautious_dwell
  // cautious, from quality_dwell quality-seeking, else average.
  double subtype_trial_share = 0.5;
  uint64_t subtype_min_visits = 1;
  double subtype_exploring_dwell_s = 150;
  double subtype_cautious_dwell_s = 250;
  double subtype_quality_dwell_s = 360;
};

// Satisfaction index 0-100 from one edition's survey and complaints;
// unset without a survey answer.
std::optional<double> SatisfactionIndex(const crm::v1::EditionAggregate& e, const Weights& w);

// 0-1 from would_return (half) and would_recommend / 10 (half).
std::optional<double> AttitudinalLoyalty(const crm::v1::SurveyScores& s);

crm::v1::NpsClass NpsOf(uint32_t would_recommend);

crm::v1::KnoxQuadrant KnoxOf(double attitude, double behaviour, const Weights& w);

// All indicators of a customer in one series. `calendar` is the series'
// edition ids in calendar order up to and including the edition the
// evaluation is as of (editions after it are not counted as missed);
// `editions` the customer's aggregates of the series, any order.
crm::v1::Indicators Evaluate(const std::vector<crm::v1::EditionAggregate>& editions,
                             const std::vector<std::string>& calendar, crm::v1::CustomerType type,
                             const Weights& w);

}  // namespace crm::scoring
