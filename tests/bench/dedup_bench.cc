// Identity resolution speed.
//
//   BM_CompareAndScore: one comparison vector plus its Fellegi-Sunter score
//     for prepared record pairs (what batch mode does per candidate pair),
//     single thread: comparisons per second per core.
//   BM_ResolveSlices: the streaming path without Kafka: slices of 100 events
//     (5 events per person, one new record per person, the rest seen before;
//     a fifth of them booth scans) through the duplicate gate, double-tap
//     check and identity index against a real redis-server, exactly as the
//     service resolves a consumed batch (ResolveSlice). Reports events/s and
//     the p50/p99 time of a slice, which bounds each event's time in dedup.
//
//   build/bench/dedup_bench
//
// Diagnostics: CRM_BENCH_SLOW_SLICES=1 prints each paced worker's slowest
// slices (when, how many events, round trips and time waiting on Redis);
// CRM_BENCH_SLOWLOG=1 sums redis-server's time per command and script.
// redis-server's own stalls (its latency monitor, >= 1 ms) are always printed.
//
// Cores: with two or more, redis-server runs on the last core this process
// may use (its server_cpulist) and the benchmark's threads on the others, as
// docs/OPERATIONS.md advises for production (Redis on a core of its own).
// CRM_BENCH_PIN=0: no pinning, every thread on any core.

#include <benchmark/benchmark.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/kafka/consumer.h"
#include "common/metrics/metrics.h"
#include "common/redis/redis_client.h"
#include "common/testing/redis_server.h"
#include "common/util/proto_time.h"
#include "common/util/strings.h"
#include "services/dedup/engine/model.h"
#include "services/dedup/stream/dedup_app.h"

