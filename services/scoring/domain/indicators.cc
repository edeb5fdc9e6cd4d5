#include "services/scoring/domain/indicators.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "services/scoring/domain/facts.h"
#include "services/scoring/domain/sub_types.h"

namespace crm::scoring {

std::optional<double> SatisfactionIndex(const crm::v1::EditionAggregate& e, const Weights& w) {
  const auto& s = e.survey();
  if (s.answers() == 0) return std::nullopt;
  double latent = w.w_expectation * s.expectation() + w.w_quality * s.perceived_quality() +
                  w.w_value * s.perceived_value() + w.w_satisfaction * s.satisfaction();
  double index = latent * 10.0;
  for (const auto& c : e.complaints()) {
    index -= w.complaint_points_per_severity * c.open_severity();
    index -= w.complaint_points_per_severity * (1.0 - w.resolution_recovery) * c.resolved_severity();
  }
  return std::clamp(index, 0.0, 100.0);
}

std::optional<double> AttitudinalLoyalty(const crm::v1::SurveyScores& s) {
  if (s.answers() == 0) return std::nullopt;
  return 0.5 * (s.would_return() ? 1.0 : 0.0) + 0.5 * (s.would_recommend() / 10.0);
}

crm::v1::NpsClass NpsOf(uint32_t r) {
  if (r >= 9) return crm::v1::NPS_CLASS_PROMOTER;
  if (r >= 7) return crm::v1::NPS_CLASS_PASSIVE;
  return crm::v1::NPS_CLASS_DETRACTOR;
}

crm::v1::KnoxQuadrant KnoxOf(double attitude, double behaviour, const Weights& w) {
  const bool a = attitude >= w.attitude_high, b = behaviour >= w.behaviour_high;
  if (a && b) return crm::v1::KNOX_QUADRANT_LOYAL;
  if (a) return crm::v1::KNOX_QUADRANT_POTENTIAL_LOYAL;
  if (b) return crm::v1::KNOX_QUADRANT_FALSE_LOYAL;
  return crm::v1::KNOX_QUADRANT_DISLOYAL;
}

namespace {

int64_t Net(const crm::v1::EditionAggregate& e) { return e.paid().minor() - e.refunded().minor(); }

bool IsExhibitorLike(crm::v1::CustomerType t) {
  return t == crm::v1::CUSTOMER_TYPE_EXHIBITOR || t == crm::v1::CUSTOMER_TYPE_SPONSOR;
}

}  // namespace

crm::v1::Indicators Evaluate(const std::vector<crm::v1::EditionAggregate>& editions,
                             const std::vector<std::string>& calendar, crm::v1::CustomerType type,
                             const Weights& w) {
  crm::v1::Indicators ind;
  std::map<std::string, const crm::v1::EditionAggregate*> by_id;
  for (const auto& e : editions) by_id[e.edition_id()] = &e;
  // Walk the calendar: participation, money, latest survey.
  int first = -1, last = -1, took_part = 0;
  std::string currency;
  int64_t lifetime = 0, latest_edition_net = 0;
  const crm::v1::EditionAggregate* latest_survey = nullptr;
  double max_area = 0;
  uint64_t referrals = 0, spoken = 0, surveys = 0, comments = 0, contacts = 0, messages = 0, promoters = 0,
           visits = 0;
  for (int i = 0; i < static_cast<int>(calendar.size()); ++i) {
    auto it = by_id.find(calendar[static_cast<size_t>(i)]);
    if (it == by_id.end()) continue;
    const auto& e = *it->second;
    if (TookPart(e)) {
      if (first < 0) first = i;
      last = i;
      ++took_part;
    }
    for (const auto* m : {&e.paid(), &e.refunded()}) {
      if (currency.empty() && !m->currency().empty()) currency = m->currency();
    }
    if (e.paid().currency() == currency || e.paid().currency().empty()) {
      lifetime += Net(e);
      latest_edition_net = Net(e);
    }
    if (e.survey().answers() > 0) {
      latest_survey = &e;
      surveys += e.survey().answers();
      comments += e.survey().comments();
      if (NpsOf(e.survey().would_recommend()) == crm::v1::NPS_CLASS_PROMOTER) ++promoters;
    }
    max_area = std::max(max_area, e.booth_area_sqm());
    referrals += e.referrals_made();
    spoken += e.sessions_spoken();
    contacts += e.sales_contacts();
    messages += e.campaigns_sent();
    visits += e.booth_visits() + e.scans_made();
  }
  const int n = static_cast<int>(calendar.size());
  ind.set_editions_participated(static_cast<uint32_t>(took_part));
  if (last >= 0) ind.set_last_edition_id(calendar[static_cast<size_t>(last)]);
  ind.set_is_current(took_part > 0);
  ind.set_is_new(took_part == 1 && last == n - 1);
  // Behavioural loyalty: editions taken part in over the editions from the first one on.
  const int eligible = first < 0 ? 0 : n - first;
  ind.set_behavioural_loyalty(eligible > 0 ? static_cast<double>(took_part) / eligible : 0.0);
  if (latest_survey) {
    if (auto s = SatisfactionIndex(*latest_survey, w)) ind.set_satisfaction_index(*s);
    if (auto a = AttitudinalLoyalty(latest_survey->survey())) {
      ind.set_attitudinal_loyalty(*a);
      ind.set_knox(KnoxOf(*a, ind.behavioural_loyalty(), w));
    }
    ind.set_nps(NpsOf(latest_survey->survey().would_recommend()));
  }
  ind.mutable_contribution_lifetime()->set_currency(currency);
  ind.mutable_contribution_lifetime()->set_minor(lifetime);
  ind.mutable_contribution_edition()->set_currency(currency);
  ind.mutable_contribution_edition()->set_minor(latest_edition_net);
  ind.set_economic_value(std::max<double>(0.0, lifetime / 10'000.0 * w.economic_per_10k_minor));
  ind.set_demonstration_value(w.demonstration_per_log_sqm * std::log1p(max_area) +
                              w.demonstration_per_log_visit * std::log1p(static_cast<double>(visits)));
  ind.set_recommendation_value(w.recommendation_per_referral * referrals + w.recommendation_per_promoter * promoters);
  ind.set_capability_value(w.capability_per_session_spoken * spoken + w.capability_per_survey * surveys +
                           w.capability_per_comment * comments);
  ind.set_value(w.v_economic * ind.economic_value() + w.v_demonstration * ind.demonstration_value() +
                w.v_recommendation * ind.recommendation_value() + w.v_capability * ind.capability_value());
  const int64_t acquisition = took_part == 0          ? 0
                              : IsExhibitorLike(type) ? w.acquisition_cost_exhibitor
                                                      : w.acquisition_cost_visitor;
  const int64_t maintenance = static_cast<int64_t>(contacts) * w.cost_per_sales_contact +
                              static_cast<int64_t>(messages) * w.cost_per_campaign_message;
  ind.mutable_acquisition_cost()->set_currency(currency);
  ind.mutable_acquisition_cost()->set_minor(acquisition);
  ind.mutable_maintenance_cost()->set_currency(currency);
  ind.mutable_maintenance_cost()->set_minor(maintenance);
  ind.mutable_profitability()->set_currency(currency);
  ind.mutable_profitability()->set_minor(lifetime - acquisition - maintenance);
  // Closeness: took part in the latest edition and in the one before (or had
  // a sales contact) is tight; took part in the latest only, semi-tight.
  const bool in_latest = last == n - 1 && n > 0;
  const bool in_previous = n >= 2 && by_id.count(calendar[static_cast<size_t>(n - 2)]) &&
                           TookPart(*by_id[calendar[static_cast<size_t>(n - 2)]]);
  ind.set_closeness(!in_latest               ? crm::v1::CLOSENESS_DISTANT
                    : in_previous || contacts ? crm::v1::CLOSENESS_TIGHT
                                              : crm::v1::CLOSENESS_SEMI_TIGHT);
  ind.set_key_account(max_area >= w.key_account_sqm || lifetime >= w.key_account_minor);
  ind.set_sub_type(SubTypeOf(editions, calendar, type, w));
  return ind;
}

}  // namespace crm::scoring
