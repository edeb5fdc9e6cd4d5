#include "common/shows/follower.h"

#include "common/log/log.h"

namespace crm::shows {

absl::Status RegistryFollower::Start(const std::string& brokers, const std::string& topic,
                                     const std::string& client_id, std::chrono::milliseconds load_timeout) {
  auto reader = kafka::TopicReader::Create(brokers, topic, client_id, load_timeout);
  if (!reader.ok()) return reader.status();
  reader_ = std::move(*reader);
  thread_ = std::thread([this] {
    reader_->Run([this](const kafka::Message& m) {
      crm::v1::ShowSeries s;
      if (!s.ParseFromString(m.value)) {
        log::Warn("unreadable show registry record", {{"offset", static_cast<long long>(m.offset)}});
        return;
      }
      registry_.Apply(s);
    });
  });
  auto deadline = std::chrono::steady_clock::now() + load_timeout;
  while (!reader_->caught_up()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError("show registry not loaded in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  log::Info("show registry loaded", {{"series", static_cast<unsigned long>(registry_.size())}});
  return absl::OkStatus();
}

void RegistryFollower::Stop() {
  if (reader_) reader_->Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace crm::shows
