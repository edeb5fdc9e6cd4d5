#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/dedup/engine/model.h"

namespace crm::dedup {

// The streaming model: `path` is a model YAML from `crm-dedup batch
// --model-out`; empty: the built-in one, estimated that way on simulator
// data (see docs/BENCHMARKS.md).
absl::StatusOr<Model> LoadModel(const std::string& path);

}  // namespace crm::dedup
