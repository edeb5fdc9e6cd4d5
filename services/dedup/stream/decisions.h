#pragma once

// Dedup's streaming decisions as plain functions over data already read from
// Redis: no Redis, Kafka or gRPC types, unit-tested on their own
// (tests/unit/dedup/decisions_test.cc). The index (identity_index.h) reads,
// calls these, and writes what they decided through identity_store.h.
// (The shared-key test is the engine's, engine/shared_keys.h, used by the
// file resolver too.)

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "crm/v1/identity.pb.h"

namespace crm::dedup {

// ---- Thresholds ----

struct Thresholds {
  double upper = 0.9999;  // merge automatically at or above
  double lower = 0.90;    // review queue from here
};
absl::Status CheckThresholds(const Thresholds& t);

enum class MatchAction { kNone, kReview, kJoin };
// What a probabilistic candidate's match probability calls for.
MatchAction ActionFor(double probability, const Thresholds& t);

// ---- Customer ids ----

// Customer ids are "C" + ten digits from a counter: the smaller is the older.
std::string CustomerIdFromSeq(long long seq);
std::string MergeIdFromSeq(long long seq);
// The counter value of an id this service drew ("C0000000042" -> 42), 0 otherwise.
long long SeqOfCustomerId(const std::string& customer_id);
long long SeqOfMergeId(const std::string& merge_id);

// When several customers turn out to be one person, the oldest id survives
// (stable ids: what downstream saw first stays).
const std::string& OldestCustomer(const std::vector<std::string>& ids);
struct MergePair {
  std::string survivor, merged;
};
MergePair SurvivorOf(const std::string& a, const std::string& b);

// The rule a deterministic key ("e:...", "p:...", "i:...") resolves by:
// "key:email", "key:phone", "key:identifier".
std::string KeyRule(const std::string& key);

// ---- Golden record (survivorship) ----

// One field of a record competing for the golden record. A value from a more
// trusted source wins; between equally trusted sources the most recent
// non-empty value wins. `rank` is a string that sorts better-first, so the
// store can apply it atomically by comparing strings.
struct GoldenEntry {
  std::string field, rank;
  crm::v1::GoldenField value;
};
// `trusted`: source systems from most to least trusted (others rank after).
std::vector<GoldenEntry> GoldenEntries(const crm::v1::RecordAssigned& record, const std::vector<std::string>& trusted);
// Whether `candidate` replaces the stored entry of rank `current` ("" none):
// it sorts first, or equal (the later write of the same rank).
bool GoldenWins(const std::string& candidate, const std::string& current);
// The golden record of a customer from all its records: per field, the winner.
std::map<std::string, GoldenEntry> Survivorship(const std::vector<crm::v1::RecordAssigned>& records,
                                                const std::vector<std::string>& trusted);

// ---- Double taps ----

// Which booth a badge was scanned at.
struct TapKey {
  std::string show_id, edition_id, badge_id, hall, booth;
};
struct TapScan {
  std::string event_id;
  int64_t at_ms = 0;
  uint32_t dwell_seconds = 0;
};
struct Lead {
  std::string lead_id;  // the event id of the lead's first scan
  uint32_t dwell_seconds = 0;
  bool update = false;  // the lead holds other scans: this one is a double tap of lead_id
};
// The lead a scan belongs to, given every scan of the same badge at the same
// booth seen so far (`scans`, in any order, may include `scan` itself):
// scans whose gaps are within `window` form one lead, which starts at its
// earliest scan; its dwell is the longest of (time since the first scan +
// that scan's dwell); a scan is a double tap (`update`) when its lead holds
// other scans, whichever arrived first. The lead depends only on the set of
// scans, not on the order they arrived in (offline scanners upload late),
// and a replayed scan gets the same lead again.
Lead FoldTaps(std::vector<TapScan> scans, const TapScan& scan, std::chrono::milliseconds window);

}  // namespace crm::dedup
