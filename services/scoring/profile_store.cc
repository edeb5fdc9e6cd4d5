#include "services/scoring/profile_store.h"

#include <cstdlib>

#include "common/config/config.h"
#include "common/util/strings.h"
#include "services/scoring/domain/booth_leads.h"
#include "services/scoring/domain/segments.h"

namespace crm::scoring {

namespace {

// Sets a record's home unless one with a smaller customer id is there (two
// assignments that disagree resolve the same in any order); returns the
// previous home and the hint, so both customers are re-evaluated. The
// assignment (the identity as written) is kept with the home it set.
const redis::Script kAssign(R"lua(
local old = redis.call('HGET', KEYS[1], 'home')
if (not old) or ARGV[1] <= old then redis.call('HSET', KEYS[1], 'home', ARGV[1], 'assigned', ARGV[2]) end
local hint = redis.call('HGET', KEYS[1], 'hint')
return {old or '', hint or ''}
)lua");

// Removes a merged customer's alias only if it is the alias of this merge.
const redis::Script kUnalias(R"lua(
local v = redis.call('GET', KEYS[1])
if v and v == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
)lua");

// Keeps a lead's latest scan at a booth (by version) and the booth's counts
// of leads (n) and hot leads (hot). ARGV: lead id, version, rating, hot
// rating. A scan not newer than the kept one (a replay, an earlier upload)
// changes nothing.
const redis::Script kLead(R"lua(
local vf, rf = 'v:' .. ARGV[1], 'r:' .. ARGV[1]
local old = redis.call('HGET', KEYS[1], vf)
if old and old >= ARGV[2] then return 0 end
local hot = tonumber(ARGV[3]) >= tonumber(ARGV[4])
local was = false
if old then
  was = tonumber(redis.call('HGET', KEYS[1], rf)) >= tonumber(ARGV[4])
else
  redis.call('HINCRBY', KEYS[1], 'n', 1)
end
if hot and not was then redis.call('HINCRBY', KEYS[1], 'hot', 1) end
if was and not hot then redis.call('HINCRBY', KEYS[1], 'hot', -1) end
redis.call('HSET', KEYS[1], vf, ARGV[2], rf, ARGV[3])
return 1
)lua");

}  // namespace

absl::StatusOr<std::vector<redis::Reply>> ProfileStore::Pipeline(const std::vector<redis::Command>& cmds) {
  if (cmds.empty()) return std::vector<redis::Reply>{};
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < replies->size(); ++i) {
    if ((*replies)[i].is_error()) {
      return absl::InternalError(StrCat("redis: ", cmds[i][0], ": ", (*replies)[i].str));
    }
  }
  return replies;
}

