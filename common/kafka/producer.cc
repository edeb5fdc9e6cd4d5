#include "common/kafka/producer.h"

#include <future>

#include "common/util/strings.h"
#include "common/kafka/kafka_common.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"

namespace crm::kafka {
namespace {

metrics::Counter& DeliveredCounter() {
  static auto& c = metrics::Registry::Default().GetCounter("crm_kafka_produced_total",
                                                            "Messages acknowledged by the broker");
  return c;
}
metrics::Counter& DeliveryFailedCounter() {
  static auto& c = metrics::Registry::Default().GetCounter("crm_kafka_produce_failed_total",
                                                            "Messages whose delivery failed");
  return c;
}
metrics::Counter& QueueFullCounter() {
  static auto& c = metrics::Registry::Default().GetCounter(
      "crm_kafka_producer_backpressure_total", "Publish calls that waited because the local queue was full");
  return c;
}

void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void*) {
  char fatal[256];
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    auto orig = rd_kafka_fatal_error(rk, fatal, sizeof fatal);
    log::Error("kafka producer fatal error", {{"error", rd_kafka_err2name(orig)}, {"reason", fatal}});
  } else {
    log::Warn("kafka producer error", {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))},
                                       {"reason", reason}});
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options) {
  if (options.brokers.empty()) return absl::InvalidArgumentError("kafka producer: no brokers configured");
  std::map<std::string, std::string> settings = {
      {"bootstrap.servers", options.brokers},
      {"client.id", options.client_id},
      // Idempotence gives exactly-once per partition on retries and implies
      // acks=all; stated explicitly so a reader need not know that.
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"queue.buffering.max.messages", std::to_string(options.max_buffered_messages)},
      {"message.timeout.ms", std::to_string(options.delivery_timeout.count())},
      {"linger.ms", std::to_string(options.linger.count())},
      {"compression.type", "lz4"},
  };
  for (const auto& [k, v] : options.extra) settings[k] = v;
  std::string error;
  rd_kafka_conf_t* conf = MakeConf(settings, &error);
  if (!conf) return absl::InvalidArgumentError(error);
  rd_kafka_conf_set_dr_msg_cb(conf, &Producer::OnDelivery);
  rd_kafka_conf_set_error_cb(conf, ErrorCallback);
  InstallLogger(conf);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(crm::StrCat("kafka producer: ", errstr));
  }
  return std::unique_ptr<Producer>(new Producer(rk, options));
}

Producer::Producer(rd_kafka_t* rk, const ProducerOptions& options) : rk_(rk), options_(options) {
  poll_thread_ = std::thread([this] { PollLoop(); });
}

Producer::~Producer() {
  auto st = Flush(options_.delivery_timeout);
  if (!st.ok()) {
    log::Warn("kafka producer closing with undelivered messages", {{"in_flight", InFlight()}});
    // Purged messages get delivery reports with an error, so every caller's
    // callback still runs exactly once.
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk_, 1000);
  }
  stop_.store(true);
  poll_thread_.join();
  rd_kafka_poll(rk_, 0);
  rd_kafka_destroy(rk_);
}

void Producer::PollLoop() {
  while (!stop_.load(std::memory_order_relaxed)) rd_kafka_poll(rk_, 100);
}

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* cb = static_cast<DeliveryCallback*>(msg->_private);
  Delivery d;
  d.status = ErrorToStatus(msg->err, "kafka delivery");
  d.topic = rd_kafka_topic_name(msg->rkt);
  d.partition = msg->partition;
  d.offset = msg->offset;
  if (d.status.ok()) {
    DeliveredCounter().Inc();
  } else {
    DeliveryFailedCounter().Inc();
  }
  if (cb) {
    (*cb)(d);
    delete cb;
  }
}

absl::Status Producer::Publish(std::string_view topic, std::string_view key, std::string_view value,
                               DeliveryCallback on_delivery, const std::vector<Header>& headers) {
  auto* cb = on_delivery ? new DeliveryCallback(std::move(on_delivery)) : nullptr;
  auto deadline = std::chrono::steady_clock::now() + options_.enqueue_timeout;
  bool waited = false;
  while (true) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& h : headers)
        rd_kafka_header_add(hdrs, h.key.data(), h.key.size(), h.value.data(), h.value.size());
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(std::string(topic).c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(cb), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();  // headers now owned by the message
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() >= deadline) {
      delete cb;
      return ErrorToStatus(err, crm::StrCat("kafka publish to ", topic));
    }
    if (!waited) {
      QueueFullCounter().Inc();
      waited = true;
    }
    // Delivery reports free queue space; the poll thread serves them.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

absl::Status Producer::Flush(std::chrono::milliseconds timeout) {
  // The poll thread serves delivery reports; here we only wait for the queue to drain.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (rd_kafka_outq_len(rk_) > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return absl::DeadlineExceededError(crm::StrCat("kafka flush: ", rd_kafka_outq_len(rk_), " messages left"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return absl::OkStatus();
}

absl::StatusOr<Delivery> Producer::PublishSync(std::string_view topic, std::string_view key, std::string_view value,
                                               std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<Delivery>>();
  auto future = promise->get_future();
  auto st = Publish(topic, key, value, [promise](const Delivery& d) { promise->set_value(d); });
  if (!st.ok()) return st;
  if (future.wait_for(timeout) != std::future_status::ready) {
    return absl::DeadlineExceededError("kafka publish: no acknowledgement in time");
  }
  Delivery d = future.get();
  if (!d.status.ok()) return d.status;
  return d;
}

int Producer::InFlight() const { return rd_kafka_outq_len(rk_); }

}  // namespace crm::kafka
