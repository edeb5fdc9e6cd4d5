#pragma once

// One batch of scoring's inputs applied to the profile store: facts and
// identity changes written, the profile of every customer they touch
// rebuilt. The service's consumer (ScoringApp::Process) and the fill
// benchmark (tests/bench/scoring_fill.cc) both go through it.

#include <vector>

#include "absl/status/statusor.h"
#include "crm/v1/identity.pb.h"
#include "services/scoring/domain/profile_builder.h"
#include "services/scoring/profile_store.h"

namespace crm::scoring {

struct ProfileInputs {
  const Calendars& calendars;
  const WeightBook& weights;
  const RetentionPredictor* retention = nullptr;  // null: no retention probability
};

// Writes the inputs and returns the rebuilt profiles; storing them (after
// publishing, in the service) is the caller's.
absl::StatusOr<ProfileStore::Rebuilt> ApplyBatch(ProfileStore& store, const std::vector<ProfileStore::FactInput>& facts,
                                                 const std::vector<crm::v1::IdentityEvent>& changes,
                                                 const ProfileInputs& inputs);

}  // namespace crm::scoring
