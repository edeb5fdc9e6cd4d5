#include "services/dedup/stream/identity_index.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "common/normalize/contact.h"
#include "common/normalize/text.h"
#include "common/util/proto_time.h"
#include "common/util/strings.h"

namespace crm::dedup {

using crm::v1::IdentityEvent;
using redis::Command;
using redis::Reply;

RecordView ViewOf(const crm::v1::Identity& id, const std::string& show_id, const std::string& edition_id,
                  const std::string& region) {
  // Emails and phones as ingest normalized them, with the show's country as
  // the default region ("030 12345678" at a Berlin show is +493012345678);
  // `region` only for identities that did not come through ingest.
  const auto& n = id.normalized();
  RawRecord raw;
  raw.fields = {{FieldKind::kName, id.full_name()},
                {FieldKind::kGivenName, id.given_name()},
                {FieldKind::kFamilyName, id.family_name()},
                {FieldKind::kCompany, id.company()},
                {FieldKind::kEmail, n.email().empty() ? id.email() : n.email()},
                {FieldKind::kPhone, n.phone_e164().empty() ? id.phone() : n.phone_e164()},
                {FieldKind::kCity, id.city()},
                {FieldKind::kCategory, id.normalized().country().empty() ? id.country() : id.normalized().country()}};
  if (!id.badge_id().empty()) {
    raw.fields.emplace_back(FieldKind::kIdentifier, StrCat(show_id, "/", edition_id, "/", id.badge_id()));
  }
  for (const auto& x : id.external_ids()) raw.fields.emplace_back(FieldKind::kIdentifier, StrCat(x.system(), ":", x.id()));
  RecordView v;
  v.prepared = Prepare(IdentityLayout(), raw, region);
  for (const auto& k : DeterministicKeys(v.prepared)) v.keys.push_back(StrCat(std::string(1, k.type), ":", k.value));
  v.blocking = BlockingKeys(IdentityLayout(), v.prepared);
  v.record_id = RecordIdOf(id, show_id, edition_id);
  return v;
}

std::string RecordIdOf(const crm::v1::Identity& id, const std::string& show_id, const std::string& edition_id) {
  // A hash of the identity as written (each distinct rendering is a record),
  // cheap enough to compute for every event before anything is normalized.
  std::string fp;
  fp.reserve(256);
  for (const std::string* f : {&id.full_name(), &id.given_name(), &id.family_name(), &id.company(), &id.email(),
                               &id.phone(), &id.city(), &id.country()}) {
    fp += *f;
    fp += '\x1f';
  }
  if (!id.badge_id().empty()) fp += StrCat(show_id, "/", edition_id, "/", id.badge_id());
  for (const auto& x : id.external_ids()) fp += StrCat("\x1f", x.system(), ":", x.id());
  return "r:" + Hex(Fnv1a(fp));
}

void SampleCache::Add(const std::string& customer_id, const std::string& record_id, size_t keep, bool created) {
  std::vector<std::string> rids = Find(customer_id);
  if (rids.empty() && !created) return;  // a one-record sample of an older customer would miss its others
  if (std::find(rids.begin(), rids.end(), record_id) != rids.end()) return;
  if (keep > 0 && rids.size() >= keep) rids.erase(rids.begin());
  rids.push_back(record_id);
  Put(customer_id, std::move(rids));
}

IdentityIndex::IdentityIndex(redis::KeyValueStore& kv, const Model& model, IndexOptions options)
    : kv_(kv), model_(model), opt_(std::move(options)), keys_(opt_.prefix), clock_(opt_.clock) {
  static const SystemClock system_clock;
  if (!clock_) clock_ = &system_clock;
  if (!opt_.samples) opt_.samples = std::make_shared<SampleCache>();
}

absl::StatusOr<Reply> IdentityIndex::Run(const Command& cmd) { return kv_.Run(cmd); }

absl::StatusOr<std::vector<Reply>> IdentityIndex::Pipe(const std::vector<Command>& cmds) {
  if (cmds.empty()) return std::vector<Reply>{};
  auto r = kv_.Pipeline(cmds);
  if (!r.ok()) return r.status();
  for (const auto& reply : *r) {
    if (reply.is_error()) return absl::FailedPreconditionError(StrCat("redis: ", reply.str));
  }
  return r;
}

absl::StatusOr<std::string> IdentityIndex::Survivor(std::string cid) {
  for (int i = 0; i < 32; ++i) {
    auto r = Run({"GET", keys_.Alias(cid)});
    if (!r.ok()) return r.status();
    if (r->is_nil()) return cid;
    cid = r->str;
  }
  return absl::InternalError(StrCat("alias chain too long at ", cid));
}

absl::StatusOr<bool> IdentityIndex::IsNeverMerge(const std::string& a, const std::string& b) {
  auto r = Run({"EXISTS", keys_.NeverMerge(a, b)});
  if (!r.ok()) return r.status();
  return r->integer > 0;
}

absl::StatusOr<std::string> IdentityIndex::Lock() {
  // Merges and unmerges touch many keys; one at a time across replicas. The
  // lock expires (a holder that died), and only its owner releases it.
  static std::atomic<uint64_t> counter{0};
  const std::string token = StrCat(Hex(Fnv1a(StrCat(::getpid(), "/", clock_->NowMillis()))), ":", counter.fetch_add(1));
  const auto deadline = std::chrono::steady_clock::now() + opt_.lock_wait;
  auto backoff = std::chrono::milliseconds(1);
  while (true) {
    auto r = Run(TakeLockCommand(keys_.MergeLock(), token, opt_.lock_ttl));
    if (!r.ok()) return r.status();
    if (!r->is_nil()) return token;
    if (std::chrono::steady_clock::now() + backoff > deadline) {
      return absl::UnavailableError(StrCat("merge lock busy for ", opt_.lock_wait.count(), " ms"));
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(50));
  }
}

void IdentityIndex::Unlock(const std::string& token) { (void)Run(ReleaseLockCommand(keys_.MergeLock(), token)); }

absl::StatusOr<std::vector<crm::v1::RecordAssigned>> IdentityIndex::Records(const std::string& cid, int limit) {
  auto ids = limit > 0 ? Run({"SRANDMEMBER", keys_.CustomerRecords(cid), std::to_string(limit)})
                       : Run({"SMEMBERS", keys_.CustomerRecords(cid)});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> record_ids;
  for (const auto& e : ids->elements) record_ids.push_back(e.str);
  return StoredRecords(record_ids);
}

absl::StatusOr<std::vector<crm::v1::RecordAssigned>> IdentityIndex::StoredRecords(
    const std::vector<std::string>& record_ids) {
  // In record id order, each once.
  std::set<std::string> unique(record_ids.begin(), record_ids.end());
  std::vector<crm::v1::RecordAssigned> out;
  if (unique.empty()) return out;
  Command mget = {"MGET"};
  for (const auto& rid : unique) mget.push_back(keys_.Record(rid));
  auto r = Run(mget);
  if (!r.ok()) return r.status();
  for (const auto& v : r->elements) {
    crm::v1::RecordAssigned ra;
    if (!v.is_nil() && ra.ParseFromString(v.str)) out.push_back(std::move(ra));
  }
  return out;
}

absl::StatusOr<std::vector<IdentityEvent>> IdentityIndex::DecidedChanges(const std::vector<std::string>& record_ids) {
  std::set<std::string> unique(record_ids.begin(), record_ids.end());
  std::vector<Command> cmds;
  for (const auto& rid : unique) cmds.push_back({"LRANGE", keys_.RecordDecisions(rid), "0", "-1"});
  auto r = Pipe(cmds);
  if (!r.ok()) return r.status();
  std::vector<IdentityEvent> out;
  for (const auto& list : *r) {
    for (const auto& e : list.elements) {
      IdentityEvent ch;
      if (!ch.ParseFromString(e.str)) return absl::DataLossError("unreadable decided change");
      out.push_back(std::move(ch));
    }
  }
  return out;
}

absl::Status IdentityIndex::CompleteReplayed(const std::vector<crm::v1::RecordAssigned>& records,
                                            std::vector<IdentityEvent>* changes) {
  // One round trip: every key's holder, and whether it is shared.
  std::vector<std::vector<std::string>> keys(records.size());
  std::vector<Command> cmds;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& ra = records[i];
    keys[i] = ViewOf(ra.identity(), ra.show_id(), ra.edition_id(), opt_.region).keys;
    if (keys[i].empty()) continue;
    Command holders = {"MGET"}, shared = {"MGET"};
    for (const auto& k : keys[i]) {
      holders.push_back(keys_.Key(k));
      shared.push_back(keys_.Shared(k));
    }
    cmds.push_back(std::move(holders));
    cmds.push_back(std::move(shared));
  }
  auto r = Pipe(cmds);
  if (!r.ok()) return r.status();
  size_t at = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (keys[i].empty()) continue;
    const Reply& holders = (*r)[at++];
    const Reply& shared = (*r)[at++];
    if (holders.elements.size() != keys[i].size() || shared.elements.size() != keys[i].size()) {
      return absl::InternalError("MGET: short reply");
    }
    std::vector<IdentityEvent> made;
    for (size_t k = 0; k < keys[i].size(); ++k) {
      if (holders.elements[k].is_nil() || !shared.elements[k].is_nil()) continue;
      auto mine = Survivor(records[i].customer_id());
      if (!mine.ok()) return mine.status();
      auto theirs = Survivor(holders.elements[k].str);
      if (!theirs.ok()) return theirs.status();
      if (*mine == *theirs) continue;
      crm::v1::MatchEvidence ev;
      const std::string& key = keys[i][k];
      ev.set_rule(KeyRule(key));
      ev.set_key(key.substr(2));
      ev.set_probability(1.0);
      ev.set_matched_record_id(records[i].record_id());
      auto m = Merge(*mine, *theirs, ev, "engine", &made);
      if (!m.ok() && absl::IsFailedPrecondition(m.status())) continue;  // never-merge, or one by now
      if (!m.ok()) return m.status();
    }
    if (made.empty()) continue;
    Command push = {"RPUSH", keys_.RecordDecisions(records[i].record_id())};
    for (const auto& ch : made) push.push_back(ch.SerializeAsString());
    if (auto st = Run(push); !st.ok()) return st.status();
    for (auto& ch : made) changes->push_back(std::move(ch));
  }
  return absl::OkStatus();
}

