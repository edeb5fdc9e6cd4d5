// BatchCompletion: a unit of work completes once, when every output has its
// delivery report: OK when all were acknowledged, else the first error.

#include "common/kafka/batch_completion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <thread>
#include <vector>

#include "common/testing/mocks.h"

namespace crm::kafka {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;

// Keeps the delivery callbacks so the test decides when and how each output is reported.
struct Held {
  std::vector<DeliveryCallback> callbacks;
  void Report(size_t i, absl::Status st) { callbacks.at(i)(Delivery{std::move(st), "t"}); }
};

class BatchCompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ON_CALL(publisher_, Publish(_, _, _, _, _))
        .WillByDefault(Invoke([this](std::string_view, std::string_view, std::string_view, DeliveryCallback cb,
                                     const std::vector<Header>&) {
          held_.callbacks.push_back(std::move(cb));
          return absl::OkStatus();
        }));
  }
  std::shared_ptr<BatchCompletion> Make() {
    return BatchCompletion::Create([this](absl::Status st) {
      ++reports_;
      result_ = std::move(st);
    });
  }
  ::testing::NiceMock<crm::testing::MockPublisher> publisher_;
  Held held_;
  int reports_ = 0;
  std::optional<absl::Status> result_;
};

TEST_F(BatchCompletionTest, CompletesOnceAfterTheLastAcknowledgement) {
  auto c = Make();
  for (int i = 0; i < 3; ++i) c->Publish(publisher_, "t", "k", "v");
  c->Seal();
  held_.Report(0, absl::OkStatus());
  held_.Report(2, absl::OkStatus());
  EXPECT_EQ(reports_, 0) << "one output is still unacknowledged";
  held_.Report(1, absl::OkStatus());
  EXPECT_EQ(reports_, 1);
  ASSERT_TRUE(result_.has_value());
  EXPECT_TRUE(result_->ok());
}

TEST_F(BatchCompletionTest, NotCompleteBeforeSealedEvenWhenAllOutputsAreAcknowledged) {
  auto c = Make();
  c->Publish(publisher_, "t", "k", "v");
  held_.Report(0, absl::OkStatus());
  EXPECT_EQ(reports_, 0) << "more outputs may follow until Seal";
  c->Seal();
  EXPECT_EQ(reports_, 1);
}

TEST_F(BatchCompletionTest, TheFirstErrorIsTheResult) {
  auto c = Make();
  for (int i = 0; i < 3; ++i) c->Publish(publisher_, "t", "k", "v");
  c->Seal();
  held_.Report(1, absl::DeadlineExceededError("first"));
  held_.Report(0, absl::UnavailableError("second"));
  held_.Report(2, absl::OkStatus());
  EXPECT_EQ(reports_, 1);
  EXPECT_EQ(result_->code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(BatchCompletionTest, APublishRefusedAtOnceFailsTheUnit) {
  EXPECT_CALL(publisher_, Publish(_, _, _, _, _))
      .WillOnce(Return(absl::ResourceExhaustedError("queue full")))
      .WillRepeatedly(Invoke([this](std::string_view, std::string_view, std::string_view, DeliveryCallback cb,
                                    const std::vector<Header>&) {
        held_.callbacks.push_back(std::move(cb));
        return absl::OkStatus();
      }));
  auto c = Make();
  c->Publish(publisher_, "t", "k", "v");
  c->Publish(publisher_, "t", "k", "v");
  c->Seal();
  EXPECT_EQ(reports_, 0) << "the accepted output is still awaited";
  held_.Report(0, absl::OkStatus());
  EXPECT_EQ(reports_, 1);
  EXPECT_EQ(result_->code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(BatchCompletionTest, AWorkFailureBeforePublishingFailsTheUnit) {
  auto c = Make();
  c->Seal(absl::UnavailableError("redis down"));
  EXPECT_EQ(reports_, 1);
  EXPECT_EQ(result_->code(), absl::StatusCode::kUnavailable);
}

TEST_F(BatchCompletionTest, ReportsFromOtherThreadsCompleteExactlyOnce) {
  for (int round = 0; round < 20; ++round) {
    held_.callbacks.clear();
    reports_ = 0;
    auto c = Make();
    for (int i = 0; i < 64; ++i) c->Publish(publisher_, "t", "k", "v");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = t; i < held_.callbacks.size(); i += 4) held_.Report(i, absl::OkStatus());
      });
    }
    c->Seal();
    for (auto& th : threads) th.join();
    EXPECT_EQ(reports_, 1);
  }
}

TEST(PublishAndWait, ReturnsOnceEveryRecordIsAcknowledged) {
  ::testing::NiceMock<crm::testing::MockPublisher> publisher;
  std::vector<std::thread> deliveries;
  int published = 0;
  ON_CALL(publisher, Publish(_, _, _, _, _))
      .WillByDefault(Invoke([&](std::string_view, std::string_view, std::string_view, DeliveryCallback cb,
                                const std::vector<Header>&) {
        ++published;
        deliveries.emplace_back([cb] { cb(Delivery{absl::OkStatus(), "t"}); });
        return absl::OkStatus();
      }));
  EXPECT_TRUE(PublishAndWait(publisher, "t", {{"a", "1"}, {"b", "2"}}).ok());
  EXPECT_EQ(published, 2);
  for (auto& d : deliveries) d.join();
}

}  // namespace
}  // namespace crm::kafka
