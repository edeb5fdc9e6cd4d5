#pragma once

// Weakening signals: what a participation shows against the customer's
// previous one. Each is recorded as evidence on the transition it causes.

#include <string>
#include <vector>

#include "services/lifecycle/domain/history.h"
#include "services/lifecycle/domain/rules.h"

namespace crm::lifecycle {

struct Evidence {
  std::string signal;  // e.g. "booth_area_smaller"
  double before = 0;   // the previous participation's value (or the threshold)
  double now = 0;      // this one's
  double weight = 0;   // its weight in the weakening score (0: not scored)
};

// Signals, by name: booth_area_smaller, fewer_days, fewer_scans_made,
// fewer_booth_visits, shorter_dwell, more_complaints, unfair_treatment,
// lower_satisfaction, would_not_return, falling_retention, less_contact. A measure missing
// on either side (no survey, no dwell measured) gives no signal.
std::vector<Evidence> WeakeningSignals(const EditionObservation& before, const EditionObservation& now,
                                       const LifecycleRules& rules);

// The medians over the participations given (those not taking part are
// skipped): what the service computes per edition and customer type at the
// edition's evaluation point.
UsualLevel UsualLevelOf(const std::vector<const EditionObservation*>& observations);

// Signals against the usual level of the customer's type in the edition:
// below_usual_visits, below_usual_days, below_usual_dwell, below_usual_area,
// below_usual_scans (evidence: the median, the customer's value).
std::vector<Evidence> LevelSignals(const EditionObservation& now, const UsualLevel& usual, const LifecycleRules& rules);

// The sum of the signals' weights.
double WeakeningScore(const std::vector<Evidence>& signals);

}  // namespace crm::lifecycle
