#pragma once

// The lifecycle's stages scored against the simulator's true stages
// (docs/LIFECYCLE.md, "Evaluation"). Used by `crmctl lifecycle eval` (the
// service's stages) and crm-lifecycle-eval (the machine over saved
// profiles).
//
// Each customer is the person most of its events belong to. The stage of a
// customer at an edition is the one judged at the edition's close point
// (the day after it closed), against the person's true stage for it. Early
// warning: of the customers whose person took part in edition N and is
// dissolved at N+1, the share in weakening on the eve of N+1's opening
// (recall); of those in weakening then, the share who really leave
// (precision); the median days from entering weakening to that opening
// (lead time).

#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace crm::lifecycle {

// One customer's output of the machine.
struct JudgedCustomer {
  std::string customer_id;
  std::map<std::string, std::string> stage_at;       // edition id -> stage name, at its close point
  std::vector<std::pair<int64_t, std::string>> changes;  // (day, stage entered), in force
};

struct TruthFiles {
  std::map<std::string, std::string> person_of_event;            // truth_records.csv
  std::map<std::pair<std::string, std::string>, std::string> stage;  // (person, edition) -> truth_stages.csv
  std::vector<std::pair<std::string, int64_t>> editions;          // (edition id, open day), by open day
};

// truth_stages.csv, with truth_records.csv and show.json from its directory.
absl::StatusOr<TruthFiles> LoadTruth(const std::string& truth_stages_csv);
// record_id,cluster_id (crmctl dedup-report --clusters): customer -> its person.
absl::StatusOr<std::map<std::string, std::string>> PersonsOfCustomers(const std::string& clusters_csv,
                                                                      const TruthFiles& truth);

struct TruthScore {
  static constexpr std::array<const char*, 5> kStages = {"cultivation", "confirmation", "trust", "weakening",
                                                         "dissolution"};
  uint64_t right = 0, total = 0;
  std::array<std::array<uint64_t, 5>, 5> confusion{};  // [true][judged]
  uint64_t leavers = 0, flagged = 0, in_weakening = 0, weakening_and_left = 0;
  double median_lead_days = 0;
  double accuracy() const { return total ? static_cast<double>(right) / total : 0; }
  double recall() const { return leavers ? static_cast<double>(flagged) / leavers : 0; }
  double precision() const { return in_weakening ? static_cast<double>(weakening_and_left) / in_weakening : 0; }
};

TruthScore ScoreAgainstTruth(const std::vector<JudgedCustomer>& judged, const std::map<std::string, std::string>& person,
                             const TruthFiles& truth);

// The score as a table (accuracy, per-stage accuracy, confusion matrix, early warning).
std::string FormatScore(const TruthScore& s);
// The same as one JSON object.
std::string ScoreJson(const TruthScore& s);

}  // namespace crm::lifecycle
