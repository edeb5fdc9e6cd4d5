#pragma once

// Wiring of the streaming dedup service: consumes crm.events.v1, resolves
// each worker's slice of a batch (resolve_slice.h) and emits
// crm.resolved.v1 (keyed by customer id) and crm.identity.v1 (every index
// change); serves IdentityService (identity_service.h); rebuilds the index
// from crm.identity.v1. No domain logic here.

#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "common/config/config.h"
#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/redis/redis_client.h"
#include "common/service/service_host.h"
#include "common/util/worker_pool.h"
#include "services/dedup/stream/event_gate.h"
#include "services/dedup/stream/identity_index.h"
#include "services/dedup/stream/identity_service.h"
#include "services/dedup/stream/model_file.h"
#include "services/dedup/stream/resolve_slice.h"

namespace crm::dedup {

class DedupApp {
 public:
  static void AddConfigKeys(config::Schema& schema);
  explicit DedupApp(const config::Config& config) : config_(config) {}
  ~DedupApp();

  absl::Status Init();
  void RegisterServices(service::ServiceHost& host);
  absl::Status StartConsuming();
  void StopConsuming();
  void Shutdown();

  // Replays crm.identity.v1 into Redis (the index must be empty or stale);
  // fails if the topic is not read to its end within dedup.rebuild_timeout.
  absl::Status Rebuild();

 private:
  struct Worker {
    std::unique_ptr<redis::RedisClient> redis;
    std::unique_ptr<IdentityIndex> index;
    std::unique_ptr<EventGate> gate;
  };
  // Resolves the batch, publishes, and calls `done` once every output is acknowledged.
  void HandleBatch(const std::vector<kafka::Message>& batch, kafka::BatchDone done);
  std::unique_ptr<redis::RedisClient> NewRedis() const;

  const config::Config& config_;
  Model model_;
  IndexOptions index_options_;
  std::unique_ptr<kafka::Producer> producer_;
  std::vector<Worker> workers_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<IdentityServiceImpl> identity_service_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::thread consumer_thread_;
};

}  // namespace crm::dedup
