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
// entries. ARGV[1]: preferred customer id or "", ARGV[2]: key prefix,
// ARGV[3]: the record's name signature ("" without a name), ARGV[4]: one
// '0'/'1' per key, '1' for keys nobody held when the record was looked up,
// ARGV[5]: the record's name text (stored with the signature as "<sig>\t<name>"),
// ARGV[6]: the record the preferred customer was matched by ("" none): its
// customer now is preferred (the candidate may have been merged or unmerged
// since it was read).
// Such a key may have been claimed since by another replica for a person of
// another name (colleagues on one switchboard, seen at the same moment): if
// its claimant's signature differs, the key is not used here but returned
// for a name check. Returns {customer, created (0/1), {customers already
// holding a used key...}, {key, holder, holder signature, ...}}.
const redis::Script kClaimScript{R"lua(
local prefix, sig, flags = ARGV[2], ARGV[3], ARGV[4]
local function follow(c)
  for i = 1, 32 do
    local a = redis.call('GET', prefix .. 'alias:' .. c)
    if not a then return c end
    c = a
  end
  return c
end
local found, seen, unverified, use = {}, {}, {}, {}
for i, k in ipairs(KEYS) do
  local c = redis.call('GET', k)
  use[i] = true
  if c then
    local other = redis.call('GET', k .. ':sig')
    if string.sub(flags, i, i) == '1' and sig ~= '' and other and string.match(other, '^[^\t]*') ~= sig then
      use[i] = false
      table.insert(unverified, k)
      table.insert(unverified, c)
      table.insert(unverified, other)
    else
      c = follow(c)
      if not seen[c] then seen[c] = true; table.insert(found, c) end
    end
  end
end
local cid, created = nil, 0
if #found > 0 then
  table.sort(found)
  cid = found[1]
elseif ARGV[1] ~= '' then
  local owner = ARGV[6] ~= '' and redis.call('GET', prefix .. 'rec:' .. ARGV[6] .. ':c') or false
  cid = follow(owner or ARGV[1])
else
  cid = string.format('C%010d', redis.call('INCR', prefix .. 'seq'))
  created = 1
end
for i, k in ipairs(KEYS) do
  if use[i] and redis.call('SET', k, cid, 'NX') and sig ~= '' then
    redis.call('SET', k .. ':sig', sig .. '\t' .. ARGV[5], 'NX')
  end
end
return {cid, created, found, unverified}
)lua"};

// KEYS[1]: a record's customer entry; ARGV[1]: key prefix. The customer's
// survivor (aliases followed), nil for a record not seen before.
const redis::Script kKnownScript{R"lua(
local c = redis.call('GET', KEYS[1])
if not c then return false end
for i = 1, 32 do
  local a = redis.call('GET', ARGV[1] .. 'alias:' .. c)
  if not a then return c end
  c = a
end
return redis.error_reply('alias chain too long at ' .. c)
)lua"};

// ARGV: key prefix, customer id, record id. Adds the record to the
// customer's survivor and points the record at it.
const redis::Script kJoinScript{R"lua(
local prefix, c, rid = ARGV[1], ARGV[2], ARGV[3]
for i = 1, 32 do
  local a = redis.call('GET', prefix .. 'alias:' .. c)
  if not a then break end
  c = a
end
redis.call('SET', prefix .. 'rec:' .. rid .. ':c', c)
redis.call('SADD', prefix .. 'cust:' .. c .. ':recs', rid)
return c
)lua"};

// KEYS[1]: a counter; ARGV[1]: a number it must reach (ids seen in a rebuild).
const redis::Script kRaiseScript{
    "if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) "
    "end return 0"};

Command RaiseCommand(const std::string& counter, long long at_least) {
  Command cmd = kRaiseScript.Call(1);
  cmd.push_back(counter);
  cmd.push_back(std::to_string(at_least));
  return cmd;
}

// KEYS[1]: a key; ARGV: old value, new value. Replaces the value only if it is still the old one.
const redis::Script kReplaceScript{
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) end return 0"};

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
// re-normalizing candidate records on every new record.
using ViewCache = ShardedCache<std::shared_ptr<const RecordView>, 32'768>;

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
// replaced when the new rank sorts first (or equal: the later record). The
// current ranks are read in one call and the winners written in one.
const redis::Script kGoldenScript{R"lua(
local ranks = {}
for i = 1, #ARGV, 3 do ranks[#ranks + 1] = ARGV[i] .. ':rank' end
local cur = redis.call('HMGET', KEYS[1], unpack(ranks))
local set = {}
for j = 1, #ranks do
  local i = 3 * j - 2
  if not cur[j] or ARGV[i + 1] <= cur[j] then
    table.insert(set, ARGV[i]); table.insert(set, ARGV[i + 2])
    table.insert(set, ranks[j]); table.insert(set, ARGV[i + 1])
  end
end
if #set > 0 then redis.call('HSET', KEYS[1], unpack(set)) end
return 0
)lua"};

