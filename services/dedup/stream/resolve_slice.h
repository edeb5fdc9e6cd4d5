#pragma once

// Everything dedup does to one worker's slice of a consumed batch: the event
// gate (duplicates, double taps) and known records in one round trip, then
// the new records (IdentityIndex::ResolveMany). Outputs are (customer id,
// serialized ResolvedEvent) and the index changes to publish.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/kafka/consumer.h"
#include "common/redis/redis_client.h"
#include "crm/v1/identity.pb.h"
#include "services/dedup/stream/event_gate.h"
#include "services/dedup/stream/identity_index.h"

namespace crm::dedup {

// `kv` is the connection of `index`. A replayed delivery (after a crash or a
// failed batch) is resolved again and its record's assignment and decisions
// are published again, since the first attempt may not have reached
// crm.identity.v1.
absl::Status ResolveSlice(redis::KeyValueStore& kv, const EventGate& gate, IdentityIndex& index,
                          const std::vector<const kafka::Message*>& slice,
                          std::vector<std::pair<std::string, std::string>>* resolved_out,
                          std::vector<crm::v1::IdentityEvent>* changes_out);

}  // namespace crm::dedup
