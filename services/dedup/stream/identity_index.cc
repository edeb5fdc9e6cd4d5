#include "services/dedup/stream/identity_index.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <array>
#include <memory>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

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

// Prepared views of records by id. A record id is a hash of the identity it
// names, so a view never goes stale; the cache saves re-reading and
// re-normalizing candidate records on every new record. Sharded, bounded
// (a full shard is cleared).
class ViewCache {
 public:
  std::shared_ptr<const RecordView> Find(const std::string& rid) {
    Shard& s = shards_[std::hash<std::string>{}(rid) % kShards];
    std::shared_lock l(s.mu);
    auto it = s.map.find(rid);
    return it == s.map.end() ? nullptr : it->second;
  }
  void Put(const std::string& rid, std::shared_ptr<const RecordView> v) {
    Shard& s = shards_[std::hash<std::string>{}(rid) % kShards];
    std::unique_lock l(s.mu);
    if (s.map.size() >= kPerShard) s.map.clear();
    s.map.emplace(rid, std::move(v));
  }

 private:
  static constexpr size_t kShards = 16, kPerShard = 32'768;
  struct Shard {
    std::shared_mutex mu;
    std::unordered_map<std::string, std::shared_ptr<const RecordView>> map;
  };
  std::array<Shard, kShards> shards_;
};

ViewCache& Views() {
  static ViewCache cache;
  return cache;
}

}  // namespace

namespace {

using Getter = std::string (*)(const crm::v1::Identity&);
const std::vector<std::pair<const char*, Getter>>& GoldenFields() {
  static const std::vector<std::pair<const char*, Getter>> fields = {
      {"full_name",
       [](const crm::v1::Identity& i) {
         if (!i.full_name().empty()) return i.full_name();
         if (i.family_name().empty() && i.given_name().empty()) return std::string();
         return StrCat(i.family_name(), i.family_name().empty() || i.given_name().empty() ? "" : " ", i.given_name());
       }},
      {"company", [](const crm::v1::Identity& i) { return i.company(); }},
      {"email",
       [](const crm::v1::Identity& i) { return i.normalized().email().empty() ? i.email() : i.normalized().email(); }},
      {"phone",
       [](const crm::v1::Identity& i) {
         return i.normalized().phone_e164().empty() ? i.phone() : i.normalized().phone_e164();
       }},
      {"city", [](const crm::v1::Identity& i) { return i.city(); }},
      {"country",
       [](const crm::v1::Identity& i) {
         return i.normalized().country().empty() ? i.country() : i.normalized().country();
       }},
      {"title", [](const crm::v1::Identity& i) { return i.title(); }},
      {"industry", [](const crm::v1::Identity& i) { return i.industry(); }},
  };
  return fields;
}

// Survivorship: a value from a more trusted source wins; between equally
// trusted sources the most recent non-empty value wins. Provenance is kept
// per field. The golden record is a Redis hash: per field the serialized
// GoldenField and "<field>:rank", a string that sorts better-first.
struct GoldenEntry {
  std::string field, rank;
  crm::v1::GoldenField value;
};

std::vector<GoldenEntry> GoldenEntries(const crm::v1::RecordAssigned& ra, const std::vector<std::string>& trusted) {
  int trust = static_cast<int>(std::find(trusted.begin(), trusted.end(), ra.source_system()) - trusted.begin());
  char rank[48];
  std::snprintf(rank, sizeof rank, "%03d|%020lld", trust,
                static_cast<long long>(4'000'000'000'000'000'000LL - ra.occurred_ms()));
  std::vector<GoldenEntry> out;
  for (const auto& [name, get] : GoldenFields()) {
    std::string v = std::string(StripWhitespace(get(ra.identity())));
    if (v.empty()) continue;
    GoldenEntry e;
    e.field = name;
    e.rank = rank;
    e.value.set_field(name);
    e.value.set_value(v);
    e.value.set_record_id(ra.record_id());
    e.value.set_source_system(ra.source_system());
    e.value.set_observed_ms(ra.occurred_ms());
    out.push_back(std::move(e));
  }
  return out;
}

// KEYS[1]: the golden hash; ARGV: field, rank, value triples. A field is
// replaced when the new rank sorts first (or equal: the later record).
constexpr const char* kGoldenScript = R"lua(
for i = 1, #ARGV, 3 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i] .. ':rank')
  if not cur or ARGV[i + 1] <= cur then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2], ARGV[i] .. ':rank', ARGV[i + 1])
  end
