#pragma once

// The customer pyramid (seed 002): platinum, gold, iron and lead customers by
// their value's place among all customers of one show series. A tier is
// relative to everyone else, so it is computed when read, from the series'
// value ranking, and is not part of the stored profile.

#include <cstdint>

#include "crm/v1/profile.pb.h"

namespace crm::scoring {

// Cumulative shares of a series' customers, from the most valuable down:
// the top `platinum` are platinum, up to `gold` gold, up to `iron` iron, the
// rest lead. Config keys scoring.tier_platinum|tier_gold|tier_iron.
struct TierCuts {
  double platinum = 0.05;
  double gold = 0.20;
  double iron = 0.50;
};

// Tier of the customer at `rank` (0 = the most valuable) of `count` in the
// series. A customer with no value yet (value <= 0) is a lead whatever its rank.
crm::v1::Tier TierOf(uint64_t rank, uint64_t count, double value, const TierCuts& cuts);

// The ranks [first, end) holding one tier in a series of `count` customers
// (by value, descending), for listing a tier as one range of the ranking.
struct RankRange {
  uint64_t first = 0, end = 0;
};
RankRange RanksOf(crm::v1::Tier tier, uint64_t count, const TierCuts& cuts);

// Whether the cuts are usable: 0 <= platinum <= gold <= iron <= 1.
bool ValidCuts(const TierCuts& cuts);

}  // namespace crm::scoring
