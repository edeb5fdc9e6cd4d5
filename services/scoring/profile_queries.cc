// The read side of the profile store: standings, listings and series scans.

#include <algorithm>

#include "common/config/config.h"
#include "common/util/strings.h"
#include "services/scoring/domain/segments.h"
#include "services/scoring/profile_store.h"

namespace crm::scoring {

absl::StatusOr<std::optional<crm::v1::Profile>> ProfileStore::RootProfile(const std::string& customer) {
  auto replies = Pipeline({{"GET", CustomerKey(customer, "alias")}, {"GET", CustomerKey(customer, "profile")}});
  if (!replies.ok()) return replies.status();
  std::optional<crm::v1::Profile> out;
  if ((*replies)[0].is_nil()) {
    if ((*replies)[1].is_nil()) return out;
    out.emplace();
    if (!out->ParseFromString((*replies)[1].str)) return absl::DataLossError(crm::StrCat("unreadable profile of ", customer));
    return out;
  }
  auto roots = Roots({customer});
  if (!roots.ok()) return roots.status();
  auto profiles = Profiles({roots->at(customer)});
  if (!profiles.ok()) return profiles.status();
  if (!profiles->empty()) out = std::move(profiles->begin()->second);
  return out;
}

namespace {

// KEYS[1] the customer's stages hash; ARGV: id, revision, value triples.
// Keeps the highest revision of each transition id.
const redis::Script kStageTransition(R"lua(
for i = 1, #ARGV, 3 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  local rev = cur and tonumber(string.match(cur, '^(%d+)|')) or -1
  if tonumber(ARGV[i + 1]) > rev then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2]) end
end
return 1
)lua");

std::string StageName(crm::v1::LifecycleStage s) {
  std::string n = crm::v1::LifecycleStage_Name(s);
  n = n.substr(std::string("LIFECYCLE_STAGE_").size());
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return n;
}

