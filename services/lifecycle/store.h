#pragma once

// The lifecycle service's Redis state. Reads, writes and the few atomic
// claims; the decisions are domain/record.h's.
//
//   <p>rec:{<cid>}               hash  <show> -> LifecycleRecord
//   <p>rec:{<cid>}:idx:<show>    set   "<zset>\n<member>" of every index entry the record may
//                                      be in (covers them all, also after a crash mid-write)
//   <p>members:<show>            set   customers with a record in the series
//   <p>stage:<show>:<stage>      zset  customers in the stage, by value
//   <p>contrib:<show>:<stage>    zset  the same, by lifetime contribution (minor units)
//   <p>warnings                  zset  "<show>|<cid>|<day>" of each transition into
//                                      weakening in force, by its event time
//   <p>usual:<show>              hash  <edition>|<customer type> -> UsualLevelRecord
//   <p>{t}:clock                 hash  <partition> -> latest event time seen on it
//   <p>{t}:timers                zset  "<show>|<edition>|<kind>" -> the day it is due
//   <p>{t}:progress              hash  timer -> "<phase>:<scan cursor>" of a pass under way
//   <p>{t}:fired                 hash  timer -> passes completed (1 once fired)
//   <p>{t}:dirty                 hash  "<show>|<edition>" -> marks: settled editions whose
//                                      participants' inputs changed since
//
// A record key holds one customer's series (its id in a hash tag); the timer
// keys share the {t} tag, so the scripts that move a timer run on one node
// of a cluster.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis/redis_client.h"
#include "crm/v1/lifecycle.pb.h"
#include "services/lifecycle/domain/record.h"

namespace crm::lifecycle {

// (customer id, show id)
using RecordKey = std::pair<std::string, std::string>;

class LifecycleStore {
 public:
  LifecycleStore(redis::KeyValueStore& redis, std::string prefix) : redis_(redis), prefix_(std::move(prefix)) {}

  // Stored records (missing ones are absent).
  absl::StatusOr<std::map<RecordKey, crm::v1::LifecycleRecord>> Read(const std::set<RecordKey>& keys);
  // The same as stored bytes.
  absl::StatusOr<std::map<RecordKey, std::string>> ReadRaw(const std::set<RecordKey>& keys);
  // Every series of one customer.
  absl::StatusOr<std::vector<crm::v1::LifecycleRecord>> ReadCustomer(const std::string& customer_id);
  // Records stored with the indexes they are in now (stage, warnings; a
  // merged one in none, and not a member); `before` the stored ones, to
  // leave the indexes they were in.
  absl::Status Write(const std::vector<crm::v1::LifecycleRecord>& records,
                     const std::map<RecordKey, crm::v1::LifecycleRecord>& before);
  // One step of a scan over a series' members: the next cursor ("0" at the end).
  absl::StatusOr<std::pair<std::string, std::vector<std::string>>> ScanMembers(const std::string& show_id,
                                                                               const std::string& cursor,
                                                                               size_t count);
  // The same step with the members' records read.
  struct RecordsStep {
    std::string cursor;
    std::map<RecordKey, crm::v1::LifecycleRecord> records;
    std::map<RecordKey, std::string> raw;  // the same records as stored
  };
  absl::StatusOr<RecordsStep> ScanRecords(const std::string& show_id, const std::string& cursor, size_t count);
  // Every record of a series, a scan step at a time, until fn returns false.
  absl::Status ForEachRecord(const std::string& show_id, size_t count,
                             const std::function<bool(const crm::v1::LifecycleRecord&)>& fn);
  absl::StatusOr<uint64_t> Members(const std::string& show_id);

  absl::StatusOr<UsualLevels> Usual(const std::string& show_id);
  absl::Status StoreUsual(const std::string& show_id, const UsualLevels& levels);

  // Each partition's latest event time, raised (never lowered) atomically.
  absl::Status RaisePartitionTimes(const std::map<int32_t, int64_t>& latest);
  // The clock: the lowest partition time over `partitions` partitions (0
  // while one of them has reported nothing).
  absl::StatusOr<int64_t> Clock(int partitions);

  // Timers: added unless already due or fired (a replayed calendar adds
  // nothing twice), listed when due, their pass's progress, completed once.
  absl::Status Schedule(const std::vector<std::pair<std::string, int64_t>>& timers);
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> DueTimers(int64_t today);
  absl::StatusOr<std::string> Progress(const std::string& timer);
  absl::Status SetProgress(const std::string& timer, const std::string& progress);
  // Removes the timer and its progress, and counts the pass in fired.
  absl::Status CompleteTimer(const std::string& timer);
  // Passes completed per timer.
  absl::StatusOr<std::map<std::string, int64_t>> Fired();

  // Settled editions whose participants' inputs changed: their usual
  // levels are computed again once the service has caught up.
  absl::Status MarkDirty(const std::set<std::string>& editions);
  // (edition, marks so far)
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> Dirty();
  // Cleared unless marked again since it had `marks`.
  absl::Status ClearDirty(const std::string& edition, int64_t marks);

  // Customers in a stage by value or contribution, highest first.
  absl::StatusOr<std::vector<std::string>> InStage(const std::string& show_id, crm::v1::LifecycleStage stage,
                                                   bool by_contribution, size_t offset, size_t count);
  absl::StatusOr<uint64_t> StageSize(const std::string& show_id, crm::v1::LifecycleStage stage);
  // Warnings ("<show>|<cid>|<day>") with event time at or after since_ms, oldest first.
  absl::StatusOr<std::vector<std::string>> WarningsSince(int64_t since_ms, size_t offset, size_t count);

  std::string RecordKeyOf(const std::string& customer_id) const;
  std::string IdxKeyOf(const crm::v1::LifecycleRecord& r) const;

 private:
  std::string StageKey(const std::string& show, crm::v1::LifecycleStage s, bool by_contribution) const;
  std::string T(const std::string& name) const { return prefix_ + "{t}:" + name; }
  // The index entries a record is in: (zset, member) -> score.
  std::map<std::pair<std::string, std::string>, std::string> IndexEntries(const crm::v1::LifecycleRecord& r) const;

  redis::KeyValueStore& redis_;
  std::string prefix_;
};

}  // namespace crm::lifecycle
