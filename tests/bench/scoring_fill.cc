// scoring_fill: fills scoring's Redis state with crm-loadgen's resolved
// history without Kafka, for the benchmarks at a scale the dev broker's
// bounded partition logs cannot hold (500k customers). Each batch goes
// through ApplyBatch and ProfileStore::Store, what the service does per
// consumed batch with publishing left out; then it measures what Redis holds.
//
//   scoring_fill --redis URL --prefix bench: --show auto-expo --editions ID=YYYY-MM-DD,...
//                [--events 2500000] [--customers 500000] [--seed 1] [--batch 2000] [--threads 2]
//
// Threads split the customers (customer c to thread c % threads), like
// consumers of a topic keyed by customer; events of each customer are
// applied in history order. Progress every 10% on stderr; the figures on
// stdout.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/redis/redis_client.h"
#include "services/scoring/domain/facts.h"
#include "services/scoring/update.h"
#include "tools/loadgen/resolved_gen.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string Arg(int argc, char** argv, const std::string& k, const std::string& def) {
  for (int i = 1; i + 1 < argc; i += 2)
    if (argv[i] == "--" + k) return argv[i + 1];
  return def;
}

// used_memory from INFO memory.
int64_t UsedMemory(crm::redis::RedisClient& r) {
  auto info = r.Run({"INFO", "memory"});
  if (!info.ok()) return -1;
  const std::string& s = info->str;
  auto at = s.find("used_memory:");
  return at == std::string::npos ? -1 : std::atoll(s.c_str() + at + 12);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string url = Arg(argc, argv, "redis", "");
  const std::string prefix = Arg(argc, argv, "prefix", "bench:");
  const std::string show = Arg(argc, argv, "show", "auto-expo");
  const int64_t events = std::atoll(Arg(argc, argv, "events", "2500000").c_str());
  const int64_t customers = std::atoll(Arg(argc, argv, "customers", "500000").c_str());
  const uint64_t seed = std::strtoull(Arg(argc, argv, "seed", "1").c_str(), nullptr, 10);
  const size_t batch = static_cast<size_t>(std::atoll(Arg(argc, argv, "batch", "2000").c_str()));
  const int threads = std::max(1, std::atoi(Arg(argc, argv, "threads", "2").c_str()));
  std::vector<crm::loadgen::Edition> editions;
  if (url.empty() || !crm::loadgen::ParseEditions(Arg(argc, argv, "editions", ""), &editions) || events <= 0 ||
      customers <= 0 || batch == 0) {
    std::fprintf(stderr,
                 "usage: scoring_fill --redis URL --editions ID=YYYY-MM-DD,... [--prefix bench:] [--show auto-expo]\n"
                 "                    [--events 2500000] [--customers 500000] [--seed 1] [--batch 2000] [--threads 2]\n");
    return 2;
  }
  std::sort(editions.begin(), editions.end(), [](const auto& a, const auto& b) { return a.open_s < b.open_s; });
  crm::scoring::Calendars calendars;
  for (const auto& e : editions) calendars[show].push_back(e.id);
  const crm::scoring::WeightBook weights;

  crm::redis::RedisOptions ropt;
  ropt.url = url;
  ropt.command_timeout = std::chrono::seconds(30);
  crm::redis::RedisClient probe(ropt);
  const int64_t mem_before = UsedMemory(probe);

  std::atomic<int64_t> done{0};
  std::atomic<bool> failed{false};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      crm::redis::RedisClient redis(ropt);
      crm::scoring::ProfileStore store(redis, prefix);
      std::vector<crm::scoring::ProfileStore::FactInput> facts;
      auto flush = [&] {
        if (facts.empty() || failed.load()) return;
        auto rebuilt = crm::scoring::ApplyBatch(store, facts, {}, {calendars, weights, nullptr});
        absl::Status st = rebuilt.ok() ? store.Store(rebuilt->changed, rebuilt->before) : rebuilt.status();
        if (!st.ok()) {
          std::fprintf(stderr, "scoring_fill: %s\n", st.ToString().c_str());
          failed.store(true);
        }
        const int64_t before = done.fetch_add(static_cast<int64_t>(facts.size()));
        const int64_t step = std::max<int64_t>(1, events / 10);
        if ((before + static_cast<int64_t>(facts.size())) / step != before / step)
          std::fprintf(stderr, "scoring_fill: %lld of %lld events\n",
                       static_cast<long long>(before + static_cast<int64_t>(facts.size())),
                       static_cast<long long>(events));
        facts.clear();
      };
      for (int64_t i = 0; i < events && !failed.load(); ++i) {
        crm::v1::ResolvedEvent r = crm::loadgen::MakeResolved(i, seed, customers, show, editions);
        if (std::atoll(r.customer_id().c_str() + 1) % threads != t) continue;
        if (auto f = crm::scoring::FactOf(r)) facts.push_back({r.record_id(), r.customer_id(), std::move(*f)});
        if (facts.size() >= batch) flush();
      }
      flush();
    });
  }
  for (auto& th : pool) th.join();
  if (failed.load()) return 1;
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const int64_t mem_after = UsedMemory(probe);

  // A sample of profile keys: their own footprint and value length.
  int64_t sampled = 0, usage = 0, length = 0;
  for (int64_t c = 0; c < customers && sampled < 2000; c += std::max<int64_t>(1, customers / 2000)) {
    char cid[24];
    std::snprintf(cid, sizeof cid, "C%010lld", static_cast<long long>(c));
    const std::string key = prefix + "cust:{" + cid + "}:profile";
    auto u = probe.Pipeline({{"MEMORY", "USAGE", key, "SAMPLES", "0"}, {"STRLEN", key}});
    if (!u.ok() || (*u)[0].is_nil()) continue;
    usage += (*u)[0].integer;
    length += (*u)[1].integer;
    ++sampled;
  }
  // The indexes (value, segments, editions): every key of the prefix that
  // is not a record's, a customer's or a booth's.
  // Booth keys (the exhibitor side of scans) are counted apart.
  int64_t index_bytes = 0, index_keys = 0, booth_bytes = 0, booth_keys = 0;
  std::string cursor = "0";
  do {
    auto page = probe.Run({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "10000"});
    if (!page.ok() || page->elements.size() != 2) break;
    cursor = page->elements[0].str;
    for (const auto& k : page->elements[1].elements) {
      if (k.str.rfind(prefix + "rec:", 0) == 0 || k.str.rfind(prefix + "cust:", 0) == 0) continue;
      auto u = probe.Run({"MEMORY", "USAGE", k.str, "SAMPLES", "0"});
      const int64_t bytes = u.ok() ? u->integer : 0;
      if (k.str.rfind(prefix + "booth:", 0) == 0) {
        booth_bytes += bytes;
        ++booth_keys;
      } else {
        index_bytes += bytes;
        ++index_keys;
      }
    }
  } while (cursor != "0");
  auto card = probe.Run({"ZCARD", prefix + "value:" + show});
  auto dbsize = probe.Run({"DBSIZE"});
  const int64_t in_series = card.ok() ? card->integer : -1;
  std::printf("fill: %lld events, %lld customers with a profile, %.1f s, %.0f events/s (%d threads)\n",
              static_cast<long long>(events), static_cast<long long>(in_series), secs, events / secs, threads);
  std::printf("redis: used_memory %.1f MB before, %.1f MB after, %lld keys; %.0f bytes per customer (all of scoring's keys)\n",
              mem_before / 1e6, mem_after / 1e6, static_cast<long long>(dbsize.ok() ? dbsize->integer : -1),
              in_series > 0 ? double(mem_after - mem_before) / in_series : 0.0);
  std::printf("profile key (sample of %lld): %.0f bytes MEMORY USAGE, %.0f bytes value\n",
              static_cast<long long>(sampled), sampled ? double(usage) / sampled : 0.0,
              sampled ? double(length) / sampled : 0.0);
  std::printf("booth lead keys: %lld keys, %.1f MB\n", static_cast<long long>(booth_keys), booth_bytes / 1e6);
  std::printf("indexes: %lld keys, %.1f MB; profile key and index entries per customer: %.0f bytes\n",
              static_cast<long long>(index_keys), index_bytes / 1e6,
              in_series > 0 && sampled ? double(usage) / sampled + double(index_bytes) / in_series : 0.0);
  return 0;
}