// The stage per series from the stages hash: the newest transition in force.
std::map<std::string, std::string> CurrentStages(const redis::Reply& hash) {
  std::map<std::string, std::pair<int64_t, std::string>> latest;  // show -> (event ms, stage)
  for (size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    std::vector<std::string> f;
    std::string_view v = hash.elements[i + 1].str;
    for (size_t start = 0;;) {
      const size_t bar = v.find('|', start);
      f.emplace_back(v.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
    if (f.size() != 5 || f[1] == "1") continue;
    const int64_t at = std::atoll(f[2].c_str());
    auto& cur = latest[f[3]];
    if (cur.second.empty() || at >= cur.first) cur = {at, f[4]};
  }
  std::map<std::string, std::string> out;
  for (auto& [show, v] : latest) out[show] = std::move(v.second);
  return out;
}

}  // namespace

absl::Status ProfileStore::StoreStageTransitions(const std::vector<crm::v1::StageTransition>& transitions) {
  std::map<std::string, redis::Command> by_customer;
  for (const auto& t : transitions) {
    auto& cmd = by_customer[t.customer_id()];
    if (cmd.empty()) {
      cmd = kStageTransition.Call(1);
      cmd.push_back(CustomerKey(t.customer_id(), "stages"));
    }
    cmd.push_back(t.transition_id());
    cmd.push_back(std::to_string(t.revision()));
    cmd.push_back(crm::StrCat(std::to_string(t.revision()), "|", t.withdrawn() ? "1" : "0", "|",
                              std::to_string(t.event_time_ms()), "|", t.show_id(), "|", StageName(t.to())));
  }
  std::vector<redis::Command> cmds;
  for (auto& [id, cmd] : by_customer) cmds.push_back(std::move(cmd));
  if (cmds.empty()) return absl::OkStatus();
  auto replies = Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  for (const auto& r : *replies)
    if (r.is_error()) return absl::FailedPreconditionError("redis: " + r.str);
  return absl::OkStatus();
}

absl::Status ProfileStore::FillStandings(crm::v1::Profile* profile, const TierCuts& cuts) {
  std::vector<redis::Command> cmds;
  for (const auto& s : profile->series()) {
    cmds.push_back({"ZREVRANK", ValueKey(s.show_id()), profile->customer_id()});
    cmds.push_back({"ZCARD", ValueKey(s.show_id())});
  }
  if (cmds.empty()) return absl::OkStatus();
  cmds.push_back({"HGETALL", CustomerKey(profile->customer_id(), "stages")});
  auto replies = Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  const auto stages = CurrentStages(replies->back());
  for (auto& s : *profile->mutable_series())
    if (auto it = stages.find(s.show_id()); it != stages.end()) s.set_lifecycle_stage(it->second);
  for (int i = 0; i < profile->series_size(); ++i) {
    auto* s = profile->mutable_series(i);
    const redis::Reply& rank = (*replies)[2 * i];
    const auto count = static_cast<uint64_t>((*replies)[2 * i + 1].integer);
    auto* st = s->mutable_standing();
    st->set_series_customers(count);
    if (rank.is_nil()) {  // merged away meanwhile: no place of its own
      st->set_tier(crm::v1::TIER_LEAD);
      continue;
    }
    st->set_value_rank(static_cast<uint64_t>(rank.integer));
    st->set_tier(TierOf(st->value_rank(), count, s->indicators().value(), cuts));
  }
  return absl::OkStatus();
}

absl::StatusOr<crm::v1::ListCustomersResponse> ProfileStore::ListByValue(const std::string& show_id,
                                                                         crm::v1::Tier tier, uint64_t offset,
                                                                         uint64_t limit, const TierCuts& cuts) {
  auto card = Pipeline({{"ZCARD", ValueKey(show_id)}});
  if (!card.ok()) return card.status();
  const auto count = static_cast<uint64_t>((*card)[0].integer);
  RankRange range{0, count};
  if (tier != crm::v1::TIER_UNSPECIFIED) range = RanksOf(tier, count, cuts);
  crm::v1::ListCustomersResponse out;
  out.set_total(range.end - range.first);
  const uint64_t first = range.first + offset;
  const uint64_t end = std::min(range.end, first + limit);
  if (first >= end) return out;
  auto page = Pipeline({{"ZREVRANGE", ValueKey(show_id), std::to_string(first), std::to_string(end - 1), "WITHSCORES"}});
  if (!page.ok()) return page.status();
  const auto& e = (*page)[0].elements;
  for (size_t i = 0; i + 1 < e.size(); i += 2) {
    auto* c = out.add_customers();
    c->set_customer_id(e[i].str);
    auto v = config::ParseDouble(e[i + 1].str);
    c->set_value(v.ok() ? *v : 0.0);
    auto* st = c->mutable_standing();
    st->set_value_rank(first + i / 2);
    st->set_series_customers(count);
    st->set_tier(TierOf(st->value_rank(), count, c->value(), cuts));
  }
  if (end < range.end) out.set_next_page_token(std::to_string(offset + (end - first)));
  return out;
}


namespace {

// The index keys a ListCustomers request filters by, most selective first
// as far as the request tells (edition, then segments).
std::vector<std::string> FilterKeys(const ProfileStore& store, const crm::v1::ListCustomersRequest& req) {
  std::vector<std::string> keys;
  if (!req.edition_id().empty()) keys.push_back(store.EditionKey(req.show_id(), req.edition_id()));
  if (!req.segment().empty()) keys.push_back(store.SegmentKey(req.show_id(), req.segment()));
  if (req.knox() != crm::v1::KNOX_QUADRANT_UNSPECIFIED)
    keys.push_back(store.SegmentKey(req.show_id(), "knox:" + KnoxSegment(req.knox())));
  if (req.customer_type() != crm::v1::CUSTOMER_TYPE_UNSPECIFIED)
    keys.push_back(store.SegmentKey(req.show_id(), "type:" + TypeSegment(req.customer_type())));
  return keys;
}

}  // namespace

absl::StatusOr<crm::v1::ListCustomersResponse> ProfileStore::ListFiltered(const crm::v1::ListCustomersRequest& req,
                                                                          uint64_t offset, uint64_t limit,
                                                                          const TierCuts& cuts) {
  const std::vector<std::string> keys = FilterKeys(*this, req);
  if (keys.empty()) return ListByValue(req.show_id(), req.tier(), offset, limit, cuts);
  auto card = Pipeline({{"ZCARD", ValueKey(req.show_id())}});
  if (!card.ok()) return card.status();
  const auto count = static_cast<uint64_t>((*card)[0].integer);
  const RankRange tier_ranks = req.tier() == crm::v1::TIER_UNSPECIFIED ? RankRange{0, count}
                                                                       : RanksOf(req.tier(), count, cuts);
  // Walks the first index by value in chunks; each member is checked against
  // the other indexes and the tier (its rank in the series), counted, and
  // kept when inside the page.
  crm::v1::ListCustomersResponse out;
  uint64_t matched = 0;
  constexpr int64_t kChunk = 1000;
  for (int64_t start = 0;; start += kChunk) {
    auto chunk = Pipeline({{"ZREVRANGE", keys[0], std::to_string(start), std::to_string(start + kChunk - 1), "WITHSCORES"}});
    if (!chunk.ok()) return chunk.status();
    const auto& els = (*chunk)[0].elements;
    if (els.empty()) break;
    std::vector<redis::Command> checks;
    for (size_t i = 0; i + 1 < els.size(); i += 2) {
      checks.push_back({"ZREVRANK", ValueKey(req.show_id()), els[i].str});
      for (size_t k = 1; k < keys.size(); ++k) checks.push_back({"ZSCORE", keys[k], els[i].str});
    }
    auto replies = Pipeline(checks);
    if (!replies.ok()) return replies.status();
    const size_t per = keys.size();
    for (size_t i = 0, m = 0; i + 1 < els.size(); i += 2, ++m) {
      const redis::Reply& rank = (*replies)[m * per];
      if (rank.is_nil()) continue;
      const auto r = static_cast<uint64_t>(rank.integer);
      if (r < tier_ranks.first || r >= tier_ranks.end) continue;
      bool in_all = true;
      for (size_t k = 1; k < per; ++k) in_all = in_all && !(*replies)[m * per + k].is_nil();
      if (!in_all) continue;
      if (matched >= offset && matched < offset + limit) {
        auto* c = out.add_customers();
        c->set_customer_id(els[i].str);
        auto v = config::ParseDouble(els[i + 1].str);
        c->set_value(v.ok() ? *v : 0.0);
        auto* st = c->mutable_standing();
        st->set_value_rank(r);
        st->set_series_customers(count);
        st->set_tier(TierOf(r, count, c->value(), cuts));
      }
      ++matched;
    }
    if (static_cast<int64_t>(els.size() / 2) < kChunk) break;
  }
  out.set_total(matched);
  if (offset + limit < matched) out.set_next_page_token(std::to_string(offset + limit));
  return out;
}

absl::Status ProfileStore::ForEachInSeries(const std::string& show_id, size_t chunk,
                                           const std::function<void(const crm::v1::Profile&)>& fn) {
  for (size_t start = 0;; start += chunk) {
    auto ids = Pipeline({{"ZREVRANGE", ValueKey(show_id), std::to_string(start), std::to_string(start + chunk - 1)}});
    if (!ids.ok()) return ids.status();
    const auto& els = (*ids)[0].elements;
    if (els.empty()) return absl::OkStatus();
    std::vector<redis::Command> gets;
    for (const auto& e : els) gets.push_back({"GET", CustomerKey(e.str, "profile")});
    auto replies = Pipeline(gets);
    if (!replies.ok()) return replies.status();
    for (size_t i = 0; i < els.size(); ++i) {
      if ((*replies)[i].is_nil()) continue;  // merged away meanwhile
      crm::v1::Profile p;
      if (!p.ParseFromString((*replies)[i].str)) return absl::DataLossError("unreadable profile of " + els[i].str);
      fn(p);
    }
    if (els.size() < chunk) return absl::OkStatus();
  }
}

}  // namespace crm::scoring
