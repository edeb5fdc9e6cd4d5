#pragma once

// Scores a clustering against ground truth: pairwise precision/recall/F1 and
// B-cubed, both from contingency counts so clusters of 100k records cost O(n).

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"

namespace crm::dedup {

struct EvalResult {
  int64_t records = 0;  // records present in both maps (the ones scored)
  int64_t true_pairs = 0, predicted_pairs = 0, correct_pairs = 0;
  double precision = 1.0, recall = 1.0, f1 = 1.0;
  double bcubed_precision = 1.0, bcubed_recall = 1.0, bcubed_f1 = 1.0;
  int64_t missing_in_clusters = 0;  // in truth, not in clusters
  int64_t missing_in_truth = 0;     // in clusters, not in truth
};

// `clusters` maps record -> cluster id, `truth` record -> entity id. Only
// records in both are scored. Precision is 1 when no pairs are predicted,
// recall 1 when there are no true pairs; with no scored records every score is 1.
EvalResult Evaluate(const std::unordered_map<std::string, std::string>& clusters,
                    const std::unordered_map<std::string, std::string>& truth);

// Reads a two-column CSV (header exactly `first_header,second_header`) into
// first -> second. INVALID_ARGUMENT with the line number on a wrong header,
// wrong column count, empty value or duplicated first column; NOT_FOUND when
// the file cannot be opened.
absl::StatusOr<std::unordered_map<std::string, std::string>> ReadTwoColumnCsv(const std::string& path,
                                                                               std::string_view first_header,
                                                                               std::string_view second_header);

}  // namespace crm::dedup
