#include "services/lifecycle/app.h"

#include <algorithm>

#include "common/kafka/batch_completion.h"
#include "common/log/log.h"
#include "common/normalize/time.h"
#include "common/util/strings.h"
#include "services/lifecycle/domain/from_profile.h"
#include "services/lifecycle/inputs.h"

namespace crm::lifecycle {

void LifecycleApp::AddConfigKeys(config::Schema& schema) {
  schema.String("lifecycle.profiles_topic", "crm.profiles.v1", "Scoring's profiles: the aggregates judged")
      .String("lifecycle.scores_topic", "crm.scores.v1", "Scoring's indicator changes: retention probability per edition")
      .String("lifecycle.identity_topic", "crm.identity.v1", "Identity changes: a merged customer's records leave")
      .String("lifecycle.shows_topic", "crm.shows.v1", "The show registry topic (compacted), for the calendars")
      .String("lifecycle.lifecycle_topic", "crm.lifecycle.v1", "Every stage transition")
      .String("lifecycle.consumer_group", "crm-lifecycle", "Consumer group of the lifecycle service")
      .String("lifecycle.redis_prefix", "lifecycle:", "Prefix of every Redis key of the lifecycle service")
      .Int("lifecycle.max_batch", 2000, "Records handled per consumed batch")
      .Int("lifecycle.pass_chunk", 2000, "Members judged per Redis round trip when a timer fires")
      .Int("lifecycle.lateness_days", 2,
           "Days the clock stays behind the latest event time, so that events a little out of order still count")
      .Int("lifecycle.settle_days", 7, "Days after an edition's close when its usual levels are computed")
      .Duration("lifecycle.wall_clock_lag", "0s",
                "Also advance the clock to now minus this when events stop (0s: the events' time only)")
      .Duration("lifecycle.resettle_interval", "5s",
                "Least time between two recomputations of usual levels whose inputs changed (done when caught up)")
      .Duration("lifecycle.registry_load_timeout", "30s", "How long start-up waits for the show registry");
  const LifecycleRules defaults;
  for (const auto& name : RuleFields().names())
    schema.Double("lifecycle." + name, RuleFields().Get(defaults, name), std::string(RuleHelp(name)));
  service::AddKafkaKeys(schema);
  service::AddRedisKeys(schema);
}

absl::StatusOr<LifecycleRules> RulesFrom(const config::Config& config) {
  LifecycleRules rules;
  for (const auto& name : RuleFields().names()) {
    if (auto st = RuleFields().Set(rules, name, config.GetDouble("lifecycle." + name)); !st.ok())
      return absl::InvalidArgumentError(StrCat("lifecycle.", st.message()));
  }
  if (auto st = ValidateRules(rules); !st.ok()) return absl::InvalidArgumentError(StrCat("lifecycle.", st.message()));
  return rules;
}

LifecycleApp::~LifecycleApp() {
  StopConsuming();
  Shutdown();
}

absl::Status LifecycleApp::Init() {
  auto rules = RulesFrom(config_);
  if (!rules.ok()) return rules.status();
  rules_ = *rules;
  if (config_.GetInt("lifecycle.lateness_days") < 0 || config_.GetInt("lifecycle.settle_days") < 1)
    return absl::InvalidArgumentError("lifecycle.lateness_days >= 0 and lifecycle.settle_days >= 1 needed");
  if (config_.GetInt("lifecycle.pass_chunk") < 1) return absl::InvalidArgumentError("lifecycle.pass_chunk: need >= 1");
  const std::string& brokers = config_.GetString("kafka.brokers");
  if (auto st = follower_.Start(brokers, config_.GetString("lifecycle.shows_topic"), "crm-lifecycle",
                                config_.GetDuration("lifecycle.registry_load_timeout"));
      !st.ok()) {
    return st;
  }
  auto partitions = kafka::PartitionCount(brokers, config_.GetString("lifecycle.profiles_topic"),
                                          config_.GetDuration("lifecycle.registry_load_timeout"));
  if (!partitions.ok()) return partitions.status();
  partitions_ = *partitions;
  auto producer = kafka::Producer::Create(service::ProducerOptionsFrom(config_, "crm-lifecycle"));
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);
  redis_ = std::make_unique<redis::RedisClient>(service::RedisOptionsFrom(config_));
  if (auto st = redis_->Connect(); !st.ok()) return st;
  const std::string prefix = config_.GetString("lifecycle.redis_prefix");
  store_ = std::make_unique<LifecycleStore>(*redis_, prefix);
  EngineOptions eopt;
  eopt.rules = rules_;
  eopt.settle_days = config_.GetInt("lifecycle.settle_days");
  eopt.pass_chunk = static_cast<size_t>(config_.GetInt("lifecycle.pass_chunk"));
  const std::string topic = config_.GetString("lifecycle.lifecycle_topic");
  engine_ = std::make_unique<LifecycleEngine>(
      *store_,
      [this, topic](const std::vector<crm::v1::StageTransition>& ts) {
        std::vector<std::pair<std::string, std::string>> records;
        records.reserve(ts.size());
        for (const auto& t : ts) records.emplace_back(t.customer_id(), t.SerializeAsString());
        return kafka::PublishAndWait(*producer_, topic, records);
      },
      eopt);
  LifecycleServiceImpl::Options sopt;
  sopt.prefix = prefix;
  sopt.calendars = [this] { return CurrentCalendars(); };
  sopt.partitions = partitions_;
  service_ = std::make_unique<LifecycleServiceImpl>(
      std::make_unique<redis::RedisClient>(service::RedisOptionsFrom(config_)), std::move(sopt));
  return absl::OkStatus();
}

