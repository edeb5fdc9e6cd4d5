#include "services/scoring/domain/membership.h"

namespace crm::scoring {

void Membership::Hint(const std::string& record_id, const std::string& customer_id) {
  hint_.emplace(record_id, customer_id);
}

void Membership::Apply(const crm::v1::IdentityEvent& change) {
  switch (change.change_case()) {
    case crm::v1::IdentityEvent::kRecordAssigned: {
      const auto& a = change.record_assigned();
      // Dedup assigns a record once; should two assignments disagree, the
      // smaller customer id wins so that the order they arrive in does not matter.
      auto [it, fresh] = home_.emplace(a.record_id(), a.customer_id());
      if (!fresh && a.customer_id() < it->second) it->second = a.customer_id();
      break;
    }
    case crm::v1::IdentityEvent::kMerged:
      alias_[change.merged().merged_id()] = {change.merged().survivor_id(), change.merged().merge_id()};
      break;
    case crm::v1::IdentityEvent::kUnmerged: {
      auto it = alias_.find(change.unmerged().restored_id());
      if (it != alias_.end() && it->second.second == change.unmerged().merge_id()) alias_.erase(it);
      break;
    }
    default: break;
  }
}

std::string Membership::Root(const std::string& customer_id) const {
  std::string c = customer_id;
  for (size_t hops = 0; hops < 64; ++hops) {  // a bounded walk: chains are short, cycles impossible by id order
    auto it = alias_.find(c);
    if (it == alias_.end()) break;
    c = it->second.first;
  }
  return c;
}

std::string Membership::HomeOf(const std::string& record_id) const {
  if (auto it = home_.find(record_id); it != home_.end()) return it->second;
  if (auto it = hint_.find(record_id); it != hint_.end()) return it->second;
  return "";
}

std::vector<std::string> Membership::RecordsOf(const std::string& customer_id) const {
  std::set<std::string> out;
  for (const auto* m : {&home_, &hint_}) {
    for (const auto& [rid, cid] : *m) {
      if (Root(HomeOf(rid)) == customer_id) out.insert(rid);
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace crm::scoring
