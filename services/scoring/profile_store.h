#pragma once

// Scoring's Redis state: facts per identity record, the membership of
// records (homes, hints, aliases of merged customers), and the current
// profile per customer with the value index per series. Every key holds one
// customer's or one record's data (its id in a hash tag), and nothing is
// written by a transaction spanning keys, so it runs on Redis Cluster.
//
//   <p>rec:{<rid>}              hash  f:<event id> -> ScoringFact, home, hint,
//                                     assigned -> RecordAssigned (identity)
//   <p>cust:{<cid>}:recs        set   records homed or hinted at the customer
//   <p>cust:{<cid>}:alias       str   "<survivor>|<merge id>" while merged
//   <p>cust:{<cid>}:absorbed    set   customers merged into this one
//   <p>cust:{<cid>}:profile     str   Profile (the published one)
//   <p>cust:{<cid>}:idx         str   the index keys the customer may be in, without <p>,
//                                     one per line (covers every entry it has, also after
//                                     a crash mid-write)
//   <p>cust:{<cid>}:stages      hash  transition id -> "<revision>|<withdrawn>|<event ms>|<show>|<stage>"
//                                     (crm.lifecycle.v1, for the profile's lifecycle_stage)
//   <p>value:<show>             zset  root customers by value in the series
//   <p>seg:<show>:<segment>     zset  members of a segment, by value (domain/segments.h)
//   <p>edition:<show>:<edition> zset  customers who took part in the edition, by value
//   <p>booth:{<show>|<edition>|<hall>/<booth>}
//                               hash  v:<lead> -> latest scan's version, r:<lead> -> its
//                                     rating, n -> leads, hot -> hot leads (domain/booth_leads.h)
//   <p>booth:{...}:bookings     set   records with a booking of the booth
//
// Writes of facts and membership are idempotent and commute, so a replay in
// any order gives the same state; a profile is a pure function of that state.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis/redis_client.h"
#include "crm/v1/identity.pb.h"
#include "crm/v1/lifecycle.pb.h"
#include "crm/v1/profile.pb.h"
#include "services/scoring/domain/booth_leads.h"
#include "services/scoring/domain/tiers.h"

namespace crm::scoring {

class ProfileStore {
 public:
  ProfileStore(redis::KeyValueStore& redis, std::string prefix) : redis_(redis), prefix_(std::move(prefix)) {}

  // Applies one consumed batch's inputs: facts with the customer their
  // resolved event named, and identity changes (in topic order). Returns
  // every customer whose profile may have changed: for a merge or unmerge
  // also every customer absorbed, transitively, by the merged or restored
  // one, since their alias profiles name the root.
  struct FactInput {
    std::string record_id, customer_id;
    crm::v1::ScoringFact fact;
  };
  absl::StatusOr<std::set<std::string>> Apply(const std::vector<FactInput>& facts,
                                              const std::vector<crm::v1::IdentityEvent>& changes);

  // The root customer of each given customer (itself unless merged).
  absl::StatusOr<std::map<std::string, std::string>> Roots(const std::set<std::string>& customers);

  // Everything a root customer's profile is built from.
  struct CustomerState {
    std::vector<crm::v1::ScoringFact> facts;
    // The records' assignments (identity as written), for the summary.
    std::vector<crm::v1::RecordAssigned> assigned;
    uint32_t records = 0;
    // Lead counts of the booths its bookings name (the exhibitor side of scans).
    BoothLeadCounts booth_leads;
  };
  absl::StatusOr<CustomerState> Load(const std::string& root);

  // The profiles of the given customers and their roots, rebuilt: an alias
  // (merged_into the root) for each merged customer, `build` of its state
  // for each root. `changed` holds those that differ from the stored ones,
  // `before` the stored ones.
  using ProfileBuilderFn = std::function<crm::v1::Profile(const std::string& root, const CustomerState& state)>;
  struct Rebuilt {
    std::vector<crm::v1::Profile> changed;
    std::map<std::string, crm::v1::Profile> before;
  };
  absl::StatusOr<Rebuilt> Rebuild(const std::set<std::string>& dirty, const ProfileBuilderFn& build);

  // Stored profiles (missing ones are absent from the map).
  absl::StatusOr<std::map<std::string, crm::v1::Profile>> Profiles(const std::set<std::string>& customers);
  // Stores profiles and the indexes (value, segments, editions; ZADD per
  // index with the series value, ZREM from those it left; a merged customer
  // leaves them all).
  absl::Status Store(const std::vector<crm::v1::Profile>& profiles, const std::map<std::string, crm::v1::Profile>& before);

  // The stored profile of the customer's root (itself unless merged): one
  // round trip for an unmerged customer, the alias chain for a merged one.
  // nullopt when there is none.
  absl::StatusOr<std::optional<crm::v1::Profile>> RootProfile(const std::string& customer);
  // Transitions from crm.lifecycle.v1, kept per customer and transition id
  // at their highest revision (any arrival order gives the same state).
  absl::Status StoreStageTransitions(const std::vector<crm::v1::StageTransition>& transitions);
  // Fills each series' standing (tier, value rank, customers ranked) of a
  // stored profile from the series' value index.
  absl::Status FillStandings(crm::v1::Profile* profile, const TierCuts& cuts);
  // One page of a series' customers by value, most valuable first: ranks
  // [offset, offset + limit) of the whole series or of one tier's ranks.
  absl::StatusOr<crm::v1::ListCustomersResponse> ListByValue(const std::string& show_id, crm::v1::Tier tier,
                                                              uint64_t offset, uint64_t limit, const TierCuts& cuts);

  std::string RecordKey(const std::string& rid) const { return prefix_ + "rec:{" + rid + "}"; }
  std::string CustomerKey(const std::string& cid, const char* what) const {
    return prefix_ + "cust:{" + cid + "}:" + what;
  }
  std::string BoothKey(const BoothRef& b) const {
    return prefix_ + "booth:{" + std::get<0>(b) + "|" + std::get<1>(b) + "|" + std::get<2>(b) + "}";
  }
  std::string ValueKey(const std::string& show) const { return prefix_ + "value:" + show; }
  std::string SegmentKey(const std::string& show, const std::string& segment) const {
    return prefix_ + "seg:" + show + ":" + segment;
  }
  std::string EditionKey(const std::string& show, const std::string& edition) const {
    return prefix_ + "edition:" + show + ":" + edition;
  }

  // One page of a series' customers by value matching every filter of the
  // request (edition, type, quadrant, segment, tier).
  absl::StatusOr<crm::v1::ListCustomersResponse> ListFiltered(const crm::v1::ListCustomersRequest& req,
                                                              uint64_t offset, uint64_t limit, const TierCuts& cuts);

  // Calls `fn` with the stored profile of every root customer of a series,
  // read in pipelined chunks of `chunk`, most valuable first.
  absl::Status ForEachInSeries(const std::string& show_id, size_t chunk,
                               const std::function<void(const crm::v1::Profile&)>& fn);

 private:
  absl::StatusOr<std::vector<redis::Reply>> Pipeline(const std::vector<redis::Command>& cmds);
  // (index key, score) of every index the profile belongs in.
  std::vector<std::pair<std::string, double>> IndexKeysOf(const crm::v1::Profile& p) const;

  redis::KeyValueStore& redis_;
  std::string prefix_;
};

}  // namespace crm::scoring
