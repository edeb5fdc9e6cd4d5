#include "services/dedup/stream/identity_index.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "common/normalize/contact.h"
#include "common/normalize/text.h"
#include "common/util/proto_time.h"
#include "common/util/strings.h"

namespace crm::dedup {
namespace {

using crm::v1::IdentityEvent;
using redis::Command;
using redis::Reply;

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string PairKey(std::string a, std::string b) {
  if (b < a) std::swap(a, b);
  return StrCat(a, "|", b);
}

std::string NameText(const Prepared& p) { return p.name.empty() ? std::string() : Join(p.name.tokens, " ") + "/" + p.name.han; }

// Claims deterministic keys for one customer, atomically. KEYS: the key
// entries. ARGV[1]: preferred customer id or "", ARGV[2]: key prefix.
// Returns {customer, created (0/1), every distinct customer already holding one of the keys...}.
constexpr const char* kClaimScript = R"lua(
local prefix = ARGV[2]
local function follow(c)
  for i = 1, 32 do
    local a = redis.call('GET', prefix .. 'alias:' .. c)
    if not a then return c end
    c = a
  end
  return c
end
local found, seen = {}, {}
for i, k in ipairs(KEYS) do
  local c = redis.call('GET', k)
  if c then
    c = follow(c)
    if not seen[c] then seen[c] = true; table.insert(found, c) end
  end
end
local cid, created = nil, 0
if #found > 0 then
  table.sort(found)
  cid = found[1]
elseif ARGV[1] ~= '' then
  cid = follow(ARGV[1])
else
  cid = string.format('C%010d', redis.call('INCR', prefix .. 'seq'))
  created = 1
end
for i, k in ipairs(KEYS) do redis.call('SET', k, cid, 'NX') end
local out = {cid, created}
for i, c in ipairs(found) do table.insert(out, c) end
return out
)lua";

crm::v1::MatchEvidence Evidence(const Layout& layout, const Model& model, const Prepared& a, const Prepared& b,
                                const std::string& matched_record, double* probability) {
  std::vector<uint8_t> levels(layout.fields().size());
  Compare(layout, a, b, levels.data());
  double score = model.Score(levels.data(), a);
  *probability = model.Probability(score);
  crm::v1::MatchEvidence ev;
  ev.set_rule("probabilistic");
  ev.set_probability(*probability);
  ev.set_matched_record_id(matched_record);
  for (size_t f = 0; f < levels.size(); ++f) {
    if (levels[f] == 0) continue;
    auto* fe = ev.add_fields();
    fe->set_field(layout.fields()[f].label);
    fe->set_level(levels[f]);
    uint8_t l = levels[f];
    fe->set_weight(std::log2(std::max(model.m()[f][l], 1e-9) / std::max(model.u()[f][l], 1e-9)));
  }
  return ev;
}

}  // namespace

RecordView ViewOf(const crm::v1::Identity& id, const std::string& show_id, const std::string& edition_id,
                  const std::string& region) {
  RawRecord raw;
  raw.fields = {{FieldKind::kName, id.full_name()},
                {FieldKind::kGivenName, id.given_name()},
                {FieldKind::kFamilyName, id.family_name()},
                {FieldKind::kCompany, id.company()},
                {FieldKind::kEmail, id.email()},
                {FieldKind::kPhone, id.phone()},
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
  // The record id: a stable hash of everything the engine reads.
  std::string fp;
  for (const auto& t : v.prepared.name.tokens) fp += t + " ";
  fp += "|" + v.prepared.name.han + "|" + v.prepared.company.key;
  for (const auto* list : {&v.prepared.emails, &v.prepared.phones, &v.prepared.ids}) {
    fp += "|";
    for (const auto& s : *list) fp += s + ",";
  }
  for (const auto& s : v.prepared.single) fp += "|" + s;
  v.record_id = "r:" + Hex(Fnv1a(fp));
  return v;
}

IdentityIndex::IdentityIndex(redis::KeyValueStore& kv, const Model& model, IndexOptions options)
    : kv_(kv), model_(model), opt_(std::move(options)), prefix_(opt_.prefix) {}

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
    auto r = Run({"GET", K("alias:" + cid)});
    if (!r.ok()) return r.status();
    if (r->is_nil()) return cid;
    cid = r->str;
  }
  return absl::InternalError(StrCat("alias chain too long at ", cid));
}