end
return 0
)lua";

Command GoldenCommand(const std::string& key, const std::vector<GoldenEntry>& entries) {
  Command cmd = {"EVAL", kGoldenScript, "1", key};
  for (const auto& e : entries) {
    cmd.push_back(e.field);
    cmd.push_back(e.rank);
    cmd.push_back(e.value.SerializeAsString());
  }
  return cmd;
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

absl::StatusOr<IdentityIndex::Candidate> IdentityIndex::BestCandidate(const RecordView& view,
                                                                      const std::vector<Reply>& blocks,
                                                                      const Reply& tf_count, const Reply& tf_total) {
  Candidate best;
  std::set<std::string> candidates;
  for (const auto& b : blocks) {
    for (const auto& e : b.elements) candidates.insert(e.str);
  }
  if (candidates.empty()) return best;
  Prepared mine = view.prepared;
  if (!mine.name.empty()) {
    double count = std::atof(tf_count.str.c_str());
    double total = std::atof(tf_total.str.c_str());
    int f = IdentityLayout().FieldOf(FieldKind::kName);
    if (total > 0 && f >= 0) mine.tf[f] = static_cast<float>((count + 1) / (total + 1));
  }
  // Survivors of the candidates, then a sample of each one's records: two
  // round trips for all candidates (plus one per rare merge chain).
  std::vector<std::string> cands(candidates.begin(), candidates.end());
  if (static_cast<int>(cands.size()) > opt_.max_candidates) cands.resize(opt_.max_candidates);
  std::vector<Command> alias_cmds;
  for (const auto& c : cands) alias_cmds.push_back({"GET", K("alias:" + c)});
  auto aliases = Pipe(alias_cmds);
  if (!aliases.ok()) return aliases.status();
  std::set<std::string> survivors;
  for (size_t i = 0; i < cands.size(); ++i) {
    if ((*aliases)[i].is_nil()) {
      survivors.insert(cands[i]);
    } else {
      auto sv = Survivor((*aliases)[i].str);
      if (!sv.ok()) return sv.status();
      survivors.insert(*sv);
    }
  }
  std::vector<std::string> ids(survivors.begin(), survivors.end());
  std::vector<Command> rec_cmds;
  for (const auto& cid : ids) {
    rec_cmds.push_back({"SRANDMEMBER", K("cust:" + cid + ":recs"), std::to_string(opt_.records_per_candidate)});
  }
  auto recs = Pipe(rec_cmds);
  if (!recs.ok()) return recs.status();
  // Views of the sampled records: from the cache, the rest read in one MGET.
  std::vector<std::pair<std::string, std::shared_ptr<const RecordView>>> views;  // (owner, view)
  Command mget = {"MGET"};
  std::vector<std::string> missing_owner;
  for (size_t i = 0; i < ids.size(); ++i) {
    for (const auto& e : (*recs)[i].elements) {
      if (auto v = Views().Find(e.str)) {
        views.emplace_back(ids[i], std::move(v));
      } else {
        mget.push_back(K("rec:" + e.str));
        missing_owner.push_back(ids[i]);
      }
    }
  }
  if (!missing_owner.empty()) {
    auto vals = Run(mget);
    if (!vals.ok()) return vals.status();
    for (size_t i = 0; i < vals->elements.size() && i < missing_owner.size(); ++i) {
      crm::v1::RecordAssigned ra;
      if (vals->elements[i].is_nil() || !ra.ParseFromString(vals->elements[i].str)) continue;
      auto v = std::make_shared<const RecordView>(ViewOf(ra.identity(), ra.show_id(), ra.edition_id(), opt_.region));
      Views().Put(ra.record_id(), v);
      views.emplace_back(missing_owner[i], std::move(v));
    }
  }
  // Score every pair; evidence is written out for the best one only.
  const Layout& layout = IdentityLayout();
  std::vector<uint8_t> levels(layout.fields().size());
  double best_score = -1e300;
  const RecordView* best_view = nullptr;
  for (const auto& [owner, other] : views) {
    Compare(layout, mine, other->prepared, levels.data());
    double score = model_.Score(levels.data(), mine);
    if (score > best_score || (score == best_score && owner < best.customer_id)) {
      best_score = score;
      best.customer_id = owner;
      best_view = other.get();
    }
  }
  if (best_view) best.evidence = Evidence(layout, model_, mine, best_view->prepared, best_view->record_id, &best.probability);
  return best;
}

absl::StatusOr<std::vector<std::string>> IdentityIndex::KnownRecords(const std::vector<const RecordView*>& views) {
  std::vector<Command> cmds;
  for (const auto* v : views) cmds.push_back({"GET", K("rec:" + v->record_id + ":c")});
  auto r = Pipe(cmds);
  if (!r.ok()) return r.status();
  std::vector<std::string> out(views.size());
  std::vector<Command> aliases;
  std::vector<size_t> which;
  for (size_t i = 0; i < views.size(); ++i) {
    if ((*r)[i].is_nil()) continue;
    out[i] = (*r)[i].str;
    aliases.push_back({"GET", K("alias:" + out[i])});
    which.push_back(i);
  }
  auto a = Pipe(aliases);
  if (!a.ok()) return a.status();
  for (size_t j = 0; j < which.size(); ++j) {
    if ((*a)[j].is_nil()) continue;
    auto s = Survivor((*a)[j].str);  // merged: follow the (rare) chain
    if (!s.ok()) return s.status();
    out[which[j]] = *s;
  }
  return out;
}

absl::StatusOr<IdentityIndex::Resolution> IdentityIndex::Resolve(const crm::v1::Event& event,
                                                                std::vector<IdentityEvent>* changes) {
  return Resolve(event, ViewOf(event.identity(), event.show_id(), event.edition_id(), opt_.region), changes);
}

absl::StatusOr<IdentityIndex::Resolution> IdentityIndex::Resolve(const crm::v1::Event& event, const RecordView& view,
                                                                std::vector<IdentityEvent>* changes) {
  Resolution res;
  res.record_id = view.record_id;
  // One round trip for what every new record needs: is it known after all,
  // who holds its keys (and are they shared), the blocking candidates and
  // the name's frequency.
  std::vector<Command> first = {{"GET", K("rec:" + view.record_id + ":c")}};
  for (const auto& k : view.keys) {
    first.push_back({"GET", K("key:" + k)});
    first.push_back({"EXISTS", K("shared:" + k)});
  }
  const size_t blocks_at = first.size();
  for (uint64_t h : view.blocking) {
    first.push_back({"SRANDMEMBER", K("blk:" + Hex(h)), std::to_string(opt_.candidates_per_key)});
  }
  const size_t tf_at = first.size();
  first.push_back({"GET", K("tf:" + Hex(view.prepared.name.letters))});
  first.push_back({"GET", K("tf:total")});
  auto r1 = Pipe(first);
  if (!r1.ok()) return r1.status();
  if (!(*r1)[0].is_nil()) {
    auto s = Survivor((*r1)[0].str);
    if (!s.ok()) return s.status();
    res.customer_id = *s;
    res.match.set_rule("record");
    res.match.set_probability(1.0);
    res.match.set_matched_record_id(view.record_id);
    return res;
  }

  // Deterministic keys: drop shared ones; a key held by a customer whose
  // names all clearly differ from this record's name is shared.
  std::vector<std::string> keys;
  std::vector<std::string> holders;  // per key in `keys`: the holder, "" if unclaimed
  {
    std::vector<size_t> held;  // indices into view.keys needing the name test
    std::vector<Command> names;
    for (size_t i = 0; i < view.keys.size(); ++i) {
      const Reply& holder = (*r1)[1 + 2 * i];
      if ((*r1)[2 + 2 * i].integer > 0) continue;  // shared
      if (!holder.is_nil() && !view.prepared.name.empty()) {
        held.push_back(i);
        names.push_back({"SMEMBERS", K("cust:" + holder.str + ":names")});
      }
    }
    auto rn = Pipe(names);
    if (!rn.ok()) return rn.status();
    std::set<size_t> shared;
    for (size_t j = 0; j < held.size(); ++j) {
      bool compatible = (*rn)[j].elements.empty();
      for (const auto& n : (*rn)[j].elements) {
        // Stored as "<tokens>/<han>": the characters when there are any.
        auto slash = n.str.find('/');
        std::string han = slash == std::string::npos ? std::string() : n.str.substr(slash + 1);
        NameValue other = PrepareName(han.empty() ? n.str.substr(0, slash) : han);
        if (CompareNames(view.prepared.name, other) != kNameDifferent) compatible = true;
      }
      if (compatible) continue;
      size_t i = held[j];
      shared.insert(i);
      IdentityEvent ch;
      ch.set_at_ms(NowMs());
      auto* ks = ch.mutable_key_shared();
      ks->set_key(view.keys[i]);
      ks->set_customer_id((*r1)[1 + 2 * i].str);
      ks->set_record_id(view.record_id);
      if (auto st = Apply(ch); !st.ok()) return st;
      changes->push_back(std::move(ch));
    }
    for (size_t i = 0; i < view.keys.size(); ++i) {
      if ((*r1)[2 + 2 * i].integer > 0 || shared.count(i)) continue;
      keys.push_back(view.keys[i]);
      holders.push_back((*r1)[1 + 2 * i].is_nil() ? std::string() : (*r1)[1 + 2 * i].str);
    }
  }

  // Probabilistic candidates when no key is known yet (a known key decides).
  Candidate candidate;
  bool any_claimed = false;
  std::string deciding_key;  // the first key some customer already holds
  for (size_t i = 0; i < keys.size(); ++i) {
    if (holders[i].empty()) continue;
    if (!any_claimed) deciding_key = keys[i];
    any_claimed = true;
  }
  if (!any_claimed) {
    std::vector<Reply> blocks(r1->begin() + blocks_at, r1->begin() + tf_at);
    auto c = BestCandidate(view, blocks, (*r1)[tf_at], (*r1)[tf_at + 1]);
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
  if (!created && !auto_match) {
    // Which key decided: the first one already held (or, when a concurrent
    // replica claimed them first, the first of the record's keys).
    const std::string& k = deciding_key.empty() ? (keys.empty() ? deciding_key : keys.front()) : deciding_key;
    if (!k.empty()) {
      res.match.set_rule(StrCat("key:", k[0] == 'e' ? "email" : k[0] == 'p' ? "phone" : "identifier"));
      res.match.set_key(k.substr(2));
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
      auto golden = GoldenEntries(ra, opt_.trusted_sources);
      if (!golden.empty()) cmds.push_back(GoldenCommand(K("cust:" + cid + ":golden"), golden));
      return Pipe(cmds).status();
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
  std::vector<Command> cmds = {{"DEL", K("cust:" + cid + ":golden")}};
  for (const auto& ra : *recs) {
    auto entries = GoldenEntries(ra, opt_.trusted_sources);
    if (!entries.empty()) cmds.push_back(GoldenCommand(K("cust:" + cid + ":golden"), entries));
  }
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
  auto r = Pipe({{"HGETALL", K("cust:" + *cid + ":golden")},
                 {"SMEMBERS", K("cust:" + *cid + ":aliases")},
                 {"LRANGE", K("cust:" + *cid + ":hist"), "0", "-1"},
                 {"EXISTS", K("cust:" + *cid + ":recs")}});
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
