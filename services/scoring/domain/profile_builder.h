#pragma once

// A customer's whole profile from its records' facts: aggregates per series
// and edition, then the indicators of each series. A pure function of its
// inputs, so a replay or a rebuild gives the same bytes.

#include <map>
#include <string>
#include <vector>

#include "crm/v1/identity.pb.h"
#include "crm/v1/profile.pb.h"
#include "services/scoring/domain/booth_leads.h"
#include "services/scoring/domain/indicators.h"
#include "services/scoring/domain/retention_features.h"
#include "services/scoring/domain/weights.h"

namespace crm::scoring {

// Per series: edition ids in calendar order up to the edition evaluated as of.
using Calendars = std::map<std::string, std::vector<std::string>>;

// The golden-record summary from the customer's records as dedup assigned
// them: per field, the value of the most recently seen record that has one
// (normalized forms for name, email, phone, city and country).
crm::v1::ProfileSummary Summarize(std::vector<crm::v1::RecordAssigned> records);

// Each series is judged by its own weights (weights.For(show id)). With
// `retention` (the trained model), each series whose calendar is known
// gets retention_probability and contribution_potential as of the
// calendar's latest edition (SetRetention); without it they stay unset.
// `booth_leads` (the store's counts for the booths the facts book) gives
// the exhibitor side of booth scans.
crm::v1::Profile BuildProfile(const std::string& customer_id, const std::vector<crm::v1::ScoringFact>& facts,
                              uint32_t records, const Calendars& calendars, const WeightBook& weights,
                              const std::vector<crm::v1::RecordAssigned>& assigned = {},
                              const RetentionPredictor* retention = nullptr,
                              const BoothLeadCounts* booth_leads = nullptr);

}  // namespace crm::scoring
