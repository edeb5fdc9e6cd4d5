#include "tools/loadgen/resolved_gen.h"

#include <cstdio>
#include <ctime>

namespace crm::loadgen {

namespace {

// splitmix64: a deterministic stream from the seed.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

bool ParseEditions(const std::string& spec, std::vector<Edition>* out) {
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(',', pos);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(pos, end - pos);
    pos = end + 1;
    size_t eq = item.find('=');
    std::tm tm{};
    if (eq == std::string::npos || std::sscanf(item.c_str() + eq + 1, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
      return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    out->push_back({item.substr(0, eq), static_cast<int64_t>(timegm(&tm))});
  }
  return !out->empty();
}

crm::v1::ResolvedEvent MakeResolved(int64_t i, uint64_t seed, int64_t customers, const std::string& show,
                                    const std::vector<Edition>& editions) {
  const uint64_t h = Mix(seed ^ Mix(static_cast<uint64_t>(i)));
  const int64_t c = static_cast<int64_t>(h % static_cast<uint64_t>(customers));
  const uint64_t hc = Mix(seed ^ (static_cast<uint64_t>(c) << 1));  // per customer
  const Edition& ed = editions[(h >> 20) % editions.size()];
  char cid[16];
  std::snprintf(cid, sizeof cid, "C%010lld", static_cast<long long>(c));

  crm::v1::ResolvedEvent r;
  crm::v1::Event* ev = r.mutable_event();
  ev->set_event_id("g" + std::to_string(seed) + "-" + std::to_string(i));
  ev->mutable_source()->set_system("loadgen");
  ev->set_show_id(show);
  ev->set_edition_id(ed.id);
  ev->mutable_occurred_at()->set_seconds(ed.open_s + static_cast<int64_t>((h >> 24) % 4) * 86400 + 3600 +
                                         static_cast<int64_t>((h >> 28) % 30000));
  ev->set_customer_type(static_cast<crm::v1::CustomerType>(1 + hc % 3));
  ev->set_customer_id(cid);
  r.set_customer_id(cid);
  r.set_record_id("r:" + std::to_string(c));
  const std::string tid = "T" + std::to_string(c) + ed.id;
  switch ((h >> 40) % 10) {
    case 0: {
      auto* t = ev->mutable_ticket_registration();
      t->set_ticket_id(tid);
      t->set_ticket_class((hc >> 8) % 4 == 0 ? "vip" : "std");
      t->set_price_minor((hc >> 8) % 4 == 0 ? 80000 : 12000);
      t->set_currency("CNY");
      break;
    }
    case 1:
    case 2:
    case 3: {
      auto* g = ev->mutable_gate_check_in();
      g->set_gate("N1");
      g->set_ticket_id(tid);
      break;
    }
    case 4:
    case 5:
    case 6: {
      auto* b = ev->mutable_booth_scan();
      const int x = static_cast<int>((h >> 44) % 150);
      b->set_exhibitor_company("X" + std::to_string(x));
      b->set_booth("B" + std::to_string(x));
      b->set_dwell_seconds(static_cast<uint32_t>(30 + (h >> 50) % 600));
      r.set_lead_id(ev->event_id());
      r.set_lead_dwell_seconds(b->dwell_seconds());
      break;
    }
    case 7: {
      auto* p = ev->mutable_payment();
      p->set_invoice_id("I" + std::to_string(i));
      p->set_amount_minor(static_cast<int64_t>(1000 + (h >> 44) % 500000));
      p->set_currency("CNY");
      p->set_purpose((hc >> 4) % 3 == 0 ? "booth" : "ticket");
      break;
    }
    case 8: {
      auto* s = ev->mutable_survey_answer();
      s->set_survey_id("S" + ed.id);
      s->set_expectation(static_cast<uint32_t>(1 + (h >> 44) % 5));
      s->set_perceived_quality(static_cast<uint32_t>(1 + (h >> 47) % 5));
      s->set_perceived_value(static_cast<uint32_t>(1 + (h >> 50) % 5));
      s->set_satisfaction(static_cast<uint32_t>(1 + (h >> 53) % 5));
      s->set_would_return(((h >> 56) & 1) != 0);
      s->set_would_recommend(static_cast<uint32_t>((h >> 57) % 11));
      break;
    }
    default: {
      auto* k = ev->mutable_complaint();
      k->set_complaint_id("K" + std::to_string(c) + ed.id);
      k->set_category((h >> 44) % 2 ? "queue" : "wifi");
      k->set_severity(static_cast<uint32_t>(1 + (h >> 46) % 3));
      k->set_resolved(((h >> 48) & 1) != 0);
      break;
    }
  }
  return r;
}

}  // namespace crm::loadgen