void LifecycleApp::RegisterServices(service::ServiceHost& host) { host.AddGrpcService(service_.get()); }

Calendars LifecycleApp::CurrentCalendars() const {
  Calendars out;
  for (const auto& series : registry_.List()) {
    auto cal = CalendarOf(series);  // the registry validated the dates
    if (cal.ok()) out[series.show_id()] = std::move(*cal);
  }
  return out;
}

absl::StatusOr<int64_t> LifecycleApp::Today() {
  auto clock = store_->Clock(partitions_);
  if (!clock.ok()) return clock.status();
  int64_t ms = *clock;
  if (const auto lag = config_.GetDuration("lifecycle.wall_clock_lag"); lag.count() > 0)
    ms = std::max<int64_t>(ms, clock_.NowMillis() - lag.count());
  if (ms == 0) return INT64_MIN;  // nothing seen on some partition yet: no point has come
  return normalize::UtcDayOfMillis(ms) - config_.GetInt("lifecycle.lateness_days");
}

absl::Status LifecycleApp::HandleBatch(const std::vector<kafka::Message>& batch) {
  std::map<int32_t, int64_t> latest;  // profiles partition -> latest event time
  const BatchInputs in = InputsOf(
      batch, {config_.GetString("lifecycle.profiles_topic"), config_.GetString("lifecycle.scores_topic")}, &latest);
  const Calendars calendars = CurrentCalendars();
  if (std::string digest = [&] {
        std::string d;
        for (const auto& s : registry_.List()) d += s.SerializeAsString();
        return d;
      }();
      digest != scheduled_) {
    if (auto st = engine_->Schedule(calendars); !st.ok()) return st;
    scheduled_ = std::move(digest);
  }
  if (auto st = store_->RaisePartitionTimes(latest); !st.ok()) return st;
  auto today = Today();
  if (!today.ok()) return today.status();
  if (auto n = engine_->Apply(in, calendars, *today); !n.ok()) return n.status();
  if (*today == INT64_MIN) return absl::OkStatus();
  auto passes = engine_->RunDue(calendars, *today, [](const PassStats& s) {
    if (s.judged % 100'000 < 2'000)
      log::Info("lifecycle timer pass", {{"timer", s.timer}, {"judged", static_cast<long long>(s.judged)}});
  });
  return passes.status();
}

absl::Status LifecycleApp::WhenIdle() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_resettle_ < config_.GetDuration("lifecycle.resettle_interval")) return absl::OkStatus();
  last_resettle_ = now;
  auto today = Today();
  if (!today.ok()) return today.status();
  if (*today == INT64_MIN) return absl::OkStatus();
  return engine_->Resettle(CurrentCalendars(), *today).status();
}

absl::Status LifecycleApp::StartConsuming() {
  auto copt = service::ConsumerOptionsFrom(
      config_, "crm-lifecycle", config_.GetString("lifecycle.consumer_group"),
      {config_.GetString("lifecycle.profiles_topic"), config_.GetString("lifecycle.scores_topic"),
       config_.GetString("lifecycle.identity_topic")},
      static_cast<size_t>(config_.GetInt("lifecycle.max_batch")));
  auto consumer = kafka::Consumer::Create(copt);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  consumer_thread_ = std::thread([this] {
    auto st = consumer_->Run([this](const std::vector<kafka::Message>& batch) { return HandleBatch(batch); },
                             [this] { return WhenIdle(); });
    if (!st.ok()) log::Error("lifecycle consumer stopped", {{"error", st.ToString()}});
  });
  return absl::OkStatus();
}

void LifecycleApp::StopConsuming() {
  if (consumer_) consumer_->Stop();
  if (consumer_thread_.joinable()) consumer_thread_.join();
}

void LifecycleApp::Shutdown() {
  follower_.Stop();
  if (producer_) {
    auto st = producer_->Flush(config_.GetDuration("kafka.delivery_timeout"));
    if (!st.ok()) log::Warn("producer flush at shutdown", {{"error", st.ToString()}});
  }
}

}  // namespace crm::lifecycle
