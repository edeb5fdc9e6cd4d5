// The lifecycle's figures (docs/BENCHMARKS.md), each beside the ceiling of
// the part it depends on, measured in the same run (own dev broker and
// redis-server):
//   BM_Judge              records judged per second on one core (the machine
//                         and the diff, no I/O): transitions evaluated
//   BM_BrokerConsume/N    N profiles consumed from the dev broker, no work
//                         (the bus's ceiling)
//   BM_ServiceConsume/N   the same N consumed and applied as the service does
//                         (InputsOf, LifecycleEngine::Apply against Redis)
//   BM_Deadline/N         one rebooking deadline over N members of a series:
//                         the timer's pass (read, judge, publish with acks to
//                         the dev broker, write); counters give the Redis read
//                         scan of the same members (its ceiling)
//
//   build/bench/lifecycle_bench --benchmark_filter=Deadline/1000000
// Synthetic profiles: exhibitors and visitors of edition 2024 (one in three
// rebooked for 2025), about 600 bytes each.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "common/kafka/batch_completion.h"
#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/redis/redis_client.h"
#include "common/testing/dev_broker.h"
#include "common/testing/redis_server.h"
#include "services/lifecycle/engine.h"
#include "services/lifecycle/inputs.h"
#include "services/lifecycle/store.h"