absl::StatusOr<crm::v1::CustomersMerged> IdentityIndex::Merge(const std::string& a, const std::string& b,
                                                             const crm::v1::MatchEvidence& evidence,
                                                             const std::string& actor,
                                                             std::vector<IdentityEvent>* changes) {
  auto token = Lock();
  if (!token.ok()) return token.status();
  auto merged = MergeLocked(a, b, evidence, actor, changes);
  Unlock(*token);
  return merged;
}

absl::StatusOr<crm::v1::CustomersMerged> IdentityIndex::MergeLocked(const std::string& a_in, const std::string& b_in,
                                                                   const crm::v1::MatchEvidence& evidence,
                                                                   const std::string& actor,
                                                                   std::vector<IdentityEvent>* changes) {
  auto a = Survivor(a_in), b = Survivor(b_in);
  if (!a.ok()) return a.status();
  if (!b.ok()) return b.status();
  auto exists = Pipe({{"EXISTS", keys_.CustomerRecords(*a)}, {"EXISTS", keys_.CustomerRecords(*b)}});
  if (!exists.ok()) return exists.status();
  // The engine may merge a customer another replica has just claimed keys
  // for but not yet written records to; people may only merge existing ones.
  if (actor != "engine" && ((*exists)[0].integer == 0 || (*exists)[1].integer == 0)) {
    return absl::NotFoundError(StrCat("no customer ", (*exists)[0].integer == 0 ? a_in : b_in));
  }
  if (*a == *b) {
    return absl::FailedPreconditionError(StrCat(a_in, " and ", b_in, " are already one customer (", *a, ")"));
  }
  auto never = IsNeverMerge(*a, *b);
  if (!never.ok()) return never.status();
  if (*never) return absl::FailedPreconditionError(StrCat(*a, " and ", *b, " are marked never-merge"));
  const MergePair pair = SurvivorOf(*a, *b);
  auto moved = Run({"SMEMBERS", keys_.CustomerRecords(pair.merged)});
  if (!moved.ok()) return moved.status();
  auto seq = Run({"INCR", keys_.MergeSeq()});
  if (!seq.ok()) return seq.status();
  IdentityEvent ch;
  ch.set_at_ms(clock_->NowMillis());
  auto* m = ch.mutable_merged();
  m->set_merge_id(MergeIdFromSeq(seq->integer));
  m->set_survivor_id(pair.survivor);
  m->set_merged_id(pair.merged);
  std::vector<std::string> rids;
  for (const auto& e : moved->elements) rids.push_back(e.str);
  std::sort(rids.begin(), rids.end());
  for (const auto& r : rids) m->add_moved_record_ids(r);
  *m->mutable_evidence() = evidence;
  m->set_actor(actor);
  if (auto st = Apply(ch); !st.ok()) return st;
  crm::v1::CustomersMerged out = *m;
  changes->push_back(std::move(ch));
  return out;
}

