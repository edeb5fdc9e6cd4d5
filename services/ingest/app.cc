#include "services/ingest/app.h"

#include <algorithm>

#include "common/kafka/batch_completion.h"
#include "common/log/log.h"
#include "common/util/strings.h"

namespace crm::ingest {

void IngestApp::AddConfigKeys(config::Schema& schema) {
  schema.String("ingest.events_topic", "crm.events.v1", "Where accepted events go")
      .String("ingest.deadletter_topic", "crm.deadletter.v1", "Where rejected inputs go")
      .String("ingest.shows_topic", "crm.shows.v1", "The show registry topic (compacted)")
      .List("ingest.raw_topics", "crm.raw.ticketing.v1,crm.raw.scans.v1,crm.raw.imports.v1", "Raw JSON topics to consume")
      .String("ingest.consumer_group", "crm-ingest", "Consumer group of the raw-topic consumers")
      .Int("ingest.max_batch", 2000, "Raw records handled per batch")
      .Int("ingest.workers", 2, "Threads that decode and normalize a raw batch in parallel")
      .Int("ingest.batches_in_flight", 4, "Raw batches awaiting broker acks while the next is processed")
      .Int("ingest.stream_max_in_flight", 10000, "Unacknowledged events per gRPC stream before reading pauses")
      .Duration("ingest.registry_load_timeout", "30s", "How long start-up waits for the show registry");
  service::AddKafkaKeys(schema);
}

IngestApp::~IngestApp() {
  StopConsuming();
  Shutdown();
}

absl::Status IngestApp::Init() {
  const std::string brokers = config_.GetString("kafka.brokers");
  auto producer = kafka::Producer::Create(service::ProducerOptionsFrom(config_, "crm-ingest"));
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);

  if (auto st = follower_.Start(brokers, config_.GetString("ingest.shows_topic"), "crm-ingest",
                                config_.GetDuration("ingest.registry_load_timeout"));
      !st.ok()) {
    return st;
  }

  Topics topics{config_.GetString("ingest.events_topic"), config_.GetString("ingest.deadletter_topic")};
  intake_ = std::make_unique<Intake>(*producer_, registry_, clock_, topics);
  ingest_service_ = std::make_unique<IngestServiceImpl>(*intake_, config_.GetInt("ingest.stream_max_in_flight"));
  show_service_ =
      std::make_unique<ShowServiceImpl>(*producer_, registry_, clock_, config_.GetString("ingest.shows_topic"));
  return absl::OkStatus();
}

void IngestApp::RegisterServices(service::ServiceHost& host) {
  host.AddGrpcService(ingest_service_.get());
  host.AddGrpcService(show_service_.get());
}

void IngestApp::HandleRawBatch(const std::vector<kafka::Message>& batch, kafka::BatchDone done) {
  // Done once every output of every record is acknowledged (on the
  // producer's thread, after this function has returned).
  auto completion = kafka::BatchCompletion::Create(std::move(done));
  // One slice per worker, by raw partition: records of one partition (one
  // device's uploads) are still published in their order.
  const size_t n = workers_->size();
  std::vector<std::function<void()>> tasks;
  for (size_t w = 0; w < n; ++w) {
    tasks.push_back([&, w] {
      for (const auto& record : batch) {
        if (static_cast<size_t>(record.partition) % n != w) continue;
        intake_->SubmitRaw(record, Intake::KindForTopic(record.topic), *completion);
      }
    });
  }
  workers_->RunAll(std::move(tasks));
  completion->Seal();
}

absl::Status IngestApp::StartConsuming() {
  auto copt = service::ConsumerOptionsFrom(config_, "crm-ingest", config_.GetString("ingest.consumer_group"),
                                          config_.GetList("ingest.raw_topics"),
                                          static_cast<size_t>(config_.GetInt("ingest.max_batch")));
  workers_ = std::make_unique<WorkerPool>(std::max<int>(1, static_cast<int>(config_.GetInt("ingest.workers"))));
  auto consumer = kafka::Consumer::Create(copt);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  consumer_thread_ = std::thread([this] {
    auto st = consumer_->RunAsync(
        [this](const std::vector<kafka::Message>& batch, kafka::BatchDone done) {
          HandleRawBatch(batch, std::move(done));
        },
        static_cast<size_t>(config_.GetInt("ingest.batches_in_flight")));
    if (!st.ok()) log::Error("raw consumer stopped", {{"error", st.ToString()}});
  });
  return absl::OkStatus();
}

void IngestApp::StopConsuming() {
  if (consumer_) consumer_->Stop();
  if (consumer_thread_.joinable()) consumer_thread_.join();
}

void IngestApp::Shutdown() {
  follower_.Stop();
  if (producer_) {
    auto st = producer_->Flush(config_.GetDuration("kafka.delivery_timeout"));
    if (!st.ok()) log::Warn("producer flush at shutdown", {{"error", st.ToString()}});
  }
}

}  // namespace crm::ingest
