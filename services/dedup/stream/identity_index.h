#pragma once

// The streaming identity index in Redis: which record belongs to which
// customer, deterministic keys, blocking sets for probabilistic candidates,
// aliases left by merges, merge history and the review queue.
//
// Every change is an IdentityEvent (proto/crm/v1/identity.proto). Decisions
// are made by Resolve/Merge/Unmerge/NeverMerge, which then Apply() the
// resulting events; replaying crm.identity.v1 through Apply() rebuilds the
// same index in an empty Redis.
//
// Concurrency: several replicas resolve at once. Keys are claimed by one Lua
// script (atomic in Redis): a new person arriving on two partitions at the
// same moment gets one customer id, whichever replica runs first.
//
// Redis keys and scripts: identity_store.h. Decisions (thresholds, customer
// ids, survivorship, double taps): decisions.h; the shared-key test:
// engine/shared_keys.h. Resolution of new records: resolve_many.cc.

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis/redis_client.h"
#include "common/util/clock.h"
#include "common/util/sharded_cache.h"
#include "crm/v1/identity.pb.h"
#include "services/dedup/engine/model.h"
#include "services/dedup/stream/decisions.h"
#include "services/dedup/stream/identity_store.h"

namespace crm::dedup {

// Customers' samples (their most recent record ids, cust:<id>:recent), kept
// between batches so that a new record's candidates can be scored without
// reading them again (their records' views are cached too). Shared by the
// indexes of one process on one Redis (IndexOptions::samples). It may be
// stale (a merge or unmerge elsewhere, records another replica added): it
// only chooses which records are compared, while the customer a match joins
// is read from the matched record, atomically, when the record is assigned.
// Bounded.
class SampleCache : public ShardedCache<std::vector<std::string>, 1 << 20> {
 public:
  // A record joined the customer: it replaces the oldest in a cached sample
  // (`keep` records at most); `created`: the customer is new, this record
  // is its whole sample. An uncached older customer is left uncached.
  // (Two workers adding to one sample at once may lose one addition: it is
  // a sample.)
  void Add(const std::string& customer_id, const std::string& record_id, size_t keep, bool created);
};

struct IndexOptions {
  std::string prefix = "crm:id:";
  double upper = 0.9999;          // merge automatically at or above
  double lower = 0.90;            // review queue from here
  Thresholds thresholds() const { return {upper, lower}; }
  int candidates_per_key = 8;     // blocking-set members read per key (the most recent)
  int max_candidates = 8;         // customers scored per new record (those in most of its blocks)
  int records_per_candidate = 4;  // records of a candidate compared: its most recent
  // Default region of phones written without a country code, for lookups
  // and identities that did not come through ingest (whose phones are E.164).
  std::string region = "CN";
  // Source systems from most to least trusted, for golden-record survivorship.
  std::vector<std::string> trusted_sources = {"sales-erp", "ticketing-web", "data-import"};
  // Candidates' samples; null: the index keeps its own.
  std::shared_ptr<SampleCache> samples;
  // The merge lock: how long a holder keeps it at most, and how long a
  // merge waits for it before failing (retryable).
  std::chrono::milliseconds lock_ttl{5'000};
  std::chrono::milliseconds lock_wait{10'000};
  // Times written into identity events; null: the system clock.
  const Clock* clock = nullptr;
};

// A record's identity as the engine sees it, with its keys.
struct RecordView {
  std::string record_id;  // RecordIdOf
  Prepared prepared;
  std::vector<std::string> keys;       // "e:...", "p:...", "i:..."
  std::vector<uint64_t> blocking;
};

// The record id of an identity: "r:" + a hash of the fields as written
// (badge qualified by show and edition). Cheap: no normalization.
std::string RecordIdOf(const crm::v1::Identity& identity, const std::string& show_id, const std::string& edition_id);

// The identity of an event as a record (badge qualified by show and edition).
RecordView ViewOf(const crm::v1::Identity& identity, const std::string& show_id, const std::string& edition_id,
                  const std::string& region);

class IdentityIndex {
 public:
  IdentityIndex(redis::KeyValueStore& kv, const Model& model, IndexOptions options);

  struct Resolution {
    std::string customer_id;
    std::string record_id;
    crm::v1::MatchEvidence match;
  };
  // The first round trip of a batch, pipelined by the caller with its own
  // commands (ResolveSlice), one Ask per distinct record: the command that
  // finds the customer (its survivor) of a record seen before and, for a
  // record this index has not met lately (most likely a new one), the probe
  // reads ResolveMany would send first, so a new record saves that round trip.
  struct Ask {
    std::string record_id;
    size_t at = 0, count = 0;        // its commands in the pipeline
    std::optional<RecordView> view;  // probed: the record's view
    std::vector<redis::Reply> reads;  // probed: the probe reads' replies (ParseKnown)
  };
  Ask AskCommands(const crm::v1::Event& event, const std::string& record_id, std::vector<redis::Command>* out) const;
  // The customer of an asked record from the pipeline's replies ("" for a
  // record not seen before, whose probe replies move into `ask`).
  absl::StatusOr<std::string> ParseKnown(Ask& ask, std::vector<redis::Reply>& replies) const;

  // The customer of each event's identity; new records, merges, shared keys
  // and review items are appended to `changes` (already applied). `asks`
  // (empty, or one per event: its record's Ask, or null) carries probe reads
  // already made. Resolves a batch in a fixed number of round trips, whatever
  // its size (two when probes were made and candidates are cached, up to
  // five otherwise): each stage is one pipeline for all records. Rare
  // follow-ups (merges, review items) take their own.
  // Records of one batch claim keys in order, so two renderings of one new
  // person in the same batch still become one customer.
  absl::StatusOr<std::vector<Resolution>> ResolveMany(const std::vector<const crm::v1::Event*>& events,
                                                      const std::vector<Ask*>& asks,
                                                      std::vector<crm::v1::IdentityEvent>* changes);

  // The stored RecordAssigned of each record id that has one (deduplicated).
  absl::StatusOr<std::vector<crm::v1::RecordAssigned>> StoredRecords(const std::vector<std::string>& record_ids);
  // What resolving these records decided besides their assignment (shared
  // keys, merges, review items), to publish again when their delivery is
  // replayed: the batch that decided them may have failed before its
  // changes reached crm.identity.v1. Applying them twice changes nothing.
  absl::StatusOr<std::vector<crm::v1::IdentityEvent>> DecidedChanges(const std::vector<std::string>& record_ids);
  // For records already assigned whose delivery is replayed: the merges their
  // keys call for (a key held by another customer, not shared, not
  // never-merge) that the interrupted first attempt did not make. Merges
  // made are appended to `changes` and kept with the record (DecidedChanges).
  absl::Status CompleteReplayed(const std::vector<crm::v1::RecordAssigned>& records,
                                std::vector<crm::v1::IdentityEvent>* changes);
  // Survivor of a customer id (itself unless merged).
  absl::StatusOr<std::string> Survivor(std::string customer_id);
  // Lookup by identifier kind (see ResolveRequest).
  absl::StatusOr<crm::v1::ResolveResponse> Lookup(const std::string& kind, const std::string& value);
  absl::StatusOr<crm::v1::Customer> GetCustomer(const std::string& customer_id);
  absl::StatusOr<std::vector<crm::v1::ReviewItem>> ReviewQueue(int limit);

  absl::StatusOr<crm::v1::CustomersMerged> Merge(const std::string& a, const std::string& b,
                                                 const crm::v1::MatchEvidence& evidence, const std::string& actor,
                                                 std::vector<crm::v1::IdentityEvent>* changes);
  absl::StatusOr<crm::v1::CustomersUnmerged> Unmerge(const std::string& merge_id, const std::string& actor,
                                                     const std::string& reason, bool never_merge,
                                                     std::vector<crm::v1::IdentityEvent>* changes);
  absl::Status NeverMerge(const std::string& a, const std::string& b, const std::string& actor,
                          const std::string& reason, std::vector<crm::v1::IdentityEvent>* changes);

  // Writes one change into Redis (also used to rebuild from crm.identity.v1).
  absl::Status Apply(const crm::v1::IdentityEvent& change);

 private:
  absl::StatusOr<redis::Reply> Run(const redis::Command& cmd);
  absl::StatusOr<std::vector<redis::Reply>> Pipe(const std::vector<redis::Command>& cmds);
  absl::StatusOr<bool> IsNeverMerge(const std::string& a, const std::string& b);
  // Merge with the merge lock held.
  absl::StatusOr<crm::v1::CustomersMerged> MergeLocked(const std::string& a, const std::string& b,
                                                       const crm::v1::MatchEvidence& evidence,
                                                       const std::string& actor,
                                                       std::vector<crm::v1::IdentityEvent>* changes);
  // Recomputes a customer's golden record from all its records.
  absl::Status RefreshGolden(const std::string& customer_id);
  absl::StatusOr<std::vector<crm::v1::RecordAssigned>> Records(const std::string& customer_id, int limit);
  // Best probabilistic candidate for a record (empty when none reaches `lower`).
  struct Candidate {
    std::string customer_id;
    double probability = 0;
    crm::v1::MatchEvidence evidence;
  };
  // What the probe reads found for one new record.
  struct Probe {
    std::string known;  // the record's customer when it was seen before after all
    std::vector<std::string> holder;  // per key: the customer holding it, "" none
    std::vector<bool> shared;
    std::vector<std::vector<std::string>> holder_names;  // per key: the holder's names
    bool held = false;                                   // a key is held and not shared
    float name_tf = 0;                                   // frequency of the record's name
    std::vector<std::string> chosen;                     // block members, best first (capped)
    bool has_candidates = false;                         // candidates read (ReadDetails)
    // Candidate customers (survivors) with views of a sample of their records.
    std::vector<std::pair<std::string, std::vector<std::shared_ptr<const RecordView>>>> owners;
    // Sampled records not in the view cache: (owner index, record id), read by FillViews.
    std::vector<std::pair<size_t, std::string>> missing;
  };
  // ResolveMany's stages (resolve_many.cc), in order.
  struct NewRecord;
  std::vector<NewRecord> DistinctNewRecords(const std::vector<const crm::v1::Event*>& events,
                                            const std::vector<Ask*>& asks, std::vector<size_t>* first_of) const;
  absl::Status ProbeNewRecords(std::vector<NewRecord>& recs);
  absl::Status MarkSharedKeys(std::vector<NewRecord>& recs);
  absl::Status ScoreCandidates(std::vector<NewRecord>& recs);
  absl::StatusOr<std::vector<ClaimReply>> ClaimKeys(const std::vector<NewRecord>& recs);
  absl::Status AssignRecords(std::vector<NewRecord>& recs, const std::vector<const crm::v1::Event*>& events,
                             std::vector<ClaimReply>& claims);
  absl::Status MergeHoldersAndQueueReviews(std::vector<NewRecord>& recs);
  absl::Status MergeWithinSlice(std::vector<NewRecord>& recs);
  absl::Status RememberDecisions(const std::vector<NewRecord>& recs);
  crm::v1::IdentityEvent KeySharedEvent(const std::string& key, const std::string& holder,
                                        const std::string& record_id) const;

  // Stage-1 reads of a new record, appended to `out`; returns how many.
  size_t ProbeReads(const RecordView& view, std::vector<redis::Command>* out) const;
  absl::StatusOr<Probe> ParseProbe(const redis::Reply* replies, size_t count, const RecordView& view) const;
  // One round trip (none if all is cached): the names of the customers
  // holding `names_for`'s keys; the survivors of `candidates_for`'s chosen
  // members with a sample of their records (their most recent ones), from
  // the SampleCache when it has them (then FillViews).
  absl::Status ReadDetails(const std::vector<Probe*>& names_for, const std::vector<Probe*>& candidates_for);
  // Reads the stored records the view cache lacked (one round trip, none
  // when every view was cached) and adds their views to the candidates.
  absl::Status FillViews(const std::vector<Probe*>& probes);
  // The record's prepared fields with its name's frequency in the index.
  static Prepared WithNameFrequency(const RecordView& view, const Probe& probe);
  // The best-scoring candidate of a probed record.
  Candidate BestOf(const RecordView& view, const Probe& probe) const;
  // Redis commands that store a record with its customer (keys, blocking sets, golden record).
  // `replayed`: applied from crm.identity.v1 (rebuild), not decided here.
  std::vector<redis::Command> AssignCommands(const crm::v1::RecordAssigned& record, const RecordView& view,
                                             bool replayed) const;
  // Takes the merge lock: its owner token, or UNAVAILABLE after lock_wait.
  absl::StatusOr<std::string> Lock();
  void Unlock(const std::string& token);
  // The command returning a record's customer (survivor), nil if none.
  redis::Command CustomerOfRecord(const std::string& record_id) const;
  // Record ids this index resolved or found lately (hashed; bounded, cleared when full).
  bool Recent(const std::string& record_id) const;
  void Remember(const std::string& record_id) const;

  redis::KeyValueStore& kv_;
  const Model& model_;
  IndexOptions opt_;
  IndexKeys keys_;
  const Clock* clock_;
  mutable std::mutex recent_mu_;
  mutable std::unordered_set<uint64_t> recent_;
};

}  // namespace crm::dedup