absl::StatusOr<crm::v1::CustomersUnmerged> IdentityIndex::Unmerge(const std::string& merge_id,
                                                                 const std::string& actor, const std::string& reason,
                                                                 bool never_merge,
                                                                 std::vector<IdentityEvent>* changes) {
  auto raw = Run({"GET", keys_.Merge(merge_id)});
  if (!raw.ok()) return raw.status();
  if (raw->is_nil()) return absl::NotFoundError(StrCat("no merge ", merge_id));
  crm::v1::CustomersMerged m;
  if (!m.ParseFromString(raw->str)) return absl::DataLossError(StrCat("merge ", merge_id, " unreadable"));
  auto undone = Run({"EXISTS", keys_.Unmerged(merge_id)});
  if (!undone.ok()) return undone.status();
  if (undone->integer > 0) return absl::FailedPreconditionError(StrCat("merge ", merge_id, " was already undone"));
  auto token = Lock();
  if (!token.ok()) return token.status();
  IdentityEvent ch;
  ch.set_at_ms(clock_->NowMillis());
  auto* u = ch.mutable_unmerged();
  u->set_merge_id(merge_id);
  u->set_survivor_id(m.survivor_id());
  u->set_restored_id(m.merged_id());
  for (const auto& r : m.moved_record_ids()) u->add_restored_record_ids(r);
  u->set_actor(actor);
  u->set_reason(reason);
  auto st = Apply(ch);
  Unlock(*token);
  if (!st.ok()) return st;
  crm::v1::CustomersUnmerged out = *u;
  changes->push_back(std::move(ch));
  if (never_merge) {
    if (auto s = NeverMerge(m.survivor_id(), m.merged_id(), actor, reason, changes); !s.ok()) return s;
  }
  return out;
}

