// Resolution of records not seen before, in a fixed number of Redis round
// trips per slice: IdentityIndex::ResolveMany and the reads it makes. The
// rest of the index (merges, unmerges, Apply, lookups) is identity_index.cc.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "common/util/proto_time.h"
#include "common/util/strings.h"
#include "services/dedup/engine/shared_keys.h"
#include "services/dedup/stream/identity_index.h"

namespace crm::dedup {
namespace {

using crm::v1::IdentityEvent;
using redis::Command;
using redis::Reply;

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
using ViewCache = ShardedCache<std::shared_ptr<const RecordView>, 1 << 19>;

ViewCache& Views() {
  static ViewCache cache;
  return cache;
}

}  // namespace

size_t IdentityIndex::ProbeReads(const RecordView& v, std::vector<Command>* out) const {
  const size_t before = out->size();
  out->push_back({"GET", keys_.RecordCustomer(v.record_id)});
  if (!v.keys.empty()) {
    Command holders = {"MGET"}, shared = {"MGET"};
    for (const auto& k : v.keys) {
      holders.push_back(keys_.Key(k));
      shared.push_back(keys_.Shared(k));
    }
    out->push_back(std::move(holders));
    out->push_back(std::move(shared));
  }
  out->push_back({"MGET", keys_.NameFrequency(v.prepared.name.letters), keys_.NameTotal()});
  // Blocking sets are scored by each customer's latest time: the most recent first.
  const std::string last = std::to_string(std::max(1, opt_.candidates_per_key) - 1);
  for (uint64_t h : v.blocking) out->push_back({"ZRANGE", keys_.Block(h), "0", last, "REV"});
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
      if (!p->holder[k].empty() && !p->shared[k]) cmds.push_back({"SMEMBERS", keys_.CustomerNames(p->holder[k])});
    }
  }
  for (size_t q = 0; q < candidates_for.size(); ++q) {
    const Probe* p = candidates_for[q];
    Command aliases = {"MGET"};
    for (const auto& c : p->chosen) {
      hits[q].push_back(cached(c));
      if (hits[q].back().empty()) aliases.push_back(keys_.Alias(c));
    }
    if (aliases.size() == 1) continue;
    cmds.push_back(std::move(aliases));
    for (size_t c = 0; c < p->chosen.size(); ++c) {
      if (hits[q][c].empty()) cmds.push_back(SampleCommand(keys_, p->chosen[c], opt_.records_per_candidate));
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
        auto s = Run(SampleCommand(keys_, owner, opt_.records_per_candidate));
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
  for (const auto& rid : rids) mget.push_back(keys_.Record(rid));
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

Prepared IdentityIndex::WithNameFrequency(const RecordView& view, const Probe& probe) {
  // A common name is weaker evidence: its frequency in the index weighs it.
  Prepared mine = view.prepared;
  const int name_field = IdentityLayout().FieldOf(FieldKind::kName);
  if (name_field >= 0 && probe.name_tf > 0) mine.tf[name_field] = probe.name_tf;
  return mine;
}

IdentityIndex::Candidate IdentityIndex::BestOf(const RecordView& view, const Probe& probe) const {
  Candidate best;
  const Layout& layout = IdentityLayout();
  std::vector<uint8_t> levels(layout.fields().size());
  const Prepared mine = WithNameFrequency(view, probe);
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
  return CustomerOfRecordCommand(keys_, record_id);
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

// What the stages of ResolveMany learn and decide about one distinct new
// record of a slice.
struct IdentityIndex::NewRecord {
  size_t event = 0;  // its first event in the slice
  RecordView view;
  Ask* asked = nullptr;  // probe reads already made with the slice's first round trip
  Probe probe;
  bool done = false;                        // seen before after all (another replica was first)
  std::vector<std::string> keys, holders;   // usable keys (not shared) and who held each at lookup
  std::string deciding;                     // the first held key: it decides the customer
  Candidate candidate;                      // best probabilistic candidate, when no key decides
  bool auto_match = false;                  // the candidate is a sure match
  std::vector<std::string> others;          // other customers holding its keys: the same person
  std::vector<IdentityEvent> decided;       // changes decided for it (published again on a replay)
  Resolution res;
};

absl::StatusOr<std::vector<IdentityIndex::Resolution>> IdentityIndex::ResolveMany(
    const std::vector<const crm::v1::Event*>& events, const std::vector<Ask*>& asks,
    std::vector<IdentityEvent>* changes) {
  std::vector<size_t> first_of;
  std::vector<NewRecord> recs = DistinctNewRecords(events, asks, &first_of);
  if (auto st = ProbeNewRecords(recs); !st.ok()) return st;
  if (auto st = MarkSharedKeys(recs); !st.ok()) return st;
  if (auto st = ScoreCandidates(recs); !st.ok()) return st;
  auto claims = ClaimKeys(recs);
  if (!claims.ok()) return claims.status();
  if (auto st = AssignRecords(recs, events, *claims); !st.ok()) return st;
  if (auto st = MergeHoldersAndQueueReviews(recs); !st.ok()) return st;
  if (auto st = MergeWithinSlice(recs); !st.ok()) return st;
  if (auto st = RememberDecisions(recs); !st.ok()) return st;

  for (auto& r : recs) {
    for (auto& ch : r.decided) changes->push_back(std::move(ch));
  }
  // Repeats of a record share its resolution.
  std::vector<Resolution> out(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    out[i] = recs[first_of[i]].res;
    if (recs[first_of[i]].event == i) continue;
    out[i].match.Clear();
    out[i].match.set_rule("record");
    out[i].match.set_probability(1.0);
    out[i].match.set_matched_record_id(out[i].record_id);
  }
  return out;
}

std::vector<IdentityIndex::NewRecord> IdentityIndex::DistinctNewRecords(const std::vector<const crm::v1::Event*>& events,
                                                                        const std::vector<Ask*>& asks,
                                                                        std::vector<size_t>* first_of) const {
  // One record id may occur several times: each distinct record is resolved once.
  std::vector<NewRecord> recs;
  std::map<std::string, size_t> seen;
  first_of->resize(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& ev = *events[i];
    Ask* ask = asks.empty() ? nullptr : asks[i];
    std::string rid = ask ? ask->record_id : RecordIdOf(ev.identity(), ev.show_id(), ev.edition_id());
    auto [it, fresh] = seen.emplace(rid, recs.size());
    (*first_of)[i] = it->second;
    if (!fresh) continue;
    NewRecord& r = recs.emplace_back();
    r.event = i;
    if (ask && ask->view) {
      r.view = std::move(*ask->view);
      r.asked = ask;
    } else {
      r.view = ViewOf(ev.identity(), ev.show_id(), ev.edition_id(), opt_.region);
    }
  }
  return recs;
}

// Stage 1, up to three round trips (none for reads made with the slice's
// first). Plain reads, pipelined (in a Lua script each command costs several
// microseconds more of Redis time): known after all? who holds each key, is
// it shared? the name's frequency, the recent members of the record's
// blocks. Then the names of key holders, and for a record none of whose keys
// is held, the candidates' survivors with a sample of their records (the
// records the view cache lacks in one more round trip).
absl::Status IdentityIndex::ProbeNewRecords(std::vector<NewRecord>& recs) {
  std::vector<Command> first;
  std::vector<size_t> start(recs.size() + 1);
  for (size_t j = 0; j < recs.size(); ++j) {
    start[j] = first.size();
    if (!recs[j].asked) ProbeReads(recs[j].view, &first);
  }
  start[recs.size()] = first.size();
  std::vector<Reply> r1;
  if (!first.empty()) {
    auto r = Pipe(first);
    if (!r.ok()) return r.status();
    r1 = std::move(*r);
  }
  std::vector<Probe*> names_for, candidates_for;
  for (size_t j = 0; j < recs.size(); ++j) {
    NewRecord& rec = recs[j];
    auto p = rec.asked ? ParseProbe(rec.asked->reads.data(), rec.asked->reads.size(), rec.view)
                       : ParseProbe(r1.data() + start[j], start[j + 1] - start[j], rec.view);
    if (!p.ok()) return p.status();
    rec.probe = std::move(*p);
    if (!rec.probe.known.empty()) {
      auto sv = Survivor(rec.probe.known);
      if (!sv.ok()) return sv.status();
      rec.res.customer_id = *sv;
      rec.res.record_id = rec.view.record_id;
      rec.res.match.set_rule("record");
      rec.res.match.set_probability(1.0);
      rec.res.match.set_matched_record_id(rec.view.record_id);
      Remember(rec.view.record_id);
      rec.done = true;
      continue;
    }
    names_for.push_back(&rec.probe);
    if (!rec.probe.held) candidates_for.push_back(&rec.probe);
  }
  return ReadDetails(names_for, candidates_for);
}

IdentityEvent IdentityIndex::KeySharedEvent(const std::string& key, const std::string& holder,
                                            const std::string& record_id) const {
  IdentityEvent ch;
  ch.set_at_ms(clock_->NowMillis());
  auto* ks = ch.mutable_key_shared();
  ks->set_key(key);
  ks->set_customer_id(holder);
  ks->set_record_id(record_id);
  return ch;
}

// Stage 2, no round trip (writes only for keys found shared): tell a shared
// key (info@, a switchboard) from the person's own by the names of the
// customer holding it, and by the names of this slice's other new records
// using the same unclaimed key.
absl::Status IdentityIndex::MarkSharedKeys(std::vector<NewRecord>& recs) {
  std::set<std::pair<size_t, size_t>> shared;  // (record, key index)
  for (size_t j = 0; j < recs.size(); ++j) {
    NewRecord& rec = recs[j];
    if (rec.done || rec.view.prepared.name.empty()) continue;
    for (size_t k = 0; k < rec.view.keys.size(); ++k) {
      if (rec.probe.shared[k] || rec.probe.holder[k].empty()) continue;
      std::vector<NameValue> holder_names;
      for (const auto& stored : rec.probe.holder_names[k]) holder_names.push_back(ParseStoredName(stored));
      if (FitsHolder(rec.view.prepared.name, holder_names)) continue;
      shared.insert({j, k});
      IdentityEvent ch = KeySharedEvent(rec.view.keys[k], rec.probe.holder[k], rec.view.record_id);
      if (auto st = Apply(ch); !st.ok()) return st;
      rec.decided.push_back(std::move(ch));
    }
  }
  // Two records of this slice with the same new key and clearly different
  // names (colleagues on one switchboard): the key is shared for both.
  std::map<std::string, std::vector<size_t>> users;  // unclaimed key -> records
  for (size_t j = 0; j < recs.size(); ++j) {
    if (recs[j].done) continue;
    for (size_t k = 0; k < recs[j].view.keys.size(); ++k) {
      if (recs[j].probe.holder[k].empty() && !recs[j].probe.shared[k]) users[recs[j].view.keys[k]].push_back(j);
    }
  }
  for (const auto& [key, js] : users) {
    std::vector<const NameValue*> names;
    for (size_t j : js) names.push_back(&recs[j].view.prepared.name);
    if (!KeyIsShared(names)) continue;
    for (size_t j : js) {
      for (size_t k = 0; k < recs[j].view.keys.size(); ++k) {
        if (recs[j].view.keys[k] == key) shared.insert({j, k});
      }
    }
    IdentityEvent ch = KeySharedEvent(key, "", recs[js[1]].view.record_id);
    if (auto st = Apply(ch); !st.ok()) return st;
    recs[js[1]].decided.push_back(std::move(ch));
  }
  for (size_t j = 0; j < recs.size(); ++j) {
    NewRecord& rec = recs[j];
    if (rec.done) continue;
    for (size_t k = 0; k < rec.view.keys.size(); ++k) {
      if (rec.probe.shared[k] || shared.count({j, k})) continue;
      rec.keys.push_back(rec.view.keys[k]);
      rec.holders.push_back(rec.probe.holder[k]);
      if (rec.deciding.empty() && !rec.probe.holder[k].empty()) rec.deciding = rec.view.keys[k];
    }
  }
  return absl::OkStatus();
}

// Stage 3: the best probabilistic candidate of each record none of whose
// keys is held (a held key decides). A record whose held keys all turned out
// shared has its candidates read now (rare).
absl::Status IdentityIndex::ScoreCandidates(std::vector<NewRecord>& recs) {
  std::vector<Probe*> refetch;
  for (auto& rec : recs) {
    if (!rec.done && rec.deciding.empty() && !rec.probe.has_candidates) refetch.push_back(&rec.probe);
  }
  if (!refetch.empty()) {
    if (auto st = ReadDetails({}, refetch); !st.ok()) return st;
  }
  for (auto& rec : recs) {
    if (rec.done || !rec.deciding.empty()) continue;
    rec.candidate = BestOf(rec.view, rec.probe);
    rec.auto_match = !rec.candidate.customer_id.empty() &&
                     ActionFor(rec.candidate.probability, opt_.thresholds()) == MatchAction::kJoin;
  }
  return absl::OkStatus();
}

// Stage 4, one round trip: every record claims its keys atomically, in
// order, so two renderings of one new person in this slice still become one
// customer (a new id for records with no key and no match).
absl::StatusOr<std::vector<ClaimReply>> IdentityIndex::ClaimKeys(const std::vector<NewRecord>& recs) {
  std::vector<Command> cmds;
  // Keys an earlier record of this slice claims first: its name was checked
  // against this one's (MarkSharedKeys), so this record joins it as it would
  // had it come in a later slice.
  // A key unheld at lookup is still name-checked in the claim: another
  // replica may have claimed it for another person since, and then it is
  // held by neither the slice's earlier record nor this one.
  std::map<std::string, std::vector<std::string>> claimed_before;  // key -> name signatures
  for (const auto& rec : recs) {
    if (rec.done) continue;
    ClaimRequest req;
    req.keys = rec.keys;
    req.name_signature = rec.view.prepared.name.empty() ? std::string() : Hex(rec.view.prepared.name.letters);
    for (size_t k = 0; k < rec.keys.size(); ++k) {
      req.unheld_at_lookup.push_back(rec.holders[k].empty());
      auto& sigs = claimed_before[rec.keys[k]];
      req.slice_signatures.push_back(sigs);
      if (!req.name_signature.empty()) sigs.push_back(req.name_signature);
    }
    if (rec.auto_match) {
      req.preferred = rec.candidate.customer_id;
      req.matched_record = rec.candidate.evidence.matched_record_id();
    }
    req.name = StoredName(rec.view.prepared);
    cmds.push_back(ClaimCommand(keys_, req));
  }
  auto replies = Pipe(cmds);
  if (!replies.ok()) return replies.status();
  std::vector<ClaimReply> out;
  for (const auto& reply : *replies) {
    auto c = ParseClaim(keys_, reply);
    if (!c.ok()) return c.status();
    out.push_back(std::move(*c));
  }
  return out;
}

// Stage 5, one round trip: every new record joins its customer. A key
// another replica claimed meanwhile for a differently written name: the same
// person joins (merged by the next stage), another person makes it shared.
absl::Status IdentityIndex::AssignRecords(std::vector<NewRecord>& recs, const std::vector<const crm::v1::Event*>& events,
                                          std::vector<ClaimReply>& claims) {
  std::vector<Command> assign;
  size_t c = 0;
  for (auto& rec : recs) {
    if (rec.done) continue;
    ClaimReply& claim = claims[c++];
    rec.others = std::move(claim.holders);
    for (const auto& u : claim.unverified) {
      if (FitsHolder(rec.view.prepared.name, {ParseStoredName(u.holder_name)})) {
        rec.others.push_back(u.holder);
        continue;
      }
      IdentityEvent ch = KeySharedEvent(u.key, u.holder, rec.view.record_id);
      if (auto st = Apply(ch); !st.ok()) return st;
      rec.decided.push_back(std::move(ch));
    }
    Resolution& res = rec.res;
    res.customer_id = claim.customer_id;
    res.record_id = rec.view.record_id;
    if (rec.auto_match) {
      res.match = rec.candidate.evidence;
    } else {
      res.match.set_rule(claim.created ? "new" : "key");
      res.match.set_probability(claim.created ? 0.0 : 1.0);
      // Which key decided: the first one already held, or (a record earlier
      // in this slice or another replica claimed them first) the first key.
      const std::string& k = rec.deciding.empty() && !rec.keys.empty() ? rec.keys.front() : rec.deciding;
      if (!claim.created && !k.empty()) {
        res.match.set_rule(KeyRule(k));
        res.match.set_key(k.substr(2));
      }
    }
    const auto& event = *events[rec.event];
    IdentityEvent ch;
    ch.set_at_ms(clock_->NowMillis());
    auto* ra = ch.mutable_record_assigned();
    ra->set_record_id(rec.view.record_id);
    ra->set_customer_id(claim.customer_id);
    *ra->mutable_identity() = event.identity();
    ra->set_source_system(event.source().system());
    ra->set_event_id(event.event_id());
    ra->set_occurred_ms(TimestampMillis(event.occurred_at()));
    *ra->mutable_match() = res.match;
    ra->set_show_id(event.show_id());
    ra->set_edition_id(event.edition_id());
    for (auto& cmd : AssignCommands(*ra, rec.view, /*replayed=*/false)) assign.push_back(std::move(cmd));
    Views().Put(rec.view.record_id, std::make_shared<const RecordView>(rec.view));
    opt_.samples->Add(claim.customer_id, rec.view.record_id, opt_.records_per_candidate, claim.created);
    Remember(rec.view.record_id);
    // The assignment comes first among the record's changes.
    rec.decided.insert(rec.decided.begin(), std::move(ch));
  }
  return Pipe(assign).status();
}

// Rare follow-ups, one at a time: keys held by other customers (the same
// person, unless never-merge) and doubtful candidates for review.
absl::Status IdentityIndex::MergeHoldersAndQueueReviews(std::vector<NewRecord>& recs) {
  for (auto& rec : recs) {
    if (rec.done) continue;
    Resolution& res = rec.res;
    for (const auto& other : rec.others) {
      if (other == res.customer_id) continue;
      auto never = IsNeverMerge(res.customer_id, other);
      if (!never.ok()) return never.status();
      if (*never) continue;
      crm::v1::MatchEvidence ev = res.match;
      ev.set_matched_record_id(rec.view.record_id);
      auto m = Merge(res.customer_id, other, ev, "engine", &rec.decided);
      if (!m.ok() && absl::IsFailedPrecondition(m.status())) continue;  // already one (another replica merged them)
      if (!m.ok()) return m.status();
      res.customer_id = m->survivor_id();
    }
    const Candidate& cand = rec.candidate;
    if (rec.auto_match || cand.customer_id.empty() ||
        ActionFor(cand.probability, opt_.thresholds()) != MatchAction::kReview) {
      continue;
    }
    // The candidate's customer now (its sample may have been cached before a merge).
    auto owner = Run(CustomerOfRecord(cand.evidence.matched_record_id()));
    if (!owner.ok()) return owner.status();
    auto sv = owner->is_nil() ? Survivor(cand.customer_id) : absl::StatusOr<std::string>(owner->str);
    if (!sv.ok()) return sv.status();
    if (*sv == res.customer_id) continue;
    // A pair already queued is not queued (nor published) again.
    auto fresh = Run({"EXISTS", keys_.ReviewItem(PairKey(res.customer_id, *sv))});
    if (!fresh.ok()) return fresh.status();
    if (fresh->integer > 0) continue;
    IdentityEvent rq;
    rq.set_at_ms(clock_->NowMillis());
    auto* item = rq.mutable_review_queued();
    item->set_customer_id(res.customer_id);
    item->set_candidate_id(*sv);
    *item->mutable_evidence() = cand.evidence;
    if (auto st = Apply(rq); !st.ok()) return st;
    rec.decided.push_back(std::move(rq));
  }
  return absl::OkStatus();
}

// Records of one new person in this slice that share no key were each scored
// against the index as it was before the slice; compare the new customers
// made here with the slice's earlier records and merge sure matches.
absl::Status IdentityIndex::MergeWithinSlice(std::vector<NewRecord>& recs) {
  const Layout& layout = IdentityLayout();
  std::vector<uint8_t> levels(layout.fields().size());
  for (size_t j = 0; j < recs.size(); ++j) {
    NewRecord& rec = recs[j];
    if (rec.done || rec.res.match.rule() != "new") continue;
    for (size_t j2 = 0; j2 < j; ++j2) {
      const NewRecord& earlier = recs[j2];
      if (earlier.done || earlier.res.customer_id == rec.res.customer_id) continue;
      const auto& a = rec.view.blocking;
      const auto& b = earlier.view.blocking;
      bool share = false;
      for (size_t x = 0, y = 0; x < a.size() && y < b.size() && !share;) {
        if (a[x] == b[y]) share = true;
        else if (a[x] < b[y]) ++x;
        else ++y;
      }
      if (!share) continue;
      // Scored as a candidate would be (BestOf), the name weighed by its frequency.
      const Prepared mine = WithNameFrequency(rec.view, rec.probe);
      Compare(layout, mine, earlier.view.prepared, levels.data());
      double p = model_.Probability(model_.Score(levels.data(), mine));
      if (ActionFor(p, opt_.thresholds()) != MatchAction::kJoin) continue;
      auto never = IsNeverMerge(rec.res.customer_id, earlier.res.customer_id);
      if (!never.ok()) return never.status();
      if (*never) continue;
      crm::v1::MatchEvidence ev =
          Evidence(layout, model_, mine, earlier.view.prepared, earlier.view.record_id, &p);
      auto m = Merge(rec.res.customer_id, earlier.res.customer_id, ev, "engine", &rec.decided);
      if (!m.ok() && absl::IsFailedPrecondition(m.status())) continue;
      if (!m.ok()) return m.status();
      rec.res.customer_id = m->survivor_id();
      rec.res.match = ev;
      break;
    }
  }
  return absl::OkStatus();
}

// One round trip when anything beyond the assignment was decided: the
// changes decided for a record are kept with it, so that a replay of its
// delivery (the batch failed or the service died before it was committed)
// publishes them again (ResolveSlice, IdentityIndex::DecidedChanges).
absl::Status IdentityIndex::RememberDecisions(const std::vector<NewRecord>& recs) {
  std::vector<Command> cmds;
  for (const auto& rec : recs) {
    if (rec.done || rec.decided.size() <= 1) continue;
    Command push = {"RPUSH", keys_.RecordDecisions(rec.view.record_id)};
    for (size_t i = 1; i < rec.decided.size(); ++i) push.push_back(rec.decided[i].SerializeAsString());
    cmds.push_back(std::move(push));
  }
  return Pipe(cmds).status();
}

}  // namespace crm::dedup
