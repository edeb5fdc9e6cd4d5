#pragma once

// A consumed batch read as the engine's inputs: profiles (crm.profiles.v1),
// retention probability changes (crm.scores.v1) and merges
// (crm.identity.v1). Unreadable records are logged and skipped (the batch
// goes on). The service's consumer and the throughput benchmark share it.

#include <map>
#include <string>
#include <vector>

#include "common/kafka/consumer.h"
#include "services/lifecycle/engine.h"

namespace crm::lifecycle {

struct InputTopics {
  std::string profiles = "crm.profiles.v1";
  std::string scores = "crm.scores.v1";
  // Anything else is read as crm.identity.v1.
};

// `latest`: per partition of the profiles topic, the latest event time of
// its profiles in the batch (what raises the clock).
BatchInputs InputsOf(const std::vector<kafka::Message>& batch, const InputTopics& topics,
                     std::map<int32_t, int64_t>* latest);

}  // namespace crm::lifecycle