absl::StatusOr<std::string> IdentityIndex::KnownRecord(const std::string& record_id) {
  auto r = Run({"GET", K("rec:" + record_id + ":c")});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return std::string();
  return Survivor(r->str);
}

absl::StatusOr<bool> IdentityIndex::IsNeverMerge(const std::string& a, const std::string& b) {
  auto r = Run({"EXISTS", K("never:" + PairKey(a, b))});
  if (!r.ok()) return r.status();
  return r->integer > 0;
}

absl::Status IdentityIndex::Lock() {
  // Merges and unmerges touch many keys; one at a time across replicas.
  for (int attempt = 0; attempt < 500; ++attempt) {
    auto r = Run({"SET", K("lock:merge"), "1", "NX", "PX", "5000"});
    if (!r.ok()) return r.status();
    if (!r->is_nil()) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::UnavailableError("merge lock busy");
}

void IdentityIndex::Unlock() { (void)Run({"DEL", K("lock:merge")}); }

absl::StatusOr<std::vector<crm::v1::RecordAssigned>> IdentityIndex::Records(const std::string& cid, int limit) {
  auto ids = limit > 0 ? Run({"SRANDMEMBER", K("cust:" + cid + ":recs"), std::to_string(limit)})
                       : Run({"SMEMBERS", K("cust:" + cid + ":recs")});
  if (!ids.ok()) return ids.status();
  std::vector<std::string> sorted;
  for (const auto& e : ids->elements) sorted.push_back(e.str);
  std::sort(sorted.begin(), sorted.end());
  std::vector<crm::v1::RecordAssigned> out;
  if (sorted.empty()) return out;
  Command mget = {"MGET"};
  for (const auto& id : sorted) mget.push_back(K("rec:" + id));
  auto vals = Run(mget);
  if (!vals.ok()) return vals.status();
  for (const auto& v : vals->elements) {
    crm::v1::RecordAssigned ra;
    if (!v.is_nil() && ra.ParseFromString(v.str)) out.push_back(std::move(ra));
  }
  return out;
}

absl::StatusOr<IdentityIndex::Candidate> IdentityIndex::BestCandidate(const RecordView& view) {
  Candidate best;
  if (view.blocking.empty()) return best;
  std::vector<Command> cmds;
  for (uint64_t h : view.blocking) {
    cmds.push_back({"SRANDMEMBER", K("blk:" + Hex(h)), std::to_string(opt_.candidates_per_key)});
  }
  if (!view.prepared.name.empty()) {
    cmds.push_back({"GET", K("tf:" + Hex(view.prepared.name.letters))});
    cmds.push_back({"GET", K("tf:total")});
  }
  auto replies = Pipe(cmds);
  if (!replies.ok()) return replies.status();
  std::set<std::string> candidates;
  for (size_t i = 0; i < view.blocking.size(); ++i) {
    for (const auto& e : (*replies)[i].elements) candidates.insert(e.str);
  }
  Prepared mine = view.prepared;
  if (!mine.name.empty()) {
    double count = std::atof((*replies)[view.blocking.size()].str.c_str());
    double total = std::atof((*replies)[view.blocking.size() + 1].str.c_str());
    int f = IdentityLayout().FieldOf(FieldKind::kName);
    if (total > 0 && f >= 0) mine.tf[f] = static_cast<float>((count + 1) / (total + 1));
  }
  std::set<std::string> survivors;
  for (const auto& c : candidates) {
    auto s = Survivor(c);
    if (!s.ok()) return s.status();
    survivors.insert(*s);
    if (static_cast<int>(survivors.size()) >= opt_.max_candidates) break;
  }
  for (const auto& cid : survivors) {
    auto records = Records(cid, opt_.records_per_candidate);
    if (!records.ok()) return records.status();
    for (const auto& ra : *records) {
      RecordView other = ViewOf(ra.identity(), ra.show_id(), ra.edition_id(), opt_.region);
      double p = 0;
      auto ev = Evidence(IdentityLayout(), model_, mine, other.prepared, ra.record_id(), &p);
      if (p > best.probability) {
        best.customer_id = cid;
        best.probability = p;
        best.evidence = std::move(ev);
      }
    }
  }
  return best;
}

absl::StatusOr<IdentityIndex::Resolution> IdentityIndex::Resolve(const crm::v1::Event& event,
                                                                std::vector<IdentityEvent>* changes) {
  RecordView view = ViewOf(event.identity(), event.show_id(), event.edition_id(), opt_.region);
  Resolution res;
  res.record_id = view.record_id;
  auto known = KnownRecord(view.record_id);
  if (!known.ok()) return known.status();
  if (!known->empty()) {
    res.customer_id = *known;
    res.match.set_rule("record");
    res.match.set_probability(1.0);
    res.match.set_matched_record_id(view.record_id);
    return res;
  }

  // Deterministic keys: drop shared ones; a key held by a customer whose
  // names all clearly differ from this record's name is shared.
  std::vector<std::string> keys;
  if (!view.keys.empty()) {
    std::vector<Command> cmds;
    for (const auto& k : view.keys) {
      cmds.push_back({"GET", K("key:" + k)});
      cmds.push_back({"EXISTS", K("shared:" + k)});
    }
    auto r = Pipe(cmds);
    if (!r.ok()) return r.status();
    for (size_t i = 0; i < view.keys.size(); ++i) {
      const Reply& holder = (*r)[2 * i];
      if ((*r)[2 * i + 1].integer > 0) continue;
      if (!holder.is_nil() && !view.prepared.name.empty()) {
        auto names = Run({"SMEMBERS", K("cust:" + holder.str + ":names")});
        if (!names.ok()) return names.status();
        bool compatible = names->elements.empty();
        for (const auto& n : names->elements) {
          // Stored as "<tokens>/<han>": the characters when there are any.
          auto slash = n.str.find('/');
          std::string han = slash == std::string::npos ? std::string() : n.str.substr(slash + 1);
          NameValue other = PrepareName(han.empty() ? n.str.substr(0, slash) : han);
          if (CompareNames(view.prepared.name, other) != kNameDifferent) compatible = true;
        }
        if (!compatible) {
          IdentityEvent ch;
          ch.set_at_ms(NowMs());
          auto* ks = ch.mutable_key_shared();
          ks->set_key(view.keys[i]);
          ks->set_customer_id(holder.str);
          ks->set_record_id(view.record_id);
          if (auto st = Apply(ch); !st.ok()) return st;
          changes->push_back(std::move(ch));
          continue;
        }
      }
      keys.push_back(view.keys[i]);
    }
  }

  // Probabilistic candidates when no key is known yet (a known key decides).
  Candidate candidate;
  bool any_claimed = false;
  if (!keys.empty()) {
    Command mget = {"MGET"};
    for (const auto& k : keys) mget.push_back(K("key:" + k));
    auto r = Run(mget);
    if (!r.ok()) return r.status();
    for (const auto& e : r->elements) any_claimed = any_claimed || !e.is_nil();
  }
  if (!any_claimed) {
    auto c = BestCandidate(view);
    if (!c.ok()) return c.status();
    candidate = std::move(*c);
  }
  const bool auto_match = !candidate.customer_id.empty() && candidate.probability >= opt_.upper;

  // Claim keys atomically (or allocate an id when there are none).
  std::string cid;
  std::vector<std::string> others;
  bool created = false;
  {
    Command cmd = {"EVAL", kClaimScript, std::to_string(keys.size())};
    for (const auto& k : keys) cmd.push_back(K("key:" + k));
    cmd.push_back(auto_match ? candidate.customer_id : "");
    cmd.push_back(prefix_);
    auto r = Run(cmd);
    if (!r.ok()) return r.status();
    if (r->elements.size() < 2) return absl::InternalError("claim script: short reply");
    cid = r->elements[0].str;
    created = r->elements[1].integer == 1;
    for (size_t i = 2; i < r->elements.size(); ++i) others.push_back(r->elements[i].str);
  }
  res.customer_id = cid;
  if (auto_match && !any_claimed) {
    res.match = candidate.evidence;
  } else if (!others.empty()) {
    res.match.set_rule("key");
    res.match.set_probability(1.0);
  } else {
    res.match.set_rule(created ? "new" : "key");
    res.match.set_probability(created ? 0.0 : 1.0);
  }
  if (!others.empty() || (!created && !keys.empty() && !auto_match)) {
    // Which key decided: the first one the customer holds.
    for (const auto& k : keys) {
      auto h = Run({"GET", K("key:" + k)});
      if (h.ok() && !h->is_nil()) {
        auto s = Survivor(h->str);
        if (s.ok() && *s == cid) {
          res.match.set_rule(StrCat("key:", k.substr(0, 1) == "e" ? "email" : k.substr(0, 1) == "p" ? "phone" : "identifier"));
          res.match.set_key(k.substr(2));
          break;
        }
      }
    }
  }

  // The record joins the customer.
  IdentityEvent ch;
  ch.set_at_ms(NowMs());
  auto* ra = ch.mutable_record_assigned();
  ra->set_record_id(view.record_id);
  ra->set_customer_id(cid);
  *ra->mutable_identity() = event.identity();
  ra->set_source_system(event.source().system());
  ra->set_event_id(event.event_id());
  ra->set_occurred_ms(TimestampMillis(event.occurred_at()));
  *ra->mutable_match() = res.match;
  ra->set_show_id(event.show_id());
  ra->set_edition_id(event.edition_id());
  if (auto st = Apply(ch); !st.ok()) return st;
  changes->push_back(std::move(ch));

  // Keys held by other customers: the same person, unless never-merge.
  for (const auto& other : others) {
    if (other == cid) continue;
    auto never = IsNeverMerge(cid, other);
    if (!never.ok()) return never.status();
    if (*never) continue;
    crm::v1::MatchEvidence ev = res.match;
    ev.set_matched_record_id(view.record_id);
    auto m = Merge(cid, other, ev, "engine", changes);
    if (!m.ok()) return m.status();
    res.customer_id = m->survivor_id();
  }
  // A doubtful candidate goes to the review queue.
  if (!auto_match && !candidate.customer_id.empty() && candidate.probability >= opt_.lower &&
      candidate.customer_id != res.customer_id) {
    IdentityEvent rq;
    rq.set_at_ms(NowMs());
    auto* item = rq.mutable_review_queued();
    item->set_customer_id(res.customer_id);
    item->set_candidate_id(candidate.customer_id);
    *item->mutable_evidence() = candidate.evidence;
    if (auto st = Apply(rq); !st.ok()) return st;
    changes->push_back(std::move(rq));
  }
  return res;
}

absl::StatusOr<crm::v1::CustomersMerged> IdentityIndex::Merge(const std::string& a_in, const std::string& b_in,
                                                             const crm::v1::MatchEvidence& evidence,
                                                             const std::string& actor,
                                                             std::vector<IdentityEvent>* changes) {
  if (auto st = Lock(); !st.ok()) return st;
  auto unlock = [this](auto v) {
    Unlock();
    return v;
  };
  auto a = Survivor(a_in), b = Survivor(b_in);
  if (!a.ok() || !b.ok()) return unlock(absl::StatusOr<crm::v1::CustomersMerged>(a.ok() ? b.status() : a.status()));
  auto exists = Pipe({{"EXISTS", K("cust:" + *a + ":recs")}, {"EXISTS", K("cust:" + *b + ":recs")}});
  if (!exists.ok()) return unlock(absl::StatusOr<crm::v1::CustomersMerged>(exists.status()));
  if ((*exists)[0].integer == 0 || (*exists)[1].integer == 0) {
    return unlock(absl::StatusOr<crm::v1::CustomersMerged>(
        absl::NotFoundError(StrCat("no customer ", (*exists)[0].integer == 0 ? a_in : b_in))));
  }
  if (*a == *b) {
    return unlock(absl::StatusOr<crm::v1::CustomersMerged>(
        absl::FailedPreconditionError(StrCat(a_in, " and ", b_in, " are already one customer (", *a, ")"))));
  }
  auto never = IsNeverMerge(*a, *b);
  if (!never.ok() || *never) {
    return unlock(absl::StatusOr<crm::v1::CustomersMerged>(
        never.ok() ? absl::FailedPreconditionError(StrCat(*a, " and ", *b, " are marked never-merge"))
                   : never.status()));
  }
  std::string survivor = std::min(*a, *b), merged = std::max(*a, *b);  // zero-padded: older id is smaller
  auto moved = Run({"SMEMBERS", K("cust:" + merged + ":recs")});
  if (!moved.ok()) return unlock(absl::StatusOr<crm::v1::CustomersMerged>(moved.status()));
  auto seq = Run({"INCR", K("mergeseq")});
  if (!seq.ok()) return unlock(absl::StatusOr<crm::v1::CustomersMerged>(seq.status()));
  IdentityEvent ch;
  ch.set_at_ms(NowMs());
  auto* m = ch.mutable_merged();
  char buf[24];
  std::snprintf(buf, sizeof buf, "M%010lld", static_cast<long long>(seq->integer));
  m->set_merge_id(buf);
  m->set_survivor_id(survivor);
  m->set_merged_id(merged);
  std::vector<std::string> rids;
  for (const auto& e : moved->elements) rids.push_back(e.str);
  std::sort(rids.begin(), rids.end());
  for (const auto& r : rids) m->add_moved_record_ids(r);
  *m->mutable_evidence() = evidence;
  m->set_actor(actor);
  auto st = Apply(ch);
  Unlock();
  if (!st.ok()) return st;
  crm::v1::CustomersMerged out = *m;
  changes->push_back(std::move(ch));
  return out;
}

absl::StatusOr<crm::v1::CustomersUnmerged> IdentityIndex::Unmerge(const std::string& merge_id,
                                                                 const std::string& actor, const std::string& reason,
                                                                 bool never_merge,
                                                                 std::vector<IdentityEvent>* changes) {
  auto raw = Run({"GET", K("merge:" + merge_id)});
  if (!raw.ok()) return raw.status();
  if (raw->is_nil()) return absl::NotFoundError(StrCat("no merge ", merge_id));
  crm::v1::CustomersMerged m;
  if (!m.ParseFromString(raw->str)) return absl::DataLossError(StrCat("merge ", merge_id, " unreadable"));
  auto undone = Run({"EXISTS", K("unmerged:" + merge_id)});
  if (!undone.ok()) return undone.status();
  if (undone->integer > 0) return absl::FailedPreconditionError(StrCat("merge ", merge_id, " was already undone"));
  if (auto st = Lock(); !st.ok()) return st;
  IdentityEvent ch;
  ch.set_at_ms(NowMs());
  auto* u = ch.mutable_unmerged();
  u->set_merge_id(merge_id);
  u->set_survivor_id(m.survivor_id());
  u->set_restored_id(m.merged_id());
  for (const auto& r : m.moved_record_ids()) u->add_restored_record_ids(r);
  u->set_actor(actor);
  u->set_reason(reason);
  auto st = Apply(ch);
  Unlock();
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
  ch.set_at_ms(NowMs());
  auto* n = ch.mutable_never_merge();
  n->set_customer_a(std::min(a, b));
  n->set_customer_b(std::max(a, b));
  n->set_actor(actor);
  n->set_reason(reason);
  if (auto st = Apply(ch); !st.ok()) return st;
  changes->push_back(std::move(ch));
  return absl::OkStatus();
}

absl::Status IdentityIndex::Apply(const IdentityEvent& ch) {
  std::string bytes = ch.SerializeAsString();
  switch (ch.change_case()) {
    case IdentityEvent::kRecordAssigned: {
      const auto& ra = ch.record_assigned();
      RecordView view = ViewOf(ra.identity(), ra.show_id(), ra.edition_id(), opt_.region);
      const std::string& cid = ra.customer_id();
      std::vector<Command> cmds = {
          {"SET", K("rec:" + ra.record_id()), ra.SerializeAsString()},
          {"SET", K("rec:" + ra.record_id() + ":c"), cid},
          {"SADD", K("cust:" + cid + ":recs"), ra.record_id()},
      };
      // During a rebuild the counter must pass every id seen.
      if (cid.size() == 11 && cid[0] == 'C') {
        cmds.push_back({"EVAL",
                        "if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then "
                        "redis.call('SET', KEYS[1], ARGV[1]) end return 0",
                        "1", K("seq"), std::to_string(std::atoll(cid.c_str() + 1))});
      }
      if (!view.prepared.name.empty()) {
        cmds.push_back({"SADD", K("cust:" + cid + ":names"), NameText(view.prepared)});
        cmds.push_back({"INCR", K("tf:" + Hex(view.prepared.name.letters))});
        cmds.push_back({"INCR", K("tf:total")});
      }
      for (const auto& k : view.keys) cmds.push_back({"SET", K("key:" + k), cid, "NX"});
      for (uint64_t h : view.blocking) cmds.push_back({"SADD", K("blk:" + Hex(h)), cid});
      auto r = Pipe(cmds);
      if (!r.ok()) return r.status();
      return RefreshGolden(cid);
    }
    case IdentityEvent::kMerged: {
      const auto& m = ch.merged();
      std::vector<Command> cmds = {
          {"SET", K("merge:" + m.merge_id()), m.SerializeAsString()},
          {"SET", K("alias:" + m.merged_id()), m.survivor_id()},
          {"SADD", K("cust:" + m.survivor_id() + ":aliases"), m.merged_id()},
          {"SUNIONSTORE", K("cust:" + m.survivor_id() + ":names"), K("cust:" + m.survivor_id() + ":names"),
           K("cust:" + m.merged_id() + ":names")},
          {"RPUSH", K("cust:" + m.survivor_id() + ":hist"), bytes},
          {"RPUSH", K("cust:" + m.merged_id() + ":hist"), bytes},
          {"ZREM", K("review"), PairKey(m.survivor_id(), m.merged_id())},
      };
      for (const auto& rid : m.moved_record_ids()) {
        cmds.push_back({"SMOVE", K("cust:" + m.merged_id() + ":recs"), K("cust:" + m.survivor_id() + ":recs"), rid});
        cmds.push_back({"SET", K("rec:" + rid + ":c"), m.survivor_id()});
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
          keys.push_back({"EVAL",
                          "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) end "
                          "return 0",
                          "1", K("key:" + k), m.merged_id(), m.survivor_id()});
        }
      }
      if (auto k = Pipe(keys); !k.ok()) return k.status();
      return RefreshGolden(m.survivor_id());
    }
    case IdentityEvent::kUnmerged: {
      const auto& u = ch.unmerged();
      // The records the merge moved go back, wherever later merges put them.
      std::vector<Command> cmds = {
          {"DEL", K("alias:" + u.restored_id())},
          {"SREM", K("cust:" + u.survivor_id() + ":aliases"), u.restored_id()},
          {"SET", K("unmerged:" + u.merge_id()), "1"},
          {"RPUSH", K("cust:" + u.survivor_id() + ":hist"), bytes},
          {"RPUSH", K("cust:" + u.restored_id() + ":hist"), bytes},
          {"DEL", K("cust:" + u.restored_id() + ":names")},
      };
      for (const auto& rid : u.restored_record_ids()) {
        cmds.push_back({"GET", K("rec:" + rid + ":c")});
      }
      auto r = Pipe(cmds);
      if (!r.ok()) return r.status();
      std::vector<Command> moves;
      std::vector<std::string> restored_keys;
      for (int i = 0; i < u.restored_record_ids_size(); ++i) {
        const std::string& rid = u.restored_record_ids(i);
        const Reply& holder = (*r)[6 + i];
        if (!holder.is_nil()) moves.push_back({"SREM", K("cust:" + holder.str + ":recs"), rid});
        moves.push_back({"SADD", K("cust:" + u.restored_id() + ":recs"), rid});
        moves.push_back({"SET", K("rec:" + rid + ":c"), u.restored_id()});
      }
      if (auto m = Pipe(moves); !m.ok()) return m.status();
      auto recs = Records(u.restored_id(), 0);
      if (!recs.ok()) return recs.status();
      std::vector<Command> keys;
      for (const auto& ra : *recs) {
        RecordView view = ViewOf(ra.identity(), ra.show_id(), ra.edition_id(), opt_.region);
        if (!view.prepared.name.empty()) {
          keys.push_back({"SADD", K("cust:" + u.restored_id() + ":names"), NameText(view.prepared)});
        }
        for (const auto& k : view.keys) keys.push_back({"SET", K("key:" + k), u.restored_id()});
      }
      if (auto k = Pipe(keys); !k.ok()) return k.status();
      if (auto st = RefreshGolden(u.survivor_id()); !st.ok()) return st;
      return RefreshGolden(u.restored_id());
    }
    case IdentityEvent::kNeverMerge: {
      const auto& n = ch.never_merge();
      auto r = Pipe({{"SET", K("never:" + PairKey(n.customer_a(), n.customer_b())), "1"},
                     {"RPUSH", K("cust:" + n.customer_a() + ":hist"), bytes},
                     {"RPUSH", K("cust:" + n.customer_b() + ":hist"), bytes},
                     {"ZREM", K("review"), PairKey(n.customer_a(), n.customer_b())}});
      return r.status();
    }
    case IdentityEvent::kKeyShared: {
      auto r = Run({"SET", K("shared:" + ch.key_shared().key()), ch.key_shared().customer_id()});
      return r.status();
    }
    case IdentityEvent::kReviewQueued: {
      const auto& q = ch.review_queued();
      std::string pair = PairKey(q.customer_id(), q.candidate_id());
      crm::v1::ReviewItem item;
      item.set_customer_id(q.customer_id());
      item.set_candidate_id(q.candidate_id());
      *item.mutable_evidence() = q.evidence();
      auto r = Pipe({{"ZADD", K("review"), std::to_string(q.evidence().probability()), pair},
                     {"SET", K("reviewitem:" + pair), item.SerializeAsString()}});
      return r.status();
    }
    default:
      return absl::InvalidArgumentError("identity event without a change");
  }
}

