#pragma once

// The stage machine (docs/LIFECYCLE.md). A pure function of a customer's
// history in one series: the calendar and the day the clock has reached
// decide when each rule applies, never the moment of processing, so a
// replay gives the same transitions with the same days, and a late event
// (an offline scanner's upload) changes the history it belongs to when it
// is evaluated again.
//
// Evaluation points, in day order:
//   - the day after an edition closed: the customer's stage for that
//     edition, from what it did in it against its previous participation;
//   - the day after an edition's rebooking deadline (or after its close, for
//     a deadline within the show days): an exhibitor of it in confirmation
//     or trust that has not booked the next edition by the deadline is
//     weakening (no_rebooking);
//   - registration_point_days before an edition opens: a visitor (not an
//     exhibitor) of the previous edition in confirmation or trust that has
//     not registered for it is weakening (no_registration).

#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "services/lifecycle/domain/history.h"
#include "services/lifecycle/domain/rules.h"
#include "services/lifecycle/domain/signals.h"
#include "services/lifecycle/domain/stage.h"

namespace crm::lifecycle {

struct Transition {
  std::string edition_id;     // the edition judged (whose close or deadline it was)
  std::optional<Stage> from;  // none: the customer's first stage
  Stage to = Stage::kCultivation;
  // known, first_participation, excellent_first_show, repeat_participation,
  // recovered, weakening_signals, no_rebooking, no_registration, missed_edition,
  // missed_editions, returned.
  std::string rule;
  std::vector<Evidence> evidence;
  int64_t day = 0;  // the day it took effect
};

struct EditionStage {
  std::string edition_id;
  Stage stage = Stage::kCultivation;
};

struct Evaluation {
  // Changes of stage only, in day order.
  std::vector<Transition> transitions;
  // The stage judged at each closed edition the customer was known by.
  std::vector<EditionStage> editions;
  std::optional<Stage> current;
};

Evaluation Evaluate(const CustomerHistory& history, const LifecycleRules& rules);

// The evaluation points of a calendar, in the order Evaluate takes them (on
// one day: a close, then a deadline, then a registration point). The
// service keeps one durable timer per point and series.
enum class PointKind { kClose = 0, kDeadline = 1, kRegistration = 2 };
struct EvaluationPoint {
  int64_t day = 0;
  PointKind kind = PointKind::kClose;
  size_t edition = 0;  // index in the calendar
};
std::vector<EvaluationPoint> EvaluationPoints(const std::vector<CalendarEdition>& calendar, const LifecycleRules& rules);
// "close", "deadline", "registration".
std::string_view PointKindName(PointKind k);

// Is this transition an early warning (into weakening)?
inline bool IsWarning(const Transition& t) { return t.to == Stage::kWeakening; }

}  // namespace crm::lifecycle