absl::Status IdentityIndex::NeverMerge(const std::string& a, const std::string& b, const std::string& actor,
                                       const std::string& reason, std::vector<IdentityEvent>* changes) {
  if (a == b) return absl::InvalidArgumentError("a customer cannot be kept apart from itself");
  IdentityEvent ch;
  ch.set_at_ms(clock_->NowMillis());
  auto* n = ch.mutable_never_merge();
  n->set_customer_a(std::min(a, b));
  n->set_customer_b(std::max(a, b));
  n->set_actor(actor);
  n->set_reason(reason);
  if (auto st = Apply(ch); !st.ok()) return st;
  changes->push_back(std::move(ch));
  return absl::OkStatus();
}

std::vector<Command> IdentityIndex::AssignCommands(const crm::v1::RecordAssigned& ra, const RecordView& view,
                                                   bool replayed) const {
  const std::string& cid = ra.customer_id();
  // The record joins the customer's survivor: a concurrent merge may have
  // made `cid` an alias since it was claimed.
  std::vector<Command> cmds = {
      {"SET", keys_.Record(ra.record_id()), ra.SerializeAsString()},
      JoinCommand(keys_, cid, ra.record_id(), ra.occurred_ms(),
                  view.prepared.name.empty() ? std::string() : Hex(view.prepared.name.letters)),
  };
  // During a rebuild the counter must pass every id seen (live, the claim
  // script drew the id from it).
  if (replayed && SeqOfCustomerId(cid) > 0) {
    cmds.push_back(RaiseCommand(keys_.CustomerSeq(), SeqOfCustomerId(cid)));
  }
  if (!view.prepared.name.empty()) {
    cmds.push_back({"SADD", keys_.CustomerNames(cid), StoredName(view.prepared)});
  }
  // Live, the claim script has set the keys it could use (not shared ones,
  // nor keys another person of another name holds).
  if (replayed) {
    for (const auto& k : view.keys) cmds.push_back({"SET", keys_.Key(k), cid, "NX"});
  }
  // Blocking sets keep each customer's latest time: a probe reads the most
  // recent members, however large the set (a very common name).
  for (uint64_t h : view.blocking) {
    cmds.push_back({"ZADD", keys_.Block(h), "GT", std::to_string(ra.occurred_ms()), cid});
  }
  auto golden = GoldenEntries(ra, opt_.trusted_sources);
  if (!golden.empty()) cmds.push_back(GoldenCommand(keys_.CustomerGolden(cid), golden));
  return cmds;
}

