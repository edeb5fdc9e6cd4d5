#pragma once

// Batch identity resolution over a whole record set: the engine behind
// `crm-dedup batch` (imports, evaluation) with the same comparators, keys and
// model as the streaming service.
//
// 1. Prepare every record; identical prepared records form one profile.
// 2. Deterministic keys (email, phone, identifier) join profiles, unless the
//    key is shared: seen with two clearly different names (info@, a company
//    switchboard, a family's phone), then it is only evidence.
// 3. Blocking keys give candidate pairs; blocks over `max_block` profiles are
//    skipped and reported (a very common name alone), never compared quadratically.
// 4. u from random pairs, m and the prior by EM on candidate pairs.
// 5. Pairs at or above `upper` merge; between `lower` and `upper` go to review.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "services/dedup/engine/model.h"

namespace crm::dedup {

struct RecordSetOptions {
  std::string region = "CN";  // default phone region
  double upper = 0.9999;      // match probability at which pairs merge automatically
  double lower = 0.90;        // from here up to `upper`: review queue
  size_t max_block = 400;     // profiles per block; larger blocks are skipped and reported
  int threads = 2;
  size_t em_pairs = 1'000'000;     // candidate pairs sampled for EM
  size_t random_pairs = 400'000;   // random pairs sampled for u
  uint64_t seed = 1;
  std::string model_yaml;          // overrides of the estimated model (Model::ApplyYaml)
  // Called with a phase name and its progress; may be empty.
  std::function<void(std::string_view phase, int64_t done, int64_t total)> progress;
};

struct ReviewPair {
  uint32_t a = 0, b = 0;  // record indices
  double probability = 0;
};

struct OversizedBlock {
  std::string example;  // id of a record in the block
  size_t size = 0;      // profiles in it
};

struct RecordSetStats {
  int64_t records = 0, profiles = 0;
  int64_t deterministic_keys = 0, shared_keys = 0, deterministic_joins = 0;
  int64_t blocks = 0, oversized_blocks = 0, candidate_pairs = 0, comparisons = 0;
  int64_t auto_merges = 0, review_pairs = 0, clusters = 0;
  double prepare_s = 0, keys_s = 0, blocking_s = 0, estimate_s = 0, scoring_s = 0, total_s = 0;
};

struct RecordSetResult {
  std::vector<uint32_t> cluster;  // per record: index of the first record of its cluster
  std::vector<ReviewPair> review;
  std::vector<OversizedBlock> oversized;  // the largest, at most 20
  Model model;
  RecordSetStats stats;
};

RecordSetResult ResolveRecordSet(const Layout& layout, const std::vector<RawRecord>& records, const RecordSetOptions& options);

}  // namespace crm::dedup
