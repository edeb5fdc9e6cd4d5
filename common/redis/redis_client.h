#pragma once

// Redis client over hiredis: connect and command timeouts on every call,
// reconnect on the next call after a broken connection, pipelined batches (one
// round trip for many commands), and failures classified as retryable
// (UNAVAILABLE / DEADLINE_EXCEEDED) or not.
//
// One client is one connection and is not thread-safe; give each worker
// thread its own.

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

struct redisContext;
struct redisReply;

namespace crm::redis {

struct RedisOptions {
  // redis://[:password@]host:port[/db]
  std::string url = "redis://127.0.0.1:6379";
  std::chrono::milliseconds connect_timeout{1'000};
  std::chrono::milliseconds command_timeout{500};
};

struct Reply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<Reply> elements;

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
};

using Command = std::vector<std::string>;

// The seam services use for key-value state; mocked in unit tests.
class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;
  virtual absl::StatusOr<Reply> Run(const Command& cmd) = 0;
  // All commands in one round trip; replies in order. A Redis error reply to
  // one command is returned as that command's Reply (type kError), while a
  // connection failure fails the whole call.
  virtual absl::StatusOr<std::vector<Reply>> Pipeline(const std::vector<Command>& cmds) = 0;
};

struct ParsedUrl {
  std::string host;
  int port = 6379;
  std::string password;
  int db = 0;
};
absl::StatusOr<ParsedUrl> ParseRedisUrl(std::string_view url);

// A Lua script called by its SHA1 (EVALSHA): the body crosses the wire, and
// is hashed by Redis, once per server instead of on every call. RedisClient
// loads the body itself when the server answers NOSCRIPT (first use, a
// restarted or flushed server) and runs the call again, so callers never see
// that error. Define scripts as long-lived objects (they register their body).
class Script {
 public:
  explicit Script(std::string body);
  // "EVALSHA <sha1> <numkeys>": append the keys, then the arguments.
  Command Call(size_t numkeys) const { return {"EVALSHA", sha_, std::to_string(numkeys)}; }
  const std::string& sha() const { return sha_; }
  const std::string& body() const { return body_; }

 private:
  std::string body_, sha_;
};

// Error replies that mean "try again" (server loading, failover, busy script).
bool IsRetryableReplyError(std::string_view message);

class RedisClient final : public KeyValueStore {
 public:
  explicit RedisClient(RedisOptions options);
  ~RedisClient() override;
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command. An error reply becomes a status: retryable ones
  // (LOADING, BUSY, TRYAGAIN, MASTERDOWN, READONLY, CLUSTERDOWN) as
  // UNAVAILABLE, others (WRONGTYPE, syntax) as FAILED_PRECONDITION.
  absl::StatusOr<Reply> Run(const Command& cmd) override;
  absl::StatusOr<std::vector<Reply>> Pipeline(const std::vector<Command>& cmds) override;

  // Connects now (otherwise the first command connects).
  absl::Status Connect();
  bool connected() const { return ctx_ != nullptr; }

 private:
  absl::Status EnsureConnected();
  // Sends all commands, reads all replies (one round trip).
  absl::StatusOr<std::vector<Reply>> RoundTrip(const std::vector<Command>& cmds);
  absl::Status ConnectionError(std::string_view what);  // drops the context
  RedisOptions options_;
  ParsedUrl url_;
  absl::Status url_status_;
  redisContext* ctx_ = nullptr;
  std::set<std::string> loaded_;  // scripts loaded on this connection (sha1)
};

}  // namespace crm::redis
