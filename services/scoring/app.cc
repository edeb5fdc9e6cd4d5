#include "services/scoring/app.h"

#include <algorithm>

#include "common/grpc/client.h"
#include "common/kafka/batch_completion.h"
#include "common/log/log.h"
#include "common/normalize/time.h"
#include "common/util/strings.h"
#include "services/scoring/domain/facts.h"
#include "services/scoring/domain/score_changes.h"
#include "services/scoring/retention/xgb_model.h"
#include "services/scoring/update.h"
#include "services/scoring/weights_file.h"

namespace crm::scoring {

void ScoringApp::AddConfigKeys(config::Schema& schema) {
  schema.String("scoring.resolved_topic", "crm.resolved.v1", "Resolved events to aggregate")
      .String("scoring.identity_topic", "crm.identity.v1", "Identity changes (assignments, merges, unmerges)")
      .String("scoring.shows_topic", "crm.shows.v1", "The show registry topic (compacted), for the calendars")
      .String("scoring.lifecycle_topic", "crm.lifecycle.v1", "Stage transitions, for the profiles' lifecycle stage")
      .String("scoring.profiles_topic", "crm.profiles.v1", "Every changed profile, whole (compacted in production)")
      .String("scoring.scores_topic", "crm.scores.v1", "Every indicator change")
      .String("scoring.consumer_group", "crm-scoring", "Consumer group of the scoring service")
      .String("scoring.redis_prefix", "scoring:", "Prefix of every Redis key of the scoring service")
      .String("scoring.identity_addr", "", "Dedup's gRPC address, for profile lookups by identifier (\"\" = by customer id only)")
      .String("scoring.retention_model", "",
              "XGBoost model file from `crm-scoring train` (\"\" = no retention probability or potential contribution)")
      .String("scoring.weights_file", "",
              "YAML file of weights per organizer and the series it runs (\"\" = the built-in weights for all)")
      .Int("scoring.max_batch", 2000, "Records handled per consumed batch")
      .Int("scoring.lookup_connections", 4, "Redis connections ProfileService lookups share (one call each at a time)")
      .Duration("scoring.registry_load_timeout", "30s", "How long start-up waits for the show registry")
      .Double("scoring.tier_platinum", TierCuts{}.platinum, "Share of a series' customers by value that is platinum")
      .Double("scoring.tier_gold", TierCuts{}.gold, "Share that is platinum or gold")
      .Double("scoring.tier_iron", TierCuts{}.iron, "Share that is platinum, gold or iron (the rest: lead)");
  service::AddKafkaKeys(schema);
  service::AddRedisKeys(schema);
}

ScoringApp::~ScoringApp() {
  StopConsuming();
  Shutdown();
}

absl::Status ScoringApp::Init() {
  if (auto st = follower_.Start(config_.GetString("kafka.brokers"), config_.GetString("scoring.shows_topic"),
                                "crm-scoring", config_.GetDuration("scoring.registry_load_timeout"));
      !st.ok()) {
    return st;
  }
  auto producer = kafka::Producer::Create(service::ProducerOptionsFrom(config_, "crm-scoring"));
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);
  redis_ = std::make_unique<redis::RedisClient>(service::RedisOptionsFrom(config_));
  if (auto st = redis_->Connect(); !st.ok()) return st;
  if (const std::string& path = config_.GetString("scoring.retention_model"); !path.empty()) {
    auto model = retention::XgbModel::Load(path, RetentionFeatureNames());
    if (!model.ok()) return model.status();
    retention_ = std::move(*model);
    log::Info("retention model loaded", {{"path", path}});
  }
  if (const std::string& path = config_.GetString("scoring.weights_file"); !path.empty()) {
    auto book = LoadWeightsFile(path);
    if (!book.ok()) return book.status();
    weights_ = std::move(*book);
    log::Info("weights loaded", {{"path", path}, {"series", static_cast<long long>(weights_.series().size())}});
  }
  store_ = std::make_unique<ProfileStore>(*redis_, config_.GetString("scoring.redis_prefix"));
  const TierCuts cuts{config_.GetDouble("scoring.tier_platinum"), config_.GetDouble("scoring.tier_gold"),
                      config_.GetDouble("scoring.tier_iron")};
  if (!ValidCuts(cuts)) {
    return absl::InvalidArgumentError("scoring.tier_*: need 0 <= platinum <= gold <= iron <= 1");
  }
  ProfileServiceImpl::Options popt;
  popt.prefix = config_.GetString("scoring.redis_prefix");
  popt.cuts = cuts;
  popt.weights = weights_;
  popt.calendars = [this] { return CurrentCalendars(); };
  if (const std::string& addr = config_.GetString("scoring.identity_addr"); !addr.empty()) {
    popt.identity = crm::v1::IdentityService::NewStub(grpcutil::MakeChannel(addr));
  }
  const int64_t lookup_connections = config_.GetInt("scoring.lookup_connections");
  if (lookup_connections < 1 || lookup_connections > 64) {
    return absl::InvalidArgumentError("scoring.lookup_connections: need 1..64");
  }
  std::vector<std::unique_ptr<redis::RedisClient>> lookup;
  for (int64_t i = 0; i < lookup_connections; ++i)
    lookup.push_back(std::make_unique<redis::RedisClient>(service::RedisOptionsFrom(config_)));
  profile_service_ = std::make_unique<ProfileServiceImpl>(
      std::move(lookup), std::make_unique<redis::RedisClient>(service::RedisOptionsFrom(config_)), std::move(popt));
  return absl::OkStatus();
}

