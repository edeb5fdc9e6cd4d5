#pragma once

// Reads every partition of a topic from the beginning, without a consumer
// group, and keeps following it: how services load a compacted topic (the
// show registry) at start-up and then see its changes.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/kafka/consumer.h"

namespace crm::kafka {

class TopicReader {
 public:
  enum class Start { kBeginning, kEnd };
  // kBeginning: every retained record (how registries load). kEnd: only
  // records written after the reader started (caught up at once).
  static absl::StatusOr<std::unique_ptr<TopicReader>> Create(const std::string& brokers, const std::string& topic,
                                                             const std::string& client_id,
                                                             std::chrono::milliseconds timeout,
                                                             Start start = Start::kBeginning);
  ~TopicReader();

  // Calls `on_message` for every record until Stop(); on the calling thread.
  void Run(const std::function<void(const Message&)>& on_message);
  void Stop() { stop_.store(true); }
  // True once every record that existed when the reader started was handed over.
  bool caught_up() const { return caught_up_.load(); }
  // Instead of Run: hands over exactly the records that existed when the
  // reader started (a snapshot of the topic; later ones are not handed
  // over) and returns. DEADLINE_EXCEEDED if that takes longer than `timeout`.
  absl::Status ReadToEnd(const std::function<void(const Message&)>& on_message, std::chrono::milliseconds timeout);

 private:
  TopicReader() = default;
  // The next record, or nullopt after a 100 ms wait or an error (logged).
  std::optional<Message> Poll();
  rd_kafka_t* rk_ = nullptr;
  std::string topic_;
  std::map<int32_t, int64_t> start_high_;  // high watermark per partition at start
  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
};

}  // namespace crm::kafka
