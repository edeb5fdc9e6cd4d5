#pragma once

// Dedup's Redis storage: the key schema and every Lua script, in one place.
// Nothing here decides anything about people (that is decisions.h and the
// engine); this file only names keys, builds the commands that read and
// write them, and the few scripts that must be atomic in Redis: claiming
// deterministic keys for one customer, following aliases, compare-and-set
// writes, the golden record's rank-ordered write and the merge lock.
//
// Keys (all under one prefix, "crm:id:" by default):
//   seq                      customer id counter (C0000000001, ...)
//   key:<k>                  deterministic key -> customer ("e:mail", "p:+86...", "i:show/ed/badge", "i:sys:id")
//   key:<k>:sig              the name signature and name of the record that claimed it ("<sig>\t<tokens>/<han>")
//   shared:<k>               key seen with clearly different names: not a key any more
//   alias:<cid>              merged customer -> survivor
//   rec:<rid>                RecordAssigned (serialized)
//   rec:<rid>:c              record -> customer
//   rec:<rid>:decided        list of IdentityEvent decided while resolving it (shared keys, merges, reviews)
//   cust:<cid>:recs          set of record ids
//   cust:<cid>:names         names seen ("<tokens>/<han>", for the shared-key test)
//   cust:<cid>:aliases       ids merged into it
//   cust:<cid>:hist          list of IdentityEvent (merges, unmerges, never-merge)
//   cust:<cid>:golden        the golden record: hash of field -> GoldenField, "<field>:rank"
//   cust:<cid>:recent        its record ids by the time of their event (zset): candidates' samples
//   blocks:<hash>            customers with that blocking key (zset by their latest record's time)
//   tf:<hash>, tf:total      name frequencies (term-frequency weights)
//   merge:<mid>, mergeseq    CustomersMerged by id
//   unmerged:<mid>           the merge was undone
//   never:<a>|<b>            never merge this pair
//   review (zset), reviewitem:<a>|<b>
//   lock:merge               the merge lock (owner token, expires)
//   eid:<event id>           the delivery that first carried an event id ("topic/partition/offset")
//   tap:<show>/<ed>/<badge>/<hall>/<booth>   that badge's scans at that booth (zset by time)

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis/redis_client.h"
#include "services/dedup/engine/comparators.h"
#include "services/dedup/engine/model.h"
#include "services/dedup/stream/decisions.h"

namespace crm::dedup {

// "<a>|<b>" with the smaller id first.
std::string PairKey(std::string a, std::string b);
// Sixteen hex digits.
std::string Hex(uint64_t v);
// 64-bit FNV-1a: record ids and other content hashes.
inline uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// How a record's name is stored beside a customer or a key's claim
// ("<tokens>/<han>"), and read back for the shared-key test.
std::string StoredName(const Prepared& p);
NameValue ParseStoredName(std::string_view stored);

class IndexKeys {
 public:
  explicit IndexKeys(std::string prefix) : prefix_(std::move(prefix)) {}
  const std::string& prefix() const { return prefix_; }

  std::string CustomerSeq() const { return prefix_ + "seq"; }
  std::string Key(std::string_view k) const { return Cat("key:", k); }
  std::string Shared(std::string_view k) const { return Cat("shared:", k); }
  std::string Alias(std::string_view cid) const { return Cat("alias:", cid); }
  std::string Record(std::string_view rid) const { return Cat("rec:", rid); }
  std::string RecordCustomer(std::string_view rid) const { return Cat("rec:", rid, ":c"); }
  std::string RecordDecisions(std::string_view rid) const { return Cat("rec:", rid, ":decided"); }
  std::string CustomerRecords(std::string_view cid) const { return Cat("cust:", cid, ":recs"); }
  std::string CustomerNames(std::string_view cid) const { return Cat("cust:", cid, ":names"); }
  std::string CustomerAliases(std::string_view cid) const { return Cat("cust:", cid, ":aliases"); }
  std::string CustomerHistory(std::string_view cid) const { return Cat("cust:", cid, ":hist"); }
  std::string CustomerGolden(std::string_view cid) const { return Cat("cust:", cid, ":golden"); }
  std::string CustomerRecent(std::string_view cid) const { return Cat("cust:", cid, ":recent"); }
  std::string Block(uint64_t hash) const { return Cat("blocks:", Hex(hash)); }
  std::string NameFrequency(uint64_t letters) const { return Cat("tf:", Hex(letters)); }
  std::string NameTotal() const { return prefix_ + "tf:total"; }
  std::string Merge(std::string_view mid) const { return Cat("merge:", mid); }
  std::string MergeSeq() const { return prefix_ + "mergeseq"; }
  std::string Unmerged(std::string_view mid) const { return Cat("unmerged:", mid); }
  std::string NeverMerge(const std::string& a, const std::string& b) const { return Cat("never:", PairKey(a, b)); }
  std::string Review() const { return prefix_ + "review"; }
  std::string ReviewItem(std::string_view pair) const { return Cat("reviewitem:", pair); }
  std::string MergeLock() const { return prefix_ + "lock:merge"; }
  std::string EventId(std::string_view event_id) const { return Cat("eid:", event_id); }
  std::string Tap(const TapKey& tap) const;