absl::Status IdentityIndex::RefreshGolden(const std::string& cid) {
  auto recs = Records(cid, 0);
  if (!recs.ok()) return recs.status();
  auto trust = [&](const std::string& system) {
    auto it = std::find(opt_.trusted_sources.begin(), opt_.trusted_sources.end(), system);
    return static_cast<int>(it - opt_.trusted_sources.begin());  // lower is more trusted
  };
  using Getter = std::string (*)(const crm::v1::Identity&);
  const std::vector<std::pair<const char*, Getter>> fields = {
      {"full_name",
       [](const crm::v1::Identity& i) {
         if (!i.full_name().empty()) return i.full_name();
         if (i.family_name().empty() && i.given_name().empty()) return std::string();
         return StrCat(i.family_name(), i.family_name().empty() || i.given_name().empty() ? "" : " ", i.given_name());
       }},
      {"company", [](const crm::v1::Identity& i) { return i.company(); }},
      {"email", [](const crm::v1::Identity& i) { return i.normalized().email().empty() ? i.email() : i.normalized().email(); }},
      {"phone",
       [](const crm::v1::Identity& i) { return i.normalized().phone_e164().empty() ? i.phone() : i.normalized().phone_e164(); }},
      {"city", [](const crm::v1::Identity& i) { return i.city(); }},
      {"country", [](const crm::v1::Identity& i) { return i.normalized().country().empty() ? i.country() : i.normalized().country(); }},
      {"title", [](const crm::v1::Identity& i) { return i.title(); }},
      {"industry", [](const crm::v1::Identity& i) { return i.industry(); }},
  };
  crm::v1::Customer golden;
  for (const auto& [name, get] : fields) {
    const crm::v1::RecordAssigned* best = nullptr;
    std::string best_value;
    for (const auto& ra : *recs) {
      std::string v = std::string(StripWhitespace(get(ra.identity())));
      if (v.empty()) continue;
      bool better = !best || trust(ra.source_system()) < trust(best->source_system()) ||
                    (trust(ra.source_system()) == trust(best->source_system()) && ra.occurred_ms() > best->occurred_ms());
      if (better) best = &ra, best_value = v;
    }
    if (!best) continue;
    auto* g = golden.add_golden();
    g->set_field(name);
    g->set_value(best_value);
    g->set_record_id(best->record_id());
    g->set_source_system(best->source_system());
    g->set_observed_ms(best->occurred_ms());
  }
  return Run({"SET", K("cust:" + cid + ":golden"), golden.SerializeAsString()}).status();
}

