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

  auto load_timeout = config_.GetDuration("ingest.registry_load_timeout");
  auto reader = kafka::TopicReader::Create(brokers, config_.GetString("ingest.shows_topic"), "crm-ingest", load_timeout);
  if (!reader.ok()) return reader.status();
  registry_reader_ = std::move(*reader);
  registry_thread_ = std::thread([this] {
    registry_reader_->Run([this](const kafka::Message& m) {
      crm::v1::ShowSeries s;
      if (!s.ParseFromString(m.value)) {
        log::Warn("unreadable show registry record", {{"offset", static_cast<long long>(m.offset)}});
        return;
      }
      registry_.Apply(s);
    });
  });
  auto deadline = std::chrono::steady_clock::now() + load_timeout;
  while (!registry_reader_->caught_up()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError("show registry not loaded in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  log::Info("show registry loaded", {{"series", static_cast<unsigned long>(registry_.size())}});

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
  if (registry_reader_) registry_reader_->Stop();
  if (registry_thread_.joinable()) registry_thread_.join();
  if (producer_) {
    auto st = producer_->Flush(config_.GetDuration("kafka.delivery_timeout"));
    if (!st.ok()) log::Warn("producer flush at shutdown", {{"error", st.ToString()}});
  }
}

}  // namespace crm::ingest
