#include "services/lifecycle/store.h"

#include <algorithm>

#include "common/normalize/time.h"
#include "common/util/strings.h"

namespace crm::lifecycle {

namespace {

// KEYS[1] clock hash; ARGV: partition, time pairs. Raises, never lowers.
const redis::Script kRaise(R"lua(
for i = 1, #ARGV, 2 do
  local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '-1')
  if tonumber(ARGV[i + 1]) > cur then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
)lua");

// KEYS[1] timers, KEYS[2] fired; ARGV: timer, day pairs.
const redis::Script kSchedule(R"lua(
local added = 0
for i = 1, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then
    added = added + redis.call('ZADD', KEYS[1], 'NX', ARGV[i + 1], ARGV[i])
  end
end
return added
)lua");

// KEYS[1] timers, KEYS[2] progress, KEYS[3] fired; ARGV[1] timer.
const redis::Script kComplete(R"lua(
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
end
return 1
)lua");

// KEYS[1] dirty hash; ARGV[1] edition, ARGV[2] the marks it had when its
// pass began: cleared only if nothing marked it since.
const redis::Script kClearDirty(R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
)lua");

absl::Status ReplyErrors(const std::vector<redis::Reply>& replies) {
  for (const auto& r : replies)
    if (r.is_error()) return absl::FailedPreconditionError("redis: " + r.str);
  return absl::OkStatus();
}

std::string Num(int64_t v) { return std::to_string(v); }
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string LifecycleStore::RecordKeyOf(const std::string& customer_id) const {
  return StrCat(prefix_, "rec:{", customer_id, "}");
}

std::string LifecycleStore::StageKey(const std::string& show, crm::v1::LifecycleStage s, bool by_contribution) const {
  return StrCat(prefix_, by_contribution ? "contrib:" : "stage:", show, ":", std::to_string(static_cast<int>(s)));
}

absl::StatusOr<std::map<RecordKey, std::string>> LifecycleStore::ReadRaw(const std::set<RecordKey>& keys) {
  std::vector<redis::Command> cmds;
  for (const auto& [cid, show] : keys) cmds.push_back({"HGET", RecordKeyOf(cid), show});
  std::map<RecordKey, std::string> out;
  if (cmds.empty()) return out;
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  if (auto st = ReplyErrors(*replies); !st.ok()) return st;
  size_t i = 0;
  for (const auto& key : keys) {
    auto& r = (*replies)[i++];
    if (!r.is_nil()) out.emplace(key, std::move(r.str));
  }
  return out;
}

namespace {

absl::StatusOr<std::map<RecordKey, crm::v1::LifecycleRecord>> Parsed(const std::map<RecordKey, std::string>& raw) {
  std::map<RecordKey, crm::v1::LifecycleRecord> out;
  for (const auto& [key, bytes] : raw) {
    crm::v1::LifecycleRecord rec;
    if (!rec.ParseFromString(bytes)) return absl::DataLossError("unreadable lifecycle record of " + key.first);
    out.emplace_hint(out.end(), key, std::move(rec));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::map<RecordKey, crm::v1::LifecycleRecord>> LifecycleStore::Read(const std::set<RecordKey>& keys) {
  auto raw = ReadRaw(keys);
  if (!raw.ok()) return raw.status();
  return Parsed(*raw);
}

absl::StatusOr<std::vector<crm::v1::LifecycleRecord>> LifecycleStore::ReadCustomer(const std::string& customer_id) {
  auto reply = redis_.Run({"HGETALL", RecordKeyOf(customer_id)});
  if (!reply.ok()) return reply.status();
  std::vector<crm::v1::LifecycleRecord> out;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    crm::v1::LifecycleRecord rec;
    if (!rec.ParseFromString(reply->elements[i + 1].str))
      return absl::DataLossError("unreadable lifecycle record of " + customer_id);
    out.push_back(std::move(rec));
  }
  return out;
}

std::map<std::pair<std::string, std::string>, std::string> LifecycleStore::IndexEntries(
    const crm::v1::LifecycleRecord& r) const {
  std::map<std::pair<std::string, std::string>, std::string> out;  // (zset, member) -> score
  if (r.merged()) return out;
  const std::string& cid = r.customer_id();
  if (r.stage() != crm::v1::LIFECYCLE_STAGE_UNSPECIFIED) {
    out[{StageKey(r.show_id(), r.stage(), false), cid}] = Num(r.value());
    out[{StageKey(r.show_id(), r.stage(), true), cid}] = Num(r.contribution_minor());
  }
  for (const auto& t : r.transitions()) {
    if (t.withdrawn() || t.to() != crm::v1::LIFECYCLE_STAGE_WEAKENING) continue;
    out[{prefix_ + "warnings",
         StrCat(r.show_id(), "|", cid, "|", std::to_string(normalize::UtcDayOfMillis(t.event_time_ms())))}] =
        Num(t.event_time_ms());
  }
  return out;
}

absl::Status LifecycleStore::Write(const std::vector<crm::v1::LifecycleRecord>& records,
                                   const std::map<RecordKey, crm::v1::LifecycleRecord>& before) {
  if (records.empty()) return absl::OkStatus();
  // The index entries each record may be in: its :idx set (a superset of
  // its entries at every point of the pipeline below) and the stored
  // record's.
  std::vector<redis::Command> reads;
  for (const auto& r : records) reads.push_back({"SMEMBERS", IdxKeyOf(r)});
  auto stored = redis_.Pipeline(reads);
  if (!stored.ok()) return stored.status();
  // Per record: new entries into :idx, entries added, stale ones removed and
  // taken out of :idx, membership, the record last. A crash part-way leaves
  // :idx covering every entry, so the replay removes every stale one
  // whatever record it judges.
  auto encode = [](const std::pair<std::string, std::string>& e) { return e.first + "\n" + e.second; };
  std::vector<redis::Command> cmds;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    auto it = before.find({r.customer_id(), r.show_id()});
    const bool was_member = it != before.end() && !it->second.merged();
    std::set<std::string> maybe;
    for (const auto& e : (*stored)[i].elements) maybe.insert(e.str);
    if (it != before.end())
      for (const auto& [entry, score] : IndexEntries(it->second)) maybe.insert(encode(entry));
    const auto now = IndexEntries(r);
    const std::string idx = IdxKeyOf(r);
    if (!now.empty()) {
      redis::Command add = {"SADD", idx};
      for (const auto& [entry, score] : now) add.push_back(encode(entry));
      cmds.push_back(std::move(add));
    }
    for (const auto& [entry, score] : now) {
      maybe.erase(encode(entry));
      cmds.push_back({"ZADD", entry.first, score, entry.second});
    }
    if (!maybe.empty()) {
      for (const auto& e : maybe) {
        const size_t nl = e.find('\n');
        if (nl != std::string::npos) cmds.push_back({"ZREM", e.substr(0, nl), e.substr(nl + 1)});
      }
      redis::Command rem = {"SREM", idx};
      rem.insert(rem.end(), maybe.begin(), maybe.end());
      cmds.push_back(std::move(rem));
    }
    if (r.merged() && was_member) cmds.push_back({"SREM", prefix_ + "members:" + r.show_id(), r.customer_id()});
    if (!r.merged() && !was_member) cmds.push_back({"SADD", prefix_ + "members:" + r.show_id(), r.customer_id()});
    cmds.push_back({"HSET", RecordKeyOf(r.customer_id()), r.show_id(), r.SerializeAsString()});
  }
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  return ReplyErrors(*replies);
}

std::string LifecycleStore::IdxKeyOf(const crm::v1::LifecycleRecord& r) const {
  return StrCat(prefix_, "rec:{", r.customer_id(), "}:idx:", r.show_id());
}

absl::StatusOr<std::pair<std::string, std::vector<std::string>>> LifecycleStore::ScanMembers(
    const std::string& show_id, const std::string& cursor, size_t count) {
  auto reply = redis_.Run({"SSCAN", prefix_ + "members:" + show_id, cursor, "COUNT", std::to_string(count)});
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() != 2) return absl::InternalError("SSCAN: unexpected reply");
  std::vector<std::string> ids;
  for (const auto& e : reply->elements[1].elements) ids.push_back(e.str);
  return std::make_pair(reply->elements[0].str, std::move(ids));
}

absl::StatusOr<LifecycleStore::RecordsStep> LifecycleStore::ScanRecords(const std::string& show_id,
                                                                        const std::string& cursor, size_t count) {
  auto step = ScanMembers(show_id, cursor, count);
  if (!step.ok()) return step.status();
  std::set<RecordKey> keys;
  for (const auto& id : step->second) keys.insert({id, show_id});
  auto raw = ReadRaw(keys);
  if (!raw.ok()) return raw.status();
  auto records = Parsed(*raw);
  if (!records.ok()) return records.status();
  return RecordsStep{step->first, std::move(*records), std::move(*raw)};
}

absl::Status LifecycleStore::ForEachRecord(const std::string& show_id, size_t count,
                                           const std::function<bool(const crm::v1::LifecycleRecord&)>& fn) {
  std::string cursor = "0";
  do {
    auto step = ScanRecords(show_id, cursor, count);
    if (!step.ok()) return step.status();
    cursor = step->cursor;
    for (const auto& [key, r] : step->records)
      if (!fn(r)) return absl::OkStatus();
  } while (cursor != "0");
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> LifecycleStore::Members(const std::string& show_id) {
  auto reply = redis_.Run({"SCARD", prefix_ + "members:" + show_id});
  if (!reply.ok()) return reply.status();
  return static_cast<uint64_t>(reply->integer);
}

absl::StatusOr<UsualLevels> LifecycleStore::Usual(const std::string& show_id) {
  auto reply = redis_.Run({"HGETALL", prefix_ + "usual:" + show_id});
  if (!reply.ok()) return reply.status();
  UsualLevels out;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    const std::string& field = reply->elements[i].str;
    const size_t bar = field.rfind('|');
    crm::v1::UsualLevelRecord u;
    if (bar == std::string::npos || !u.ParseFromString(reply->elements[i + 1].str))
      return absl::DataLossError("unreadable usual level " + field + " of " + show_id);
    UsualLevel level;
    level.days = u.days();
    level.booth_visits = u.booth_visits();
    level.dwell_per_visit_s = u.dwell_per_visit_s();
    level.booth_area_sqm = u.booth_area_sqm();
    level.scans_made = u.scans_made();
    level.customers = u.customers();
    out[{field.substr(0, bar), std::atoi(field.c_str() + bar + 1)}] = level;
  }
  return out;
}

absl::Status LifecycleStore::StoreUsual(const std::string& show_id, const UsualLevels& levels) {
  redis::Command cmd = {"HSET", prefix_ + "usual:" + show_id};
  for (const auto& [key, level] : levels) {
    crm::v1::UsualLevelRecord u;
    u.set_days(level.days);
    u.set_booth_visits(level.booth_visits);
    u.set_dwell_per_visit_s(level.dwell_per_visit_s);
    u.set_booth_area_sqm(level.booth_area_sqm);
    u.set_scans_made(level.scans_made);
    u.set_customers(level.customers);
    cmd.push_back(StrCat(key.first, "|", std::to_string(key.second)));
    cmd.push_back(u.SerializeAsString());
  }
  if (cmd.size() == 2) return absl::OkStatus();
  return redis_.Run(cmd).status();
}

absl::Status LifecycleStore::RaisePartitionTimes(const std::map<int32_t, int64_t>& latest) {
  if (latest.empty()) return absl::OkStatus();
  redis::Command cmd = kRaise.Call(1);
  cmd.push_back(T("clock"));
  for (const auto& [p, t] : latest) {
    cmd.push_back(std::to_string(p));
    cmd.push_back(std::to_string(t));
  }
  return redis_.Run(cmd).status();
}

absl::StatusOr<int64_t> LifecycleStore::Clock(int partitions) {
  auto reply = redis_.Run({"HGETALL", T("clock")});
  if (!reply.ok()) return reply.status();
  std::map<int, int64_t> seen;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2)
    seen[std::atoi(reply->elements[i].str.c_str())] = std::atoll(reply->elements[i + 1].str.c_str());
  int64_t clock = -1;
  for (int p = 0; p < partitions; ++p) {
    auto it = seen.find(p);
    if (it == seen.end()) return 0;
    clock = clock < 0 ? it->second : std::min(clock, it->second);
  }
  return std::max<int64_t>(clock, 0);
}

