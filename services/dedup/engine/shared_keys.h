#pragma once

// When a deterministic key (email, phone, identifier) stops identifying one
// person: it is seen with two clearly different names (info@, a company
// switchboard, a family's phone). Then it is only evidence, never a join.
// One rule for the file resolver (record_set.h) and the streaming index.

#include <vector>

#include "services/dedup/engine/comparators.h"

namespace crm::dedup {

// Both names present and of two people by CompareNames.
bool ClearlyDifferentNames(const NameValue& a, const NameValue& b);

// Whether a record named `name` may use a key held by a customer seen with
// `holder_names`: the holder has no names, the record has none, or one of
// the holder's names is not clearly different.
bool FitsHolder(const NameValue& name, const std::vector<NameValue>& holder_names);

// Whether the names of the records using one key include two clearly
// different ones (the key is shared).
bool KeyIsShared(const std::vector<const NameValue*>& names);

}  // namespace crm::dedup
