#pragma once

// Internal to names*.cc: the Latin name table, which names_tables.cc holds and
// RandomLatinName in names.cc draws from. names.h is the public interface.

#include <vector>

namespace crm::simulate::internal {

// First and last names of one culture, written in Latin script.
struct NameGroup {
  std::vector<const char*> first;
  std::vector<const char*> last;
  bool family_first;
};

// Indexed by Country::name_group.
const std::vector<NameGroup>& NameGroups();

}  // namespace crm::simulate::internal
