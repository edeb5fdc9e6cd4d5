#pragma once

// A customer's whole profile from its records' facts: aggregates per series
// and edition, then the indicators of each series. A pure function of its
// inputs, so a replay or a rebuild gives the same bytes.

#include <map>
#include <string>
#include <vector>

#include "crm/v1/profile.pb.h"
#include "services/scoring/domain/indicators.h"

namespace crm::scoring {

// Per series: edition ids in calendar order up to the edition evaluated as of.
using Calendars = std::map<std::string, std::vector<std::string>>;

crm::v1::Profile BuildProfile(const std::string& customer_id, const std::vector<crm::v1::ScoringFact>& facts,
                              uint32_t records, const Calendars& calendars, const Weights& weights);

}  // namespace crm::scoring
