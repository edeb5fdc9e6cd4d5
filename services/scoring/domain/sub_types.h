#pragma once

// Sub-types of seed 000's customer analysis, by documented rules over a
// customer's aggregates in one series (docs/SCORING.md, "Sub-types"):
//   exhibitors (and sponsors): decision style rational / mainstream / trial,
//     from how steadily they exhibit once they have started;
//   professional visitors: exploring / quality-seeking / cautious / average,
//     from how long they stay at a booth (many brief stops explore; long
//     conversations seek quality).
// Pure; "" when the aggregates give no evidence (or for other types).

#include <string>
#include <vector>

#include "crm/v1/profile.pb.h"
#include "services/scoring/domain/indicators.h"

namespace crm::scoring {

// `calendar`: the series' editions in calendar order up to the evaluation;
// `editions`: the customer's aggregates of the series, any order.
std::string SubTypeOf(const std::vector<crm::v1::EditionAggregate>& editions, const std::vector<std::string>& calendar,
                      crm::v1::CustomerType type, const Weights& w);

}  // namespace crm::scoring
