#include "services/lifecycle/domain/machine.h"

#include <algorithm>
#include <tuple>

namespace crm::lifecycle {
std::vector<EvaluationPoint> EvaluationPoints(const std::vector<CalendarEdition>& calendar, const LifecycleRules& r) {
  std::vector<EvaluationPoint> due;
  for (size_t i = 0; i < calendar.size(); ++i) {
    const auto& ed = calendar[i];
    due.push_back({ed.close_day + 1, PointKind::kClose, i});
    // A deadline within the show days is judged right after the close.
    if (ed.rebooking_deadline_day && i + 1 < calendar.size())
      due.push_back({std::max(*ed.rebooking_deadline_day, ed.close_day) + 1, PointKind::kDeadline, i});
  }
  // The registration point of edition i + 1, for the visitors of edition i.
  if (r.registration_point_days > 0) {
    for (size_t i = 0; i + 1 < calendar.size(); ++i)
      due.push_back({calendar[i + 1].open_day - r.registration_point_days, PointKind::kRegistration, i});
  }
  std::sort(due.begin(), due.end(), [](const EvaluationPoint& a, const EvaluationPoint& b) {
    return std::tie(a.day, a.kind, a.edition) < std::tie(b.day, b.kind, b.edition);
  });
  return due;
}

std::string_view PointKindName(PointKind k) {
  switch (k) {
    case PointKind::kClose: return "close";
    case PointKind::kDeadline: return "deadline";
    case PointKind::kRegistration: return "registration";
  }
  return "close";
}

Evaluation Evaluate(const CustomerHistory& h, const LifecycleRules& r) {
  Evaluation out;
  if (!h.known_day) return out;
  const std::vector<EvaluationPoint> due = EvaluationPoints(h.calendar, r);

  const EditionObservation none;
  auto obs = [&](size_t i) -> const EditionObservation& {
    auto it = h.editions.find(h.calendar[i].edition_id);
    return it == h.editions.end() ? none : it->second;
  };
  std::optional<Stage> stage;
  std::optional<size_t> last_part;  // the previous participation
  uint32_t missed = 0;
  auto move = [&](size_t i, Stage to, std::string rule, std::vector<Evidence> evidence, int64_t day) {
    if (stage != to) out.transitions.push_back({h.calendar[i].edition_id, stage, to, std::move(rule), std::move(evidence), day});
    stage = to;
  };

  for (const EvaluationPoint& d : due) {
    if (d.day > h.today) break;
    const size_t i = d.edition;
    const auto& ed = h.calendar[i];
    if (d.kind == PointKind::kClose) {
      if (*h.known_day > ed.close_day) continue;  // not known yet at this edition
      const EditionObservation& now = obs(i);
      if (now.took_part) {
        if (!last_part || stage == Stage::kDissolution) {
          if (stage == Stage::kDissolution) {
            move(i, Stage::kConfirmation, "returned", {}, d.day);
          } else if (now.satisfaction && *now.satisfaction >= r.excellent_first_satisfaction) {
            move(i, Stage::kTrust, "excellent_first_show",
                 {{"satisfaction", r.excellent_first_satisfaction, *now.satisfaction, 0}}, d.day);
          } else {
            move(i, Stage::kConfirmation, "first_participation", {}, d.day);
          }
        } else {
          auto signals = WeakeningSignals(obs(*last_part), now, r);
          if (auto u = h.usual.find(ed.edition_id); u != h.usual.end()) {
            for (auto& e : LevelSignals(now, u->second, r)) signals.push_back(std::move(e));
          }
          if (WeakeningScore(signals) >= r.weakening_score) {
            move(i, Stage::kWeakening, "weakening_signals", std::move(signals), d.day);
          } else {
            move(i, Stage::kTrust, stage == Stage::kWeakening ? "recovered" : "repeat_participation",
                 std::move(signals), d.day);
          }
        }
        last_part = i;
        missed = 0;
      } else if (!last_part) {
        move(i, Stage::kCultivation, "known", {}, d.day);
      } else if (stage != Stage::kDissolution) {
        ++missed;
        std::vector<Evidence> ev = {{"missed_editions", static_cast<double>(r.dissolution_missed),
                                     static_cast<double>(missed), 0}};
        if (missed >= r.dissolution_missed) {
          move(i, Stage::kDissolution, "missed_editions", std::move(ev), d.day);
        } else {
          move(i, Stage::kWeakening, "missed_edition", std::move(ev), d.day);
        }
      }
      out.editions.push_back({ed.edition_id, *stage});
    } else if (d.kind == PointKind::kRegistration) {
      // Took part in edition i as a visitor; not registered for i + 1 yet.
      if (!(stage == Stage::kConfirmation || stage == Stage::kTrust) || last_part != i || obs(i).exhibited) continue;
      const auto& next = obs(i + 1);
      if (next.first_registration_day && *next.first_registration_day < d.day) continue;
      move(i, Stage::kWeakening, "no_registration",
           {{"no_registration", static_cast<double>(d.day),
             next.first_registration_day ? static_cast<double>(*next.first_registration_day) : -1.0, 0}},
           d.day);
    } else {
      // The deadline of edition i for booking edition i + 1.
      if (!(stage == Stage::kConfirmation || stage == Stage::kTrust) || last_part != i || !obs(i).exhibited) continue;
      const auto& next = obs(i + 1);
      const int64_t deadline = *ed.rebooking_deadline_day;
      if (next.first_booking_day && *next.first_booking_day <= deadline) continue;
      move(i, Stage::kWeakening, "no_rebooking",
           {{"no_rebooking", static_cast<double>(deadline),
             next.first_booking_day ? static_cast<double>(*next.first_booking_day) : -1.0, 0}},
           d.day);
    }
  }
  out.current = stage;
  return out;
}

}  // namespace crm::lifecycle
