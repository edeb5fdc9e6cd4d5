#include "services/scoring/domain/booth_leads.h"

#include <algorithm>
#include <cstdio>

namespace crm::scoring {

std::optional<BoothLead> BoothLeadOf(const crm::v1::ScoringFact& f) {
  if (f.payload_case() != crm::v1::ScoringFact::kBoothScan) return std::nullopt;
  const auto& s = f.booth_scan();
  BoothLead l;
  l.booth = {f.show_id(), f.edition_id(), s.hall() + "/" + s.booth()};
  l.lead_id = f.lead_id().empty() ? f.event_id() : f.lead_id();
  char ms[24];
  // Offset so that times before 1970 still sort as numbers do.
  std::snprintf(ms, sizeof ms, "%020llu",
                static_cast<unsigned long long>(f.occurred_ms()) + 0x8000000000000000ull);
  l.version = std::string(ms) + "|" + f.event_id();
  l.rating = std::min<uint32_t>(s.lead_rating(), 9);
  return l;
}

std::optional<BoothRef> BookedBoothOf(const crm::v1::ScoringFact& f) {
  if (f.payload_case() != crm::v1::ScoringFact::kBoothBooking) return std::nullopt;
  const auto& b = f.booth_booking();
  return BoothRef{f.show_id(), f.edition_id(), b.hall() + "/" + b.booth()};
}

void AddBoothLeads(const BoothLeadCounts& counts, Aggregates* agg) {
  for (auto& [key, e] : agg->editions) {
    uint32_t leads = 0, hot = 0;
    for (const auto& booth : e.booths()) {
      auto it = counts.find({key.first, key.second, booth});
      if (it == counts.end()) continue;
      leads += it->second.leads;
      hot += it->second.hot;
    }
    e.set_scans_made(leads);
    e.set_hot_leads_made(hot);
  }
}

}  // namespace crm::scoring
