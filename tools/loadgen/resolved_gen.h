#pragma once

// The deterministic history of resolved events crm-loadgen resolved
// produces (and the scoring fill benchmark writes straight into Redis):
// event i of a seed is always the same record. No Kafka here.

#include <cstdint>
#include <string>
#include <vector>

#include "crm/v1/identity.pb.h"

namespace crm::loadgen {

struct Edition {
  std::string id;
  int64_t open_s = 0;  // 00:00 UTC of the opening day
};

// "ID=YYYY-MM-DD,..." into editions; false when malformed or empty.
bool ParseEditions(const std::string& spec, std::vector<Edition>* out);

// Event i of the history: one of `customers` customers ("C%010d"), one
// edition, one of registration, check-in, booth scan, payment, survey
// answer, complaint.
crm::v1::ResolvedEvent MakeResolved(int64_t i, uint64_t seed, int64_t customers, const std::string& show,
                                    const std::vector<Edition>& editions);

}  // namespace crm::loadgen
