#pragma once

// Wiring of the scoring service: the show registry follower (calendars),
// the consumer of crm.resolved.v1, crm.identity.v1 and crm.lifecycle.v1
// (stages for the profiles), the profile store in
// Redis, the producer of crm.profiles.v1 and crm.scores.v1, and
// ProfileService. No domain logic here.

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/config/config.h"
#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/redis/redis_client.h"
#include "common/service/service_host.h"
#include "common/shows/follower.h"
#include "common/shows/registry.h"
#include "common/util/clock.h"
#include "services/scoring/domain/profile_builder.h"
#include "services/scoring/profile_service.h"
#include "services/scoring/profile_store.h"

namespace crm::scoring {

class ScoringApp {
 public:
  static void AddConfigKeys(config::Schema& schema);
  explicit ScoringApp(const config::Config& config) : config_(config) {}
  ~ScoringApp();

  absl::Status Init();
  void RegisterServices(service::ServiceHost& host);
  absl::Status StartConsuming();
  void StopConsuming();
  void Shutdown();

  // One consumed batch: facts and identity changes into Redis, the touched
  // customers' profiles rebuilt, changed ones published (and acknowledged)
  // before they are stored, so a crash at any point republishes rather than
  // loses a change.
  absl::Status HandleBatch(const std::vector<kafka::Message>& batch) { return Process(batch, /*publish=*/true); }

  // Restores the Redis state (facts, membership, profiles, indexes) from
  // Kafka after Redis was lost: reads crm.resolved.v1, then crm.identity.v1,
  // from the beginning up to their ends at start, and stores what a clean
  // run stores, without publishing again (the profiles and score changes
  // are on their topics already). Progress goes to the log.
  absl::Status Rebuild();

 private:
  // Per series, edition ids by open date, up to the latest edition opened by now.
  Calendars CurrentCalendars() const;
  absl::Status Process(const std::vector<kafka::Message>& batch, bool publish);

  const config::Config& config_;
  SystemClock clock_;
  WeightBook weights_;  // scoring.weights_file; the defaults without one
  std::unique_ptr<RetentionPredictor> retention_;  // scoring.retention_model; null without one
  shows::ShowRegistry registry_;
  shows::RegistryFollower follower_{registry_};
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<redis::RedisClient> redis_;  // the consumer thread's
  std::unique_ptr<ProfileStore> store_;
  std::unique_ptr<ProfileServiceImpl> profile_service_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::thread consumer_thread_;
};

}  // namespace crm::scoring