  // The deterministic key named by a `key:<k>` entry.
  std::string KeyOfEntry(std::string_view entry) const { return std::string(entry.substr(prefix_.size() + 4)); }

 private:
  std::string Cat(std::string_view a, std::string_view b, std::string_view c = {}) const {
    std::string out;
    out.reserve(prefix_.size() + a.size() + b.size() + c.size());
    out.append(prefix_).append(a).append(b).append(c);
    return out;
  }
  std::string prefix_;
};

// ---- Atomic commands (Lua) ----

// A record's customer (its survivor, aliases followed); nil for a record not
// seen before.
redis::Command CustomerOfRecordCommand(const IndexKeys& keys, const std::string& record_id);

// Claims a new record's deterministic keys for one customer, atomically.
struct ClaimRequest {
  std::vector<std::string> keys;  // deterministic keys ("e:...")
  // Per key: nobody held it when the record was looked up. Such a key may
  // have been claimed since by another replica for a person of another name:
  // it is then not used but returned for a name check.
  std::vector<bool> unheld_at_lookup;
  // Per key: the name signatures of this slice's earlier records using it.
  // They were judged one person with this record (KeyIsShared), so a holder
  // of one of them is accepted as if of its own; any other holder (another
  // replica claimed the key for another name) gets the name check.
  std::vector<std::vector<std::string>> slice_signatures;
  std::string preferred;       // the customer a sure match chose, "" none
  std::string matched_record;  // the record it matched: its customer now is used
  std::string name_signature;  // "" without a name
  std::string name;            // StoredName
};
struct ClaimReply {
  std::string customer_id;
  bool created = false;
  // Customers (survivors) already holding a used key; the record's customer
  // is the oldest of them (decisions.h, OldestCustomer).
  std::vector<std::string> holders;
  struct Unverified {
    std::string key, holder, holder_name;  // holder_name: StoredName
  };
  std::vector<Unverified> unverified;
};
// The claim: keys held by nobody get the customer; the customer is the
// oldest holder of a used key, else `preferred` (by its matched record's
// customer now), else a new id from the counter.
redis::Command ClaimCommand(const IndexKeys& keys, const ClaimRequest& request);
absl::StatusOr<ClaimReply> ParseClaim(const IndexKeys& keys, const redis::Reply& reply);

// Adds a record to a customer's survivor and points the record at it; a
// record new to the customer also counts towards its name's frequency
// (`name_letters` "" without a name), so joining again changes nothing.
redis::Command JoinCommand(const IndexKeys& keys, const std::string& customer_id, const std::string& record_id,
                           int64_t occurred_ms, const std::string& name_letters);
// A candidate's sample: its `n` most recent records (by event time, then
// record id), the same whichever process asks.
redis::Command SampleCommand(const IndexKeys& keys, const std::string& customer_id, int n);
// Raises a counter to at least `at_least` (ids seen in a rebuild).
redis::Command RaiseCommand(const std::string& counter, long long at_least);
// Sets `key` to `value` only while it still holds `expected`.
redis::Command ReplaceIfCommand(const std::string& key, const std::string& expected, const std::string& value);
// Writes golden-record entries, each only where its rank sorts first (or
// equal) against the stored one: survivorship as decided by GoldenEntries.
redis::Command GoldenCommand(const std::string& key, const std::vector<GoldenEntry>& entries);

// The merge lock: taken with an owner token and an expiry, released only by
// its owner (a lock that expired and was taken by another stays theirs).
redis::Command TakeLockCommand(const std::string& key, const std::string& token, std::chrono::milliseconds ttl);
redis::Command ReleaseLockCommand(const std::string& key, const std::string& token);

// ---- Event gate ----

// Remembers the first delivery ("topic/partition/offset") of an event id and
// returns the one remembered before (nil: none).
redis::Command EventIdCommand(const IndexKeys& keys, const std::string& event_id, const std::string& position,
                              std::chrono::milliseconds ttl);
// Adds a scan to its badge's scans at that booth and reads them all back
// (three commands, in this order). Adding is idempotent, so a replayed or
// concurrent scan leaves the same set.
std::vector<redis::Command> TapCommands(const IndexKeys& keys, const TapKey& tap, const TapScan& scan,
                                        std::chrono::milliseconds ttl);
inline constexpr size_t kTapCommands = 3;
// The scans from the last of TapCommands' replies.
absl::StatusOr<std::vector<TapScan>> ParseTaps(const redis::Reply& reply);

}  // namespace crm::dedup
