#include "services/scoring/domain/profile_builder.h"

#include <algorithm>

#include "services/scoring/domain/facts.h"

namespace crm::scoring {

crm::v1::ProfileSummary Summarize(std::vector<crm::v1::RecordAssigned> records) {
  // Newest first; the record id breaks ties so the order never depends on arrival.
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.occurred_ms() != b.occurred_ms() ? a.occurred_ms() > b.occurred_ms() : a.record_id() < b.record_id();
  });
  crm::v1::ProfileSummary s;
  auto pick = [&](auto get, auto set) {
    for (const auto& r : records) {
      const std::string& v = get(r.identity());
      if (!v.empty()) {
        set(v);
        return;
      }
    }
  };
  pick([](const crm::v1::Identity& i) -> const std::string& {
    return i.normalized().full_name().empty() ? i.full_name() : i.normalized().full_name();
  }, [&](const std::string& v) { s.set_full_name(v); });
  pick([](const crm::v1::Identity& i) -> const std::string& { return i.company(); },
       [&](const std::string& v) { s.set_company(v); });
  pick([](const crm::v1::Identity& i) -> const std::string& { return i.normalized().email(); },
       [&](const std::string& v) { s.set_email(v); });
  pick([](const crm::v1::Identity& i) -> const std::string& { return i.normalized().phone_e164(); },
       [&](const std::string& v) { s.set_phone(v); });
  pick([](const crm::v1::Identity& i) -> const std::string& { return i.normalized().city(); },
       [&](const std::string& v) { s.set_city(v); });
  pick([](const crm::v1::Identity& i) -> const std::string& { return i.normalized().country(); },
       [&](const std::string& v) { s.set_country(v); });
  pick([](const crm::v1::Identity& i) -> const std::string& { return i.industry(); },
       [&](const std::string& v) { s.set_industry(v); });
  pick([](const crm::v1::Identity& i) -> const std::string& { return i.title(); },
       [&](const std::string& v) { s.set_title(v); });
  return s;
}

crm::v1::Profile BuildProfile(const std::string& customer_id, const std::vector<crm::v1::ScoringFact>& facts,
                              uint32_t records, const Calendars& calendars, const WeightBook& weights,
                              const std::vector<crm::v1::RecordAssigned>& assigned,
                              const RetentionPredictor* retention, const BoothLeadCounts* booth_leads) {
  Aggregates agg = Fold(facts);
  if (booth_leads) AddBoothLeads(*booth_leads, &agg);
  crm::v1::Profile p;
  p.set_customer_id(customer_id);
  *p.mutable_summary() = Summarize(assigned);
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
    const std::vector<crm::v1::EditionAggregate> series_editions(s->editions().begin(), s->editions().end());
    *s->mutable_indicators() = Evaluate(series_editions, calendar, agg.customer_type, weights.For(show));
    // As of the latest edition opened: editions the calendar does not know
    // yet (a booking for the next one) are not the model's input.
    if (retention && cal_it != calendars.end())
      SetRetention(series_editions, cal_it->second, agg.customer_type, *retention, s->mutable_indicators());
  }
  for (const auto& [key, c] : agg.consents) *p.add_consents() = c;
  return p;
}

}  // namespace crm::scoring
