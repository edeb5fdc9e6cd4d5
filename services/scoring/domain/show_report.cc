#include "services/scoring/domain/show_report.h"

#include <algorithm>

#include "services/scoring/domain/facts.h"

namespace crm::scoring {
namespace {

void AddMoney(std::map<std::string, crm::v1::Money>& sums, const crm::v1::Money& m) {
  if (m.currency().empty() && m.minor() == 0) return;
  auto& s = sums[m.currency()];
  s.set_currency(m.currency());
  s.set_minor(s.minor() + m.minor());
}

// Ranks by value, most valuable first; ties by customer id descending, as
// Redis orders a sorted set read in reverse.
std::map<std::string, std::pair<uint64_t, double>> RankAll(std::vector<std::pair<double, std::string>> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second > b.second;
  });
  std::map<std::string, std::pair<uint64_t, double>> out;
  for (size_t i = 0; i < v.size(); ++i) out[v[i].second] = {i, v[i].first};
  return out;
}

}  // namespace

ShowReportBuilder::ShowReportBuilder(std::string show_id, std::string edition_id, std::vector<std::string> calendar,
                                     Weights weights, TierCuts cuts)
    : show_id_(std::move(show_id)), edition_id_(std::move(edition_id)), weights_(weights), cuts_(cuts) {
  auto it = std::find(calendar.begin(), calendar.end(), edition_id_);
  if (it != calendar.end()) {
    calendar_now_.assign(calendar.begin(), it + 1);
    if (it != calendar.begin()) {
      previous_ = *(it - 1);
      calendar_before_.assign(calendar.begin(), it);
    }
  }
  r_.set_show_id(show_id_);
  r_.set_edition_id(edition_id_);
  r_.set_previous_edition_id(previous_);
}

void ShowReportBuilder::Add(const crm::v1::Profile& profile) {
  if (!profile.merged_into().empty() || calendar_now_.empty()) return;
  const crm::v1::SeriesProfile* series = nullptr;
  for (const auto& s : profile.series())
    if (s.show_id() == show_id_) series = &s;
  if (!series) return;
  const std::string& id = profile.customer_id();
  const crm::v1::CustomerType type = profile.summary().customer_type();

  std::vector<crm::v1::EditionAggregate> upto_now, upto_before;
  const crm::v1::EditionAggregate* e = nullptr;
  const crm::v1::EditionAggregate* prev = nullptr;
  bool took_part_earlier = false;
  for (const auto& agg : series->editions()) {
    const auto pos = std::find(calendar_now_.begin(), calendar_now_.end(), agg.edition_id());
    if (pos == calendar_now_.end()) continue;  // after the edition, or not in the calendar
    upto_now.push_back(agg);
    if (agg.edition_id() == edition_id_) {
      e = &agg;
      continue;
    }
    upto_before.push_back(agg);
    if (TookPart(agg)) took_part_earlier = true;
    if (agg.edition_id() == previous_) prev = &agg;
  }
  if (!upto_now.empty())
    now_.push_back({Evaluate(upto_now, calendar_now_, type, weights_).value(), id});
  if (!upto_before.empty())
    before_.push_back({Evaluate(upto_before, calendar_before_, type, weights_).value(), id});

  const bool took_part = e && TookPart(*e);
  if (prev && TookPart(*prev)) {
    r_.set_previous_attended(r_.previous_attended() + 1);
    if (took_part) {
      r_.set_retained(r_.retained() + 1);
      attended_both_.insert(id);
    } else {
      r_.set_churned(r_.churned() + 1);
    }
  }
  if (!e) return;
  r_.set_customers(r_.customers() + 1);
  if (e->registrations() > 0) {
    r_.set_registered(r_.registered() + 1);
    if (took_part) r_.set_registered_attended(r_.registered_attended() + 1);
  }
  if (took_part) {
    attended_.insert(id);
    r_.set_attended(r_.attended() + 1);
    if (e->exhibited())
      r_.set_exhibitors(r_.exhibitors() + 1);
    else
      r_.set_visitors(r_.visitors() + 1);
    if (took_part_earlier)
      r_.set_returning_customers(r_.returning_customers() + 1);
    else
      r_.set_new_customers(r_.new_customers() + 1);
  }
  if (e->survey().answers() > 0) {
    r_.set_survey_answers(r_.survey_answers() + e->survey().answers());
    r_.set_survey_respondents(r_.survey_respondents() + 1);
    if (auto si = SatisfactionIndex(*e, weights_)) {
      satisfaction_sum_ += *si;
      ++satisfaction_n_;
    }
    switch (NpsOf(e->survey().would_recommend())) {
      case crm::v1::NPS_CLASS_PROMOTER: r_.set_promoters(r_.promoters() + 1); break;
      case crm::v1::NPS_CLASS_PASSIVE: r_.set_passives(r_.passives() + 1); break;
      case crm::v1::NPS_CLASS_DETRACTOR: r_.set_detractors(r_.detractors() + 1); break;
      default: break;
    }
  }
  for (const auto& c : e->complaints()) {
    auto& [open, resolved] = complaints_[c.category()];
    open.insert(c.open_ids().begin(), c.open_ids().end());
    resolved.insert(c.resolved_ids().begin(), c.resolved_ids().end());
  }
  AddMoney(fees_, e->booth_fees());
  AddMoney(paid_, e->paid());
  AddMoney(refunded_, e->refunded());
  for (const auto& l : e->leads_at_booths()) leads_at_[l.name()] += l.count();
  if (e->exhibited()) {
    auto& x = exhibitors_[id];
    x.first = profile.summary().company();
    x.second.assign(e->booths().begin(), e->booths().end());
  }
}

