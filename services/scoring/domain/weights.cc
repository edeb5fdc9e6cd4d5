#include "services/scoring/domain/weights.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/util/named_fields.h"

namespace crm::scoring {
namespace {

const NamedFields<Weights>& Fields() {
  static const NamedFields<Weights> fields({
      {"w_expectation", &Weights::w_expectation},
      {"w_quality", &Weights::w_quality},
      {"w_value", &Weights::w_value},
      {"w_satisfaction", &Weights::w_satisfaction},
      {"complaint_points_per_severity", &Weights::complaint_points_per_severity},
      {"resolution_recovery", &Weights::resolution_recovery},
      {"attitude_high", &Weights::attitude_high},
      {"behaviour_high", &Weights::behaviour_high},
      {"demonstration_per_log_sqm", &Weights::demonstration_per_log_sqm},
      {"demonstration_per_log_visit", &Weights::demonstration_per_log_visit},
      {"recommendation_per_referral", &Weights::recommendation_per_referral},
      {"recommendation_per_promoter", &Weights::recommendation_per_promoter},
      {"capability_per_session_spoken", &Weights::capability_per_session_spoken},
      {"capability_per_survey", &Weights::capability_per_survey},
      {"capability_per_comment", &Weights::capability_per_comment},
      {"economic_per_10k_minor", &Weights::economic_per_10k_minor},
      {"v_economic", &Weights::v_economic},
      {"v_demonstration", &Weights::v_demonstration},
      {"v_recommendation", &Weights::v_recommendation},
      {"v_capability", &Weights::v_capability},
      {"acquisition_cost_exhibitor", &Weights::acquisition_cost_exhibitor},
      {"acquisition_cost_visitor", &Weights::acquisition_cost_visitor},
      {"cost_per_sales_contact", &Weights::cost_per_sales_contact},
      {"cost_per_campaign_message", &Weights::cost_per_campaign_message},
      {"key_account_sqm", &Weights::key_account_sqm},
      {"key_account_minor", &Weights::key_account_minor},
      {"subtype_trial_share", &Weights::subtype_trial_share},
      {"subtype_min_visits", &Weights::subtype_min_visits},
      {"subtype_exploring_dwell_s", &Weights::subtype_exploring_dwell_s},
      {"subtype_cautious_dwell_s", &Weights::subtype_cautious_dwell_s},
      {"subtype_quality_dwell_s", &Weights::subtype_quality_dwell_s},
  });
  return fields;
}

}  // namespace

absl::Status SetWeight(Weights& w, std::string_view name, double value) { return Fields().Set(w, name, value); }

double GetWeight(const Weights& w, std::string_view name) { return Fields().Get(w, name); }

const std::vector<std::string>& WeightNames() { return Fields().names(); }

absl::Status ValidateWeights(const Weights& w) {
  for (const auto& name : WeightNames()) {
    if (GetWeight(w, name) < 0) return absl::InvalidArgumentError(absl::StrCat(name, ": must not be negative"));
  }
  const double sat = w.w_expectation + w.w_quality + w.w_value + w.w_satisfaction;
  if (std::abs(sat - 1.0) > 1e-6) {
    return absl::InvalidArgumentError(
        absl::StrCat("w_expectation + w_quality + w_value + w_satisfaction must be 1, is ", sat));
  }
  for (const char* share : {"resolution_recovery", "attitude_high", "behaviour_high", "subtype_trial_share"}) {
    if (GetWeight(w, share) > 1) return absl::InvalidArgumentError(absl::StrCat(share, ": must be in [0, 1]"));
  }
  if (!(w.subtype_exploring_dwell_s <= w.subtype_cautious_dwell_s &&
        w.subtype_cautious_dwell_s <= w.subtype_quality_dwell_s)) {
    return absl::InvalidArgumentError(
        "need subtype_exploring_dwell_s <= subtype_cautious_dwell_s <= subtype_quality_dwell_s");
  }
  return absl::OkStatus();
}

}  // namespace crm::scoring
