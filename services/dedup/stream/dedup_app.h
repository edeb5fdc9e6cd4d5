#pragma once

// Wiring of the streaming dedup service: consumes crm.events.v1, drops
// duplicate events, folds scanner double taps into one lead, resolves each
// event's identity to a customer and emits crm.resolved.v1 (keyed by
// customer id) and crm.identity.v1 (every index change). Also serves
// IdentityService and rebuilds the index from crm.identity.v1.

#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "common/config/config.h"
#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/redis/redis_client.h"
#include "common/service/service_host.h"
#include "common/util/worker_pool.h"
#include "crm/v1/identity.grpc.pb.h"
#include "services/dedup/stream/identity_index.h"

namespace crm::dedup {

// What became of one event before resolution.
enum class EventFate { kNew, kRedelivery, kDuplicate };

// Event-id and double-tap checks against Redis. The commands are meant to
// share a pipeline with the index's known-record lookups (one round trip for
// a slice's events seen before).
class EventGate {
 public:
  EventGate(std::string prefix, std::chrono::milliseconds id_ttl, std::chrono::milliseconds tap_window)
      : prefix_(std::move(prefix)), id_ttl_(id_ttl), tap_window_(tap_window) {}
  struct Lead {
    std::string lead_id;
    uint32_t dwell_seconds = 0;
    bool update = false;  // a double tap of lead_id
  };
  struct Admission {
    EventFate fate = EventFate::kNew;
    bool scan = false;  // a booth scan with a badge: `lead` is set
    Lead lead;
  };
  // The command admitting one event. `position` identifies this delivery
  // ("topic/partition/offset"): a replay of the same delivery after a crash
  // is not a duplicate. A booth scan that is not a duplicate is folded into
  // its lead atomically (a double tap within the window extends the earlier
  // scan's lead).
  redis::Command AdmitCommand(const crm::v1::Event& event, const std::string& position) const;
  absl::StatusOr<Admission> ParseAdmit(const crm::v1::Event& event, const std::string& position,
                                       const redis::Reply& reply) const;

 private:
  static bool IsScan(const crm::v1::Event& event);
  std::string prefix_;
  std::chrono::milliseconds id_ttl_, tap_window_;
};

// Everything dedup does to one worker's slice of a consumed batch: duplicate
// check, double taps and known records in one round trip, then the new
// records batched (IdentityIndex::ResolveMany). Outputs are (customer id,
// serialized ResolvedEvent) and the index changes to publish. `kv` is the
// connection of `index`.
absl::Status ResolveSlice(redis::KeyValueStore& kv, const EventGate& gate, IdentityIndex& index,
                          const std::vector<const kafka::Message*>& slice,
                          std::vector<std::pair<std::string, std::string>>* resolved_out,
                          std::vector<crm::v1::IdentityEvent>* changes_out);

class IdentityServiceImpl final : public crm::v1::IdentityService::Service {
 public:
  IdentityServiceImpl(std::unique_ptr<redis::RedisClient> redis, const Model& model, IndexOptions options,
                      kafka::Publisher& producer, std::string identity_topic);
  grpc::Status Resolve(grpc::ServerContext*, const crm::v1::ResolveRequest*, crm::v1::ResolveResponse*) override;
  grpc::Status GetCustomer(grpc::ServerContext*, const crm::v1::GetCustomerRequest*, crm::v1::Customer*) override;
  grpc::Status ListReviewQueue(grpc::ServerContext*, const crm::v1::ListReviewQueueRequest*,
                               crm::v1::ListReviewQueueResponse*) override;
  grpc::Status Merge(grpc::ServerContext*, const crm::v1::MergeRequest*, crm::v1::MergeResponse*) override;
  grpc::Status Unmerge(grpc::ServerContext*, const crm::v1::UnmergeRequest*, crm::v1::UnmergeResponse*) override;
  grpc::Status MarkNeverMerge(grpc::ServerContext*, const crm::v1::NeverMergeRequest*,
                              crm::v1::NeverMergeResponse*) override;

 private:
  // Publishes index changes and waits for the broker's acknowledgement.
  absl::Status Publish(const std::vector<crm::v1::IdentityEvent>& changes);
  std::mutex mu_;  // one Redis connection
  std::unique_ptr<redis::RedisClient> redis_;
  IdentityIndex index_;
  kafka::Publisher& producer_;
  std::string identity_topic_;
};

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

  // Replays crm.identity.v1 into Redis (the index must be empty or stale).
  absl::Status Rebuild();

  const Model& model() const { return model_; }

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

// The model used when dedup.model_file is empty: estimated by
// `crm-dedup batch --model-out` on simulator data (see docs/BENCHMARKS.md).
absl::StatusOr<Model> LoadModel(const std::string& path);

}  // namespace crm::dedup