absl::StatusOr<std::set<std::string>> ProfileStore::Apply(const std::vector<FactInput>& facts,
                                                          const std::vector<crm::v1::IdentityEvent>& changes) {
  std::set<std::string> dirty;
  std::vector<redis::Command> cmds;
  // Replies naming customers to re-evaluate: a fact's record may be homed
  // elsewhere than the customer its event named (dedup named the survivor of
  // a merge that was later undone, or the assignment is not seen yet).
  std::vector<size_t> owner_replies;
  // Booths that got a scan in this batch: their booking records are read
  // once each, after every lead of the batch is written.
  std::set<std::string> scanned_booths;
  std::vector<size_t> booking_replies;
  // Customers whose root a merge or unmerge changed: so did the root of
  // every customer merged into them, whose alias profile names that root.
  std::vector<std::string> rerooted;
  for (const auto& in : facts) {
    const std::string rk = RecordKey(in.record_id);
    cmds.push_back({"HSET", rk, "f:" + in.fact.event_id(), in.fact.SerializeAsString()});
    cmds.push_back({"HSETNX", rk, "hint", in.customer_id});
    owner_replies.push_back(cmds.size());
    cmds.push_back({"HMGET", rk, "home", "hint"});
    cmds.push_back({"SADD", CustomerKey(in.customer_id, "recs"), in.record_id});
    dirty.insert(in.customer_id);
    // Booth scans count for whoever booked the booth: the lead is kept at
    // the booth first, then the booth's booking records are read, so a
    // booking written meanwhile either is read here or reads the lead when
    // its customer is rebuilt. A booking adds its record to the booth's
    // after the record's hint is set.
    if (auto lead = BoothLeadOf(in.fact)) {
      auto c = kLead.Call(1);
      c.push_back(BoothKey(lead->booth));
      c.push_back(lead->lead_id);
      c.push_back(lead->version);
      c.push_back(std::to_string(lead->rating));
      c.push_back(std::to_string(kHotLeadRating));
      cmds.push_back(std::move(c));
      scanned_booths.insert(BoothKey(lead->booth));
    }
    if (auto booth = BookedBoothOf(in.fact)) cmds.push_back({"SADD", BoothKey(*booth) + ":bookings", in.record_id});
  }
  for (const auto& booth : scanned_booths) {
    booking_replies.push_back(cmds.size());
    cmds.push_back({"SMEMBERS", booth + ":bookings"});
  }
  for (const auto& ch : changes) {
    switch (ch.change_case()) {
      case crm::v1::IdentityEvent::kRecordAssigned: {
        const auto& a = ch.record_assigned();
        auto c = kAssign.Call(1);
        c.push_back(RecordKey(a.record_id()));
        c.push_back(a.customer_id());
        c.push_back(a.SerializeAsString());
        owner_replies.push_back(cmds.size());
        cmds.push_back(std::move(c));
        cmds.push_back({"SADD", CustomerKey(a.customer_id(), "recs"), a.record_id()});
        dirty.insert(a.customer_id());
        break;
      }
      case crm::v1::IdentityEvent::kMerged: {
        const auto& m = ch.merged();
        rerooted.push_back(m.merged_id());
        cmds.push_back({"SET", CustomerKey(m.merged_id(), "alias"), m.survivor_id() + "|" + m.merge_id()});
        cmds.push_back({"SADD", CustomerKey(m.survivor_id(), "absorbed"), m.merged_id()});
        dirty.insert(m.survivor_id());
        dirty.insert(m.merged_id());
        break;
      }
      case crm::v1::IdentityEvent::kUnmerged: {
        const auto& u = ch.unmerged();
        rerooted.push_back(u.restored_id());
        auto c = kUnalias.Call(1);
        c.push_back(CustomerKey(u.restored_id(), "alias"));
        c.push_back(u.survivor_id() + "|" + u.merge_id());
        cmds.push_back(std::move(c));
        cmds.push_back({"SREM", CustomerKey(u.survivor_id(), "absorbed"), u.restored_id()});
        dirty.insert(u.survivor_id());
        dirty.insert(u.restored_id());
        break;
      }
      default: break;
    }
  }
  auto replies = Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  // A record's home and hint are both re-evaluated (the one it does not
  // belong to rebuilds a profile that does not change).
  auto add_owners = [&](const redis::Reply& r) {
    for (const auto& e : r.elements)
      if (!e.is_nil() && !e.str.empty()) dirty.insert(e.str);
  };
  for (size_t i : owner_replies) add_owners((*replies)[i]);
  // The customers of the booking records of booths that got scans.
  std::set<std::string> booking_records;
  for (size_t i : booking_replies)
    for (const auto& e : (*replies)[i].elements) booking_records.insert(e.str);
  if (!booking_records.empty()) {
    std::vector<redis::Command> homes;
    for (const auto& rid : booking_records) homes.push_back({"HMGET", RecordKey(rid), "home", "hint"});
    auto owners = Pipeline(homes);
    if (!owners.ok()) return owners.status();
    for (const auto& r : *owners) add_owners(r);
  }
  // Every customer ever absorbed below a rerooted one, transitively (a
  // stale entry only rebuilds a profile that then does not change).
  std::set<std::string> seen(rerooted.begin(), rerooted.end());
  std::vector<std::string> frontier(seen.begin(), seen.end());
  while (!frontier.empty()) {
    std::vector<redis::Command> smembers;
    for (const auto& c : frontier) smembers.push_back({"SMEMBERS", CustomerKey(c, "absorbed")});
    auto absorbed = Pipeline(smembers);
    if (!absorbed.ok()) return absorbed.status();
    frontier.clear();
    for (const auto& r : *absorbed)
      for (const auto& e : r.elements)
        if (seen.insert(e.str).second) frontier.push_back(e.str);
  }
  dirty.insert(seen.begin(), seen.end());
  return dirty;
}