absl::Status LifecycleStore::Schedule(const std::vector<std::pair<std::string, int64_t>>& timers) {
  if (timers.empty()) return absl::OkStatus();
  redis::Command cmd = kSchedule.Call(2);
  cmd.push_back(T("timers"));
  cmd.push_back(T("fired"));
  for (const auto& [id, day] : timers) {
    cmd.push_back(id);
    cmd.push_back(std::to_string(day));
  }
  return redis_.Run(cmd).status();
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> LifecycleStore::DueTimers(int64_t today) {
  auto reply = redis_.Run({"ZRANGE", T("timers"), "-inf", std::to_string(today), "BYSCORE", "WITHSCORES"});
  if (!reply.ok()) return reply.status();
  std::vector<std::pair<std::string, int64_t>> out;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2)
    out.emplace_back(reply->elements[i].str, std::atoll(reply->elements[i + 1].str.c_str()));
  return out;
}

absl::StatusOr<std::string> LifecycleStore::Progress(const std::string& timer) {
  auto reply = redis_.Run({"HGET", T("progress"), timer});
  if (!reply.ok()) return reply.status();
  return reply->is_nil() ? std::string() : reply->str;
}

absl::Status LifecycleStore::SetProgress(const std::string& timer, const std::string& progress) {
  return redis_.Run({"HSET", T("progress"), timer, progress}).status();
}

