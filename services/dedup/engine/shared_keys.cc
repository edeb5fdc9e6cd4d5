#include "services/dedup/engine/shared_keys.h"

namespace crm::dedup {

bool ClearlyDifferentNames(const NameValue& a, const NameValue& b) {
  return !a.empty() && !b.empty() && CompareNames(a, b) == kNameDifferent;
}

bool FitsHolder(const NameValue& name, const std::vector<NameValue>& holder_names) {
  if (holder_names.empty() || name.empty()) return true;
  for (const auto& other : holder_names) {
    if (!ClearlyDifferentNames(name, other)) return true;
  }
  return false;
}

bool KeyIsShared(const std::vector<const NameValue*>& names) {
  // Distinct people among the names, greedily: two are enough.
  std::vector<const NameValue*> people;
  for (const NameValue* name : names) {
    if (name->empty()) continue;
    bool known = false;
    for (const NameValue* p : people) known = known || !ClearlyDifferentNames(*name, *p);
    if (!known) people.push_back(name);
    if (people.size() >= 2) return true;
  }
  return false;
}

}  // namespace crm::dedup
