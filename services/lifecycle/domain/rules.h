#pragma once

// Every threshold of the stage machine (docs/LIFECYCLE.md), set from the
// service's YAML config (`lifecycle.*`, one key per field by the names in
// RuleFields()).

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/util/named_fields.h"

namespace crm::lifecycle {

struct LifecycleRules {
  // Weakening signals against the previous participation, and the weight of
  // each in the weakening score.
  double booth_area_drop = 0.10;  // booth area below (1 - drop) x the previous
  double w_booth_area = 2.0;
  double w_fewer_days = 1.0;      // fewer show days checked in
  double scans_drop = 0.25;       // scans made below (1 - drop) x previous, from at least scans_min
  uint32_t scans_min = 5;
  double w_fewer_scans = 1.0;
  double visits_drop = 0.25;      // booth visits below (1 - drop) x previous, from at least visits_min
  uint32_t visits_min = 3;
  double w_fewer_visits = 1.0;
  double dwell_drop = 0.25;       // dwell per visit below (1 - drop) x previous
  double w_shorter_dwell = 1.0;
  double w_more_complaints = 1.0; // more complaints than at the previous participation
  double w_unfair = 2.0;          // any complaint of unfair treatment
  double satisfaction_drop = 10;  // index points below the previous
  double satisfaction_low = 50;   // or below this
  double w_lower_satisfaction = 1.5;
  double w_would_not_return = 1.5;  // the survey says it would not come back
  double retention_drop = 0.15;   // retention probability below the previous by this
  double w_falling_retention = 1.0;
  uint32_t contact_min_sent = 3;  // this many campaigns sent and none opened, or
  uint32_t sales_unanswered_min = 2;  // this many sales contacts unanswered
  double w_less_contact = 1.0;
  // Against the usual level of the customer's type in the edition: a
  // measure below level_share x the median, where the median is at least
  // level_min (booth visits, days, dwell, booth area, scans made).
  double level_share = 0.5;
  double level_min = 2;
  uint32_t level_min_customers = 20;  // medians of fewer participations are not used
  double w_below_usual = 1.0;
  // A participation whose signals weigh this much or more is weakening.
  double weakening_score = 2.0;
  // A first participation with a satisfaction index at least this is trust
  // at once (confirmation and trust coincide).
  double excellent_first_satisfaction = 97;
  // This many days before an edition opens, a visitor of the previous one
  // in confirmation or trust that has not registered for it is weakening
  // (no_registration); 0: no such point.
  uint32_t registration_point_days = 14;
  // Editions missed in a row after taking part that make dissolution (fewer:
  // weakening).
  uint32_t dissolution_missed = 1;
};

const NamedFields<LifecycleRules>& RuleFields();
// One line on what the field sets (the config key's comment).
std::string_view RuleHelp(std::string_view name);

// INVALID_ARGUMENT naming the first field out of range (negative, shares
// outside [0, 1], dissolution_missed 0).
absl::Status ValidateRules(const LifecycleRules& r);

}  // namespace crm::lifecycle
