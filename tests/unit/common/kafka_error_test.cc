#include <gtest/gtest.h>

#include "common/kafka/kafka_common.h"
#include "common/kafka/producer.h"
#include "common/util/status.h"

namespace crm::kafka {
namespace {

TEST(KafkaErrors, TransientFailuresAreRetryable) {
  for (auto err : {RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
                   RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                   RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS}) {
    auto st = ErrorToStatus(err, "op");
    EXPECT_TRUE(IsRetryable(st)) << rd_kafka_err2name(err) << " -> " << st;
  }
}

TEST(KafkaErrors, PermanentFailuresAreNot) {
  for (auto err : {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
                   RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
                   RD_KAFKA_RESP_ERR_INVALID_MSG}) {
    auto st = ErrorToStatus(err, "op");
    EXPECT_FALSE(st.ok());
    EXPECT_FALSE(IsRetryable(st)) << rd_kafka_err2name(err) << " -> " << st;
  }
}

TEST(KafkaErrors, MessageNamesTheOperation) {
  auto st = ErrorToStatus(RD_KAFKA_RESP_ERR__TRANSPORT, "kafka publish to crm.events.v1");
  EXPECT_NE(st.message().find("kafka publish to crm.events.v1"), std::string::npos);
  EXPECT_NE(st.message().find("_TRANSPORT"), std::string::npos);
}

TEST(KafkaProducer, RejectsMissingBrokersAndBadSettings) {
  EXPECT_EQ(Producer::Create({}).status().code(), absl::StatusCode::kInvalidArgument);
  ProducerOptions opt;
  opt.brokers = "127.0.0.1:1";
  opt.extra["no.such.setting"] = "1";
  auto p = Producer::Create(opt);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("no.such.setting"), std::string::npos);
}

}  // namespace
}  // namespace crm::kafka