absl::StatusOr<ProfileStore::Rebuilt> ProfileStore::Rebuild(const std::set<std::string>& dirty,
                                                            const ProfileBuilderFn& build) {
  auto roots = Roots(dirty);
  if (!roots.ok()) return roots.status();
  std::set<std::string> all(dirty.begin(), dirty.end());
  for (const auto& [c, r] : *roots) all.insert(r);
  Rebuilt out;
  auto before = Profiles(all);
  if (!before.ok()) return before.status();
  out.before = std::move(*before);
  auto keep_if_changed = [&](crm::v1::Profile p) {
    auto it = out.before.find(p.customer_id());
    if (it == out.before.end() || it->second.SerializeAsString() != p.SerializeAsString())
      out.changed.push_back(std::move(p));
  };
  std::set<std::string> root_set;
  for (const auto& [c, root] : *roots) {
    root_set.insert(root);
    if (root == c) continue;
    crm::v1::Profile alias;  // a merged customer points to its survivor
    alias.set_customer_id(c);
    alias.set_merged_into(root);
    keep_if_changed(std::move(alias));
  }
  for (const auto& root : root_set) {
    auto state = Load(root);
    if (!state.ok()) return state.status();
    keep_if_changed(build(root, *state));
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ProfileStore::Roots(const std::set<std::string>& customers) {
  std::map<std::string, std::string> root;
  for (const auto& c : customers) root[c] = c;
  // Follow alias chains one hop per round trip; chains are short.
  for (int hop = 0; hop < 32; ++hop) {
    std::vector<std::string> asked;
    std::vector<redis::Command> cmds;
    for (const auto& [c, r] : root) {
      asked.push_back(c);
      cmds.push_back({"GET", CustomerKey(r, "alias")});
    }
    auto replies = Pipeline(cmds);
    if (!replies.ok()) return replies.status();
    bool moved = false;
    for (size_t i = 0; i < asked.size(); ++i) {
      const auto& rep = (*replies)[i];
      if (rep.is_nil()) continue;
      root[asked[i]] = rep.str.substr(0, rep.str.find('|'));
      moved = true;
    }
    if (!moved) return root;
  }
  return absl::DataLossError("alias chain longer than 32 hops (a cycle?)");
}

absl::StatusOr<ProfileStore::CustomerState> ProfileStore::Load(const std::string& root) {
  // The customers merged into the root, transitively, whose alias still
  // points to their absorber.
  std::set<std::string> members{root};
  std::vector<std::string> frontier{root};
  while (!frontier.empty()) {
    std::vector<redis::Command> cmds;
    for (const auto& c : frontier) cmds.push_back({"SMEMBERS", CustomerKey(c, "absorbed")});
    auto replies = Pipeline(cmds);
    if (!replies.ok()) return replies.status();
    std::vector<std::pair<std::string, std::string>> candidates;  // (absorbed, absorber)
    for (size_t i = 0; i < frontier.size(); ++i)
      for (const auto& e : (*replies)[i].elements) candidates.push_back({e.str, frontier[i]});
    cmds.clear();
    for (const auto& [m, s] : candidates) cmds.push_back({"GET", CustomerKey(m, "alias")});
    auto aliases = Pipeline(cmds);
    if (!aliases.ok()) return aliases.status();
    frontier.clear();
    for (size_t i = 0; i < candidates.size(); ++i) {
      const auto& a = (*aliases)[i];
      if (a.is_nil() || a.str.substr(0, a.str.find('|')) != candidates[i].second) continue;
      if (members.insert(candidates[i].first).second) frontier.push_back(candidates[i].first);
    }
  }
  std::vector<redis::Command> cmds;
  std::vector<std::string> order(members.begin(), members.end());
  for (const auto& c : order) cmds.push_back({"SMEMBERS", CustomerKey(c, "recs")});
  auto recs = Pipeline(cmds);
  if (!recs.ok()) return recs.status();
  std::set<std::string> rids;
  for (const auto& r : *recs)
    for (const auto& e : r.elements) rids.insert(e.str);
  cmds.clear();
  std::vector<std::string> rid_order(rids.begin(), rids.end());
  for (const auto& rid : rid_order) cmds.push_back({"HGETALL", RecordKey(rid)});
  auto hashes = Pipeline(cmds);
  if (!hashes.ok()) return hashes.status();
  CustomerState state;
  for (size_t i = 0; i < rid_order.size(); ++i) {
    const auto& els = (*hashes)[i].elements;
    std::string home, hint;
    const std::string* assigned = nullptr;
    std::vector<const std::string*> facts;
    for (size_t k = 0; k + 1 < els.size(); k += 2) {
      const std::string& field = els[k].str;
      if (field == "home") home = els[k + 1].str;
      else if (field == "hint") hint = els[k + 1].str;
      else if (field == "assigned") assigned = &els[k + 1].str;
      else if (field.rfind("f:", 0) == 0) facts.push_back(&els[k + 1].str);
    }
    // The record belongs here only if its home (or, unassigned, its hint) is a member.
    const std::string& effective = home.empty() ? hint : home;
    if (!members.count(effective)) continue;
    ++state.records;
    if (assigned) {
      crm::v1::RecordAssigned a;
      if (!a.ParseFromString(*assigned)) return absl::DataLossError(StrCat("unreadable assignment in ", RecordKey(rid_order[i])));
      state.assigned.push_back(std::move(a));
    }
    for (const auto* bytes : facts) {
      crm::v1::ScoringFact f;
      if (!f.ParseFromString(*bytes)) return absl::DataLossError(StrCat("unreadable fact in ", RecordKey(rid_order[i])));
      state.facts.push_back(std::move(f));
    }
  }
  // The lead counts of every booth the customer's facts book.
  std::set<BoothRef> booths;
  for (const auto& f : state.facts)
    if (auto b = BookedBoothOf(f)) booths.insert(*b);
  if (!booths.empty()) {
    std::vector<BoothRef> booth_order(booths.begin(), booths.end());
    cmds.clear();
    for (const auto& b : booth_order) cmds.push_back({"HMGET", BoothKey(b), "n", "hot"});
    auto counts = Pipeline(cmds);
    if (!counts.ok()) return counts.status();
    for (size_t i = 0; i < booth_order.size(); ++i) {
      const auto& els = (*counts)[i].elements;
      if (els.size() != 2 || els[0].is_nil()) continue;
      LeadCounts c;
      c.leads = static_cast<uint32_t>(std::strtoul(els[0].str.c_str(), nullptr, 10));
      c.hot = els[1].is_nil() ? 0 : static_cast<uint32_t>(std::strtoul(els[1].str.c_str(), nullptr, 10));
      state.booth_leads[booth_order[i]] = c;
    }
  }
  return state;
}

absl::StatusOr<std::map<std::string, crm::v1::Profile>> ProfileStore::Profiles(
    const std::set<std::string>& customers) {
  std::vector<std::string> order(customers.begin(), customers.end());
  std::vector<redis::Command> cmds;
  for (const auto& c : order) cmds.push_back({"GET", CustomerKey(c, "profile")});
  auto replies = Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  std::map<std::string, crm::v1::Profile> out;
  for (size_t i = 0; i < order.size(); ++i) {
    if ((*replies)[i].is_nil()) continue;
    crm::v1::Profile p;
    if (!p.ParseFromString((*replies)[i].str)) return absl::DataLossError(StrCat("unreadable profile of ", order[i]));
    out[order[i]] = std::move(p);
  }
  return out;
}

namespace {

// :idx holds index key names without the store's prefix, one per line (a
// string: a small set of long names costs several times more in Redis).
std::string JoinIdx(const std::set<std::string>& keys, size_t prefix_size) {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) out += '\n';
    out.append(k, prefix_size, std::string::npos);
  }
  return out;
}

}  // namespace

