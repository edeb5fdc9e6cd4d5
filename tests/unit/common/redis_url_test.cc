#include <gtest/gtest.h>

#include "common/redis/redis_client.h"

namespace crm::redis {
namespace {

TEST(RedisUrl, ParsesHostPortPasswordAndDb) {
  auto u = ParseRedisUrl("redis://:pw@10.1.2.3:6380/2");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "10.1.2.3");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->password, "pw");
  EXPECT_EQ(u->db, 2);
}

TEST(RedisUrl, DefaultsPortAndMapsLocalhost) {
  auto u = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6379);
  EXPECT_EQ(u->db, 0);
}

TEST(RedisUrl, RejectsMalformed) {
  for (const char* bad : {"http://x:1", "redis://", "redis://h:notaport", "redis://h:70000", "redis://h:1/x"}) {
    auto u = ParseRedisUrl(bad);
    EXPECT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RedisErrors, RetryableReplyErrors) {
  EXPECT_TRUE(IsRetryableReplyError("LOADING Redis is loading the dataset in memory"));
  EXPECT_TRUE(IsRetryableReplyError("READONLY You can't write against a read only replica."));
  EXPECT_TRUE(IsRetryableReplyError("TRYAGAIN Multiple keys request during rehashing of slot"));
  EXPECT_FALSE(IsRetryableReplyError("WRONGTYPE Operation against a key holding the wrong kind of value"));
  EXPECT_FALSE(IsRetryableReplyError("ERR unknown command 'FOO'"));
}

TEST(RedisClient, BadUrlFailsEveryCallWithoutCrashing) {
  RedisClient c({"nope://x"});
  auto r = c.Run({"PING"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crm::redis