absl::Status IdentityIndex::Apply(const IdentityEvent& ch) {
  std::string bytes = ch.SerializeAsString();
  switch (ch.change_case()) {
    case IdentityEvent::kRecordAssigned: {
      const auto& ra = ch.record_assigned();
      RecordView view = ViewOf(ra.identity(), ra.show_id(), ra.edition_id(), opt_.region);
      return Pipe(AssignCommands(ra, view, /*replayed=*/true)).status();
    }
    case IdentityEvent::kMerged: {
      const auto& m = ch.merged();
      // A merge published again (a replayed delivery) is applied once.
      auto fresh = Run({"SET", keys_.Merge(m.merge_id()), m.SerializeAsString(), "NX"});
      if (!fresh.ok()) return fresh.status();
      if (fresh->is_nil()) return absl::OkStatus();
      std::vector<Command> cmds = {
          // During a rebuild the merge counter must pass every id seen.
          RaiseCommand(keys_.MergeSeq(), SeqOfMergeId(m.merge_id())),
          {"SET", keys_.Alias(m.merged_id()), m.survivor_id()},
          {"SADD", keys_.CustomerAliases(m.survivor_id()), m.merged_id()},
          {"SUNIONSTORE", keys_.CustomerNames(m.survivor_id()), keys_.CustomerNames(m.survivor_id()),
           keys_.CustomerNames(m.merged_id())},
          {"ZUNIONSTORE", keys_.CustomerRecent(m.survivor_id()), "2", keys_.CustomerRecent(m.survivor_id()),
           keys_.CustomerRecent(m.merged_id()), "AGGREGATE", "MAX"},
          {"DEL", keys_.CustomerRecent(m.merged_id())},
          {"RPUSH", keys_.CustomerHistory(m.survivor_id()), bytes},
          {"RPUSH", keys_.CustomerHistory(m.merged_id()), bytes},
          {"ZREM", keys_.Review(), PairKey(m.survivor_id(), m.merged_id())},
      };
      for (const auto& rid : m.moved_record_ids()) {
        cmds.push_back({"SMOVE", keys_.CustomerRecords(m.merged_id()), keys_.CustomerRecords(m.survivor_id()), rid});
        cmds.push_back({"SET", keys_.RecordCustomer(rid), m.survivor_id()});
      }
      auto r = Pipe(cmds);
      if (!r.ok()) return r.status();
      // Keys of the moved records point to the survivor directly.
      auto recs = Records(m.survivor_id(), 0);
      if (!recs.ok()) return recs.status();
      std::set<std::string> moved(m.moved_record_ids().begin(), m.moved_record_ids().end());
      std::vector<Command> keys;
      for (const auto& ra : *recs) {
        if (!moved.count(ra.record_id())) continue;
        for (const auto& k : ViewOf(ra.identity(), ra.show_id(), ra.edition_id(), opt_.region).keys) {
          keys.push_back(ReplaceIfCommand(keys_.Key(k), m.merged_id(), m.survivor_id()));
        }
      }
      if (auto k = Pipe(keys); !k.ok()) return k.status();
      return RefreshGolden(m.survivor_id());
    }
    case IdentityEvent::kUnmerged: {
      const auto& u = ch.unmerged();
      // The records the merge moved go back, wherever later merges put them.
      std::vector<Command> cmds = {
          {"DEL", keys_.Alias(u.restored_id())},
          {"SREM", keys_.CustomerAliases(u.survivor_id()), u.restored_id()},
          {"SET", keys_.Unmerged(u.merge_id()), "1"},
          {"RPUSH", keys_.CustomerHistory(u.survivor_id()), bytes},
          {"RPUSH", keys_.CustomerHistory(u.restored_id()), bytes},
          {"DEL", keys_.CustomerNames(u.restored_id())},
      };
      for (const auto& rid : u.restored_record_ids()) {
        cmds.push_back({"GET", keys_.RecordCustomer(rid)});
      }
      auto r = Pipe(cmds);
      if (!r.ok()) return r.status();
      std::vector<Command> moves;
      std::vector<std::string> restored_keys;
      for (int i = 0; i < u.restored_record_ids_size(); ++i) {
        const std::string& rid = u.restored_record_ids(i);
        const Reply& holder = (*r)[6 + i];
        if (!holder.is_nil()) {
          moves.push_back({"SREM", keys_.CustomerRecords(holder.str), rid});
          moves.push_back({"ZREM", keys_.CustomerRecent(holder.str), rid});
        }
        moves.push_back({"SADD", keys_.CustomerRecords(u.restored_id()), rid});
        moves.push_back({"SET", keys_.RecordCustomer(rid), u.restored_id()});
      }
      if (auto m = Pipe(moves); !m.ok()) return m.status();
      auto recs = Records(u.restored_id(), 0);
      if (!recs.ok()) return recs.status();
      std::vector<Command> keys;
      for (const auto& ra : *recs) {
        RecordView view = ViewOf(ra.identity(), ra.show_id(), ra.edition_id(), opt_.region);
        if (!view.prepared.name.empty()) {
          keys.push_back({"SADD", keys_.CustomerNames(u.restored_id()), StoredName(view.prepared)});
        }
        for (const auto& k : view.keys) keys.push_back({"SET", keys_.Key(k), u.restored_id()});
        keys.push_back({"ZADD", keys_.CustomerRecent(u.restored_id()), std::to_string(ra.occurred_ms()), ra.record_id()});
      }
      if (auto k = Pipe(keys); !k.ok()) return k.status();
      if (auto st = RefreshGolden(u.survivor_id()); !st.ok()) return st;
      return RefreshGolden(u.restored_id());
    }
    case IdentityEvent::kNeverMerge: {
      const auto& n = ch.never_merge();
      auto r = Pipe({{"SET", keys_.NeverMerge(n.customer_a(), n.customer_b()), "1"},
                     {"RPUSH", keys_.CustomerHistory(n.customer_a()), bytes},
                     {"RPUSH", keys_.CustomerHistory(n.customer_b()), bytes},
                     {"ZREM", keys_.Review(), PairKey(n.customer_a(), n.customer_b())}});
      return r.status();
    }
    case IdentityEvent::kKeyShared: {
      auto r = Run({"SET", keys_.Shared(ch.key_shared().key()), ch.key_shared().customer_id()});
      return r.status();
    }
    case IdentityEvent::kReviewQueued: {
      const auto& q = ch.review_queued();
      std::string pair = PairKey(q.customer_id(), q.candidate_id());
      crm::v1::ReviewItem item;
      item.set_customer_id(q.customer_id());
      item.set_candidate_id(q.candidate_id());
      *item.mutable_evidence() = q.evidence();
      auto r = Pipe({{"ZADD", keys_.Review(), std::to_string(q.evidence().probability()), pair},
                     {"SET", keys_.ReviewItem(pair), item.SerializeAsString()}});
      return r.status();
    }
    default:
      return absl::InvalidArgumentError("identity event without a change");
  }
}