Command GoldenCommand(const std::string& key, const std::vector<GoldenEntry>& entries) {
  Command cmd = kGoldenScript.Call(1);
  cmd.push_back(key);
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
    : kv_(kv), model_(model), opt_(std::move(options)), prefix_(opt_.prefix) {
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
    auto r = Run({"GET", K("alias:" + cid)});
    if (!r.ok()) return r.status();
    if (r->is_nil()) return cid;
    cid = r->str;
  }
  return absl::InternalError(StrCat("alias chain too long at ", cid));
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
  std::vector<std::string> record_ids;
  for (const auto& e : ids->elements) record_ids.push_back(e.str);
  return StoredRecords(record_ids);
}

size_t IdentityIndex::ProbeReads(const RecordView& v, std::vector<Command>* out) const {
  const size_t before = out->size();
  out->push_back({"GET", K("rec:" + v.record_id + ":c")});
  if (!v.keys.empty()) {
    Command holders = {"MGET"}, shared = {"MGET"};
    for (const auto& k : v.keys) {
      holders.push_back(K("key:" + k));
      shared.push_back(K("shared:" + k));
    }
    out->push_back(std::move(holders));
    out->push_back(std::move(shared));
  }
  out->push_back({"MGET", K("tf:" + Hex(v.prepared.name.letters)), K("tf:total")});
  // Blocking sets are scored by each customer's latest time: the most recent first.
  const std::string last = std::to_string(std::max(1, opt_.candidates_per_key) - 1);
  for (uint64_t h : v.blocking) out->push_back({"ZRANGE", K("blocks:" + Hex(h)), "0", last, "REV"});
  return out->size() - before;
}

absl::StatusOr<IdentityIndex::Probe> IdentityIndex::ParseProbe(const Reply* r, size_t count,
                                                               const RecordView& v) const {
  Probe p;
  const size_t nk = v.keys.size();
  if (count != 2 + (nk ? 2 : 0) + v.blocking.size()) return absl::InternalError("probe: unexpected reply count");
  for (size_t i = 0; i < count; ++i) {
    if (r[i].is_error()) return absl::FailedPreconditionError(StrCat("redis: ", r[i].str));
  }
  size_t i = 0;
  if (!r[i].is_nil()) {
    p.known = r[i].str;  // aliases not followed yet
    return p;
  }
  ++i;
  p.holder.assign(nk, "");
  p.shared.assign(nk, false);
  p.holder_names.assign(nk, {});
  if (nk) {
    const Reply& holders = r[i++];
    const Reply& shared = r[i++];
    if (holders.elements.size() != nk || shared.elements.size() != nk) return absl::InternalError("probe: short MGET");
    for (size_t k = 0; k < nk; ++k) {
      if (!holders.elements[k].is_nil()) p.holder[k] = holders.elements[k].str;
      p.shared[k] = !shared.elements[k].is_nil();
      p.held = p.held || (!p.holder[k].empty() && !p.shared[k]);
    }
  }
  const Reply& tf = r[i++];
  if (tf.elements.size() == 2) {
    double n = tf.elements[0].is_nil() ? 0 : std::atof(tf.elements[0].str.c_str());
    double all = tf.elements[1].is_nil() ? 0 : std::atof(tf.elements[1].str.c_str());
    p.name_tf = all > 0 ? static_cast<float>((n + 1) / (all + 1)) : 0.0f;
  }
  // Candidates: the members read found in the most of the record's blocks, then by id.
  std::unordered_map<std::string, int> shared_blocks;
  for (; i < count; ++i) {
    for (const auto& m : r[i].elements) shared_blocks[m.str]++;
  }
  std::vector<std::pair<int, std::string>> ranked;
  ranked.reserve(shared_blocks.size());
  for (auto& [id, c] : shared_blocks) ranked.emplace_back(-c, id);
  const size_t keep = std::min(ranked.size(), static_cast<size_t>(std::max(0, opt_.max_candidates)));
  std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end());
  for (size_t c = 0; c < keep; ++c) p.chosen.push_back(std::move(ranked[c].second));
  return p;
}

