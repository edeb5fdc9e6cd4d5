#include "services/scoring/domain/retention_features.h"

#include <cmath>
#include <limits>
#include <map>

#include "services/scoring/domain/facts.h"

namespace crm::scoring {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

// Names and values side by side, so the two can never drift apart:
// RetentionFeatureNames is the names of one computed row.
struct Row {
  std::vector<std::string> names;
  std::vector<float> values;
  void Add(const char* name, double v) {
    names.emplace_back(name);
    values.push_back(static_cast<float>(v));
  }
  void Flag(const char* name, bool b) { Add(name, b ? 1.0 : 0.0); }
};

// ln(1 + major units), sign kept: money spans five orders of magnitude.
double LogMoney(int64_t minor) {
  const double major = static_cast<double>(minor) / 100.0;
  return major >= 0 ? std::log1p(major) : -std::log1p(-major);
}

uint32_t ComplaintSum(const crm::v1::EditionAggregate& e, uint32_t (crm::v1::ComplaintCount::*field)() const) {
  uint32_t n = 0;
  for (const auto& c : e.complaints()) n += (c.*field)();
  return n;
}

// The edition's net contribution, counted only in the series' currency
// (indicators.cc's rule: the first currency seen; another one is not added).
int64_t NetIn(const crm::v1::EditionAggregate& e, const std::string& currency) {
  if (!e.paid().currency().empty() && e.paid().currency() != currency) return 0;
  return e.paid().minor() - e.refunded().minor();
}

std::optional<Row> Compute(const std::vector<crm::v1::EditionAggregate>& editions,
                           const std::vector<std::string>& calendar, size_t as_of, crm::v1::CustomerType type) {
  if (as_of >= calendar.size()) return std::nullopt;
  std::map<std::string, const crm::v1::EditionAggregate*> by_id;
  for (const auto& e : editions) by_id[e.edition_id()] = &e;
  // The customer's aggregates of calendar[0..as_of], by calendar index.
  std::vector<const crm::v1::EditionAggregate*> seen(as_of + 1, nullptr);
  int first_known = -1;
  for (size_t i = 0; i <= as_of; ++i) {
    auto it = by_id.find(calendar[i]);
    if (it == by_id.end()) continue;
    seen[i] = it->second;
    if (first_known < 0) first_known = static_cast<int>(i);
  }
  if (first_known < 0) return std::nullopt;
  const int k = static_cast<int>(as_of);
  const crm::v1::EditionAggregate none;
  const crm::v1::EditionAggregate& last = seen[as_of] ? *seen[as_of] : none;
  auto took = [&](int i) { return i >= 0 && seen[static_cast<size_t>(i)] && TookPart(*seen[static_cast<size_t>(i)]); };

  std::string currency;
  int first_part = -1, last_part = -1, participated = 0, exhibited = 0, days_total = 0;
  int64_t lifetime = 0;
  double max_area = 0, prev_area = 0;
  uint64_t spoken = 0, surveys = 0, complaints = 0, contacts = 0, referrals = 0, imported = 0;
  bool unsubscribed = false;
  const crm::v1::EditionAggregate* latest_survey = nullptr;
  for (int i = 0; i <= k; ++i) {
    const auto* e = seen[static_cast<size_t>(i)];
    if (!e) continue;
    for (const auto* m : {&e->paid(), &e->refunded()})
      if (currency.empty() && !m->currency().empty()) currency = m->currency();
    lifetime += NetIn(*e, currency);
    if (TookPart(*e)) {
      if (first_part < 0) first_part = i;
      last_part = i;
      ++participated;
      days_total += e->days_checked_in_size();
    }
    if (e->exhibited()) {
      ++exhibited;
      if (i < k) prev_area = e->booth_area_sqm();
    }
    max_area = std::max(max_area, e->booth_area_sqm());
    spoken += e->sessions_spoken();
    surveys += e->survey().answers();
    if (e->survey().answers() > 0) latest_survey = e;
    for (const auto& c : e->complaints()) complaints += c.open() + c.resolved();
    contacts += e->sales_contacts();
    referrals += e->referrals_made();
    imported += e->imported_rows();
    unsubscribed = unsubscribed || e->campaigns_unsubscribed() > 0;
  }
  int streak = 0;
  for (int i = k; i >= 0 && took(i); --i) ++streak;

  Row r;
  // Participation history up to N-1.
  r.Add("editions_known", k - first_known + 1);
  r.Add("editions_participated", participated);
  r.Add("participation_rate", first_part < 0 ? 0.0 : static_cast<double>(participated) / (k - first_part + 1));
  r.Flag("took_part_last", took(k));
  r.Flag("took_part_before_last", took(k - 1));
  r.Flag("first_time_last", took(k) && participated == 1);
  r.Add("streak", streak);
  r.Add("editions_since_participation", last_part < 0 ? kMissing : k - last_part);
  // Edition N-1: presence.
  r.Add("registrations_last", last.registrations());
  r.Add("days_checked_in_last", last.days_checked_in_size());
  r.Add("days_checked_in_mean", participated ? static_cast<double>(days_total) / participated : kMissing);
  // Booth and money.
  r.Flag("exhibited_last", last.exhibited());
  r.Add("exhibited_editions", exhibited);
  r.Add("booth_area_last", last.booth_area_sqm());
  r.Add("booth_area_change_last", last.exhibited() && prev_area > 0 && last.booth_area_sqm() > 0
                                      ? std::log(last.booth_area_sqm() / prev_area)
                                      : kMissing);
  r.Add("booth_area_max", max_area);
  r.Add("booth_fees_last", LogMoney(last.booth_fees().minor()));
  r.Flag("booking_cancelled_last", last.booking_status() == "cancelled");
  r.Flag("booking_reserved_last", last.booking_status() == "reserved");
  r.Add("net_paid_last", LogMoney(NetIn(last, currency)));
  r.Add("net_paid_lifetime", LogMoney(lifetime));
  // On the floor.
  r.Add("booth_visits_last", last.booth_visits());
  r.Add("booths_visited_last", last.booths_visited());
  r.Add("dwell_minutes_per_visit_last",
        last.booth_visits() ? static_cast<double>(last.dwell_seconds()) / 60.0 / last.booth_visits() : kMissing);
  r.Add("scans_made_last", last.scans_made());
  r.Add("hot_leads_made_last", last.hot_leads_made());
  r.Add("sessions_attended_last", last.sessions_attended());
  r.Add("sessions_spoken_last", last.sessions_spoken());
  r.Add("sessions_spoken_total", static_cast<double>(spoken));
  // Survey of N-1 (NaN without an answer), and the latest answer up to N-1.
  const auto& s = last.survey();
  const bool answered = s.answers() > 0;
  r.Flag("survey_answered_last", answered);
  r.Add("expectation_last", answered ? s.expectation() : kMissing);
  r.Add("perceived_quality_last", answered ? s.perceived_quality() : kMissing);
  r.Add("perceived_value_last", answered ? s.perceived_value() : kMissing);
  r.Add("satisfaction_last", answered ? s.satisfaction() : kMissing);
  r.Add("would_return_last", answered ? (s.would_return() ? 1.0 : 0.0) : kMissing);
  r.Add("would_recommend_last", answered ? s.would_recommend() : kMissing);
  r.Add("survey_comments_last", s.comments());
  const auto* ls = latest_survey ? &latest_survey->survey() : nullptr;
  r.Add("satisfaction_latest", ls ? ls->satisfaction() : kMissing);
  r.Add("would_return_latest", ls ? (ls->would_return() ? 1.0 : 0.0) : kMissing);
  r.Add("would_recommend_latest", ls ? ls->would_recommend() : kMissing);
  r.Add("surveys_total", static_cast<double>(surveys));
  // Complaints.
  r.Add("complaints_open_last", ComplaintSum(last, &crm::v1::ComplaintCount::open));
  r.Add("complaints_resolved_last", ComplaintSum(last, &crm::v1::ComplaintCount::resolved));
  r.Add("complaint_severity_open_last", ComplaintSum(last, &crm::v1::ComplaintCount::open_severity));
  r.Add("complaint_severity_resolved_last", ComplaintSum(last, &crm::v1::ComplaintCount::resolved_severity));
  r.Add("complaints_total", static_cast<double>(complaints));
  // Contact with the organizer.
  r.Add("sales_contacts_last", last.sales_contacts());
  r.Add("sales_contacts_total", static_cast<double>(contacts));
  r.Add("campaigns_sent_last", last.campaigns_sent());
  r.Add("campaigns_opened_last", last.campaigns_opened());
  r.Add("campaigns_clicked_last", last.campaigns_clicked());
  r.Add("campaigns_bounced_last", last.campaigns_bounced());
  r.Flag("unsubscribed_ever", unsubscribed);
  r.Add("referrals_last", last.referrals_made());
  r.Add("referrals_total", static_cast<double>(referrals));
  r.Add("imported_rows_last", last.imported_rows());
  r.Add("imported_rows_total", static_cast<double>(imported));
  r.Add("interests_last", last.interests_size());
  r.Add("events_last", std::log1p(static_cast<double>(last.events())));
  // Customer type (one-hot; unspecified is all zero).
  r.Flag("type_exhibitor", type == crm::v1::CUSTOMER_TYPE_EXHIBITOR);
  r.Flag("type_professional_visitor", type == crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR);
  r.Flag("type_public_visitor", type == crm::v1::CUSTOMER_TYPE_PUBLIC_VISITOR);
  r.Flag("type_sponsor", type == crm::v1::CUSTOMER_TYPE_SPONSOR);
  r.Flag("type_media", type == crm::v1::CUSTOMER_TYPE_MEDIA);
  r.Flag("type_partner", type == crm::v1::CUSTOMER_TYPE_PARTNER);
  return r;
}

}  // namespace

