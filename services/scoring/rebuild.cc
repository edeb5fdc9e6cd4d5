// crm-scoring rebuild: Redis restored from Kafka (see ScoringApp::Rebuild).

#include "services/scoring/rebuild.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "common/kafka/reader.h"
#include "common/log/log.h"
#include "common/service/service_main.h"
#include "services/scoring/app.h"

namespace crm::scoring {

absl::Status ScoringApp::Rebuild() {
  const size_t max_batch = static_cast<size_t>(config_.GetInt("scoring.max_batch"));
  for (const std::string& topic : {config_.GetString("scoring.resolved_topic"), config_.GetString("scoring.identity_topic"),
                                  config_.GetString("scoring.lifecycle_topic")}) {
    auto reader = kafka::TopicReader::Create(config_.GetString("kafka.brokers"), topic, "crm-scoring-rebuild",
                                             config_.GetDuration("scoring.registry_load_timeout"));
    if (!reader.ok()) return reader.status();
    std::vector<kafka::Message> batch;
    absl::Status failed = absl::OkStatus();
    uint64_t done = 0;
    auto flush = [&] {
      if (batch.empty() || !failed.ok()) return;
      failed = Process(batch, /*publish=*/false);
      done += batch.size();
      batch.clear();
      if (done % (max_batch * 50) < max_batch || !failed.ok())
        log::Info("rebuild progress", {{"topic", topic}, {"records", static_cast<long long>(done)}});
    };
    // The reader says it caught up only after handing over the last record
    // that existed at start; a watcher stops it then.
    std::atomic<bool> finished{false};
    std::thread watcher([&] {
      while (!finished.load() && !(*reader)->caught_up()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      (*reader)->Stop();
    });
    (*reader)->Run([&](const kafka::Message& m) {
      batch.push_back(m);
      if (batch.size() >= max_batch) flush();
      if (!failed.ok()) (*reader)->Stop();
    });
    flush();
    finished.store(true);
    watcher.join();
    if (!failed.ok()) return failed;
    log::Info("rebuild read topic", {{"topic", topic}, {"records", static_cast<long long>(done)}});
  }
  return absl::OkStatus();
}

int RunRebuild(int argc, char** argv) {
  config::Config config = service::LoadServiceConfig<ScoringApp>(argc, argv, "scoring");
  ScoringApp app(config);
  if (auto st = app.Init(); !st.ok()) {
    log::Error("rebuild start-up failed", {{"error", st.ToString()}});
    return 1;
  }
  if (auto st = app.Rebuild(); !st.ok()) {
    log::Error("rebuild failed", {{"error", st.ToString()}});
    return 1;
  }
  log::Info("rebuild done", {});
  return 0;
}

}  // namespace crm::scoring
