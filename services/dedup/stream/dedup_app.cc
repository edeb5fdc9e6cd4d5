#include "services/dedup/stream/dedup_app.h"

#include <algorithm>
#include <atomic>

#include "common/kafka/batch_completion.h"
#include "common/kafka/reader.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/service/standard_config.h"
#include "common/util/strings.h"

namespace crm::dedup {
namespace {

using crm::v1::IdentityEvent;

metrics::Histogram& BatchSeconds(const std::string& phase) {
  return metrics::Registry::Default().GetHistogram("crm_dedup_batch_seconds",
                                                   "Time per consumed batch: resolving it, then publishing and "
                                                   "waiting for the broker's acknowledgements",
                                                   metrics::LatencyBuckets(), {{"phase", phase}});
}

}  // namespace

void DedupApp::AddConfigKeys(config::Schema& schema) {
  schema.String("dedup.events_topic", "crm.events.v1", "Events to resolve")
      .String("dedup.resolved_topic", "crm.resolved.v1", "Resolved events, keyed by customer id")
      .String("dedup.identity_topic", "crm.identity.v1", "Identity index changes (replayable)")
      .String("dedup.consumer_group", "crm-dedup", "Consumer group of the replicas")
      .String("dedup.redis_prefix", "crm:id:", "Prefix of every Redis key of the identity index")
      .String("dedup.model_file", "", "m/u model YAML from `crm-dedup batch --model-out`; empty: built-in")
      .Double("dedup.upper", 0.9999, "Match probability at which records merge automatically")
      .Double("dedup.lower", 0.90, "Match probability from which pairs go to the review queue")
      .String("dedup.phone_region", "CN",
              "Region of phones without a country code in lookups (events carry ingest's E.164 numbers)")
      .Duration("dedup.event_id_ttl", "192h", "How long an event id is remembered (duplicates window, >= 7 days)")
      .Duration("dedup.double_tap_window", "60s", "Same badge at the same booth within this is one lead")
      .Int("dedup.workers", 6, "Threads (each with its own Redis connection) resolving a batch; one partition stays on one")
      .Int("dedup.max_batch", 500, "Events per consumed batch")
      .Int("dedup.batches_in_flight", 4, "Batches awaiting broker acks while the next is resolved")
      .Duration("dedup.merge_lock_ttl", "5s", "How long a replica holds the merge lock at most (it expires if the holder dies)")
      .Duration("dedup.merge_lock_wait", "10s", "How long a merge waits for the lock before the batch fails and is retried")
      .Duration("dedup.rebuild_timeout", "10m", "How long `crm-dedup rebuild` may take to read crm.identity.v1 to its end");
  service::AddKafkaKeys(schema);
  service::AddRedisKeys(schema);
}

DedupApp::~DedupApp() {
  StopConsuming();
  Shutdown();
}

std::unique_ptr<redis::RedisClient> DedupApp::NewRedis() const {
  return std::make_unique<redis::RedisClient>(service::RedisOptionsFrom(config_));
}

absl::Status DedupApp::Init() {
  auto model = LoadModel(config_.GetString("dedup.model_file"));
  if (!model.ok()) return model.status();
  model_ = std::move(*model);
  index_options_.prefix = config_.GetString("dedup.redis_prefix");
  index_options_.region = config_.GetString("dedup.phone_region");
  index_options_.samples = std::make_shared<SampleCache>();  // shared by the workers and the gRPC service
  index_options_.upper = config_.GetDouble("dedup.upper");
  index_options_.lower = config_.GetDouble("dedup.lower");
  index_options_.lock_ttl = config_.GetDuration("dedup.merge_lock_ttl");
  index_options_.lock_wait = config_.GetDuration("dedup.merge_lock_wait");
  if (auto st = CheckThresholds(index_options_.thresholds()); !st.ok()) return st;
  if (config_.GetDuration("dedup.event_id_ttl") < std::chrono::hours(24 * 7)) {
    return absl::InvalidArgumentError("dedup.event_id_ttl must be at least 7 days");
  }
  auto probe = NewRedis();
  if (auto st = probe->Connect(); !st.ok()) return st;

  auto producer = kafka::Producer::Create(service::ProducerOptionsFrom(config_, "crm-dedup"));
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);
  identity_service_ = std::make_unique<IdentityServiceImpl>(NewRedis(), model_, index_options_, *producer_,
                                                            config_.GetString("dedup.identity_topic"));
  return absl::OkStatus();
}

void DedupApp::RegisterServices(service::ServiceHost& host) { host.AddGrpcService(identity_service_.get()); }

