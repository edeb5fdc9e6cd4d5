#pragma once

// Which identity records make up a customer, from dedup's identity changes,
// in a form that does not depend on the order the changes are applied in
// (replays and the two topics interleave arbitrarily):
//   - a record's home is the customer dedup assigned it to (RecordAssigned);
//     until that is seen, the customer of its first resolved event (a hint);
//   - a merge makes the merged customer an alias of the survivor (all its
//     records, homed there or absorbed earlier, follow it); the unmerge of
//     that merge removes exactly that alias.
// A customer's records are those whose home resolves, through aliases, to
// it. Merging then unmerging gives back the state before the merge, events
// that arrived in between included, because events are kept per record.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "crm/v1/identity.pb.h"

namespace crm::scoring {

class Membership {
 public:
  // A resolved event of `record_id` said `customer_id`.
  void Hint(const std::string& record_id, const std::string& customer_id);
  // One change from crm.identity.v1 (others than assignments, merges and
  // unmerges are ignored).
  void Apply(const crm::v1::IdentityEvent& change);

  // The customer `customer_id` is now part of (itself when not merged).
  std::string Root(const std::string& customer_id) const;
  // The records whose home resolves to `customer_id`, sorted.
  std::vector<std::string> RecordsOf(const std::string& customer_id) const;
  // The home of a record ("" when unknown).
  std::string HomeOf(const std::string& record_id) const;

 private:
  std::map<std::string, std::string> home_, hint_;
  // merged customer -> (survivor, merge id)
  std::map<std::string, std::pair<std::string, std::string>> alias_;
};

}  // namespace crm::scoring
