#pragma once

// The weights file (scoring.weights_file): weights per organizer, YAML.
//
//   default:                  # every series no organizer names (optional)
//     v_economic: 1.5
//   organizers:
//     - name: canton-fair-group
//       series: [auto-expo, home-expo]
//       weights:              # over the default section, field by field
//         v_demonstration: 2.0
//         acquisition_cost_exhibitor: 80000
//
// Field names are those of scoring::Weights (domain/weights.h); a field not
// given keeps the built-in value. Unknown fields, a series named by two
// organizers and weights that fail ValidateWeights are errors naming the
// place in the file, so a typo never silently falls back to a default.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/scoring/domain/weights.h"

namespace crm::scoring {

absl::StatusOr<WeightBook> ParseWeightsFile(std::string_view yaml, std::string_view origin);
absl::StatusOr<WeightBook> LoadWeightsFile(const std::string& path);

}  // namespace crm::scoring
