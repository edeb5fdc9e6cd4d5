#pragma once

// Kafka producer: idempotent, acks=all, delivery reported per message to the
// caller, bounded local queue with blocking back-pressure, flush on shutdown.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"

namespace crm::kafka {

struct ProducerOptions {
  std::string brokers;
  std::string client_id = "crm";
  // Messages held locally before Publish applies back-pressure.
  int64_t max_buffered_messages = 100'000;
  // How long Publish blocks on a full local queue before giving up with
  // RESOURCE_EXHAUSTED (retryable).
  std::chrono::milliseconds enqueue_timeout{5'000};
  // After this long without a broker acknowledgement a message fails with
  // DEADLINE_EXCEEDED in its delivery report.
  std::chrono::milliseconds delivery_timeout{30'000};
  std::chrono::milliseconds linger{5};
  // Further librdkafka settings, applied last.
  std::map<std::string, std::string> extra;
};

struct Delivery {
  absl::Status status;  // OK once the broker has acknowledged (acks=all)
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
};
using DeliveryCallback = std::function<void(const Delivery&)>;

struct Header {
  std::string key;
  std::string value;
};

// The seam services publish through; mocked in unit tests.
class Publisher {
 public:
  virtual ~Publisher() = default;
  // Queues one message. On OK the callback runs exactly once, later, on the
  // producer's poll thread; on error it never runs.
  virtual absl::Status Publish(std::string_view topic, std::string_view key, std::string_view value,
                               DeliveryCallback on_delivery, const std::vector<Header>& headers = {}) = 0;
  // Waits until every queued message has its delivery report.
  virtual absl::Status Flush(std::chrono::milliseconds timeout) = 0;
};

class Producer final : public Publisher {
 public:
  static absl::StatusOr<std::unique_ptr<Producer>> Create(const ProducerOptions& options);
  // Flushes for up to the delivery timeout, then fails what is left (their
  // callbacks run with UNAVAILABLE) and stops the poll thread.
  ~Producer() override;

  absl::Status Publish(std::string_view topic, std::string_view key, std::string_view value,
                       DeliveryCallback on_delivery, const std::vector<Header>& headers = {}) override;
  absl::Status Flush(std::chrono::milliseconds timeout) override;

  // Publishes and waits for the broker's acknowledgement.
  absl::StatusOr<Delivery> PublishSync(std::string_view topic, std::string_view key, std::string_view value,
                                       std::chrono::milliseconds timeout);

  // Messages queued or in flight.
  int InFlight() const;

 private:
  Producer(rd_kafka_t* rk, const ProducerOptions& options);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  void PollLoop();

  rd_kafka_t* rk_;
  ProducerOptions options_;
  std::atomic<bool> stop_{false};
  std::thread poll_thread_;
};

}  // namespace crm::kafka