crm::v1::ShowReport ShowReportBuilder::Finish(size_t top) const {
  crm::v1::ShowReport r = r_;
  if (!previous_.empty() && r.previous_attended() > 0)
    r.set_retention_rate(static_cast<double>(r.retained()) / static_cast<double>(r.previous_attended()));
  if (satisfaction_n_ > 0) r.set_satisfaction_index(satisfaction_sum_ / static_cast<double>(satisfaction_n_));
  if (r.survey_respondents() > 0) {
    const double n = static_cast<double>(r.survey_respondents());
    r.set_nps(100.0 * (static_cast<double>(r.promoters()) - static_cast<double>(r.detractors())) / n);
  }
  for (const auto& [cat, ids] : complaints_) {
    auto* c = r.add_complaints();
    c->set_category(cat);
    uint64_t open = 0;
    for (const auto& id : ids.first) open += ids.second.count(id) ? 0 : 1;
    c->set_open(open);
    c->set_resolved(ids.second.size());
    r.set_complaints_total(r.complaints_total() + open + ids.second.size());
  }
  for (const auto& [cur, m] : fees_) *r.add_booth_fees() = m;
  for (const auto& [cur, m] : paid_) *r.add_paid() = m;
  for (const auto& [cur, m] : refunded_) *r.add_refunded() = m;

  // Tiers as of the edition (participants), and movement since the previous one.
  const auto now = RankAll(now_);
  const auto before = RankAll(before_);
  std::map<crm::v1::Tier, uint64_t> tiers;
  std::map<std::pair<crm::v1::Tier, crm::v1::Tier>, uint64_t> moves;
  for (const auto& id : attended_) {
    const auto& [rank, value] = now.at(id);
    const crm::v1::Tier t = TierOf(rank, now.size(), value, cuts_);
    ++tiers[t];
    if (attended_both_.count(id)) {
      const auto& [brank, bvalue] = before.at(id);
      ++moves[{TierOf(brank, before.size(), bvalue, cuts_), t}];
    }
  }
  for (const auto& [t, n] : tiers) {
    auto* tc = r.add_tiers();
    tc->set_tier(t);
    tc->set_customers(n);
  }
  for (const auto& [ft, n] : moves) {
    auto* m = r.add_tier_movement();
    m->set_from(ft.first);
    m->set_to(ft.second);
    m->set_customers(n);
  }

  // Leads: visitors' leads at booths, joined to the exhibitors holding them.
  uint64_t total = 0;
  for (const auto& [booth, n] : leads_at_) total += n;
  r.set_leads(total);
  std::vector<crm::v1::ExhibitorLeads> by_leads;
  std::vector<crm::v1::CustomerValue> by_value;
  for (const auto& [id, x] : exhibitors_) {
    uint64_t n = 0;
    for (const auto& b : x.second)
      if (auto it = leads_at_.find(b); it != leads_at_.end()) n += it->second;
    if (n > 0) {
      crm::v1::ExhibitorLeads l;
      l.set_customer_id(id);
      l.set_company(x.first);
      l.set_leads(n);
      by_leads.push_back(std::move(l));
    }
    if (auto it = now.find(id); it != now.end()) {
      crm::v1::CustomerValue v;
      v.set_customer_id(id);
      v.set_value(it->second.second);
      v.mutable_standing()->set_value_rank(it->second.first);
      v.mutable_standing()->set_series_customers(now.size());
      v.mutable_standing()->set_tier(TierOf(it->second.first, now.size(), it->second.second, cuts_));
      by_value.push_back(std::move(v));
    }
  }
  r.set_exhibitors_with_leads(by_leads.size());
  std::sort(by_leads.begin(), by_leads.end(), [](const auto& a, const auto& b) {
    return a.leads() != b.leads() ? a.leads() > b.leads() : a.customer_id() < b.customer_id();
  });
  std::sort(by_value.begin(), by_value.end(), [](const auto& a, const auto& b) {
    return a.standing().value_rank() < b.standing().value_rank();
  });
  for (size_t i = 0; i < by_leads.size() && i < top; ++i) *r.add_top_exhibitors_by_leads() = by_leads[i];
  for (size_t i = 0; i < by_value.size() && i < top; ++i) *r.add_top_exhibitors() = by_value[i];
  return r;
}

}  // namespace crm::scoring
