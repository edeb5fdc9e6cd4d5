// crm-loadgen resolved: a replay history for scoring, produced straight to
// crm.resolved.v1 (as dedup would) without going through ingest and dedup.
//
//   crm-loadgen resolved --brokers LIST --editions ID=YYYY-MM-DD[,ID=YYYY-MM-DD...]
//       [--show auto-expo] [--events 200000] [--customers 20000] [--seed 1]
//
// Every event belongs to one of --customers customers ("C%010d", keyed by
// it) and to one edition (occurred on one of its four show days). Payloads:
// registrations, gate check-ins, booth scans, payments, survey answers and
// complaints. The same flags give the same records, byte for byte. Records
// are kept small (short ids, no free text) so 200k of them fit the dev
// broker's bounded partition logs.

#include "tools/loadgen/resolved.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/kafka/producer.h"
#include "crm/v1/event.pb.h"
#include "crm/v1/identity.pb.h"
#include "tools/loadgen/resolved_gen.h"

namespace crm::loadgen {

int Resolved(const std::string& brokers, const std::string& editions_spec, const std::string& show, int64_t events,
             int64_t customers, uint64_t seed) {
  std::vector<Edition> editions;
  if (brokers.empty() || !ParseEditions(editions_spec, &editions) || events <= 0 || customers <= 0) return 2;
  auto producer = crm::kafka::Producer::Create({.brokers = brokers, .client_id = "loadgen-resolved"});
  if (!producer.ok()) {
    std::fprintf(stderr, "%s\n", producer.status().ToString().c_str());
    return 1;
  }
  std::atomic<int64_t> failed{0};
  int64_t bytes = 0;
  for (int64_t i = 0; i < events;) {
    crm::v1::ResolvedEvent r = MakeResolved(i, seed, customers, show, editions);
    std::string value = r.SerializeAsString();
    auto st = (*producer)->Publish("crm.resolved.v1", r.customer_id(), value, [&failed](const crm::kafka::Delivery& d) {
      if (!d.status.ok()) failed++;
    });
    if (!st.ok()) {  // local queue full: let deliveries drain
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    bytes += static_cast<int64_t>(value.size());
    ++i;
  }
  auto st = (*producer)->Flush(std::chrono::seconds(120));
  if (!st.ok() || failed.load() > 0) {
    std::fprintf(stderr, "resolved: flush %s, %lld deliveries failed\n", st.ToString().c_str(),
                 static_cast<long long>(failed.load()));
    return 1;
  }
  std::printf("resolved: %lld events for %lld customers on crm.resolved.v1 (%.1f MB of values)\n",
              static_cast<long long>(events), static_cast<long long>(customers), bytes / 1e6);
  return 0;
}

}  // namespace crm::loadgen