absl::Status IdentityIndex::RefreshGolden(const std::string& cid) {
  auto recs = Records(cid, 0);
  if (!recs.ok()) return recs.status();
  std::vector<Command> cmds = {{"DEL", keys_.CustomerGolden(cid)}};
  Command hset = {"HSET", keys_.CustomerGolden(cid)};
  for (const auto& [field, e] : Survivorship(*recs, opt_.trusted_sources)) {
    hset.insert(hset.end(), {field, e.value.SerializeAsString(), field + ":rank", e.rank});
  }
  if (hset.size() > 2) cmds.push_back(std::move(hset));
  return Pipe(cmds).status();
}

absl::StatusOr<crm::v1::ResolveResponse> IdentityIndex::Lookup(const std::string& kind, const std::string& value) {
  std::string key;
  std::string cid;
  if (kind == "customer_id") {
    key = value;
    cid = value;
  } else if (kind == "record_id") {
    key = value;
    auto r = Run({"GET", keys_.RecordCustomer(value)});
    if (!r.ok()) return r.status();
    if (!r->is_nil()) cid = r->str;
  } else {
    if (kind == "email") {
      auto e = normalize::NormalizeEmail(value);
      if (!e.ok()) return absl::InvalidArgumentError(StrCat("not an email address: ", value));
      key = "e:" + normalize::EmailKey(*e);
    } else if (kind == "phone") {
      auto p = normalize::NormalizePhone(value, opt_.region);
      if (!p.ok()) return absl::InvalidArgumentError(StrCat("not a phone number: ", value));
      key = "p:" + *p;
    } else if (kind == "badge" || kind == "external_id") {
      key = "i:" + normalize::CleanText(value);
    } else {
      return absl::InvalidArgumentError(
          StrCat("unknown kind '", kind, "' (email, phone, badge, external_id, customer_id, record_id)"));
    }
    auto r = Run({"GET", keys_.Key(key)});
    if (!r.ok()) return r.status();
    if (!r->is_nil()) cid = r->str;
  }
  if (cid.empty()) return absl::NotFoundError(StrCat("no customer for ", kind, " ", value));
  auto s = Survivor(cid);
  if (!s.ok()) return s.status();
  auto exists = Run({"EXISTS", keys_.CustomerRecords(*s)});
  if (!exists.ok()) return exists.status();
  if (exists->integer == 0) return absl::NotFoundError(StrCat("no customer for ", kind, " ", value));
  crm::v1::ResolveResponse out;
  out.set_customer_id(*s);
  out.set_key(key);
  return out;
}

