#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/testing/dev_broker.h"
#include "common/testing/subprocess.h"
#include "common/util/status.h"

namespace crm::kafka {
namespace {

using crm::testing::DevBroker;
using crm::testing::WaitFor;
using namespace std::chrono_literals;

class KafkaIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.Start({{"t.basic", 6}, {"t.pressure", 3}, {"t.retry", 2}, {"t.group", 6}, {"t.crash", 6}}).ok());
  }

  std::unique_ptr<Producer> MakeProducer(ProducerOptions opt = {}) {
    opt.brokers = broker_.bootstrap_servers();
    auto p = Producer::Create(opt);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }

  ConsumerOptions ConsumerOpts(const std::string& topic, const std::string& group) {
    ConsumerOptions o;
    o.brokers = broker_.bootstrap_servers();
    o.topics = {topic};
    o.group_id = group;
    o.session_timeout = 6000ms;
    return o;
  }

  DevBroker broker_;
};

TEST_F(KafkaIntegration, EveryPublishGetsExactlyOneSuccessfulDeliveryReport) {
  auto producer = MakeProducer();
  constexpr int kCount = 2000;
  std::mutex mu;
  std::map<int32_t, std::vector<int64_t>> offsets;
  std::atomic<int> reports{0};
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(producer->Publish("t.basic", "key-" + std::to_string(i % 50), std::string(200, 'x'),
                                  [&](const Delivery& d) {
                                    ASSERT_TRUE(d.status.ok()) << d.status;
                                    std::lock_guard l(mu);
                                    offsets[d.partition].push_back(d.offset);
                                    reports++;
                                  }).ok());
  }
  ASSERT_TRUE(producer->Flush(30s).ok());
  EXPECT_EQ(reports.load(), kCount);
  // Offsets per partition are exactly 0..n-1: nothing lost, nothing duplicated.
  int total = 0;
  for (auto& [p, offs] : offsets) {
    std::sort(offs.begin(), offs.end());
    for (size_t i = 0; i < offs.size(); ++i) ASSERT_EQ(offs[i], static_cast<int64_t>(i)) << "partition " << p;
    total += static_cast<int>(offs.size());
  }
  EXPECT_EQ(total, kCount);
  // The same key always lands on the same partition.
  auto a = producer->PublishSync("t.basic", "key-7", "a", 10s);
  auto b = producer->PublishSync("t.basic", "key-7", "b", 10s);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->partition, b->partition);
}

TEST_F(KafkaIntegration, FullLocalQueueAppliesBackPressureThenRecovers) {
  ProducerOptions opt;
  opt.max_buffered_messages = 200;
  opt.enqueue_timeout = 300ms;
  opt.delivery_timeout = 60s;
  auto producer = MakeProducer(opt);
  ASSERT_TRUE(producer->PublishSync("t.pressure", "warm", "up", 10s).ok());
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(broker_.Control("broker-down " + std::to_string(id)).ok());

  std::atomic<int> ok_reports{0}, failed_reports{0};
  int accepted = 0;
  absl::Status last;
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) {
    last = producer->Publish("t.pressure", std::to_string(i), "v", [&](const Delivery& d) {
      (d.status.ok() ? ok_reports : failed_reports)++;
    });
    if (!last.ok()) break;
    ++accepted;
  }
  auto blocked_for = std::chrono::steady_clock::now() - started;
  // The queue bound holds: the caller is told to back off instead of memory growing.
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.code(), absl::StatusCode::kResourceExhausted) << last;
  EXPECT_TRUE(crm::IsRetryable(last));
  EXPECT_LE(accepted, 200);
  EXPECT_GE(blocked_for, 300ms);

  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(broker_.Control("broker-up " + std::to_string(id)).ok());
  ASSERT_TRUE(producer->Flush(60s).ok());
  EXPECT_EQ(ok_reports.load(), accepted);
  EXPECT_EQ(failed_reports.load(), 0);
}

TEST_F(KafkaIntegration, FailedHandlerIsRetriedAndNothingIsCommittedBeforeSuccess) {
  auto producer = MakeProducer();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(producer->Publish("t.retry", std::to_string(i), "v", nullptr).ok());
  ASSERT_TRUE(producer->Flush(10s).ok());

  auto opts = ConsumerOpts("t.retry", "g.retry");
  opts.retry_backoff = 50ms;
  auto consumer = Consumer::Create(opts);
  ASSERT_TRUE(consumer.ok());
  std::atomic<int> attempts{0}, handled{0};
  std::atomic<bool> committed_early{false};
  std::string brokers = broker_.bootstrap_servers();
  std::thread runner([&] {
    (void)(*consumer)->Run([&](const std::vector<Message>& batch) -> absl::Status {
      if (attempts++ < 3) {
        // While failing, the group must have committed nothing.
        auto c = FetchCommittedOffsets(brokers, "g.retry", "t.retry", 5s);
        if (c.ok())
          for (auto& [p, off] : *c)
            if (off >= 0) committed_early = true;
        return absl::UnavailableError("downstream not ready");
      }
      handled += static_cast<int>(batch.size());
      return absl::OkStatus();
    });
  });
  bool all = WaitFor([&] { return handled.load() >= 100; }, 60s);
  (*consumer)->Stop();
  runner.join();
  ASSERT_TRUE(all) << "handled " << handled.load();
  EXPECT_FALSE(committed_early.load());
  auto committed = FetchCommittedOffsets(brokers, "g.retry", "t.retry", 10s);
  ASSERT_TRUE(committed.ok()) << committed.status();
  int64_t sum = 0;
  for (auto& [p, off] : *committed) sum += std::max<int64_t>(0, off);
  EXPECT_EQ(sum, 100);
}

