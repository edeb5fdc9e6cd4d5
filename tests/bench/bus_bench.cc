// The bus's ceiling on this machine: produce and consume rates of 200-byte
// messages through the dev broker (3 mock brokers, 12 partitions) with the
// project's producer (idempotent, acks=all) and consumer-group consumer
// (commit per batch). Later pipeline benchmarks are compared against these.
//
//   build/bench/bus_bench --benchmark_repetitions=5
// Second argument of BM_Produce: linger.ms.

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/testing/dev_broker.h"

namespace {

crm::testing::DevBroker* g_broker = nullptr;
int g_topic_seq = 0;
constexpr int kMessageBytes = 200;

std::string NewTopic() {
  std::string t = "bench.bus." + std::to_string(++g_topic_seq);
  // 12 partitions keep each partition's share of a run (100k x 200 B) under
  // the mock cluster's ~5 MB per-partition retention.
  if (!g_broker->Control("create-topic " + t + " 12").ok()) std::abort();
  return t;
}

// 1024 distinct random printable payloads: lz4 (the producer's compression)
// cannot shrink them much, so the figures are not flattered by compression.
const std::vector<std::string>& Payloads() {
  static const std::vector<std::string> pool = [] {
    std::vector<std::string> out;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 1024; ++i) {
      std::string v(kMessageBytes, ' ');
      for (auto& ch : v) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        ch = static_cast<char>(33 + x % 94);
      }
      out.push_back(std::move(v));
    }
    return out;
  }();
  return pool;
}

// Produces `n` messages and waits for every acknowledgement; returns seconds.
double ProduceAll(crm::kafka::Producer& p, const std::string& topic, int n) {
  const auto& payloads = Payloads();
  std::atomic<int> failed{0};
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto st = p.Publish(topic, std::to_string(i), payloads[i % payloads.size()], [&](const crm::kafka::Delivery& d) {
      if (!d.status.ok()) failed++;
    });
    if (!st.ok()) std::abort();
  }
  if (!p.Flush(std::chrono::seconds(120)).ok() || failed.load()) std::abort();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_Produce(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  crm::kafka::ProducerOptions o{.brokers = g_broker->bootstrap_servers(), .client_id = "bench"};
  o.linger = std::chrono::milliseconds(state.range(1));
  auto p = crm::kafka::Producer::Create(o);
  for (auto _ : state) {
    std::string topic = NewTopic();
    state.SetIterationTime(ProduceAll(**p, topic, n));
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * kMessageBytes);
}
BENCHMARK(BM_Produce)->Args({100'000, 5})->Args({100'000, 50})->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_Consume(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto p = crm::kafka::Producer::Create({.brokers = g_broker->bootstrap_servers(), .client_id = "bench"});
  for (auto _ : state) {
    state.PauseTiming();
    std::string topic = NewTopic();
    ProduceAll(**p, topic, n);
    auto c = crm::kafka::Consumer::Create({.brokers = g_broker->bootstrap_servers(),
                                           .group_id = "bench-" + topic,
                                           .topics = {topic},
                                           .client_id = "bench"});
    state.ResumeTiming();
    int seen = 0;
    std::chrono::steady_clock::time_point first, last;
    auto* consumer = c->get();
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    (void)consumer->Run([&](const std::vector<crm::kafka::Message>& batch) {
      if (seen == 0) first = std::chrono::steady_clock::now();
      if (std::chrono::steady_clock::now() > give_up) {
        std::fprintf(stderr, "consume: only %d of %d messages after 120 s\n", seen, n);
        std::abort();
      }
      seen += static_cast<int>(batch.size());
      if (seen >= n) {
        last = std::chrono::steady_clock::now();
        consumer->Stop();
      }
      return absl::OkStatus();
    });
    // Timed from the first message to the last commit: group join time is
    // a one-off per start and is reported separately by the round-trip tool.
    state.SetIterationTime(std::chrono::duration<double>(last - first).count());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * kMessageBytes);
}
BENCHMARK(BM_Consume)->Arg(100'000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  crm::testing::DevBroker broker;
  if (auto st = broker.Start({}, 3); !st.ok()) {
    std::fprintf(stderr, "dev broker: %s\n", st.ToString().c_str());
    return 1;
  }
  g_broker = &broker;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
