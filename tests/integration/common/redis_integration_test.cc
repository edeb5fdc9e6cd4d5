#include <gtest/gtest.h>

#include <chrono>

#include "common/redis/redis_client.h"
#include "common/testing/redis_server.h"
#include "common/util/status.h"

namespace crm::redis {
namespace {

using namespace std::chrono_literals;

class RedisIntegration : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }
  RedisOptions Options() {
    RedisOptions o;
    o.url = server_.url();
    o.connect_timeout = 300ms;
    o.command_timeout = 300ms;
    return o;
  }
  crm::testing::RedisServer server_;
};

TEST_F(RedisIntegration, CommandsAndTypedReplies) {
  RedisClient c(Options());
  auto set = c.Run({"SET", "{c1}:name", "张伟"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->type, Reply::Type::kStatus);
  auto get = c.Run({"GET", "{c1}:name"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, "张伟");
  auto missing = c.Run({"GET", "nope"});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->is_nil());
  auto incr = c.Run({"INCRBY", "n", "5"});
  ASSERT_TRUE(incr.ok());
  EXPECT_EQ(incr->integer, 5);
  // Binary-safe values.
  std::string bin("a\0b\r\n", 5);
  ASSERT_TRUE(c.Run({"SET", "bin", bin}).ok());
  EXPECT_EQ(c.Run({"GET", "bin"})->str, bin);
}

TEST_F(RedisIntegration, PipelineReturnsRepliesInOrderWithPerCommandErrors) {
  RedisClient c(Options());
  std::vector<Command> cmds;
  for (int i = 0; i < 1000; ++i) cmds.push_back({"HSET", "{c" + std::to_string(i) + "}:p", "score", std::to_string(i)});
  cmds.push_back({"SET", "str", "x"});
  cmds.push_back({"HGET", "str", "f"});  // WRONGTYPE for this command only
  cmds.push_back({"HGET", "{c999}:p", "score"});
  auto r = c.Pipeline(cmds);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), cmds.size());
  EXPECT_EQ((*r)[0].integer, 1);
  EXPECT_TRUE((*r)[1001].is_error());
  EXPECT_NE((*r)[1001].str.find("WRONGTYPE"), std::string::npos);
  EXPECT_EQ((*r)[1002].str, "999");
}

TEST_F(RedisIntegration, ScriptsRunByShaAndAreLoadedWhenTheServerLacksThem) {
  static const Script kIncrTwice("redis.call('INCR', KEYS[1]) return redis.call('INCR', KEYS[1])");
  EXPECT_EQ(kIncrTwice.sha().size(), 40u);
  RedisClient c(Options());
  // A fresh server has never seen the script: the call still runs, once.
  Command call = kIncrTwice.Call(1);
  call.push_back("n");
  auto first = c.Pipeline({call, {"GET", "n"}});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)[0].integer, 2);
  EXPECT_EQ((*first)[1].str, "2");  // loaded first, in the same round trip: calls ran in order
  auto exists = c.Run({"SCRIPT", "EXISTS", kIncrTwice.sha()});
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists->elements.at(0).integer, 1);
  // Scripts flushed from the server are loaded again.
  ASSERT_TRUE(c.Run({"SCRIPT", "FLUSH"}).ok());
  auto again = c.Run(call);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->integer, 4);
  // An unknown sha stays an error.
  auto unknown = c.Run({"EVALSHA", std::string(40, '0'), "0"});
  EXPECT_FALSE(unknown.ok());
}

TEST_F(RedisIntegration, ErrorReplyIsNotRetryable) {
  RedisClient c(Options());
  ASSERT_TRUE(c.Run({"SET", "s", "x"}).ok());
  auto r = c.Run({"HGET", "s", "f"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(crm::IsRetryable(r.status()));
  EXPECT_TRUE(c.Run({"PING"}).ok()) << "an error reply must not break the connection";
}

TEST_F(RedisIntegration, StoppedServerYieldsRetryableErrorPromptlyAndReconnectsAfterRestart) {
  RedisClient c(Options());
  ASSERT_TRUE(c.Run({"SET", "k", "v"}).ok());
  server_.Stop();
  for (int i = 0; i < 3; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = c.Run({"GET", "k"});
    auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(crm::IsRetryable(r.status())) << r.status();
    EXPECT_LT(took, 300ms + 500ms) << "call hung past its timeout";
  }
  ASSERT_TRUE(server_.Start().ok());
  auto r = c.Run({"PING"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, "PONG");
}

TEST_F(RedisIntegration, HungServerTimesOutWithRetryableDeadlineExceeded) {
  RedisClient c(Options());
  ASSERT_TRUE(c.Run({"PING"}).ok());
  server_.Pause();  // accepts TCP but never answers
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.Pipeline({{"GET", "a"}, {"GET", "b"}});
  auto took = std::chrono::steady_clock::now() - t0;
  server_.Resume();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_TRUE(crm::IsRetryable(r.status()));
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 300ms + 700ms) << "call hung past its timeout";
  // After the server recovers the client works again (fresh connection).
  EXPECT_TRUE(c.Run({"PING"}).ok());
}

TEST(RedisNoServer, RefusedConnectionIsRetryable) {
  int port = crm::testing::FreePort();
  RedisClient c({"redis://127.0.0.1:" + std::to_string(port), 200ms, 200ms});
  auto r = c.Run({"PING"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

}  // namespace
}  // namespace crm::redis
