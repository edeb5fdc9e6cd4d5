#include "services/scoring/domain/sub_types.h"

#include <map>

namespace crm::scoring {

std::string SubTypeOf(const std::vector<crm::v1::EditionAggregate>& editions, const std::vector<std::string>& calendar,
                      crm::v1::CustomerType type, const Weights& w) {
  std::map<std::string, const crm::v1::EditionAggregate*> by_id;
  for (const auto& e : editions) by_id[e.edition_id()] = &e;
  if (type == crm::v1::CUSTOMER_TYPE_EXHIBITOR || type == crm::v1::CUSTOMER_TYPE_SPONSOR) {
    // Exhibited editions from the first one on.
    int first = -1, exhibited = 0;
    bool last_exhibited = false;
    for (int i = 0; i < static_cast<int>(calendar.size()); ++i) {
      auto it = by_id.find(calendar[static_cast<size_t>(i)]);
      const bool ex = it != by_id.end() && it->second->exhibited();
      if (ex && first < 0) first = i;
      exhibited += ex ? 1 : 0;
      last_exhibited = ex;
    }
    if (first < 0) return "";
    const int since = static_cast<int>(calendar.size()) - first;
    // Every edition since the first, more than once: a considered, steady choice.
    if (exhibited >= 2 && exhibited == since) return "rational";
    // Tried once and did not come back, or exhibits less than every other edition.
    if ((exhibited == 1 && !last_exhibited) || static_cast<double>(exhibited) / since < w.subtype_trial_share)
      return "trial";
    return "mainstream";
  }
  if (type == crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR) {
    uint64_t visits = 0, dwell = 0;
    for (const auto& id : calendar) {
      auto it = by_id.find(id);
      if (it == by_id.end()) continue;
      visits += it->second->timed_visits();
      dwell += it->second->dwell_seconds();
    }
    if (visits < w.subtype_min_visits) return "";  // visits with a measured dwell
    const double mean = static_cast<double>(dwell) / static_cast<double>(visits);
    if (mean < w.subtype_exploring_dwell_s) return "exploring";
    if (mean >= w.subtype_quality_dwell_s) return "quality-seeking";
    if (mean >= w.subtype_cautious_dwell_s) return "cautious";
    return "average";
  }
  return "";
}

}  // namespace crm::scoring