void DedupApp::HandleBatch(const std::vector<kafka::Message>& batch, kafka::BatchDone done) {
  auto t0 = std::chrono::steady_clock::now();
  // Partitions are spread over the workers; one partition's events stay in order on one worker.
  const size_t n = workers_.size();
  std::vector<std::vector<const kafka::Message*>> slices(n);
  for (const auto& m : batch) slices[static_cast<size_t>(m.partition) % n].push_back(&m);
  std::vector<std::vector<std::pair<std::string, std::string>>> resolved(n);
  std::vector<std::vector<IdentityEvent>> changes(n);
  std::vector<absl::Status> status(n);
  std::vector<std::function<void()>> tasks;
  for (size_t w = 0; w < n; ++w) {
    tasks.push_back([&, w] {
      status[w] = ResolveSlice(*workers_[w].redis, *workers_[w].gate, *workers_[w].index, slices[w], &resolved[w],
                               &changes[w]);
    });
  }
  pool_->RunAll(std::move(tasks));
  auto t1 = std::chrono::steady_clock::now();
  BatchSeconds("resolve").Observe(std::chrono::duration<double>(t1 - t0).count());
  // Identity changes first, then the resolved events. The batch is done (and
  // committed, in order) once all are acknowledged; the next batch is
  // resolved meanwhile.
  auto completion = kafka::BatchCompletion::Create([done = std::move(done), t1](absl::Status st) {
    BatchSeconds("publish").Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
    done(std::move(st));
  });
  absl::Status first;
  for (size_t w = 0; w < n && first.ok(); ++w) first = status[w];
  if (first.ok()) {
    const std::string& identity_topic = config_.GetString("dedup.identity_topic");
    const std::string& resolved_topic = config_.GetString("dedup.resolved_topic");
    for (size_t w = 0; w < n; ++w) {
      for (const auto& c : changes[w]) completion->Publish(*producer_, identity_topic, CustomerOfChange(c), c.SerializeAsString());
    }
    for (size_t w = 0; w < n; ++w) {
      for (const auto& [key, value] : resolved[w]) completion->Publish(*producer_, resolved_topic, key, value);
    }
  }
  completion->Seal(first);
}

absl::Status DedupApp::StartConsuming() {
  int n = std::max<int>(1, static_cast<int>(config_.GetInt("dedup.workers")));
  for (int i = 0; i < n; ++i) {
    Worker w;
    w.redis = NewRedis();
    w.index = std::make_unique<IdentityIndex>(*w.redis, model_, index_options_);
    w.gate = std::make_unique<EventGate>(index_options_.prefix, config_.GetDuration("dedup.event_id_ttl"),
                                         config_.GetDuration("dedup.double_tap_window"));
    workers_.push_back(std::move(w));
  }
  pool_ = std::make_unique<WorkerPool>(n);
  auto consumer = kafka::Consumer::Create(service::ConsumerOptionsFrom(
      config_, "crm-dedup", config_.GetString("dedup.consumer_group"), {config_.GetString("dedup.events_topic")},
      static_cast<size_t>(config_.GetInt("dedup.max_batch"))));
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  consumer_thread_ = std::thread([this] {
    auto st = consumer_->RunAsync(
        [this](const std::vector<kafka::Message>& batch, kafka::BatchDone done) { HandleBatch(batch, std::move(done)); },
        static_cast<size_t>(config_.GetInt("dedup.batches_in_flight")));
    if (!st.ok()) log::Error("events consumer stopped", {{"error", st.ToString()}});
  });
  return absl::OkStatus();
}

absl::Status DedupApp::Rebuild() {
  auto redis = NewRedis();
  IdentityIndex index(*redis, model_, index_options_);
  const auto timeout = config_.GetDuration("dedup.rebuild_timeout");
  auto reader = kafka::TopicReader::Create(config_.GetString("kafka.brokers"), config_.GetString("dedup.identity_topic"),
                                           "crm-dedup-rebuild", std::chrono::seconds(30));
  if (!reader.ok()) return reader.status();
  absl::Status first;
  std::atomic<int64_t> applied{0};
  std::thread t([&] {
    (*reader)->Run([&](const kafka::Message& m) {
      IdentityEvent ch;
      if (!ch.ParseFromString(m.value)) {
        log::Warn("unreadable identity change skipped", {{"partition", static_cast<int>(m.partition)},
                                                         {"offset", static_cast<long long>(m.offset)}});
        return;
      }
      auto st = index.Apply(ch);
      if (!st.ok() && first.ok()) first = st;
      if (++applied % 10000 == 0) log::Info("rebuild progress", {{"applied", static_cast<long long>(applied.load())}});
    });
  });
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool caught_up = false;
  while (!(caught_up = (*reader)->caught_up()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  (*reader)->Stop();
  t.join();
  if (!caught_up) {
    return absl::DeadlineExceededError(StrCat("rebuild: ", config_.GetString("dedup.identity_topic"),
                                              " not read to its end within ", timeout.count(), " ms (",
                                              applied.load(), " changes applied); raise dedup.rebuild_timeout"));
  }
  log::Info("rebuild done", {{"applied", static_cast<long long>(applied.load())}});
  return first;
}

void DedupApp::StopConsuming() {
  if (consumer_) consumer_->Stop();
  if (consumer_thread_.joinable()) consumer_thread_.join();
}

void DedupApp::Shutdown() {
  if (producer_) {
    auto st = producer_->Flush(config_.GetDuration("kafka.delivery_timeout"));
    if (!st.ok()) log::Warn("producer flush at shutdown", {{"error", st.ToString()}});
  }
}

}  // namespace crm::dedup
