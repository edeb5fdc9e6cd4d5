#pragma once

// Wiring of the ingest service: producer, show registry follower, gRPC
// services and the raw-topic consumer. No domain logic here.

#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "common/config/config.h"
#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/service/service_host.h"
#include "common/shows/follower.h"
#include "common/shows/registry.h"
#include "common/util/clock.h"
#include "common/util/worker_pool.h"
#include "services/ingest/grpc_services.h"
#include "services/ingest/intake.h"

namespace crm::ingest {

class IngestApp {
 public:
  static void AddConfigKeys(config::Schema& schema);
  explicit IngestApp(const config::Config& config) : config_(config) {}
  ~IngestApp();

  // Connects the producer and loads the show registry (waits until the
  // registry topic has been read to its end).
  absl::Status Init();
  void RegisterServices(service::ServiceHost& host);
  // Starts consuming the raw topics on a thread of its own.
  absl::Status StartConsuming();
  // Finishes the batch in hand, commits, leaves the group.
  void StopConsuming();
  // Stops following the registry and flushes the producer.
  void Shutdown();

  // The raw-topic batch handler: decodes and normalizes the batch on the
  // worker pool, publishes, and calls `done` once every output is
  // acknowledged by the broker (the consumer then commits, in order).
  void HandleRawBatch(const std::vector<kafka::Message>& batch, kafka::BatchDone done);

 private:
  const config::Config& config_;
  SystemClock clock_;
  shows::ShowRegistry registry_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<IngestServiceImpl> ingest_service_;
  std::unique_ptr<ShowServiceImpl> show_service_;
  shows::RegistryFollower follower_{registry_};
  std::unique_ptr<WorkerPool> workers_;  // decode/normalize raw batches on all cores
  std::unique_ptr<kafka::Consumer> consumer_;
  std::thread consumer_thread_;
};

}  // namespace crm::ingest
