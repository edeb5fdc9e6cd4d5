#pragma once

// Wiring of the lifecycle service: the show registry follower (calendars),
// the consumer of crm.profiles.v1, crm.identity.v1 and crm.scores.v1, the
// store in Redis, the producer of crm.lifecycle.v1, the calendar timers and
// LifecycleService. No domain logic here.

#include <chrono>
#include <memory>
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
#include "services/lifecycle/engine.h"
#include "services/lifecycle/lifecycle_service.h"
#include "services/lifecycle/store.h"

namespace crm::lifecycle {

class LifecycleApp {
 public:
  static void AddConfigKeys(config::Schema& schema);
  explicit LifecycleApp(const config::Config& config) : config_(config) {}
  ~LifecycleApp();

  absl::Status Init();
  void RegisterServices(service::ServiceHost& host);
  absl::Status StartConsuming();
  void StopConsuming();
  void Shutdown();

  // One consumed batch: the clock raised from the profiles' event times,
  // the inputs judged, then every timer due by the clock fired.
  absl::Status HandleBatch(const std::vector<kafka::Message>& batch);
  // Caught up: the usual levels of editions whose inputs changed computed
  // again (at most once per lifecycle.resettle_interval).
  absl::Status WhenIdle();

 private:
  Calendars CurrentCalendars() const;
  // The day the machine has reached: the clock's day minus the lateness.
  absl::StatusOr<int64_t> Today();

  const config::Config& config_;
  SystemClock clock_;
  LifecycleRules rules_;
  int partitions_ = 0;  // of the profiles topic: the clock waits for all
  shows::ShowRegistry registry_;
  shows::RegistryFollower follower_{registry_};
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<redis::RedisClient> redis_;  // the consumer thread's
  std::unique_ptr<LifecycleStore> store_;
  std::unique_ptr<LifecycleEngine> engine_;
  std::unique_ptr<LifecycleServiceImpl> service_;
  std::string scheduled_;
  std::chrono::steady_clock::time_point last_resettle_{};  // the calendars last scheduled, serialized
  std::unique_ptr<kafka::Consumer> consumer_;
  std::thread consumer_thread_;
};

// The config keys of every rule: lifecycle.<field> (domain/rules.h).
absl::StatusOr<LifecycleRules> RulesFrom(const config::Config& config);

}  // namespace crm::lifecycle