absl::StatusOr<crm::v1::ResolveResponse> IdentityIndex::Lookup(const std::string& kind, const std::string& value) {
  std::string key;
  std::string cid;
  if (kind == "customer_id") {
    key = value;
    cid = value;
  } else if (kind == "record_id") {
    key = value;
    auto r = Run({"GET", K("rec:" + value + ":c")});
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
    auto r = Run({"GET", K("key:" + key)});
    if (!r.ok()) return r.status();
    if (!r->is_nil()) cid = r->str;
  }
  if (cid.empty()) return absl::NotFoundError(StrCat("no customer for ", kind, " ", value));
  auto s = Survivor(cid);
  if (!s.ok()) return s.status();
  auto exists = Run({"EXISTS", K("cust:" + *s + ":recs")});
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
  auto r = Pipe({{"GET", K("cust:" + *cid + ":golden")},
                 {"SMEMBERS", K("cust:" + *cid + ":aliases")},
                 {"LRANGE", K("cust:" + *cid + ":hist"), "0", "-1"},
                 {"EXISTS", K("cust:" + *cid + ":recs")}});
  if (!r.ok()) return r.status();
  if ((*r)[3].integer == 0 && (*r)[2].elements.empty()) return absl::NotFoundError(StrCat("no customer ", customer_id));
  crm::v1::Customer c;
  if (!(*r)[0].is_nil()) c.ParseFromString((*r)[0].str);
  c.set_customer_id(*cid);
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
  auto r = Run({"ZREVRANGE", K("review"), "0", std::to_string(std::max(1, limit) - 1)});
  if (!r.ok()) return r.status();
  std::vector<crm::v1::ReviewItem> out;
  if (r->elements.empty()) return out;
  Command mget = {"MGET"};
  for (const auto& e : r->elements) mget.push_back(K("reviewitem:" + e.str));
  auto items = Run(mget);
  if (!items.ok()) return items.status();
  for (const auto& v : items->elements) {
    crm::v1::ReviewItem item;
    if (!v.is_nil() && item.ParseFromString(v.str)) out.push_back(std::move(item));
  }
  return out;
}

}  // namespace crm::dedup