const std::vector<std::string>& RetentionFeatureNames() {
  static const std::vector<std::string> names = [] {
    crm::v1::EditionAggregate e;
    e.set_edition_id("x");
    return Compute({e}, {"x"}, 0, crm::v1::CUSTOMER_TYPE_UNSPECIFIED)->names;
  }();
  return names;
}

std::optional<std::vector<float>> RetentionFeatures(const std::vector<crm::v1::EditionAggregate>& editions,
                                                    const std::vector<std::string>& calendar, size_t as_of,
                                                    crm::v1::CustomerType type) {
  auto row = Compute(editions, calendar, as_of, type);
  if (!row) return std::nullopt;
  return std::move(row->values);
}

std::vector<RetentionExample> RetentionExamples(const crm::v1::Profile& profile,
                                                const std::map<std::string, std::vector<std::string>>& calendars) {
  std::vector<RetentionExample> out;
  const auto type = profile.summary().customer_type();
  for (const auto& s : profile.series()) {
    auto cal = calendars.find(s.show_id());
    if (cal == calendars.end()) continue;
    const std::vector<crm::v1::EditionAggregate> editions(s.editions().begin(), s.editions().end());
    auto took_part_in = [&](const std::string& id) {
      for (const auto& e : editions)
        if (e.edition_id() == id) return TookPart(e);
      return false;
    };
    for (size_t n = 1; n < cal->second.size(); ++n) {
      auto x = RetentionFeatures(editions, cal->second, n - 1, type);
      if (!x) continue;
      out.push_back({profile.customer_id(), s.show_id(), cal->second[n], std::move(*x), took_part_in(cal->second[n]),
                     took_part_in(cal->second[n - 1])});
    }
  }
  return out;
}