absl::Status IdentityIndex::ReadDetails(const std::vector<Probe*>& names_for, const std::vector<Probe*>& candidates_for) {
  // Candidates whose sample and views are all cached need no reads.
  auto cached = [this](const std::string& cid) {
    std::vector<std::shared_ptr<const RecordView>> views;
    for (const auto& rid : opt_.samples->Find(cid)) {
      auto v = Views().Find(rid);
      if (!v) return std::vector<std::shared_ptr<const RecordView>>();
      views.push_back(std::move(v));
    }
    return views;
  };
  std::vector<std::vector<std::vector<std::shared_ptr<const RecordView>>>> hits(candidates_for.size());
  std::vector<Command> cmds;
  for (const Probe* p : names_for) {
    for (size_t k = 0; k < p->holder.size(); ++k) {
      if (!p->holder[k].empty() && !p->shared[k]) cmds.push_back({"SMEMBERS", K("cust:" + p->holder[k] + ":names")});
    }
  }
  const std::string per_candidate = std::to_string(opt_.records_per_candidate);
  for (size_t q = 0; q < candidates_for.size(); ++q) {
    const Probe* p = candidates_for[q];
    Command aliases = {"MGET"};
    for (const auto& c : p->chosen) {
      hits[q].push_back(cached(c));
      if (hits[q].back().empty()) aliases.push_back(K("alias:" + c));
    }
    if (aliases.size() == 1) continue;
    cmds.push_back(std::move(aliases));
    for (size_t c = 0; c < p->chosen.size(); ++c) {
      if (hits[q][c].empty()) cmds.push_back({"SRANDMEMBER", K("cust:" + p->chosen[c] + ":recs"), per_candidate});
    }
  }
  std::vector<Reply> r;
  if (!cmds.empty()) {
    auto replies = Pipe(cmds);
    if (!replies.ok()) return replies.status();
    r = std::move(*replies);
  }
  size_t i = 0;
  auto strings = [](const Reply& reply) {
    std::vector<std::string> out;
    for (const auto& e : reply.elements) out.push_back(e.str);
    return out;
  };
  for (Probe* p : names_for) {
    for (size_t k = 0; k < p->holder.size(); ++k) {
      if (!p->holder[k].empty() && !p->shared[k]) p->holder_names[k] = strings(r[i++]);
    }
  }
  for (size_t q = 0; q < candidates_for.size(); ++q) {
    Probe* p = candidates_for[q];
    p->has_candidates = true;
    const size_t misses = std::count_if(hits[q].begin(), hits[q].end(), [](const auto& h) { return h.empty(); });
    const Reply* aliases = misses ? &r[i++] : nullptr;
    if (aliases && aliases->elements.size() != misses) return absl::InternalError("MGET: short reply");
    std::set<std::string> owners;
    for (size_t c = 0, m = 0; c < p->chosen.size(); ++c) {
      std::string owner = p->chosen[c];
      if (!hits[q][c].empty()) {  // cached (maybe merged away since: the claim follows the matched record)
        if (owners.insert(owner).second) p->owners.emplace_back(owner, std::move(hits[q][c]));
        continue;
      }
      std::vector<std::string> rids = strings(r[i++]);
      const Reply& alias = aliases->elements[m++];
      if (!alias.is_nil()) {
        // Merged away since it was indexed (rare): its survivor's records.
        auto sv = Survivor(alias.str);
        if (!sv.ok()) return sv.status();
        owner = *sv;
        if (owners.count(owner)) continue;
        auto s = Run({"SRANDMEMBER", K("cust:" + owner + ":recs"), per_candidate});
        if (!s.ok()) return s.status();
        rids = strings(*s);
      }
      if (!owners.insert(owner).second) continue;
      opt_.samples->Put(owner, rids);
      const size_t at = p->owners.size();
      p->owners.emplace_back().first = owner;
      for (auto& rid : rids) {
        if (auto v = Views().Find(rid)) {
          p->owners[at].second.push_back(std::move(v));
        } else {
          p->missing.emplace_back(at, std::move(rid));
        }
      }
    }
  }
  return FillViews(candidates_for);
}

absl::Status IdentityIndex::FillViews(const std::vector<Probe*>& probes) {
  std::vector<std::string> rids;
  for (const Probe* p : probes) {
    for (const auto& [owner, rid] : p->missing) rids.push_back(rid);
  }
  if (rids.empty()) return absl::OkStatus();
  std::sort(rids.begin(), rids.end());
  rids.erase(std::unique(rids.begin(), rids.end()), rids.end());
  Command mget = {"MGET"};
  for (const auto& rid : rids) mget.push_back(K("rec:" + rid));
  auto r = Run(mget);
  if (!r.ok()) return r.status();
  if (r->elements.size() != rids.size()) return absl::InternalError("MGET: short reply");
  std::unordered_map<std::string, std::shared_ptr<const RecordView>> read;
  for (size_t i = 0; i < rids.size(); ++i) {
    crm::v1::RecordAssigned ra;
    if (r->elements[i].is_nil() || !ra.ParseFromString(r->elements[i].str)) continue;  // unmerged away meanwhile
    auto v = std::make_shared<const RecordView>(ViewOf(ra.identity(), ra.show_id(), ra.edition_id(), opt_.region));
    Views().Put(rids[i], v);
    read.emplace(rids[i], std::move(v));
  }
  for (Probe* p : probes) {
    for (const auto& [owner, rid] : p->missing) {
      auto it = read.find(rid);
      if (it != read.end()) p->owners[owner].second.push_back(it->second);
    }
    p->missing.clear();
  }
  return absl::OkStatus();
}

