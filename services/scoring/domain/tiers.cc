#include "services/scoring/domain/tiers.h"

#include <algorithm>
#include <cmath>

namespace crm::scoring {
namespace {

// Customers within the top `share` of `count`: at least one when the share is
// not zero, so a small series still has its platinum customer.
uint64_t Within(double share, uint64_t count) {
  if (share <= 0 || count == 0) return 0;
  const auto n = static_cast<uint64_t>(std::ceil(share * static_cast<double>(count) - 1e-9));
  return std::clamp<uint64_t>(n, 1, count);
}

}  // namespace

bool ValidCuts(const TierCuts& c) {
  return c.platinum >= 0 && c.platinum <= c.gold && c.gold <= c.iron && c.iron <= 1;
}

RankRange RanksOf(crm::v1::Tier tier, uint64_t count, const TierCuts& cuts) {
  const uint64_t p = Within(cuts.platinum, count);
  const uint64_t g = std::max(p, Within(cuts.gold, count));
  const uint64_t i = std::max(g, Within(cuts.iron, count));
  switch (tier) {
    case crm::v1::TIER_PLATINUM: return {0, p};
    case crm::v1::TIER_GOLD: return {p, g};
    case crm::v1::TIER_IRON: return {g, i};
    case crm::v1::TIER_LEAD: return {i, count};
    default: return {0, 0};
  }
}

crm::v1::Tier TierOf(uint64_t rank, uint64_t count, double value, const TierCuts& cuts) {
  if (value <= 0 || rank >= count) return crm::v1::TIER_LEAD;
  for (auto t : {crm::v1::TIER_PLATINUM, crm::v1::TIER_GOLD, crm::v1::TIER_IRON}) {
    const RankRange r = RanksOf(t, count, cuts);
    if (rank >= r.first && rank < r.end) return t;
  }
  return crm::v1::TIER_LEAD;
}

}  // namespace crm::scoring
