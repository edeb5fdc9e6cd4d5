#pragma once

// The exhibitor side of booth scans. A booth scan is a fact of the visitor
// scanned; the exhibitor gets it through the booth it booked. The store
// keeps, per booth and edition, each lead's latest rating and the counts of
// leads and hot leads (one key per booth, written by a script that keeps a
// lead's latest state whatever order its scans arrive in), and a
// customer's profile adds the counts of the booths of its confirmed
// bookings to those editions' scans_made and hot_leads_made. Pure.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "crm/v1/profile.pb.h"
#include "services/scoring/domain/facts.h"

namespace crm::scoring {

// A lead is hot from this rating (0-5, given by booth staff).
inline constexpr uint32_t kHotLeadRating = 4;

// (show_id, edition_id, "<hall>/<booth>")
using BoothRef = std::tuple<std::string, std::string, std::string>;

// What one scan says about its booth's lead: the lead (dedup's lead id, the
// event id without one), its rating, and a version ordering the scans of
// one lead by (occurrence time, event id), the fold's order.
struct BoothLead {
  BoothRef booth;
  std::string lead_id;
  std::string version;
  uint32_t rating = 0;
};
std::optional<BoothLead> BoothLeadOf(const crm::v1::ScoringFact& f);

// The booth a booking fact names, whatever its status (the profile keeps
// only confirmed ones).
std::optional<BoothRef> BookedBoothOf(const crm::v1::ScoringFact& f);

struct LeadCounts {
  uint32_t leads = 0;
  uint32_t hot = 0;
};
using BoothLeadCounts = std::map<BoothRef, LeadCounts>;

// Sets scans_made and hot_leads_made of each edition from the counts of its
// booths (EditionAggregate.booths); booths without counts add nothing.
void AddBoothLeads(const BoothLeadCounts& counts, Aggregates* agg);

}  // namespace crm::scoring