IdentityIndex::Candidate IdentityIndex::BestOf(const RecordView& view, const Probe& probe) const {
  Candidate best;
  const Layout& layout = IdentityLayout();
  const int name_field = layout.FieldOf(FieldKind::kName);
  std::vector<uint8_t> levels(layout.fields().size());
  Prepared mine = view.prepared;
  if (name_field >= 0 && probe.name_tf > 0) mine.tf[name_field] = probe.name_tf;
  double best_score = -1e300;
  const RecordView* best_view = nullptr;
  for (const auto& [owner, records] : probe.owners) {
    for (const auto& other : records) {
      Compare(layout, mine, other->prepared, levels.data());
      double score = model_.Score(levels.data(), mine);
      if (score > best_score) {
        best_score = score;
        best.customer_id = owner;
        best_view = other.get();
      }
    }
  }
  // Evidence is written out for the best pair only.
  if (best_view) {
    best.evidence = Evidence(layout, model_, mine, best_view->prepared, best_view->record_id, &best.probability);
  }
  return best;
}

absl::StatusOr<std::vector<crm::v1::RecordAssigned>> IdentityIndex::StoredRecords(
    const std::vector<std::string>& record_ids) {
  // In record id order, each once.
  std::set<std::string> unique(record_ids.begin(), record_ids.end());
  std::vector<crm::v1::RecordAssigned> out;
  if (unique.empty()) return out;
  Command mget = {"MGET"};
  for (const auto& rid : unique) mget.push_back(K("rec:" + rid));
  auto r = Run(mget);
  if (!r.ok()) return r.status();
  for (const auto& v : r->elements) {
    crm::v1::RecordAssigned ra;
    if (!v.is_nil() && ra.ParseFromString(v.str)) out.push_back(std::move(ra));
  }
  return out;
}

bool IdentityIndex::Recent(const std::string& record_id) const {
  std::lock_guard l(recent_mu_);
  return recent_.count(Fnv1a(record_id)) > 0;
}

void IdentityIndex::Remember(const std::string& record_id) const {
  constexpr size_t kRecent = 1 << 18;
  std::lock_guard l(recent_mu_);
  if (recent_.size() >= kRecent) recent_.clear();
  recent_.insert(Fnv1a(record_id));
}

Command IdentityIndex::CustomerOfRecord(const std::string& record_id) const {
  Command cmd = kKnownScript.Call(1);
  cmd.insert(cmd.end(), {K("rec:" + record_id + ":c"), prefix_});
  return cmd;
}

IdentityIndex::Ask IdentityIndex::AskCommands(const crm::v1::Event& event, const std::string& record_id,
                                              std::vector<Command>* out) const {
  Ask ask;
  ask.record_id = record_id;
  ask.at = out->size();
  out->push_back(CustomerOfRecord(record_id));
  if (!Recent(record_id)) {
    ask.view = ViewOf(event.identity(), event.show_id(), event.edition_id(), opt_.region);
    ProbeReads(*ask.view, out);
  }
  ask.count = out->size() - ask.at;
  return ask;
}

absl::StatusOr<std::string> IdentityIndex::ParseKnown(Ask& ask, std::vector<Reply>& replies) const {
  if (ask.at + ask.count > replies.size()) return absl::InternalError("known: short pipeline reply");
  const Reply& reply = replies[ask.at];
  if (reply.is_error()) return absl::FailedPreconditionError(StrCat("redis: ", reply.str));
  if (!reply.is_nil()) {
    Remember(ask.record_id);
    return reply.str;
  }
  for (size_t i = 1; i < ask.count; ++i) ask.reads.push_back(std::move(replies[ask.at + i]));
  return std::string();
}