namespace {

crm::testing::RedisServer* g_redis = nullptr;
const auto g_samples = std::make_shared<crm::dedup::SampleCache>();

const char* kSurnames[] = {"张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴", "徐", "孙"};
const char* kGiven[] = {"华", "平", "刚", "桂", "英", "飞", "玲", "辉", "鹏", "鑫", "晨", "宇", "浩", "俊",
                        "凯", "欣", "文", "斌", "婷", "雪", "琳", "倩", "丹", "红", "建", "国", "东", "海",
                        "波", "春", "林", "峰", "云", "龙", "霞", "秀", "超", "兰", "梅", "亮"};
const char* kCompanies[] = {"上海华东汽车零部件有限公司", "北京远大机械有限公司", "广州南方物流有限公司",
                            "Kessler Motion GmbH",        "苏州同舟传感器有限公司", "Sakura Components Co., Ltd.",
                            "宁波东方汽车零部件有限公司", "长沙汇通汽车电子有限公司"};
const char* kCities[] = {"上海", "北京", "广州", "苏州", "宁波", "长沙", "杭州", "南京"};

struct Person {
  std::string name, company, email, phone, city;
};

Person MakePerson(int64_t p) {
  uint64_t h = static_cast<uint64_t>(p) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  Person x;
  x.name = std::string(kSurnames[h % 12]) + kGiven[(h >> 8) % 40] + kGiven[(h >> 16) % 40];
  x.company = kCompanies[(h >> 24) % 8];
  x.city = kCities[(h >> 32) % 8];
  x.email = "p" + std::to_string(p) + "@example.com";
  char phone[16];
  std::snprintf(phone, sizeof phone, "139%08lld", static_cast<long long>(p % 100000000));
  x.phone = phone;
  return x;
}

crm::v1::Event MakeEvent(int64_t stream, int64_t i) {
  const int64_t person = stream * 10'000'000 + i / 5;
  Person x = MakePerson(person);
  crm::v1::Event ev;
  ev.set_event_id("b" + std::to_string(stream) + "-" + std::to_string(i));
  ev.mutable_source()->set_system(i % 5 == 4 ? "scanner-fleet" : "ticketing-web");
  ev.set_show_id("bench-expo");
  ev.set_edition_id("2026");
  crm::SetTimestampMillis(ev.mutable_occurred_at(), 1'760'000'000'000 + i * 1000);
  auto* id = ev.mutable_identity();
  id->set_full_name(x.name);
  id->set_company(x.company);
  id->set_email(x.email);
  id->set_phone(x.phone);
  id->set_city(x.city);
  id->set_badge_id("B" + std::to_string(person));
  if (i % 5 == 4) {
    ev.mutable_booth_scan()->set_booth("A" + std::to_string(i % 300));
    ev.mutable_booth_scan()->set_dwell_seconds(30);
  } else {
    ev.mutable_ticket_registration()->set_ticket_id("T" + std::to_string(i));
  }
  return ev;
}

void BM_CompareAndScore(benchmark::State& state) {
  const crm::dedup::Layout& layout = crm::dedup::IdentityLayout();
  std::vector<crm::dedup::Prepared> recs;
  for (int p = 0; p < 4000; ++p) {
    Person x = MakePerson(p % 1500);  // repeats: some pairs agree
    crm::dedup::RawRecord r;
    r.fields = {{crm::dedup::FieldKind::kName, x.name},       {crm::dedup::FieldKind::kGivenName, ""},
                {crm::dedup::FieldKind::kFamilyName, ""},     {crm::dedup::FieldKind::kCompany, x.company},
                {crm::dedup::FieldKind::kEmail, x.email},     {crm::dedup::FieldKind::kPhone, x.phone},
                {crm::dedup::FieldKind::kCity, x.city},       {crm::dedup::FieldKind::kCategory, "CN"},
                {crm::dedup::FieldKind::kIdentifier, "B" + std::to_string(p)}};
    recs.push_back(crm::dedup::Prepare(layout, r, "CN"));
  }
  auto model = crm::dedup::LoadModel("");
  std::vector<uint8_t> levels(layout.fields().size());
  std::mt19937 rng(1);
  std::vector<std::pair<uint32_t, uint32_t>> pairs(1 << 16);
  for (auto& pr : pairs) pr = {rng() % recs.size(), rng() % recs.size()};
  size_t k = 0;
  double sink = 0;
  for (auto _ : state) {
    const auto& [a, b] = pairs[k++ & (pairs.size() - 1)];
    crm::dedup::Compare(layout, recs[a], recs[b], levels.data());
    sink += model->Score(levels.data(), recs[a]);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CompareAndScore)->MinTime(2.0);

// Round trips of one worker, timed (which part of a slow slice was waiting on Redis).
class TimedStore final : public crm::redis::KeyValueStore {
 public:
  explicit TimedStore(crm::redis::KeyValueStore& inner) : inner_(inner) {}
  absl::StatusOr<crm::redis::Reply> Run(const crm::redis::Command& cmd) override {
    auto t0 = std::chrono::steady_clock::now();
    auto r = inner_.Run(cmd);
    Note(t0, 1);
    return r;
  }
  absl::StatusOr<std::vector<crm::redis::Reply>> Pipeline(const std::vector<crm::redis::Command>& cmds) override {
    auto t0 = std::chrono::steady_clock::now();
    auto r = inner_.Pipeline(cmds);
    Note(t0, cmds.size());
    return r;
  }
  double wait_ms = 0, worst_ms = 0;
  int trips = 0;
  size_t commands = 0;
  void Reset() { wait_ms = worst_ms = 0; trips = 0; commands = 0; }

 private:
  void Note(std::chrono::steady_clock::time_point t0, size_t n) {
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    wait_ms += ms;
    worst_ms = std::max(worst_ms, ms);
    ++trips;
    commands += n;
  }
  crm::redis::KeyValueStore& inner_;
};

std::mutex g_mu;
std::vector<double> g_slice_ms;
std::map<std::string, std::vector<double>> g_paced_ms;  // run -> per-event latencies of both workers

void BM_ResolveSlices(benchmark::State& state) {
  constexpr int kSlice = 100;
  static std::atomic<int> run{0};
  const int64_t stream = run.fetch_add(1);  // each thread its own people, like its own partitions
  crm::redis::RedisClient redis({g_redis->url()});
  auto model = crm::dedup::LoadModel("");
  crm::dedup::IndexOptions opt;
  opt.prefix = "bench:";
  opt.samples = g_samples;
  crm::dedup::IdentityIndex index(redis, *model, opt);
  crm::dedup::EventGate gate(opt.prefix, std::chrono::hours(192), std::chrono::seconds(60));
  std::vector<double> local_ms;
  int64_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<crm::kafka::Message> msgs(kSlice);
    std::vector<const crm::kafka::Message*> slice;
    for (int k = 0; k < kSlice; ++k) {
      msgs[k].topic = "crm.events.v1";
      msgs[k].partition = static_cast<int32_t>(stream);
      msgs[k].offset = next;
      msgs[k].value = MakeEvent(stream, next++).SerializeAsString();
      slice.push_back(&msgs[k]);
    }
    std::vector<std::pair<std::string, std::string>> out;
    std::vector<crm::v1::IdentityEvent> changes;
    state.ResumeTiming();
    auto t0 = std::chrono::steady_clock::now();
    auto st = crm::dedup::ResolveSlice(redis, gate, index, slice, &out, &changes);
    local_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!st.ok() || out.size() != kSlice) state.SkipWithError(st.ok() ? "events missing" : st.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * kSlice);
  std::sort(local_ms.begin(), local_ms.end());
  auto pct = [&](double p) { return local_ms.empty() ? 0.0 : local_ms[static_cast<size_t>(p * (local_ms.size() - 1))]; };
  // Per thread, averaged over threads.
  state.counters["slice_p50_ms"] = benchmark::Counter(pct(0.50), benchmark::Counter::kAvgThreads);
  state.counters["slice_p99_ms"] = benchmark::Counter(pct(0.99), benchmark::Counter::kAvgThreads);
  std::lock_guard l(g_mu);
  g_slice_ms.insert(g_slice_ms.end(), local_ms.begin(), local_ms.end());
}

// Paced: events arrive at `rate` per second (state.range(0), for
// state.range(1) seconds) spread over two workers (two threads, like two
// partitions' workers); each worker resolves whatever has arrived since its
// last slice. Per-event latency = slice end - arrival, so it includes the
// wait for the slice ahead. This is the service's per-event time in dedup
// with Redis at that load, without the bus. Runs share one redis-server:
// each later run starts with the earlier runs' customers in the index
// (reported as customers_in_index at its end).
void BM_PacedResolve(benchmark::State& state) {
  const double rate = static_cast<double>(state.range(0)) / state.threads();
  static std::atomic<int> run{100};
  const int64_t stream = run.fetch_add(1);
  crm::redis::RedisClient client({g_redis->url()});
  TimedStore redis(client);
  auto model = crm::dedup::LoadModel("");
  crm::dedup::IndexOptions opt;
  opt.prefix = "bench:";
  opt.samples = g_samples;  // one process on one Redis, like the service's workers
  crm::dedup::IdentityIndex index(redis, *model, opt);
  crm::dedup::EventGate gate(opt.prefix, std::chrono::hours(192), std::chrono::seconds(60));
  // Warm up first (per-thread ICU transliterators, memos, Redis connection):
  // the steady state is what is measured.
  {
    std::vector<crm::kafka::Message> msgs(200);
    std::vector<const crm::kafka::Message*> slice;
    for (int i = 0; i < 200; ++i) {
      msgs[i].topic = "warm-up";
      msgs[i].offset = i;
      msgs[i].value = MakeEvent(stream + 1000, i).SerializeAsString();
      slice.push_back(&msgs[i]);
    }
    std::vector<std::pair<std::string, std::string>> out;
    std::vector<crm::v1::IdentityEvent> changes;
    (void)crm::dedup::ResolveSlice(redis, gate, index, slice, &out, &changes);
  }
  std::vector<double> latency_ms;
  struct SliceTime {
    double at_s, ms;
    int events, changes;
    double wait_ms, worst_ms;  // waiting on Redis
    int trips;
    size_t commands;
  };
  std::vector<SliceTime> slices;
  int64_t next = 0;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto arrival = [&](int64_t i) {
    return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / rate));
  };
  const auto stop = start + std::chrono::seconds(state.range(1));
  for (auto _ : state) {
    while (Clock::now() < stop) {
      // Wait for at least one arrival, then take everything that has arrived.
      std::this_thread::sleep_until(arrival(next));
      int64_t end = next;
      auto now = Clock::now();
      while (arrival(end) <= now && end - next < 2000) ++end;
      std::vector<crm::kafka::Message> msgs(end - next);
      std::vector<const crm::kafka::Message*> slice;
      for (int64_t i = next; i < end; ++i) {
        auto& m = msgs[i - next];
        m.topic = "crm.events.v1";
        m.partition = static_cast<int32_t>(stream);
        m.offset = i;
        m.value = MakeEvent(stream, i).SerializeAsString();
        slice.push_back(&m);
      }
      std::vector<std::pair<std::string, std::string>> out;
      std::vector<crm::v1::IdentityEvent> changes;
      auto began = Clock::now();
      redis.Reset();
      auto st = crm::dedup::ResolveSlice(redis, gate, index, slice, &out, &changes);
      auto done = Clock::now();
      slices.push_back({std::chrono::duration<double>(began - start).count(),
                        std::chrono::duration<double, std::milli>(done - began).count(), static_cast<int>(slice.size()),
                        static_cast<int>(changes.size()), redis.wait_ms, redis.worst_ms, redis.trips, redis.commands});
      if (!st.ok() || out.size() != slice.size()) {
        state.SkipWithError(st.ok() ? "events missing" : st.ToString().c_str());
        break;
      }
      for (int64_t i = next; i < end; ++i) {
        latency_ms.push_back(std::chrono::duration<double, std::milli>(done - arrival(i)).count());
      }
      next = end;
    }
  }
  state.SetItemsProcessed(next);
  if (std::getenv("CRM_BENCH_SLOW_SLICES")) {
    std::sort(slices.begin(), slices.end(), [](auto& a, auto& b) { return a.ms > b.ms; });
    std::lock_guard l(g_mu);
    for (size_t i = 0; i < slices.size() && i < 12; ++i) {
      const auto& x = slices[i];
      std::printf(
          "slow slice, worker %d at %.3f s: %.2f ms, %d events, %d changes; %d round trips (%zu commands) %.2f ms, "
          "slowest %.2f ms\n",
          state.thread_index(), x.at_s, x.ms, x.events, x.changes, x.trips, x.commands, x.wait_ms, x.worst_ms);
    }
  }
  if (state.thread_index() == 0) {  // customers in the index at the end (all runs so far)
    auto seq = redis.Run({"GET", "bench:seq"});
    state.counters["customers_in_index"] = seq.ok() ? std::atof(seq->str.c_str()) : 0;
  }
  std::lock_guard l(g_mu);
  auto& all = g_paced_ms[crm::StrCat("PacedResolve ", state.range(0), " events/s for ", state.range(1), " s")];
  all.insert(all.end(), latency_ms.begin(), latency_ms.end());
}
// Args: events/s offered (over both workers), seconds.
BENCHMARK(BM_PacedResolve)
    ->Args({5000, 15})
    ->Args({7500, 15})
    ->Args({10000, 15})
    ->Threads(2)
    ->Iterations(1)
    ->UseRealTime();
