// Redis HSET rate, one round trip per command against pipelined batches,
// same redis-server, same run. This is why services batch Redis work per
// consumed Kafka batch.
//
//   build/bench/redis_bench

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/redis/redis_client.h"
#include "common/testing/redis_server.h"

namespace {

crm::testing::RedisServer* g_redis = nullptr;

crm::redis::Command Hset(int i) {
  return {"HSET", "{c" + std::to_string(i % 100000) + "}:profile", "score", std::to_string(i)};
}

void BM_HsetUnpipelined(benchmark::State& state) {
  crm::redis::RedisClient c({g_redis->url()});
  int i = 0;
  for (auto _ : state) {
    auto r = c.Run(Hset(i++));
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HsetUnpipelined)->MinTime(2.0)->UseRealTime();

void BM_HsetPipelined(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  crm::redis::RedisClient c({g_redis->url()});
  std::vector<crm::redis::Command> cmds;
  int i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    cmds.clear();
    for (int k = 0; k < batch; ++k) cmds.push_back(Hset(i++));
    state.ResumeTiming();
    auto r = c.Pipeline(cmds);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_HsetPipelined)->Arg(10)->Arg(100)->Arg(1000)->MinTime(2.0)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  crm::testing::RedisServer redis;
  if (auto st = redis.Start(); !st.ok()) {
    std::fprintf(stderr, "redis: %s\n", st.ToString().c_str());
    return 1;
  }
  g_redis = &redis;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