absl::Status LifecycleStore::CompleteTimer(const std::string& timer) {
  redis::Command cmd = kComplete.Call(3);
  cmd.insert(cmd.end(), {T("timers"), T("progress"), T("fired"), timer});
  return redis_.Run(cmd).status();
}

absl::StatusOr<std::map<std::string, int64_t>> LifecycleStore::Fired() {
  auto reply = redis_.Run({"HGETALL", T("fired")});
  if (!reply.ok()) return reply.status();
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2)
    out[reply->elements[i].str] = std::atoll(reply->elements[i + 1].str.c_str());
  return out;
}

absl::Status LifecycleStore::MarkDirty(const std::set<std::string>& editions) {
  if (editions.empty()) return absl::OkStatus();
  std::vector<redis::Command> cmds;
  for (const auto& e : editions) cmds.push_back({"HINCRBY", T("dirty"), e, "1"});
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  return ReplyErrors(*replies);
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> LifecycleStore::Dirty() {
  auto reply = redis_.Run({"HGETALL", T("dirty")});
  if (!reply.ok()) return reply.status();
  std::vector<std::pair<std::string, int64_t>> out;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2)
    out.emplace_back(reply->elements[i].str, std::atoll(reply->elements[i + 1].str.c_str()));
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status LifecycleStore::ClearDirty(const std::string& edition, int64_t marks) {
  redis::Command cmd = kClearDirty.Call(1);
  cmd.insert(cmd.end(), {T("dirty"), edition, std::to_string(marks)});
  return redis_.Run(cmd).status();
}

absl::StatusOr<std::vector<std::string>> LifecycleStore::InStage(const std::string& show_id,
                                                                 crm::v1::LifecycleStage stage, bool by_contribution,
                                                                 size_t offset, size_t count) {
  auto reply = redis_.Run({"ZRANGE", StageKey(show_id, stage, by_contribution), std::to_string(offset),
                           std::to_string(offset + count - 1), "REV"});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& e : reply->elements) out.push_back(e.str);
  return out;
}

absl::StatusOr<uint64_t> LifecycleStore::StageSize(const std::string& show_id, crm::v1::LifecycleStage stage) {
  auto reply = redis_.Run({"ZCARD", StageKey(show_id, stage, false)});
  if (!reply.ok()) return reply.status();
  return static_cast<uint64_t>(reply->integer);
}

absl::StatusOr<std::vector<std::string>> LifecycleStore::WarningsSince(int64_t since_ms, size_t offset, size_t count) {
  auto reply = redis_.Run({"ZRANGE", prefix_ + "warnings", std::to_string(since_ms), "+inf", "BYSCORE", "LIMIT",
                           std::to_string(offset), std::to_string(count)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& e : reply->elements) out.push_back(e.str);
  return out;
}

}  // namespace crm::lifecycle
