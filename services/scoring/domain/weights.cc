#include "services/scoring/domain/weights.h"

#include <cmath>
#include <limits>
#include <variant>

#include "absl/strings/str_cat.h"

namespace crm::scoring {
namespace {

using Field = std::variant<double Weights::*, int64_t Weights::*, uint64_t Weights::*>;

struct Named {
  const char* name;
  Field field;
};

const std::vector<Named>& Fields() {
  static const std::vector<Named> fields = {
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
  };
  return fields;
}

const Named* Find(std::string_view name) {
  for (const auto& f : Fields())
    if (name == f.name) return &f;
  return nullptr;
}

}  // namespace

absl::Status SetWeight(Weights& w, std::string_view name, double value) {
  const Named* f = Find(name);
  if (f == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown weight \"", std::string(name), "\""));
  if (!std::isfinite(value)) return absl::InvalidArgumentError(absl::StrCat(std::string(name), ": not a finite number"));
  if (auto* d = std::get_if<double Weights::*>(&f->field)) {
    w.*(*d) = value;
    return absl::OkStatus();
  }
  if (value != std::floor(value) || value < 0 || value > 9e15) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(name), ": needs a whole number >= 0, got ", value));
  }
  if (auto* i = std::get_if<int64_t Weights::*>(&f->field)) {
    w.*(*i) = static_cast<int64_t>(value);
  } else {
    w.*std::get<uint64_t Weights::*>(f->field) = static_cast<uint64_t>(value);
  }
  return absl::OkStatus();
}

double GetWeight(const Weights& w, std::string_view name) {
  const Named* f = Find(name);
  if (f == nullptr) return std::numeric_limits<double>::quiet_NaN();
  return std::visit([&](auto member) { return static_cast<double>(w.*member); }, f->field);
}

const std::vector<std::string>& WeightNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& f : Fields()) out.push_back(f.name);
    return out;
  }();
  return names;
}

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