absl::StatusOr<std::vector<IdentityIndex::Resolution>> IdentityIndex::ResolveMany(
    const std::vector<const crm::v1::Event*>& events, const std::vector<Ask*>& asks,
    std::vector<IdentityEvent>* changes) {
  const size_t total = events.size();
  std::vector<Resolution> out(total);
  // One record id may occur several times: resolve each distinct record once.
  std::vector<size_t> first_of(total);
  std::vector<size_t> uniq;  // event indices of distinct records
  {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < total; ++i) {
      std::string rid = RecordIdOf(events[i]->identity(), events[i]->show_id(), events[i]->edition_id());
      auto [it, fresh] = seen.emplace(rid, i);
      first_of[i] = it->second;
      if (fresh) uniq.push_back(i);
    }
  }
  const size_t n = uniq.size();
  std::vector<RecordView> views(n);
  std::vector<Ask*> asked(n, nullptr);  // probe reads already made
  for (size_t j = 0; j < n; ++j) {
    Ask* ask = asks.empty() ? nullptr : asks[uniq[j]];
    if (ask && ask->view) {
      views[j] = std::move(*ask->view);
      asked[j] = ask;
      continue;
    }
    const auto& ev = *events[uniq[j]];
    views[j] = ViewOf(ev.identity(), ev.show_id(), ev.edition_id(), opt_.region);
  }

  // Stage 1, two round trips. Plain reads, pipelined (in a Lua script each
  // command costs several microseconds more of Redis time): known after all
  // (another replica was first)? who holds each key, is it shared? the
  // name's frequency, and the recent members of the record's blocks. Then
  // the names of key holders, and for a record none of whose keys is held,
  // the candidates' survivors with a sample of their records (the records
  // the view cache lacks in one more round trip).
  std::vector<Command> first;
  std::vector<size_t> start(n + 1);
  for (size_t j = 0; j < n; ++j) {
    start[j] = first.size();
    if (!asked[j]) ProbeReads(views[j], &first);
  }
  start[n] = first.size();
  std::vector<Reply> r1;
  if (!first.empty()) {
    auto r = Pipe(first);
    if (!r.ok()) return r.status();
    r1 = std::move(*r);
  }
  std::vector<Probe> probes(n);
  std::vector<bool> done(n, false);
  auto known = [&](size_t j, const std::string& customer) -> absl::Status {
    auto sv = Survivor(customer);
    if (!sv.ok()) return sv.status();
    Resolution& res = out[uniq[j]];
    res.customer_id = *sv;
    res.record_id = views[j].record_id;
    res.match.set_rule("record");
    res.match.set_probability(1.0);
    res.match.set_matched_record_id(views[j].record_id);
    Remember(views[j].record_id);
    done[j] = true;
    return absl::OkStatus();
  };
  std::vector<Probe*> names_for, candidates_for;
  for (size_t j = 0; j < n; ++j) {
    auto p = asked[j] ? ParseProbe(asked[j]->reads.data(), asked[j]->reads.size(), views[j])
                      : ParseProbe(r1.data() + start[j], start[j + 1] - start[j], views[j]);
    if (!p.ok()) return p.status();
    probes[j] = std::move(*p);
    if (!probes[j].known.empty()) {
      if (auto st = known(j, probes[j].known); !st.ok()) return st;
      continue;
    }
    names_for.push_back(&probes[j]);
    if (!probes[j].held) candidates_for.push_back(&probes[j]);
  }
  if (auto st = ReadDetails(names_for, candidates_for); !st.ok()) return st;

  // Stage 2, no round trip: tell a shared key (info@, a switchboard) from
  // the person's own by the names of the customer holding it.
  std::vector<std::vector<std::string>> keys(n), holders(n);
  {
    std::set<std::pair<size_t, size_t>> shared;
    for (size_t j = 0; j < n; ++j) {
      if (done[j] || views[j].prepared.name.empty()) continue;
      const RecordView& v = views[j];
      for (size_t k = 0; k < v.keys.size(); ++k) {
        if (probes[j].shared[k] || probes[j].holder[k].empty()) continue;
        bool compatible = probes[j].holder_names[k].empty();
        for (const auto& nm : probes[j].holder_names[k]) {
          // Stored as "<tokens>/<han>": the characters when there are any.
          auto slash = nm.find('/');
          std::string han = slash == std::string::npos ? std::string() : nm.substr(slash + 1);
          NameValue other = PrepareName(han.empty() ? nm.substr(0, slash) : han);
          if (CompareNames(v.prepared.name, other) != kNameDifferent) compatible = true;
        }
        if (compatible) continue;
        shared.insert({j, k});
        IdentityEvent ch;
        ch.set_at_ms(NowMs());
        auto* ks = ch.mutable_key_shared();
        ks->set_key(v.keys[k]);
        ks->set_customer_id(probes[j].holder[k]);
        ks->set_record_id(v.record_id);
        if (auto st = Apply(ch); !st.ok()) return st;
        changes->push_back(std::move(ch));
      }
    }
    // Two records of this batch with the same new key and clearly different
    // names (colleagues on one switchboard): the key is shared for both.
    {
      std::map<std::string, std::vector<size_t>> users;  // unclaimed key -> records
      for (size_t j = 0; j < n; ++j) {
        if (done[j]) continue;
        for (size_t k = 0; k < views[j].keys.size(); ++k) {
          if (probes[j].holder[k].empty() && !probes[j].shared[k]) users[views[j].keys[k]].push_back(j);
        }
      }
      for (const auto& [key, js] : users) {
        bool conflict = false;
        for (size_t x = 0; x < js.size() && !conflict; ++x) {
          for (size_t y = x + 1; y < js.size() && !conflict; ++y) {
            const auto& na = views[js[x]].prepared.name;
            const auto& nb = views[js[y]].prepared.name;
            conflict = !na.empty() && !nb.empty() && CompareNames(na, nb) == kNameDifferent;
          }
        }
        if (!conflict) continue;
        for (size_t j : js) {
          for (size_t k = 0; k < views[j].keys.size(); ++k) {
            if (views[j].keys[k] == key) shared.insert({j, k});
          }
        }
        IdentityEvent ch;
        ch.set_at_ms(NowMs());
        auto* ks = ch.mutable_key_shared();
        ks->set_key(key);
        ks->set_record_id(views[js[1]].record_id);
        if (auto st = Apply(ch); !st.ok()) return st;
        changes->push_back(std::move(ch));
      }
    }
    for (size_t j = 0; j < n; ++j) {
      if (done[j]) continue;
      for (size_t k = 0; k < views[j].keys.size(); ++k) {
        if (probes[j].shared[k] || shared.count({j, k})) continue;
        keys[j].push_back(views[j].keys[k]);
        holders[j].push_back(probes[j].holder[k]);
      }
    }
  }

  // Stage 3: the best probabilistic candidate of each record none of whose
  // keys is held (a held key decides). A record whose held keys all turned
  // out shared has its candidates read now (rare).
  std::vector<std::string> deciding(n);
  std::vector<size_t> again;
  for (size_t j = 0; j < n; ++j) {
    if (done[j]) continue;
    for (size_t k = 0; k < keys[j].size(); ++k) {
      if (!holders[j][k].empty()) {
        deciding[j] = keys[j][k];
        break;
      }
    }
    if (deciding[j].empty() && !probes[j].has_candidates) again.push_back(j);
  }
  if (!again.empty()) {
    std::vector<Probe*> refetch;
    for (size_t j : again) refetch.push_back(&probes[j]);
    if (auto st = ReadDetails({}, refetch); !st.ok()) return st;
  }
  std::vector<Candidate> candidate(n);
  for (size_t j = 0; j < n; ++j) {
    if (!done[j] && deciding[j].empty()) candidate[j] = BestOf(views[j], probes[j]);
  }

  // Stage 4, one round trip: claim keys atomically, in order (a new id for
  // records with no key and no match).
  std::vector<Command> claims;
  std::vector<size_t> claimed;
  std::vector<bool> auto_match(n, false);
  for (size_t j = 0; j < n; ++j) {
    if (done[j]) continue;
    auto_match[j] = !candidate[j].customer_id.empty() && candidate[j].probability >= opt_.upper;
    Command cmd = kClaimScript.Call(keys[j].size());
    std::string flags;
    for (size_t k = 0; k < keys[j].size(); ++k) {
      cmd.push_back(K("key:" + keys[j][k]));
      flags += holders[j][k].empty() ? '1' : '0';
    }
    cmd.push_back(auto_match[j] ? candidate[j].customer_id : "");
    cmd.push_back(prefix_);
    cmd.push_back(views[j].prepared.name.empty() ? std::string() : Hex(views[j].prepared.name.letters));
    cmd.push_back(flags);
    cmd.push_back(NameText(views[j].prepared));
    cmd.push_back(auto_match[j] ? candidate[j].evidence.matched_record_id() : "");
    claims.push_back(std::move(cmd));
    claimed.push_back(j);
  }
  auto rc = Pipe(claims);
  if (!rc.ok()) return rc.status();

  // Stage 5, one round trip: every new record joins its customer.
  std::vector<Command> assign;
  std::vector<std::vector<std::string>> others(n);
  for (size_t c = 0; c < claimed.size(); ++c) {
    size_t j = claimed[c];
    const Reply& reply = (*rc)[c];
    if (reply.elements.size() < 4) return absl::InternalError("claim script: short reply");
    const std::string cid = reply.elements[0].str;
    const bool created = reply.elements[1].integer == 1;
    for (const auto& e : reply.elements[2].elements) others[j].push_back(e.str);
    // Keys another replica claimed meanwhile for a differently written name:
    // the same person joins (merge below), another person makes the key shared.
    const auto& unverified = reply.elements[3].elements;
    for (size_t u = 0; u + 2 < unverified.size(); u += 3) {
      const std::string holder = unverified[u + 1].str;
      // The claimant's name as it claimed the key ("<sig>\t<tokens>/<han>").
      const std::string& stored = unverified[u + 2].str;
      std::string text = stored.substr(std::min(stored.size(), stored.find('\t') + 1));
      auto slash = text.find('/');
      std::string han = slash == std::string::npos ? std::string() : text.substr(slash + 1);
      NameValue other = PrepareName(han.empty() ? text.substr(0, slash) : han);
      bool compatible = other.empty() || CompareNames(views[j].prepared.name, other) != kNameDifferent;
      if (compatible) {
        others[j].push_back(holder);
        continue;
      }
      IdentityEvent ch;
      ch.set_at_ms(NowMs());
      auto* ks = ch.mutable_key_shared();
      ks->set_key(unverified[u].str.substr(K("key:").size()));
      ks->set_customer_id(holder);
      ks->set_record_id(views[j].record_id);
      if (auto st = Apply(ch); !st.ok()) return st;
      changes->push_back(std::move(ch));
    }
    Resolution& res = out[uniq[j]];
    res.customer_id = cid;
    res.record_id = views[j].record_id;
    if (auto_match[j] && deciding[j].empty()) {
      res.match = candidate[j].evidence;
    } else {
      res.match.set_rule(created ? "new" : "key");
      res.match.set_probability(created ? 0.0 : 1.0);
      // Which key decided: the first one already held, or (a record earlier
      // in this batch or another replica claimed them first) the first key.
      const std::string& k = deciding[j].empty() && !keys[j].empty() ? keys[j].front() : deciding[j];
      if (!created && !k.empty()) {
        res.match.set_rule(StrCat("key:", k[0] == 'e' ? "email" : k[0] == 'p' ? "phone" : "identifier"));
        res.match.set_key(k.substr(2));
      }
    }
    const auto& event = *events[uniq[j]];
    IdentityEvent ch;
    ch.set_at_ms(NowMs());
    auto* ra = ch.mutable_record_assigned();
    ra->set_record_id(views[j].record_id);
    ra->set_customer_id(cid);
    *ra->mutable_identity() = event.identity();
    ra->set_source_system(event.source().system());
    ra->set_event_id(event.event_id());
    ra->set_occurred_ms(TimestampMillis(event.occurred_at()));
    *ra->mutable_match() = res.match;
    ra->set_show_id(event.show_id());
    ra->set_edition_id(event.edition_id());
    auto cmds = AssignCommands(*ra, views[j], /*replayed=*/false);
    Views().Put(views[j].record_id, std::make_shared<const RecordView>(views[j]));
    opt_.samples->Add(cid, views[j].record_id, opt_.records_per_candidate, created);
    Remember(views[j].record_id);
    for (auto& cmd : cmds) assign.push_back(std::move(cmd));
    changes->push_back(std::move(ch));
  }
  if (auto r = Pipe(assign); !r.ok()) return r.status();

  // Rare follow-ups, one at a time: keys held by other customers (the same
  // person, unless never-merge) and doubtful candidates for review.
  for (size_t j : claimed) {
    Resolution& res = out[uniq[j]];
    for (const auto& other : others[j]) {
      if (other == res.customer_id) continue;
      auto never = IsNeverMerge(res.customer_id, other);
      if (!never.ok()) return never.status();
      if (*never) continue;
      crm::v1::MatchEvidence ev = res.match;
      ev.set_matched_record_id(views[j].record_id);
      auto m = Merge(res.customer_id, other, ev, "engine", changes);
      if (!m.ok() && absl::IsFailedPrecondition(m.status())) continue;  // already one (another replica merged them)
      if (!m.ok()) return m.status();
      res.customer_id = m->survivor_id();
    }
    const Candidate& cand = candidate[j];
    if (!auto_match[j] && !cand.customer_id.empty() && cand.probability >= opt_.lower) {
      // The candidate's customer now (its sample may have been cached before a merge).
      auto owner = Run(CustomerOfRecord(cand.evidence.matched_record_id()));
      if (!owner.ok()) return owner.status();
      auto sv = owner->is_nil() ? Survivor(cand.customer_id) : absl::StatusOr<std::string>(owner->str);
      if (!sv.ok()) return sv.status();
      if (*sv == res.customer_id) continue;
      IdentityEvent rq;
      rq.set_at_ms(NowMs());
      auto* item = rq.mutable_review_queued();
      item->set_customer_id(res.customer_id);
      item->set_candidate_id(*sv);
      *item->mutable_evidence() = cand.evidence;
      if (auto st = Apply(rq); !st.ok()) return st;
      changes->push_back(std::move(rq));
    }
  }
  // Records of one new person in this batch that share no key were each
  // scored against the index as it was before the batch; compare the new
  // customers made here with the batch's earlier records and merge sure matches.
  const Layout& layout = IdentityLayout();
  std::vector<uint8_t> levels(layout.fields().size());
  for (size_t c = 0; c < claimed.size(); ++c) {
    size_t j = claimed[c];
    Resolution& res = out[uniq[j]];
    if (res.match.rule() != "new") continue;
    for (size_t c2 = 0; c2 < c; ++c2) {
      size_t j2 = claimed[c2];
      const Resolution& earlier = out[uniq[j2]];
      if (earlier.customer_id == res.customer_id) continue;
      const auto& a = views[j].blocking;
      const auto& b = views[j2].blocking;
      bool share = false;
      for (size_t x = 0, y = 0; x < a.size() && y < b.size() && !share;) {
        if (a[x] == b[y]) share = true;
        else if (a[x] < b[y]) ++x;
        else ++y;
      }
      if (!share) continue;
      Compare(layout, views[j].prepared, views[j2].prepared, levels.data());
      if (model_.Probability(model_.Score(levels.data(), views[j].prepared)) < opt_.upper) continue;
      auto never = IsNeverMerge(res.customer_id, earlier.customer_id);
      if (!never.ok()) return never.status();
      if (*never) continue;
      double p = 0;
      crm::v1::MatchEvidence ev = Evidence(layout, model_, views[j].prepared, views[j2].prepared, views[j2].record_id, &p);
      auto m = Merge(res.customer_id, earlier.customer_id, ev, "engine", changes);
      if (!m.ok() && absl::IsFailedPrecondition(m.status())) continue;
      if (!m.ok()) return m.status();
      res.customer_id = m->survivor_id();
      res.match = ev;
      break;
    }
  }

  // Repeats of a record share its resolution.
  for (size_t i = 0; i < total; ++i) {
    if (first_of[i] == i) continue;
    out[i] = out[first_of[i]];
    out[i].match.Clear();
    out[i].match.set_rule("record");
    out[i].match.set_probability(1.0);
    out[i].match.set_matched_record_id(out[i].record_id);
  }
  return out;
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
  // The engine may merge a customer another replica has just claimed keys
  // for but not yet written records to; people may only merge existing ones.
  if (actor != "engine" && ((*exists)[0].integer == 0 || (*exists)[1].integer == 0)) {
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

std::vector<Command> IdentityIndex::AssignCommands(const crm::v1::RecordAssigned& ra, const RecordView& view,
                                                   bool replayed) const {
  const std::string& cid = ra.customer_id();
  // The record joins the customer's survivor: a concurrent merge may have
  // made `cid` an alias since it was claimed.
  std::vector<Command> cmds = {
      {"SET", K("rec:" + ra.record_id()), ra.SerializeAsString()},
      kJoinScript.Call(0),
  };
  cmds.back().insert(cmds.back().end(), {prefix_, cid, ra.record_id()});
  // During a rebuild the counter must pass every id seen (live, the claim
  // script drew the id from it).
  if (replayed && cid.size() == 11 && cid[0] == 'C') {
    cmds.push_back(RaiseCommand(K("seq"), std::atoll(cid.c_str() + 1)));
  }
  if (!view.prepared.name.empty()) {
    cmds.push_back({"SADD", K("cust:" + cid + ":names"), NameText(view.prepared)});
    cmds.push_back({"INCR", K("tf:" + Hex(view.prepared.name.letters))});
    cmds.push_back({"INCR", K("tf:total")});
  }
  // Live, the claim script has set the keys it could use (not shared ones,
  // nor keys another person of another name holds).
  if (replayed) {
    for (const auto& k : view.keys) cmds.push_back({"SET", K("key:" + k), cid, "NX"});
  }
  // Blocking sets keep each customer's latest time: a probe reads the most
  // recent members, however large the set (a very common name).
  for (uint64_t h : view.blocking) {
    cmds.push_back({"ZADD", K("blocks:" + Hex(h)), "GT", std::to_string(ra.occurred_ms()), cid});
  }
  auto golden = GoldenEntries(ra, opt_.trusted_sources);
  if (!golden.empty()) cmds.push_back(GoldenCommand(K("cust:" + cid + ":golden"), golden));
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
      std::vector<Command> cmds = {
          {"SET", K("merge:" + m.merge_id()), m.SerializeAsString()},
          // During a rebuild the merge counter must pass every id seen.
          RaiseCommand(K("mergeseq"), std::atoll(m.merge_id().c_str() + 1)),
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
          Command cmd = kReplaceScript.Call(1);
          cmd.insert(cmd.end(), {K("key:" + k), m.merged_id(), m.survivor_id()});
          keys.push_back(std::move(cmd));
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
