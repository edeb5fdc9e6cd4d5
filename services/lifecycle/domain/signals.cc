#include "services/lifecycle/domain/signals.h"

#include <algorithm>

namespace crm::lifecycle {

namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

UsualLevel UsualLevelOf(const std::vector<const EditionObservation*>& observations) {
  std::vector<double> days, visits, dwell, area, scans;
  UsualLevel u;
  for (const auto* o : observations) {
    if (!o->took_part) continue;
    ++u.customers;
    days.push_back(o->days);
    visits.push_back(o->booth_visits);
    if (o->dwell_per_visit_s > 0) dwell.push_back(o->dwell_per_visit_s);
    if (o->exhibited) {
      area.push_back(o->booth_area_sqm);
      scans.push_back(o->scans_made);
    }
  }
  u.days = Median(days);
  u.booth_visits = Median(visits);
  u.dwell_per_visit_s = Median(dwell);
  u.booth_area_sqm = Median(area);
  u.scans_made = Median(scans);
  return u;
}

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

std::vector<Evidence> LevelSignals(const EditionObservation& now, const UsualLevel& usual, const LifecycleRules& r) {
  std::vector<Evidence> out;
  if (usual.customers < r.level_min_customers) return out;
  auto below = [&](const char* signal, double median, double value) {
    if (median >= r.level_min && value < r.level_share * median) out.push_back({signal, median, value, r.w_below_usual});
  };
  below("below_usual_visits", usual.booth_visits, now.booth_visits);
  below("below_usual_days", usual.days, now.days);
  if (now.dwell_per_visit_s > 0) below("below_usual_dwell", usual.dwell_per_visit_s, now.dwell_per_visit_s);
  if (now.exhibited) {
    below("below_usual_area", usual.booth_area_sqm, now.booth_area_sqm);
    below("below_usual_scans", usual.scans_made, now.scans_made);
  }
  return out;
}

double WeakeningScore(const std::vector<Evidence>& signals) {
  double s = 0;
  for (const auto& e : signals) s += e.weight;
  return s;
}

}  // namespace crm::lifecycle
