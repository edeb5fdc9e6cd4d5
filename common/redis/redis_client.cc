#include "common/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <sys/time.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include "common/util/strings.h"
#include "common/metrics/metrics.h"

namespace crm::redis {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

metrics::Counter& ErrorCounter(const char* kind) {
  return metrics::Registry::Default().GetCounter("crm_redis_errors_total", "Redis call failures by kind",
                                                 {{"kind", kind}});
}

}  // namespace

absl::StatusOr<ParsedUrl> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    return absl::InvalidArgumentError(crm::StrCat("redis url '", url, "' must start with redis://"));
  }
  std::string_view rest = url.substr(kScheme.size());
  ParsedUrl out;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    auto colon = cred.find(':');
    out.password = std::string(colon == std::string_view::npos ? cred : cred.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), out.db);
      if (ec != std::errc() || p != db.data() + db.size()) {
        return absl::InvalidArgumentError(crm::StrCat("redis url '", url, "' has a bad database number"));
      }
    }
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  out.host = std::string(colon == std::string_view::npos ? rest : rest.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (ec != std::errc() || p != port.data() + port.size() || out.port <= 0 || out.port > 65535) {
      return absl::InvalidArgumentError(crm::StrCat("redis url '", url, "' has a bad port"));
    }
  }
  if (out.host.empty()) return absl::InvalidArgumentError(crm::StrCat("redis url '", url, "' has no host"));
  if (out.host == "localhost") out.host = "127.0.0.1";
  return out;
}

