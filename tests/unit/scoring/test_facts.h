#pragma once

// Facts the scoring tests (unit and integration) build alike.

#include <string>

#include "crm/v1/profile.pb.h"

namespace crm::scoring::testfacts {

// A booth scan at auto-expo 2025, booth W1/12.
inline crm::v1::ScoringFact ScanAtW1_12(const std::string& eid, int64_t ms, const std::string& lead,
                                        uint32_t rating) {
  crm::v1::ScoringFact f;
  f.set_event_id(eid);
  f.set_show_id("auto-expo");
  f.set_edition_id("2025");
  f.set_occurred_ms(ms);
  f.set_lead_id(lead);
  f.mutable_booth_scan()->set_hall("W1");
  f.mutable_booth_scan()->set_booth("12");
  f.mutable_booth_scan()->set_lead_rating(rating);
  return f;
}

}  // namespace crm::scoring::testfacts