// After the paced runs (they start from an empty index).
BENCHMARK(BM_ResolveSlices)->MinTime(5.0)->UseRealTime()->Threads(1)->Threads(2)->Threads(4);


// Pins this process (threads started later inherit it) to all allowed cores
// but the last one and returns that one for redis-server ("" when not pinned).
std::string SplitCores() {
  const char* pin = std::getenv("CRM_BENCH_PIN");
  cpu_set_t allowed;
  if ((pin && std::string(pin) == "0") || sched_getaffinity(0, sizeof allowed, &allowed) != 0 ||
      CPU_COUNT(&allowed) < 2) {
    return "";
  }
  int last = -1;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &allowed)) last = c;
  }
  cpu_set_t mine = allowed;
  CPU_CLR(last, &mine);
  if (sched_setaffinity(0, sizeof mine, &mine) != 0) return "";
  return std::to_string(last);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const std::string redis_core = SplitCores();
  std::printf("cores: %s\n", redis_core.empty() ? "not pinned (redis-server and benchmark threads on any core)"
                                                  : crm::StrCat("redis-server on core ", redis_core,
                                                                ", benchmark threads on the others").c_str());
  crm::testing::RedisServer redis(redis_core);
  if (auto st = redis.Start(); !st.ok()) {
    std::fprintf(stderr, "redis: %s\n", st.ToString().c_str());
    return 1;
  }
  g_redis = &redis;
  crm::redis::RedisClient admin({redis.url()});  // configuration and the figures printed at the end
  // Non-empty, trimmed lines of one INFO section.
  auto info = [&admin](const char* section) {
    std::vector<std::string> lines;
    auto r = admin.Run({"INFO", section});
    if (!r.ok()) return lines;
    for (auto line : crm::Split(r->str, '\n')) {
      line = crm::StripWhitespace(line);
      if (!line.empty()) lines.emplace_back(line);
    }
    return lines;
  };
  // CRM_BENCH_SLOWLOG=1: every command into redis-server's slow log, summed
  // per command (scripts by SHA1 prefix) at the end: the last 100,000 only.
  const bool slowlog = std::getenv("CRM_BENCH_SLOWLOG") != nullptr;
  if (slowlog) {
    (void)admin.Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
    (void)admin.Run({"CONFIG", "SET", "slowlog-max-len", "100000"});
  }
  // redis-server's own stalls (LATENCY LATEST at the end)
  (void)admin.Run({"CONFIG", "SET", "latency-monitor-threshold", "1"});
  benchmark::RunSpecifiedBenchmarks();
  {
    auto lat = admin.Run({"LATENCY", "LATEST"});
    if (lat.ok()) {
      for (const auto& e : lat->elements) {
        if (e.elements.size() < 4) continue;
        std::printf("redis-server stalls (latency monitor, >= 1 ms): %s latest %lld ms, max %lld ms\n",
                    e.elements[0].str.c_str(), static_cast<long long>(e.elements[2].integer),
                    static_cast<long long>(e.elements[3].integer));
      }
    }
  }
  if (slowlog) {
    auto r = admin.Run({"SLOWLOG", "GET", "100000"});
    if (!r.ok()) std::printf("slowlog: %s\n", r.status().ToString().c_str());
    std::map<std::string, std::pair<int64_t, int64_t>> per_command;  // calls, usec
    for (const auto& e : r.ok() ? r->elements : std::vector<crm::redis::Reply>{}) {
      if (e.elements.size() < 4) continue;
      const auto& args = e.elements[3].elements;
      std::string k = args.empty() ? "?" : args[0].str;
      if (k == "EVALSHA" && args.size() > 1) k += " " + args[1].str.substr(0, 8);
      per_command[k].first++;
      per_command[k].second += e.elements[2].integer;
    }
    for (const auto& [k, v] : per_command) {
      std::printf("slowlog %s calls=%lld usec=%lld per=%.1f\n", k.c_str(), static_cast<long long>(v.first),
                  static_cast<long long>(v.second), static_cast<double>(v.second) / v.first);
    }
  }
  // Where the slices' time went (all runs together).
  std::istringstream text(crm::metrics::Registry::Default().Render());
  for (std::string line; std::getline(text, line);) {
    if (line.rfind("crm_dedup_slice_phase_seconds_sum", 0) == 0 ||
        line.rfind("crm_dedup_slice_phase_seconds_count", 0) == 0 || line.rfind("crm_dedup_resolved_total", 0) == 0) {
      std::printf("%s\n", line.c_str());
    }
  }
  std::sort(g_slice_ms.begin(), g_slice_ms.end());
  if (!g_slice_ms.empty()) {
    auto pct = [&](double p) { return g_slice_ms[static_cast<size_t>(p * (g_slice_ms.size() - 1))]; };
    std::printf("ResolveSlices, all runs: %zu slices of 100 events; slice time p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                g_slice_ms.size(), pct(0.5), pct(0.99), g_slice_ms.back());
  }
  // redis-server's own CPU over the whole run (it shares the two cores).
  for (const auto& line : info("cpu")) {
    if (line.rfind("used_cpu_user:", 0) == 0 || line.rfind("used_cpu_sys:", 0) == 0) {
      std::printf("redis-server %s\n", line.c_str());
    }
  }
  // Where redis-server's time went, by command (scripts count as EVALSHA;
  // the commands they run are counted again under their own names).
  {
    std::vector<std::pair<double, std::string>> rows;
    for (const auto& line : info("commandstats")) {
      if (line.rfind("cmdstat_", 0) != 0) continue;
      auto usec = line.find("usec=");
      if (usec == std::string::npos) continue;
      rows.push_back({std::atof(line.c_str() + usec + 5), line});
    }
    std::sort(rows.rbegin(), rows.rend());
    for (size_t i = 0; i < rows.size() && i < 12; ++i) std::printf("redis-server %s\n", rows[i].second.c_str());
  }
  for (auto& [name, ms] : g_paced_ms) {
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) { return ms[static_cast<size_t>(p * (ms.size() - 1))]; };
    if (ms.empty()) continue;
    std::printf("%s, both workers: %zu events; per-event latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
                name.c_str(), ms.size(), pct(0.5), pct(0.99), pct(0.999), ms.back());
  }
  benchmark::Shutdown();
  return 0;
}
