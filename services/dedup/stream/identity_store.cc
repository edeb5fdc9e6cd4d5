#include "services/dedup/stream/identity_store.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "common/util/strings.h"

namespace crm::dedup {
namespace {

using redis::Command;
using redis::Reply;

// KEYS: the key entries. ARGV[1]: preferred customer id or "", ARGV[2]: key
// prefix, ARGV[3]: the record's name signature ("" without a name), ARGV[4]:
// one '0'/'1' per key, '1' for keys nobody held when the record was looked
// up, ARGV[5]: the record's stored name, ARGV[6]: the record the preferred
// customer was matched by ("" none): its customer now is preferred (the
// candidate may have been merged or unmerged since it was read). A '1' key
// claimed meanwhile for another name signature is not used but returned.
// The name joins the customer's names with the claim, so a record probed
// before the assignment is written still meets a holder with a name (the
// shared-key test).
// Returns {customer, created (0/1), {holders of used keys...}, {key, holder,
// holder's stored name, ...}}.
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
local function accepted(other, i)
  local s = string.match(other, '^[^\t]*')
  if s == sig then return true end
  for a in string.gmatch(ARGV[6 + i] or '', '%S+') do
    if a == s then return true end
  end
  return false
end
local found, seen, unverified, use = {}, {}, {}, {}
for i, k in ipairs(KEYS) do
  local c = redis.call('GET', k)
  use[i] = true
  if c then
    local other = redis.call('GET', k .. ':sig')
    if string.sub(flags, i, i) == '1' and sig ~= '' and other and not accepted(other, i) then
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
if ARGV[5] ~= '' then redis.call('SADD', prefix .. 'cust:' .. cid .. ':names', ARGV[5]) end
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

// ARGV: key prefix, customer id, record id, the record's event time, its
// name's letters hash ("" none). Adds the record to the customer's survivor
// (its records and their times) and points the record at it; a record new
// to the customer counts towards its name's frequency.
const redis::Script kJoinScript{R"lua(
local prefix, c, rid = ARGV[1], ARGV[2], ARGV[3]
for i = 1, 32 do
  local a = redis.call('GET', prefix .. 'alias:' .. c)
  if not a then break end
  c = a
end
redis.call('SET', prefix .. 'rec:' .. rid .. ':c', c)
local added = redis.call('SADD', prefix .. 'cust:' .. c .. ':recs', rid)
redis.call('ZADD', prefix .. 'cust:' .. c .. ':recent', ARGV[4], rid)
if added == 1 and ARGV[5] ~= '' then
  redis.call('INCR', prefix .. 'tf:' .. ARGV[5])
  redis.call('INCR', prefix .. 'tf:total')
end
return c
)lua"};

// KEYS[1]: a counter; ARGV[1]: a number it must reach.
const redis::Script kRaiseScript{
    "if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) "
    "end return 0"};

// KEYS[1]: a key; ARGV: expected value, new value.
const redis::Script kReplaceScript{
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) end return 0"};

// KEYS[1]: the golden hash; ARGV: field, rank, value triples. An entry is
// written where its rank sorts first or equal (GoldenWins); the stored ranks
// are read in one call and the winners written in one.
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

// KEYS[1]: the lock; ARGV[1]: the owner's token. Deletes it only for its owner.
const redis::Script kReleaseLockScript{
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"};

}  // namespace

std::string PairKey(std::string a, std::string b) {
  if (b < a) std::swap(a, b);
  return StrCat(a, "|", b);
}

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string StoredName(const Prepared& p) {
  return p.name.empty() ? std::string() : Join(p.name.tokens, " ") + "/" + p.name.han;
}

NameValue ParseStoredName(std::string_view stored) {
  // The characters when there are any, else the tokens.
  auto slash = stored.find('/');
  std::string_view han = slash == std::string_view::npos ? std::string_view() : stored.substr(slash + 1);
  return PrepareName(han.empty() ? stored.substr(0, slash) : han);
}

std::string IndexKeys::Tap(const TapKey& t) const {
  return StrCat(prefix_, "tap:", t.show_id, "/", t.edition_id, "/", t.badge_id, "/", t.hall, "/", t.booth);
}

Command CustomerOfRecordCommand(const IndexKeys& keys, const std::string& record_id) {
  Command cmd = kKnownScript.Call(1);
  cmd.insert(cmd.end(), {keys.RecordCustomer(record_id), keys.prefix()});
  return cmd;
}

Command ClaimCommand(const IndexKeys& keys, const ClaimRequest& r) {
  Command cmd = kClaimScript.Call(r.keys.size());
  std::string flags;
  for (size_t k = 0; k < r.keys.size(); ++k) {
    cmd.push_back(keys.Key(r.keys[k]));
    flags += r.unheld_at_lookup[k] ? '1' : '0';
  }
  cmd.insert(cmd.end(), {r.preferred, keys.prefix(), r.name_signature, flags, r.name, r.matched_record});
  for (size_t k = 0; k < r.keys.size(); ++k) {
    std::string sigs;
    if (k < r.slice_signatures.size()) {
      for (const auto& s : r.slice_signatures[k]) sigs.append(sigs.empty() ? "" : " ").append(s);
    }
    cmd.push_back(std::move(sigs));
  }
  return cmd;
}

absl::StatusOr<ClaimReply> ParseClaim(const IndexKeys& keys, const Reply& reply) {
  if (reply.is_error()) return absl::FailedPreconditionError(StrCat("redis: ", reply.str));
  if (reply.elements.size() < 4) return absl::InternalError("claim script: short reply");
  ClaimReply out;
  out.customer_id = reply.elements[0].str;
  out.created = reply.elements[1].integer == 1;
  for (const auto& e : reply.elements[2].elements) out.holders.push_back(e.str);
  const auto& u = reply.elements[3].elements;
  for (size_t i = 0; i + 2 < u.size(); i += 3) {
    // The claimant's stored name comes after its signature ("<sig>\t<name>").
    const std::string& stored = u[i + 2].str;
    out.unverified.push_back({keys.KeyOfEntry(u[i].str), u[i + 1].str,
                              stored.substr(std::min(stored.size(), stored.find('\t') + 1))});
  }
  return out;
}

Command JoinCommand(const IndexKeys& keys, const std::string& customer_id, const std::string& record_id,
                    int64_t occurred_ms, const std::string& name_letters) {
  Command cmd = kJoinScript.Call(0);
  cmd.insert(cmd.end(), {keys.prefix(), customer_id, record_id, std::to_string(occurred_ms), name_letters});
  return cmd;
}

Command SampleCommand(const IndexKeys& keys, const std::string& customer_id, int n) {
  return {"ZRANGE", keys.CustomerRecent(customer_id), "0", std::to_string(std::max(1, n) - 1), "REV"};
}

Command RaiseCommand(const std::string& counter, long long at_least) {
  Command cmd = kRaiseScript.Call(1);
  cmd.push_back(counter);
  cmd.push_back(std::to_string(at_least));
  return cmd;
}

Command ReplaceIfCommand(const std::string& key, const std::string& expected, const std::string& value) {
  Command cmd = kReplaceScript.Call(1);
  cmd.insert(cmd.end(), {key, expected, value});
  return cmd;
}

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

Command TakeLockCommand(const std::string& key, const std::string& token, std::chrono::milliseconds ttl) {
  return {"SET", key, token, "NX", "PX", std::to_string(ttl.count())};
}

Command ReleaseLockCommand(const std::string& key, const std::string& token) {
  Command cmd = kReleaseLockScript.Call(1);
  cmd.insert(cmd.end(), {key, token});
  return cmd;
}

Command EventIdCommand(const IndexKeys& keys, const std::string& event_id, const std::string& position,
                       std::chrono::milliseconds ttl) {
  return {"SET", keys.EventId(event_id), position, "NX", "GET", "PX", std::to_string(ttl.count())};
}

std::vector<Command> TapCommands(const IndexKeys& keys, const TapKey& tap, const TapScan& scan,
                                 std::chrono::milliseconds ttl) {
  // A member is "<dwell>|<event id>", scored by the scan's time.
  std::string key = keys.Tap(tap);
  return {{"ZADD", key, std::to_string(scan.at_ms), StrCat(scan.dwell_seconds, "|", scan.event_id)},
          {"PEXPIRE", key, std::to_string(ttl.count())},
          {"ZRANGE", key, "0", "-1", "WITHSCORES"}};
}

absl::StatusOr<std::vector<TapScan>> ParseTaps(const Reply& reply) {
  if (reply.is_error()) return absl::FailedPreconditionError(StrCat("redis: ", reply.str));
  std::vector<TapScan> out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& member = reply.elements[i].str;
    auto bar = member.find('|');
    if (bar == std::string::npos) return absl::DataLossError(StrCat("tap member without dwell: ", member));
    TapScan s;
    s.dwell_seconds = static_cast<uint32_t>(std::strtoul(member.c_str(), nullptr, 10));
    s.event_id = member.substr(bar + 1);
    s.at_ms = std::strtoll(reply.elements[i + 1].str.c_str(), nullptr, 10);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace crm::dedup
