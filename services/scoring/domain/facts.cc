#include "services/scoring/domain/facts.h"

#include "common/normalize/time.h"

#include <algorithm>
#include <set>

#include "common/util/proto_time.h"

namespace crm::scoring {

using crm::v1::ScoringFact;

std::optional<ScoringFact> FactOf(const crm::v1::ResolvedEvent& resolved) {
  const auto& ev = resolved.event();
  if (ev.show_id().empty() || ev.edition_id().empty() || ev.event_id().empty()) return std::nullopt;
  ScoringFact f;
  f.set_event_id(ev.event_id());
  f.set_show_id(ev.show_id());
  f.set_edition_id(ev.edition_id());
  f.set_occurred_ms(TimestampMillis(ev.occurred_at()));
  f.set_customer_type(ev.customer_type());
  using E = crm::v1::Event;
  switch (ev.payload_case()) {
    case E::kTicketRegistration: *f.mutable_ticket_registration() = ev.ticket_registration(); break;
    case E::kGateCheckIn: *f.mutable_gate_check_in() = ev.gate_check_in(); break;
    case E::kBoothScan:
      *f.mutable_booth_scan() = ev.booth_scan();
      f.mutable_booth_scan()->clear_note();
      f.set_lead_id(resolved.lead_id());
      f.set_lead_dwell_seconds(resolved.lead_dwell_seconds());
      f.set_lead_update(resolved.lead_update());
      break;
    case E::kSessionAttendance: *f.mutable_session_attendance() = ev.session_attendance(); break;
    case E::kBoothBooking: *f.mutable_booth_booking() = ev.booth_booking(); break;
    case E::kPayment: *f.mutable_payment() = ev.payment(); break;
    case E::kSurveyAnswer: *f.mutable_survey_answer() = ev.survey_answer(); break;
    case E::kComplaint:
      *f.mutable_complaint() = ev.complaint();
      f.mutable_complaint()->clear_text();
      break;
    case E::kSalesContact:
      *f.mutable_sales_contact() = ev.sales_contact();
      f.mutable_sales_contact()->clear_notes();
      break;
    case E::kCampaignInteraction: *f.mutable_campaign_interaction() = ev.campaign_interaction(); break;
    case E::kConsentChange: *f.mutable_consent_change() = ev.consent_change(); break;
    case E::kProfileImport:
      f.mutable_profile_import()->set_import_id(ev.profile_import().import_id());
      f.mutable_profile_import()->set_department(ev.profile_import().department());
      break;
    case E::kReferral:
      *f.mutable_referral() = ev.referral();
      f.mutable_referral()->clear_referred();  // the referred person's identity is not the customer's fact
      break;
    case E::PAYLOAD_NOT_SET: return std::nullopt;
  }
  return f;
}

namespace {

std::string UtcDate(int64_t ms) {
  const int64_t days = normalize::UtcDayOfMillis(ms);
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

void AddMoney(crm::v1::Money* m, const std::string& currency, int64_t minor) {
  if (m->currency().empty()) m->set_currency(currency);
  // Amounts in another currency than the first seen are not added up; the
  // simulator and the organizers we know bill one currency per series.
  if (m->currency() == currency) m->set_minor(m->minor() + minor);
}

void Count(google::protobuf::RepeatedPtrField<crm::v1::NamedCount>* counts, const std::string& name) {
  if (name.empty()) return;
  for (auto& c : *counts) {
    if (c.name() == name) {
      c.set_count(c.count() + 1);
      return;
    }
  }
  auto* c = counts->Add();
  c->set_name(name);
  c->set_count(1);
}

const char* StatusName(crm::v1::BoothBooking::Status s) {
  switch (s) {
    case crm::v1::BoothBooking::STATUS_RESERVED: return "reserved";
    case crm::v1::BoothBooking::STATUS_CONFIRMED: return "confirmed";
    case crm::v1::BoothBooking::STATUS_CANCELLED: return "cancelled";
    default: return "";
  }
}

// Per-edition state that is decided at the end of the fold.
struct EditionWork {
  std::set<std::string> tickets, days, leads, booths, classes;
  // booking id -> latest booking fact
  std::map<std::string, crm::v1::BoothBooking> bookings;
  std::map<std::string, int64_t> booking_first_ms;  // booking id -> its first fact's time
  // complaint id -> (category, severity, resolved)
  struct ComplaintState {
    std::string category;
    uint32_t severity = 0;
    bool resolved = false;
  };
  std::map<std::string, ComplaintState> complaints;
  std::map<std::string, uint32_t> lead_dwell;  // lead id -> dwell
  std::map<std::string, std::set<std::string>> leads_at;  // "<hall>/<booth>" -> lead ids
};

}  // namespace

bool TookPart(const crm::v1::EditionAggregate& e) {
  return e.days_checked_in_size() > 0 || e.exhibited() || e.sessions_spoken() > 0;
}

Aggregates Fold(std::vector<ScoringFact> facts) {
  std::sort(facts.begin(), facts.end(), [](const ScoringFact& a, const ScoringFact& b) {
    return a.occurred_ms() != b.occurred_ms() ? a.occurred_ms() < b.occurred_ms() : a.event_id() < b.event_id();
  });
  facts.erase(std::unique(facts.begin(), facts.end(),
                          [](const ScoringFact& a, const ScoringFact& b) { return a.event_id() == b.event_id(); }),
              facts.end());
  Aggregates out;
  std::map<EditionKey, EditionWork> work;
  std::map<crm::v1::CustomerType, int> types;
  for (const ScoringFact& f : facts) {
    const EditionKey key{f.show_id(), f.edition_id()};
    auto& e = out.editions[key];
    auto& w = work[key];
    if (e.edition_id().empty()) {
      e.set_show_id(f.show_id());
      e.set_edition_id(f.edition_id());
      e.set_first_event_ms(f.occurred_ms());
    }
    e.set_last_event_ms(f.occurred_ms());
    e.set_events(e.events() + 1);
    ++out.events;
    out.last_event_ms = std::max(out.last_event_ms, f.occurred_ms());
    if (f.customer_type() != crm::v1::CUSTOMER_TYPE_UNSPECIFIED) ++types[f.customer_type()];
    switch (f.payload_case()) {
      case ScoringFact::kTicketRegistration:
        if (e.first_registration_ms() == 0) e.set_first_registration_ms(f.occurred_ms());  // facts come in time order
        w.tickets.insert(f.ticket_registration().ticket_id());
        if (!f.ticket_registration().ticket_class().empty()) w.classes.insert(f.ticket_registration().ticket_class());
        for (const auto& i : f.ticket_registration().interests()) Count(e.mutable_interests(), i);
        break;
      case ScoringFact::kGateCheckIn:
        if (!f.gate_check_in().exit()) w.days.insert(UtcDate(f.occurred_ms()));
        break;
      case ScoringFact::kBoothScan: {
        const auto& s = f.booth_scan();
        const std::string lead = f.lead_id().empty() ? f.event_id() : f.lead_id();
        w.leads.insert(lead);
        w.booths.insert(s.hall() + "/" + s.booth());
        w.leads_at[s.hall() + "/" + s.booth()].insert(lead);
        uint32_t dwell = f.lead_dwell_seconds() ? f.lead_dwell_seconds() : s.dwell_seconds();
        auto& d = w.lead_dwell[lead];
        d = std::max(d, dwell);
        if (!f.lead_update()) {
          for (const auto& i : s.interests()) Count(e.mutable_interests(), i);
        }
        break;
      }
      case ScoringFact::kSessionAttendance: {
        const std::string& role = f.session_attendance().role();
        if (role == "speaker" || role == "moderator")
          e.set_sessions_spoken(e.sessions_spoken() + 1);
        else
          e.set_sessions_attended(e.sessions_attended() + 1);
        break;
      }
      case ScoringFact::kBoothBooking:
        w.bookings[f.booth_booking().booking_id()] = f.booth_booking();
        w.booking_first_ms.emplace(f.booth_booking().booking_id(), f.occurred_ms());  // facts come in time order
        break;
      case ScoringFact::kPayment: {
        const auto& p = f.payment();
        if (p.amount_minor() >= 0)
          AddMoney(e.mutable_paid(), p.currency(), p.amount_minor());
        else
          AddMoney(e.mutable_refunded(), p.currency(), -p.amount_minor());
        break;
      }
      case ScoringFact::kSurveyAnswer: {
        const auto& a = f.survey_answer();
        auto* s = e.mutable_survey();
        const uint32_t answers = s->answers() + 1, comments = s->comments() + (a.comment().empty() ? 0 : 1);
        s->set_expectation(a.expectation());
        s->set_perceived_quality(a.perceived_quality());
        s->set_perceived_value(a.perceived_value());
        s->set_satisfaction(a.satisfaction());
        s->set_would_return(a.would_return());
        s->set_would_recommend(a.would_recommend());
        s->set_answers(answers);
        s->set_comments(comments);
        break;
      }
      case ScoringFact::kComplaint: {
        const auto& c = f.complaint();
        auto& st = w.complaints[c.complaint_id()];
        if (!c.category().empty() && st.category.empty()) st.category = c.category();
        st.severity = std::max(st.severity, c.severity());
        st.resolved = st.resolved || c.resolved();
        break;
      }
      case ScoringFact::kSalesContact:
        e.set_sales_contacts(e.sales_contacts() + 1);
        Count(e.mutable_sales_outcomes(), f.sales_contact().outcome());
        break;
      case ScoringFact::kCampaignInteraction:
        switch (f.campaign_interaction().action()) {
          case crm::v1::CampaignInteraction::ACTION_SENT: e.set_campaigns_sent(e.campaigns_sent() + 1); break;
          case crm::v1::CampaignInteraction::ACTION_OPENED: e.set_campaigns_opened(e.campaigns_opened() + 1); break;
          case crm::v1::CampaignInteraction::ACTION_CLICKED: e.set_campaigns_clicked(e.campaigns_clicked() + 1); break;
          case crm::v1::CampaignInteraction::ACTION_BOUNCED: e.set_campaigns_bounced(e.campaigns_bounced() + 1); break;
          case crm::v1::CampaignInteraction::ACTION_UNSUBSCRIBED:
            e.set_campaigns_unsubscribed(e.campaigns_unsubscribed() + 1);
            break;
          default: break;
        }
        break;
      case ScoringFact::kConsentChange: {
        const auto& c = f.consent_change();
        auto& st = out.consents[{c.channel(), c.purpose()}];
        st.set_channel(c.channel());
        st.set_purpose(c.purpose());
        st.set_granted(c.granted());
        st.set_changed_ms(f.occurred_ms());
        st.set_evidence(c.evidence());
        break;
      }
      case ScoringFact::kProfileImport: e.set_imported_rows(e.imported_rows() + 1); break;
      case ScoringFact::kReferral: e.set_referrals_made(e.referrals_made() + 1); break;
      case ScoringFact::PAYLOAD_NOT_SET: break;
    }
  }
  for (auto& [key, e] : out.editions) {
    auto& w = work[key];
    e.set_registrations(static_cast<uint32_t>(w.tickets.size()));
    for (const auto& c : w.classes) e.add_ticket_classes(c);
    for (const auto& d : w.days) e.add_days_checked_in(d);
    e.set_booth_visits(static_cast<uint32_t>(w.leads.size()));
    e.set_booths_visited(static_cast<uint32_t>(w.booths.size()));
    uint64_t dwell = 0;
    uint32_t timed = 0;
    for (const auto& [lead, d] : w.lead_dwell) {
      dwell += d;
      timed += d > 0 ? 1 : 0;
    }
    e.set_timed_visits(timed);
    e.set_dwell_seconds(dwell);
    for (const auto& [booth, leads] : w.leads_at) {
      auto* n = e.add_leads_at_booths();
      n->set_name(booth);
      n->set_count(static_cast<uint32_t>(leads.size()));
    }
    std::set<std::string> own_booths;
    // Bookings: the latest fact per booking decides its status; the edition
    // is exhibited when some booking ends confirmed.
    int64_t latest_status_rank = -1;
    for (const auto& [id, b] : w.bookings) {
      if (b.status() != crm::v1::BoothBooking::STATUS_CANCELLED) {
        const int64_t first = w.booking_first_ms[id];
        if (e.first_booking_ms() == 0 || first < e.first_booking_ms()) e.set_first_booking_ms(first);
      }
      if (b.status() == crm::v1::BoothBooking::STATUS_CONFIRMED) {
        e.set_exhibited(true);
        e.set_booth_area_sqm(e.booth_area_sqm() + b.area_sqm());
        if (e.stand_type().empty()) e.set_stand_type(b.stand_type());
        AddMoney(e.mutable_booth_fees(), b.currency(), b.price_minor());
        own_booths.insert(b.hall() + "/" + b.booth());
      }
      // Status shown: confirmed over reserved over cancelled.
      const int rank = b.status() == crm::v1::BoothBooking::STATUS_CONFIRMED  ? 2
                       : b.status() == crm::v1::BoothBooking::STATUS_RESERVED ? 1
                                                                              : 0;
      if (rank > latest_status_rank) {
        latest_status_rank = rank;
        e.set_booking_status(StatusName(b.status()));
      }
    }
    for (const auto& b : own_booths) e.add_booths(b);
    std::map<std::string, crm::v1::ComplaintCount> by_category;
    for (const auto& [id, c] : w.complaints) {
      auto& cc = by_category[c.category];
      cc.set_category(c.category);
      if (c.resolved) {
        cc.set_resolved(cc.resolved() + 1);
        cc.set_resolved_severity(cc.resolved_severity() + c.severity);
        cc.add_resolved_ids(id);
      } else {
        cc.set_open(cc.open() + 1);
        cc.set_open_severity(cc.open_severity() + c.severity);
        cc.add_open_ids(id);
      }
    }
    for (auto& [cat, cc] : by_category) *e.add_complaints() = cc;
    std::sort(e.mutable_interests()->begin(), e.mutable_interests()->end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
    std::sort(e.mutable_sales_outcomes()->begin(), e.mutable_sales_outcomes()->end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
  }
  int best = 0;
  for (const auto& [t, n] : types) {
    if (n > best || (n == best && t == crm::v1::CUSTOMER_TYPE_EXHIBITOR)) {
      best = n;
      out.customer_type = t;
    }
  }
  return out;
}

}  // namespace crm::scoring
