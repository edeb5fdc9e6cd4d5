#include "common/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cerrno>
#include <charconv>
#include <cstring>

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