int64_t ExpectedNextEditionMinor(const std::vector<crm::v1::EditionAggregate>& editions,
                                 const std::vector<std::string>& calendar, size_t as_of,
                                 const std::string& currency) {
  std::map<std::string, const crm::v1::EditionAggregate*> by_id;
  for (const auto& e : editions) by_id[e.edition_id()] = &e;
  int64_t sum = 0, n = 0;
  for (size_t i = 0; i <= as_of && i < calendar.size(); ++i) {
    auto it = by_id.find(calendar[i]);
    if (it == by_id.end() || !TookPart(*it->second)) continue;
    sum += NetIn(*it->second, currency);
    ++n;
  }
  return n ? static_cast<int64_t>(std::llround(static_cast<double>(sum) / static_cast<double>(n))) : 0;
}

void SetRetention(const std::vector<crm::v1::EditionAggregate>& editions, const std::vector<std::string>& calendar,
                  crm::v1::CustomerType type, const RetentionPredictor& model, crm::v1::Indicators* ind) {
  if (calendar.empty()) return;
  const size_t as_of = calendar.size() - 1;
  auto x = RetentionFeatures(editions, calendar, as_of, type);
  if (!x) return;
  auto p = model.Predict(*x);
  if (!p) return;
  ind->set_retention_probability(*p);
  const std::string& currency = ind->contribution_lifetime().currency();
  const int64_t expected = ExpectedNextEditionMinor(editions, calendar, as_of, currency);
  auto* potential = ind->mutable_contribution_potential();
  potential->set_currency(currency);
  potential->set_minor(std::llround(*p * static_cast<double>(expected)));
}

}  // namespace crm::scoring