void ScoringApp::RegisterServices(service::ServiceHost& host) { host.AddGrpcService(profile_service_.get()); }

Calendars ScoringApp::CurrentCalendars() const {
  const int64_t today = clock_.NowMillis() / 86'400'000;  // days since 1970-01-01, UTC
  Calendars out;
  for (const auto& series : registry_.List()) {
    std::vector<std::pair<int64_t, std::string>> opened;  // (open day, edition id)
    for (const auto& e : series.editions()) {
      auto day = normalize::ParseIsoDateDays(e.open_date());  // the registry validated the dates
      if (day.ok() && *day <= today) opened.emplace_back(*day, e.edition_id());
    }
    std::sort(opened.begin(), opened.end());
    auto& cal = out[series.show_id()];
    for (const auto& [day, id] : opened) cal.push_back(id);
  }
  return out;
}

absl::Status ScoringApp::Process(const std::vector<kafka::Message>& batch, bool publish) {
  const std::string& resolved_topic = config_.GetString("scoring.resolved_topic");
  std::vector<ProfileStore::FactInput> facts;
  std::vector<crm::v1::IdentityEvent> changes;
  std::vector<crm::v1::StageTransition> stages;
  const std::string& lifecycle_topic = config_.GetString("scoring.lifecycle_topic");
  for (const auto& m : batch) {
    if (m.topic == lifecycle_topic) {
      crm::v1::StageTransition t;
      if (!t.ParseFromString(m.value) || t.customer_id().empty()) {
        log::Warn("unreadable stage transition skipped", {{"partition", static_cast<long long>(m.partition)},
                                                          {"offset", static_cast<long long>(m.offset)}});
        continue;
      }
      stages.push_back(std::move(t));
    } else if (m.topic == resolved_topic) {
      crm::v1::ResolvedEvent r;
      if (!r.ParseFromString(m.value) || r.record_id().empty() || r.customer_id().empty()) {
        log::Warn("unreadable resolved event skipped", {{"partition", static_cast<long long>(m.partition)},
                                                        {"offset", static_cast<long long>(m.offset)}});
        continue;
      }
      if (auto f = FactOf(r)) facts.push_back({r.record_id(), r.customer_id(), std::move(*f)});
    } else {
      crm::v1::IdentityEvent ch;
      if (!ch.ParseFromString(m.value)) {
        log::Warn("unreadable identity change skipped", {{"partition", static_cast<long long>(m.partition)},
                                                         {"offset", static_cast<long long>(m.offset)}});
        continue;
      }
      changes.push_back(std::move(ch));
    }
  }
  if (auto st = store_->StoreStageTransitions(stages); !st.ok()) return st;
  if (facts.empty() && changes.empty()) return absl::OkStatus();
  const Calendars calendars = CurrentCalendars();
  auto rebuilt = ApplyBatch(*store_, facts, changes, {calendars, weights_, retention_.get()});
  if (!rebuilt.ok()) return rebuilt.status();
  const auto& changed = rebuilt->changed;
  const auto& before = rebuilt->before;
  if (!publish) return store_->Store(changed, before);
  // Published and acknowledged first, stored after: a crash in between
  // republishes the same change on replay instead of losing it.
  std::vector<std::pair<std::string, std::string>> profile_records, score_records;
  const crm::v1::Profile none;
  for (const auto& p : changed) {
    profile_records.emplace_back(p.customer_id(), p.SerializeAsString());
    auto it = before.find(p.customer_id());
    for (const auto& sc : ScoreChanges(it == before.end() ? none : it->second, p))
      score_records.emplace_back(sc.customer_id(), sc.SerializeAsString());
  }
  if (auto st = kafka::PublishAndWait(*producer_, config_.GetString("scoring.scores_topic"), score_records); !st.ok())
    return st;
  if (auto st = kafka::PublishAndWait(*producer_, config_.GetString("scoring.profiles_topic"), profile_records);
      !st.ok())
    return st;
  return store_->Store(changed, before);
}

absl::Status ScoringApp::StartConsuming() {
  auto copt = service::ConsumerOptionsFrom(
      config_, "crm-scoring", config_.GetString("scoring.consumer_group"),
      {config_.GetString("scoring.resolved_topic"), config_.GetString("scoring.identity_topic"),
       config_.GetString("scoring.lifecycle_topic")},
      static_cast<size_t>(config_.GetInt("scoring.max_batch")));
  auto consumer = kafka::Consumer::Create(copt);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  consumer_thread_ = std::thread([this] {
    auto st = consumer_->Run([this](const std::vector<kafka::Message>& batch) { return HandleBatch(batch); });
    if (!st.ok()) log::Error("scoring consumer stopped", {{"error", st.ToString()}});
  });
  return absl::OkStatus();
}

void ScoringApp::StopConsuming() {
  if (consumer_) consumer_->Stop();
  if (consumer_thread_.joinable()) consumer_thread_.join();
}

void ScoringApp::Shutdown() {
  follower_.Stop();
  if (producer_) {
    auto st = producer_->Flush(config_.GetDuration("kafka.delivery_timeout"));
    if (!st.ok()) log::Warn("producer flush at shutdown", {{"error", st.ToString()}});
  }
}

}  // namespace crm::scoring