TEST_F(KafkaIntegration, TwoMembersOfAGroupShareThePartitions) {
  auto producer = MakeProducer();
  constexpr int kCount = 3000;
  for (int i = 0; i < kCount; ++i)
    ASSERT_TRUE(producer->Publish("t.group", "k" + std::to_string(i), std::to_string(i), nullptr).ok());
  ASSERT_TRUE(producer->Flush(10s).ok());

  std::mutex mu;
  std::set<std::string> seen;
  std::atomic<int> by_member[2] = {0, 0};
  std::vector<std::unique_ptr<Consumer>> consumers;
  std::vector<std::thread> threads;
  for (int m = 0; m < 2; ++m) {
    auto opts = ConsumerOpts("t.group", "g.share");
    opts.max_batch = 50;
    auto c = Consumer::Create(opts);
    ASSERT_TRUE(c.ok());
    consumers.push_back(std::move(*c));
  }
  for (int m = 0; m < 2; ++m) {
    threads.emplace_back([&, m] {
      (void)consumers[m]->Run([&, m](const std::vector<Message>& batch) {
        std::lock_guard l(mu);
        for (auto& msg : batch) seen.insert(msg.value);
        by_member[m] += static_cast<int>(batch.size());
        std::this_thread::sleep_for(20ms);  // slow enough that both members get work
        return absl::OkStatus();
      });
    });
  }
  bool done = WaitFor([&] {
    std::lock_guard l(mu);
    return static_cast<int>(seen.size()) == kCount;
  }, 120s);
  for (auto& c : consumers) c->Stop();
  for (auto& t : threads) t.join();
  ASSERT_TRUE(done);
  EXPECT_GT(by_member[0].load(), 0);
  EXPECT_GT(by_member[1].load(), 0);
}

// Reads the worker's log: partition -> handled offsets.
std::map<int32_t, std::set<int64_t>> ReadHandled(const std::string& path) {
  std::map<int32_t, std::set<int64_t>> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    int32_t p;
    int64_t o;
    if (ls >> p >> o) out[p].insert(o);
  }
  return out;
}

size_t CountHandled(const std::map<int32_t, std::set<int64_t>>& h) {
  size_t n = 0;
  for (auto& [p, s] : h) n += s.size();
  return n;
}

class KafkaCrash : public KafkaIntegration, public ::testing::WithParamInterface<bool> {};

TEST_P(KafkaCrash, HundredThousandMessagesSurviveAConsumerKilledHalfWay) {
  constexpr int kCount = 100'000;
  const bool async = GetParam();
  const std::string topic = "t.crash", group = "g.crash";
  std::map<int32_t, int64_t> produced;  // partition -> message count
  {
    auto producer = MakeProducer();
    std::mutex mu;
    std::atomic<int> failures{0};
    for (int i = 0; i < kCount; ++i) {
      ASSERT_TRUE(producer->Publish(topic, std::to_string(i), std::string(100, 'm'), [&](const Delivery& d) {
        if (!d.status.ok()) failures++;
        std::lock_guard l(mu);
        produced[d.partition]++;
      }).ok());
    }
    ASSERT_TRUE(producer->Flush(60s).ok());
    ASSERT_EQ(failures.load(), 0);
  }

  std::string dir = crm::testing::MakeTempDir("crm-kafka-crash");
  std::string log = dir + "/handled.log";
  auto start_worker = [&] {
    auto w = std::make_unique<crm::testing::Subprocess>();
    EXPECT_TRUE(w->Start({CRM_KAFKA_WORKER_PATH, broker_.bootstrap_servers(), topic, group, log, "20",
                          async ? "async" : "sync"})
                    .ok());
    return w;
  };

  auto worker = start_worker();
  ASSERT_TRUE(WaitFor([&] { return CountHandled(ReadHandled(log)) >= kCount / 2; }, 120s))
      << "worker handled only " << CountHandled(ReadHandled(log));
  worker->Signal(SIGKILL);
  worker->Wait(10s);

  // Committed offsets may never run ahead of what the handler finished.
  auto handled = ReadHandled(log);
  ASSERT_LT(CountHandled(handled), static_cast<size_t>(kCount)) << "killed too late to test anything";
  auto committed = FetchCommittedOffsets(broker_.bootstrap_servers(), group, topic, 10s);
  ASSERT_TRUE(committed.ok()) << committed.status();
  int64_t committed_total = 0;
  for (auto& [p, next] : *committed) {
    for (int64_t o = 0; o < next; ++o) {
      ASSERT_TRUE(handled[p].count(o)) << "partition " << p << " committed " << next << " but offset " << o
                                       << " was never handled";
    }
    committed_total += std::max<int64_t>(0, next);
  }
  EXPECT_GT(committed_total, 0) << "the first run should have committed something";

  // Restarted, the group resumes from the commits and finishes the topic.
  worker = start_worker();
  ASSERT_TRUE(WaitFor([&] { return CountHandled(ReadHandled(log)) >= static_cast<size_t>(kCount); }, 180s))
      << "after restart only " << CountHandled(ReadHandled(log)) << " handled";
  worker->Stop();

  handled = ReadHandled(log);
  for (auto& [p, n] : produced) {
    ASSERT_EQ(handled[p].size(), static_cast<size_t>(n)) << "partition " << p;
    EXPECT_EQ(*handled[p].rbegin(), n - 1);
  }
  crm::testing::RemoveTree(dir);
}

// Sync: Run(). Pipelined: RunAsync() with batches finishing out of order.
INSTANTIATE_TEST_SUITE_P(Modes, KafkaCrash, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Pipelined" : "Sync"; });

}  // namespace
}  // namespace crm::kafka