absl::Status ProfileStore::Store(const std::vector<crm::v1::Profile>& profiles,
                                 const std::map<std::string, crm::v1::Profile>& before) {
  if (profiles.empty()) return absl::OkStatus();
  // The index keys each customer may be in: its :idx list (covering its
  // memberships at every point of the pipeline below) and those of the
  // stored profile.
  std::vector<redis::Command> reads;
  for (const auto& p : profiles) reads.push_back({"GET", CustomerKey(p.customer_id(), "idx")});
  auto stored = Pipeline(reads);
  if (!stored.ok()) return stored.status();
  // Per customer, in this order: :idx widened to the old and new keys, the
  // entries added, the stale entries removed, :idx narrowed to the new
  // keys, and the profile last. A crash part-way (any prefix of the
  // pipeline) leaves :idx covering every entry the customer has, so the
  // replayed batch, with whatever profile it rebuilds, removes every stale one.
  std::vector<redis::Command> cmds;
  for (size_t i = 0; i < profiles.size(); ++i) {
    const auto& p = profiles[i];
    std::set<std::string> maybe;
    const std::string& was = (*stored)[i].str;
    for (size_t start = 0; !was.empty() && start <= was.size();) {
      const size_t nl = was.find('\n', start);
      maybe.insert(prefix_ + was.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    if (auto it = before.find(p.customer_id()); it != before.end()) {
      for (const auto& key : IndexKeysOf(it->second)) maybe.insert(key.first);
    }
    std::vector<std::pair<std::string, double>> now_keys;
    if (p.merged_into().empty()) now_keys = IndexKeysOf(p);
    std::set<std::string> now_set, wide = maybe;
    for (const auto& [key, value] : now_keys) now_set.insert(key), wide.insert(key);
    const std::string idx = CustomerKey(p.customer_id(), "idx");
    const std::string wide_text = JoinIdx(wide, prefix_.size()), now_text = JoinIdx(now_set, prefix_.size());
    if (wide_text != was) cmds.push_back({"SET", idx, wide_text});
    for (const auto& [key, value] : now_keys) {
      maybe.erase(key);
      cmds.push_back({"ZADD", key, config::FormatDouble(value), p.customer_id()});
    }
    for (const auto& key : maybe) cmds.push_back({"ZREM", key, p.customer_id()});
    if (now_text != wide_text) {
      if (now_text.empty()) {
        cmds.push_back({"DEL", idx});
      } else {
        cmds.push_back({"SET", idx, now_text});
      }
    }
    cmds.push_back({"SET", CustomerKey(p.customer_id(), "profile"), p.SerializeAsString()});
  }
  auto replies = Pipeline(cmds);
  return replies.ok() ? absl::OkStatus() : replies.status();
}

std::vector<std::pair<std::string, double>> ProfileStore::IndexKeysOf(const crm::v1::Profile& p) const {
  std::vector<std::pair<std::string, double>> out;
  if (!p.merged_into().empty()) return out;
  for (const auto& s : p.series()) {
    const double v = s.indicators().value();
    out.emplace_back(ValueKey(s.show_id()), v);
    for (const auto& seg : SegmentsOf(s, p.summary().customer_type())) out.emplace_back(SegmentKey(s.show_id(), seg), v);
    for (const auto& ed : EditionsTakenPart(s)) out.emplace_back(EditionKey(s.show_id(), ed), v);
  }
  return out;
}

}  // namespace crm::scoring
