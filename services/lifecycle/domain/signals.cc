#include "services/lifecycle/domain/signals.h"

namespace crm::lifecycle {

std::vector<Evidence> WeakeningSignals(const EditionObservation& before, const EditionObservation& now,
                                       const LifecycleRules& r) {
  std::vector<Evidence> out;
  auto add = [&](const char* signal, double b, double n, double w) { out.push_back({signal, b, n, w}); };
  if (before.exhibited && now.exhibited && before.booth_area_sqm > 0 &&
      now.booth_area_sqm < before.booth_area_sqm * (1 - r.booth_area_drop)) {
    add("booth_area_smaller", before.booth_area_sqm, now.booth_area_sqm, r.w_booth_area);
  }
  if (before.days > 0 && now.days < before.days) add("fewer_days", before.days, now.days, r.w_fewer_days);
  if (before.scans_made >= r.scans_min && now.scans_made < before.scans_made * (1 - r.scans_drop)) {
    add("fewer_scans_made", before.scans_made, now.scans_made, r.w_fewer_scans);
  }
  if (before.booth_visits >= r.visits_min && now.booth_visits < before.booth_visits * (1 - r.visits_drop)) {
    add("fewer_booth_visits", before.booth_visits, now.booth_visits, r.w_fewer_visits);
  }
  if (before.dwell_per_visit_s > 0 && now.dwell_per_visit_s > 0 &&
      now.dwell_per_visit_s < before.dwell_per_visit_s * (1 - r.dwell_drop)) {
    add("shorter_dwell", before.dwell_per_visit_s, now.dwell_per_visit_s, r.w_shorter_dwell);
  }
  if (now.complaints > before.complaints) add("more_complaints", before.complaints, now.complaints, r.w_more_complaints);
  if (now.unfair_complaints > 0) add("unfair_treatment", before.unfair_complaints, now.unfair_complaints, r.w_unfair);
  if (now.satisfaction) {
    const bool dropped = before.satisfaction && *now.satisfaction < *before.satisfaction - r.satisfaction_drop;
    if (dropped || *now.satisfaction < r.satisfaction_low) {
      add("lower_satisfaction", before.satisfaction ? *before.satisfaction : r.satisfaction_low, *now.satisfaction,
          r.w_lower_satisfaction);
    }
  }
  if (now.would_return && !*now.would_return) add("would_not_return", 1, 0, r.w_would_not_return);
  if (before.retention_probability && now.retention_probability &&
      *now.retention_probability < *before.retention_probability - r.retention_drop) {
    add("falling_retention", *before.retention_probability, *now.retention_probability, r.w_falling_retention);
  }
  if (now.campaigns_sent >= r.contact_min_sent && now.campaigns_opened == 0) {
    add("less_contact", now.campaigns_sent, now.campaigns_opened, r.w_less_contact);
  } else if (now.sales_unanswered >= r.sales_unanswered_min) {
    add("less_contact", now.sales_contacts, now.sales_unanswered, r.w_less_contact);
  }
  return out;
}

double WeakeningScore(const std::vector<Evidence>& signals) {
  double s = 0;
  for (const auto& e : signals) s += e.weight;
  return s;
}

}  // namespace crm::lifecycle
