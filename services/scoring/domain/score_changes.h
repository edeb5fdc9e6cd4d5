#pragma once

// The indicator changes between two profiles of one customer, one
// ScoreChange per series and indicator field that differs.

#include <vector>

#include "crm/v1/profile.pb.h"

namespace crm::scoring {

std::vector<crm::v1::ScoreChange> ScoreChanges(const crm::v1::Profile& before, const crm::v1::Profile& after);

}  // namespace crm::scoring
