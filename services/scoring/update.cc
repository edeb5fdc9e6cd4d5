#include "services/scoring/update.h"

namespace crm::scoring {

absl::StatusOr<ProfileStore::Rebuilt> ApplyBatch(ProfileStore& store, const std::vector<ProfileStore::FactInput>& facts,
                                                 const std::vector<crm::v1::IdentityEvent>& changes,
                                                 const ProfileInputs& inputs) {
  auto dirty = store.Apply(facts, changes);
  if (!dirty.ok()) return dirty.status();
  return store.Rebuild(*dirty, [&](const std::string& root, const ProfileStore::CustomerState& state) {
    return BuildProfile(root, state.facts, state.records, inputs.calendars, inputs.weights, state.assigned,
                        inputs.retention, &state.booth_leads);
  });
}

}  // namespace crm::scoring