namespace {

using namespace crm::lifecycle;

constexpr int64_t kDayMs = 86'400'000;
crm::testing::DevBroker* g_broker = nullptr;
crm::testing::RedisServer* g_redis = nullptr;
int g_seq = 0;
size_t g_max_batch = std::getenv("LC_MAX_BATCH") ? std::strtoul(std::getenv("LC_MAX_BATCH"), nullptr, 10) : 2000;

// 2024: days 19830-19833 (2024-04-18..21), deadline 19900; 2025 a year on.
Calendars TheCalendar() {
  return {{"auto-expo", {{"2024", 19830, 19833, 19900}, {"2025", 20195, 20198, std::nullopt}}}};
}

crm::v1::Profile SyntheticProfile(uint64_t i) {
  uint64_t x = i * 0x9E3779B97F4A7C15ull + 1;
  auto next = [&] { return x ^= x << 13, x ^= x >> 7, x ^= x << 17, x; };
  crm::v1::Profile p;
  char id[16];
  std::snprintf(id, sizeof id, "C%010llu", static_cast<unsigned long long>(i));
  p.set_customer_id(id);
  const bool exhibitor = i % 10 == 0;
  p.mutable_summary()->set_customer_type(exhibitor ? crm::v1::CUSTOMER_TYPE_EXHIBITOR
                                                   : crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR);
  p.set_last_event_ms(19835 * kDayMs + static_cast<int64_t>(next() % kDayMs));
  auto* s = p.add_series();
  s->set_show_id("auto-expo");
  s->mutable_indicators()->set_value(static_cast<double>(next() % 10'000) / 10);
  s->mutable_indicators()->mutable_contribution_lifetime()->set_minor(static_cast<int64_t>(next() % 10'000'000));
  s->mutable_indicators()->mutable_contribution_lifetime()->set_currency("CNY");
  auto* e = s->add_editions();
  e->set_edition_id("2024");
  e->set_events(5 + next() % 20);
  e->set_first_event_ms(19700 * kDayMs + static_cast<int64_t>(next() % (100 * kDayMs)));
  e->set_last_event_ms(19833 * kDayMs);
  for (int d = 0, days = 1 + next() % 3; d < days; ++d) e->add_days_checked_in("2024-04-1" + std::to_string(8 + d));
  if (exhibitor) {
    e->set_exhibited(true);
    e->set_booth_area_sqm(9.0 * (1 + next() % 12));
    e->set_scans_made(next() % 200);
  } else {
    e->set_booth_visits(next() % 30);
    e->set_dwell_seconds(next() % 3000);
    e->set_timed_visits(e->booth_visits());
  }
  e->set_first_registration_ms(19780 * kDayMs);
  if (next() % 3 == 0) {
    auto* n = s->add_editions();
    n->set_edition_id("2025");
    n->set_events(1);
    n->set_first_event_ms(19870 * kDayMs);
    n->set_first_booking_ms(exhibitor ? 19870 * kDayMs : 0);
    n->set_first_registration_ms(19870 * kDayMs);
  }
  return p;
}

void ProduceProfiles(const std::string& topic, uint64_t n) {
  auto p = crm::kafka::Producer::Create({.brokers = g_broker->bootstrap_servers(), .client_id = "bench"});
  if (!p.ok()) std::abort();
  std::vector<std::pair<std::string, std::string>> records;
  for (uint64_t i = 0; i < n; ++i) {
    auto prof = SyntheticProfile(i);
    records.emplace_back(prof.customer_id(), prof.SerializeAsString());
    if (records.size() == 10'000 || i + 1 == n) {
      if (!crm::kafka::PublishAndWait(**p, topic, records).ok()) std::abort();
      records.clear();
    }
  }
}

std::string NewTopic(const char* what) {
  std::string t = std::string("bench.lifecycle.") + what + "." + std::to_string(++g_seq);
  if (!g_broker->Control("create-topic " + t + " 6").ok()) std::abort();
  return t;
}

void BM_Judge(benchmark::State& state) {
  const SeriesContext ctx{TheCalendar().at("auto-expo"), {}};
  std::vector<crm::v1::LifecycleRecord> records;
  for (uint64_t i = 0; i < 1000; ++i) {
    auto p = SyntheticProfile(i);
    crm::v1::LifecycleRecord r;
    TakeProfile(r, p, p.series(0));
    records.push_back(std::move(r));
  }
  const LifecycleRules rules;
  size_t i = 0, transitions = 0;
  for (auto _ : state) {
    Judged j = Judge(records[i++ % records.size()], ctx, 19901, rules);
    transitions += j.published.size();
    benchmark::DoNotOptimize(j);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["transitions_per_s"] = benchmark::Counter(static_cast<double>(transitions), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Judge);

// Consumes `n` records of `topic` in a fresh group; `handle` per batch. Seconds from the first to the last.
double ConsumeAll(const std::string& topic, uint64_t n,
                  const std::function<void(const std::vector<crm::kafka::Message>&)>& handle) {
  auto c = crm::kafka::Consumer::Create({.brokers = g_broker->bootstrap_servers(),
                                         .group_id = "bench-" + topic + std::to_string(++g_seq),
                                         .topics = {topic},
                                         .client_id = "bench",
                                         .max_batch = g_max_batch});
  if (!c.ok()) std::abort();
  uint64_t seen = 0;
  std::chrono::steady_clock::time_point first, last;
  auto* consumer = c->get();
  (void)consumer->Run([&](const std::vector<crm::kafka::Message>& batch) {
    if (seen == 0) first = std::chrono::steady_clock::now();
    handle(batch);
    seen += batch.size();
    if (seen >= n) {
      last = std::chrono::steady_clock::now();
      consumer->Stop();
    }
    return absl::OkStatus();
  });
  return std::chrono::duration<double>(last - first).count();
}

void BM_BrokerConsume(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    const std::string topic = NewTopic("ceiling");
    ProduceProfiles(topic, n);
    state.ResumeTiming();
    state.SetIterationTime(ConsumeAll(topic, n, [](const auto&) {}));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_BrokerConsume)->Arg(200'000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_ServiceConsume(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  crm::redis::RedisClient redis({g_redis->url()});
  for (auto _ : state) {
    state.PauseTiming();
    const std::string topic = NewTopic("profiles");
    ProduceProfiles(topic, n);
    LifecycleStore store(redis, "svc" + std::to_string(++g_seq) + ":");
    LifecycleEngine engine(store, [](const auto&) { return absl::OkStatus(); }, EngineOptions{});
    const Calendars cal = TheCalendar();
    state.ResumeTiming();
    state.SetIterationTime(ConsumeAll(topic, n, [&](const std::vector<crm::kafka::Message>& batch) {
      std::map<int32_t, int64_t> latest;
      const BatchInputs in = InputsOf(batch, {topic, "none"}, &latest);
      if (!store.RaisePartitionTimes(latest).ok() || !engine.Apply(in, cal, 19840).ok()) std::abort();
    }));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_ServiceConsume)->Arg(200'000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_Deadline(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  crm::redis::RedisClient redis({g_redis->url()});
  auto producer = crm::kafka::Producer::Create({.brokers = g_broker->bootstrap_servers(), .client_id = "bench"});
  if (!producer.ok()) std::abort();
  const std::string out_topic = NewTopic("transitions");
  for (auto _ : state) {
    state.PauseTiming();
    const std::string prefix = "dl" + std::to_string(++g_seq) + ":";
    LifecycleStore store(redis, prefix);
    const Calendars cal = TheCalendar();
    {
      // The members, judged as of the day after the close (their first stage).
      LifecycleEngine fill(store, [](const auto&) { return absl::OkStatus(); }, EngineOptions{});
      BatchInputs in;
      for (uint64_t i = 0; i < n; ++i) {
        in.profiles.push_back(SyntheticProfile(i));
        if (in.profiles.size() == 5000 || i + 1 == n) {
          if (!fill.Apply(in, cal, 19834).ok()) std::abort();
          in.profiles.clear();
        }
      }
      if (!fill.Schedule(cal).ok() || !fill.RunDue(cal, 19899).ok()) std::abort();  // close and settle
    }
    // The ceiling: the same members read by the same scan, nothing else.
    auto r0 = std::chrono::steady_clock::now();
    uint64_t read = 0;
    if (!store.ForEachRecord("auto-expo", 2000, [&](const auto&) { return ++read, true; }).ok()) std::abort();
    const double read_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
    uint64_t published = 0;
    LifecycleEngine engine(
        store,
        [&](const std::vector<crm::v1::StageTransition>& ts) {
          std::vector<std::pair<std::string, std::string>> records;
          records.reserve(ts.size());
          for (const auto& t : ts) records.emplace_back(t.customer_id(), t.SerializeAsString());
          published += ts.size();
          return crm::kafka::PublishAndWait(**producer, out_topic, records);
        },
        EngineOptions{});
    state.ResumeTiming();
    auto t0 = std::chrono::steady_clock::now();
    auto passes = engine.RunDue(cal, 19901);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!passes.ok() || passes->size() != 1) std::abort();
    state.SetIterationTime(s);
    state.counters["members"] = static_cast<double>(passes->front().judged);
    state.counters["transitions"] = static_cast<double>(published);
    state.counters["pass_s"] = s;
    state.counters["redis_scan_s"] = read_s;
    state.PauseTiming();
    (void)redis.Run({"FLUSHALL"});
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_Deadline)->Arg(100'000)->Arg(1'000'000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  crm::testing::DevBroker broker;
  if (auto st = broker.Start({}, 3); !st.ok()) {
    std::fprintf(stderr, "dev broker: %s\n", st.ToString().c_str());
    return 1;
  }
  crm::testing::RedisServer redis;
  if (auto st = redis.Start(); !st.ok()) {
    std::fprintf(stderr, "redis-server: %s\n", st.ToString().c_str());
    return 1;
  }
  g_broker = &broker;
  g_redis = &redis;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
