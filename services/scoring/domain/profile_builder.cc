#include "services/scoring/domain/profile_builder.h"

#include <algorithm>

#include "services/scoring/domain/facts.h"

namespace crm::scoring {

crm::v1::Profile BuildProfile(const std::string& customer_id, const std::vector<crm::v1::ScoringFact>& facts,
                              uint32_t records, const Calendars& calendars, const Weights& weights) {
  Aggregates agg = Fold(facts);
  crm::v1::Profile p;
  p.set_customer_id(customer_id);
  p.mutable_summary()->set_customer_type(agg.customer_type);
  p.set_records(records);
  p.set_events(agg.events);
  p.set_last_event_ms(agg.last_event_ms);
  std::map<std::string, std::vector<crm::v1::EditionAggregate>> by_series;
  for (auto& [key, e] : agg.editions) by_series[key.first].push_back(e);
  for (auto& [show, editions] : by_series) {
    auto* s = p.add_series();
    s->set_show_id(show);
    auto cal_it = calendars.find(show);
    std::vector<std::string> calendar = cal_it == calendars.end() ? std::vector<std::string>{} : cal_it->second;
    // Editions the calendar does not know yet (the registry lags) come last, by id.
    std::vector<crm::v1::EditionAggregate> ordered;
    for (const auto& id : calendar) {
      for (const auto& e : editions)
        if (e.edition_id() == id) ordered.push_back(e);
    }
    for (const auto& e : editions) {
      if (std::find(calendar.begin(), calendar.end(), e.edition_id()) == calendar.end()) {
        ordered.push_back(e);
        calendar.push_back(e.edition_id());
      }
    }
    for (auto& e : ordered) *s->add_editions() = std::move(e);
    *s->mutable_indicators() = Evaluate({s->editions().begin(), s->editions().end()}, calendar,
                                        agg.customer_type, weights);
  }
  for (const auto& [key, c] : agg.consents) *p.add_consents() = c;
  return p;
}

}  // namespace crm::scoring