bool IsRetryableReplyError(std::string_view message) {
  for (std::string_view prefix : {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN"}) {
    if (message.starts_with(prefix)) return true;
  }
  return false;
}

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {
  auto parsed = ParseRedisUrl(options_.url);
  if (parsed.ok()) {
    url_ = *parsed;
  } else {
    url_status_ = parsed.status();
  }
}

RedisClient::~RedisClient() {
  if (ctx_) redisFree(ctx_);
}

absl::Status RedisClient::ConnectionError(std::string_view what) {
  std::string detail = ctx_ ? std::string(ctx_->errstr) : std::string("no context");
  // hiredis reports socket timeouts as I/O errors carrying strerror's text.
  bool timed_out = ctx_ && ctx_->err == REDIS_ERR_IO &&
                   (detail.find("temporarily unavailable") != std::string::npos || detail.find("timed out") != std::string::npos);
  if (ctx_) {
    // hiredis contexts are unusable after an I/O error; reconnect next call.
    redisFree(ctx_);
    ctx_ = nullptr;
    loaded_.clear();  // the server may have restarted without its scripts
  }
  std::string msg = crm::StrCat("redis ", what, " (", url_.host, ":", url_.port, "): ", detail);
  if (timed_out) {
    ErrorCounter("timeout").Inc();
    return absl::DeadlineExceededError(msg);
  }
  ErrorCounter("connection").Inc();
  return absl::UnavailableError(msg);
}

absl::Status RedisClient::Connect() {
  if (!url_status_.ok()) return url_status_;
  if (ctx_) return absl::OkStatus();
  ctx_ = redisConnectWithTimeout(url_.host.c_str(), url_.port, ToTimeval(options_.connect_timeout));
  if (!ctx_) {
    ErrorCounter("connection").Inc();
    return absl::UnavailableError("redis connect: out of memory");
  }
  if (ctx_->err) return ConnectionError("connect");
  if (redisSetTimeout(ctx_, ToTimeval(options_.command_timeout)) != REDIS_OK) return ConnectionError("set timeout");
  auto handshake = [this](const Command& cmd) -> absl::Status {
    auto r = Run(cmd);
    return r.status();
  };
  if (!url_.password.empty()) {
    if (auto st = handshake({"AUTH", url_.password}); !st.ok()) return st;
  }
  if (url_.db != 0) {
    if (auto st = handshake({"SELECT", std::to_string(url_.db)}); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status RedisClient::EnsureConnected() { return ctx_ ? absl::OkStatus() : Connect(); }

namespace {

struct ScriptRegistry {
  std::mutex mu;
  std::map<std::string, std::string> body_of;  // sha1 (hex) -> body
};

ScriptRegistry& Scripts() {
  static ScriptRegistry registry;
  return registry;
}

// The body of a registered script, nullptr if unknown.
const std::string* ScriptBody(const std::string& sha) {
  auto& reg = Scripts();
  std::lock_guard l(reg.mu);
  auto it = reg.body_of.find(sha);
  return it == reg.body_of.end() ? nullptr : &it->second;  // entries are never erased
}

}  // namespace

Script::Script(std::string body) : body_(std::move(body)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body_.data()), body_.size(), digest);
  static const char* kHex = "0123456789abcdef";
  for (unsigned char c : digest) {
    sha_ += kHex[c >> 4];
    sha_ += kHex[c & 15];
  }
  auto& reg = Scripts();
  std::lock_guard l(reg.mu);
  reg.body_of.emplace(sha_, body_);
}

absl::StatusOr<Reply> RedisClient::Run(const Command& cmd) {
  auto replies = Pipeline({cmd});
  if (!replies.ok()) return replies.status();
  Reply& r = (*replies)[0];
  if (r.is_error()) {
    ErrorCounter("reply").Inc();
    if (IsRetryableReplyError(r.str)) return absl::UnavailableError(crm::StrCat("redis ", cmd[0], ": ", r.str));
    return absl::FailedPreconditionError(crm::StrCat("redis ", cmd[0], ": ", r.str));
  }
  return std::move(r);
}

absl::StatusOr<std::vector<Reply>> RedisClient::Pipeline(const std::vector<Command>& cmds) {
  if (cmds.empty()) return std::vector<Reply>{};
  // Scripts not yet used on this connection are loaded first, in the same
  // round trip (so calls run in order).
  std::set<std::string> load;
  for (const auto& cmd : cmds) {
    if (cmd.size() > 1 && cmd[0] == "EVALSHA" && !loaded_.count(cmd[1]) && ScriptBody(cmd[1])) load.insert(cmd[1]);
  }
  absl::StatusOr<std::vector<Reply>> out;
  if (load.empty()) {
    out = RoundTrip(cmds);
    if (!out.ok()) return out;
  } else {
    std::vector<Command> all;
    all.reserve(load.size() + cmds.size());
    for (const auto& sha : load) all.push_back({"SCRIPT", "LOAD", *ScriptBody(sha)});
    all.insert(all.end(), cmds.begin(), cmds.end());
    out = RoundTrip(all);
    if (!out.ok()) return out;
    for (size_t k = 0; k < load.size(); ++k) {
      if ((*out)[k].is_error()) return absl::FailedPreconditionError(crm::StrCat("redis SCRIPT LOAD: ", (*out)[k].str));
    }
    out->erase(out->begin(), out->begin() + static_cast<std::ptrdiff_t>(load.size()));
    loaded_.insert(load.begin(), load.end());
  }
  // Scripts flushed from the server meanwhile (SCRIPT FLUSH): load them and
  // run those calls again, in one more round trip.
  std::vector<size_t> again;
  std::set<std::string> shas;
  for (size_t i = 0; i < cmds.size(); ++i) {
    const Reply& r = (*out)[i];
    if (r.is_error() && r.str.rfind("NOSCRIPT", 0) == 0 && cmds[i].size() > 1 && cmds[i][0] == "EVALSHA" &&
        ScriptBody(cmds[i][1])) {
      again.push_back(i);
      shas.insert(cmds[i][1]);
    }
  }
  if (again.empty()) return out;
  std::vector<Command> retry;
  for (const auto& sha : shas) retry.push_back({"SCRIPT", "LOAD", *ScriptBody(sha)});
  for (size_t i : again) retry.push_back(cmds[i]);
  auto r = RoundTrip(retry);
  if (!r.ok()) return r.status();
  for (size_t k = 0; k < shas.size(); ++k) {
    if ((*r)[k].is_error()) return absl::FailedPreconditionError(crm::StrCat("redis SCRIPT LOAD: ", (*r)[k].str));
  }
  for (size_t k = 0; k < again.size(); ++k) (*out)[again[k]] = std::move((*r)[shas.size() + k]);
  return out;
}

absl::StatusOr<std::vector<Reply>> RedisClient::RoundTrip(const std::vector<Command>& cmds) {
  if (auto st = EnsureConnected(); !st.ok()) return st;
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  for (const auto& cmd : cmds) {
    if (cmd.empty()) return absl::InvalidArgumentError("redis: empty command");
    argv.clear();
    argvlen.clear();
    for (const auto& a : cmd) {
      argv.push_back(a.data());
      argvlen.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), argvlen.data()) != REDIS_OK) {
      return ConnectionError("append");
    }
  }
  std::vector<Reply> out;
  out.reserve(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return ConnectionError("read reply");
    auto* reply = static_cast<redisReply*>(raw);
    out.push_back(Convert(reply));
    freeReplyObject(reply);
  }
  return out;
}

}  // namespace crm::redis