absl::StatusOr<crm::v1::Customer> IdentityIndex::GetCustomer(const std::string& customer_id) {
  auto cid = Survivor(customer_id);
  if (!cid.ok()) return cid.status();
  auto r = Pipe({{"HGETALL", keys_.CustomerGolden(*cid)},
                 {"SMEMBERS", keys_.CustomerAliases(*cid)},
                 {"LRANGE", keys_.CustomerHistory(*cid), "0", "-1"},
                 {"EXISTS", keys_.CustomerRecords(*cid)}});
  if (!r.ok()) return r.status();
  if ((*r)[3].integer == 0 && (*r)[2].elements.empty()) return absl::NotFoundError(StrCat("no customer ", customer_id));
  crm::v1::Customer c;
  c.set_customer_id(*cid);
  std::map<std::string, crm::v1::GoldenField> golden;  // by field name, for a stable order
  const auto& hash = (*r)[0].elements;
  for (size_t i = 0; i + 1 < hash.size(); i += 2) {
    if (hash[i].str.find(':') != std::string::npos) continue;  // "<field>:rank"
    golden[hash[i].str].ParseFromString(hash[i + 1].str);
  }
  for (auto& [name, g] : golden) *c.add_golden() = std::move(g);
  std::vector<std::string> aliases;
  for (const auto& a : (*r)[1].elements) aliases.push_back(a.str);
  std::sort(aliases.begin(), aliases.end());
  for (const auto& a : aliases) c.add_aliases(a);
  for (const auto& h : (*r)[2].elements) c.add_history()->ParseFromString(h.str);
  auto recs = Records(*cid, 0);
  if (!recs.ok()) return recs.status();
  for (auto& ra : *recs) *c.add_records() = std::move(ra);
  return c;
}

absl::StatusOr<std::vector<crm::v1::ReviewItem>> IdentityIndex::ReviewQueue(int limit) {
  auto r = Run({"ZREVRANGE", keys_.Review(), "0", std::to_string(std::max(1, limit) - 1)});
  if (!r.ok()) return r.status();
  std::vector<crm::v1::ReviewItem> out;
  if (r->elements.empty()) return out;
  Command mget = {"MGET"};
  for (const auto& e : r->elements) mget.push_back(keys_.ReviewItem(e.str));
  auto items = Run(mget);
  if (!items.ok()) return items.status();
  for (const auto& v : items->elements) {
    crm::v1::ReviewItem item;
    if (!v.is_nil() && item.ParseFromString(v.str)) out.push_back(std::move(item));
  }
  return out;
}

}  // namespace crm::dedup
