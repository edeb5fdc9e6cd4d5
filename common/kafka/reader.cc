#include "common/kafka/reader.h"

#include "common/kafka/kafka_common.h"
#include "common/log/log.h"
#include "common/util/strings.h"

namespace crm::kafka {

absl::StatusOr<std::unique_ptr<TopicReader>> TopicReader::Create(const std::string& brokers, const std::string& topic,
                                                                 const std::string& client_id,
                                                                 std::chrono::milliseconds timeout, Start start) {
  auto partitions = PartitionCount(brokers, topic, timeout);
  if (!partitions.ok()) return partitions.status();
  std::unique_ptr<TopicReader> r(new TopicReader());
  r->topic_ = topic;
  std::string error;
  // No group: offsets are never committed; every start reads from the beginning.
  rd_kafka_conf_t* conf = MakeConf({{"bootstrap.servers", brokers},
                                    {"client.id", client_id},
                                    {"group.id", client_id + "-reader-unused"},
                                    {"enable.auto.commit", "false"},
                                    {"enable.partition.eof", "false"},
                                    // If retention removes records ahead of the reader, continue at
                                    // the oldest retained one, never skip to the end.
                                    {"auto.offset.reset", "earliest"}},
                                   &error);
  if (!conf) return absl::InvalidArgumentError(error);
  InstallLogger(conf);
  char errstr[512];
  r->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!r->rk_) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(errstr);
  }
  rd_kafka_poll_set_consumer(r->rk_);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(*partitions);
  for (int p = 0; p < *partitions; ++p) {
    int64_t low = 0, high = 0;
    auto err = rd_kafka_query_watermark_offsets(r->rk_, topic.c_str(), p, &low, &high, static_cast<int>(timeout.count()));
    if (err) {
      rd_kafka_topic_partition_list_destroy(list);
      return ErrorToStatus(err, StrCat("watermarks of ", topic));
    }
    if (high > low && start == Start::kBeginning) r->start_high_[p] = high;
    // kEnd starts at the high watermark just read, so nothing written after
    // Create returns can be missed.
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset =
        start == Start::kBeginning ? RD_KAFKA_OFFSET_BEGINNING : high;
  }
  auto err = rd_kafka_assign(r->rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return ErrorToStatus(err, StrCat("assign ", topic));
  if (r->start_high_.empty()) r->caught_up_.store(true);
  return r;
}

TopicReader::~TopicReader() {
  if (rk_) {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
}

std::optional<Message> TopicReader::Poll() {
  rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_, 100);
  if (!msg) return std::nullopt;
  if (msg->err) {
    log::Warn("topic reader error", {{"topic", topic_}, {"error", rd_kafka_message_errstr(msg)}});
    rd_kafka_message_destroy(msg);
    return std::nullopt;
  }
  Message m;
  m.topic = topic_;
  m.partition = msg->partition;
  m.offset = msg->offset;
  if (msg->key) m.key.assign(static_cast<const char*>(msg->key), msg->key_len);
  if (msg->payload) m.value.assign(static_cast<const char*>(msg->payload), msg->len);
  m.timestamp_ms = rd_kafka_message_timestamp(msg, nullptr);
  rd_kafka_message_destroy(msg);
  return m;
}

void TopicReader::Run(const std::function<void(const Message&)>& on_message) {
  while (!stop_.load()) {
    auto m = Poll();
    if (!m) continue;
    on_message(*m);
    if (!caught_up_.load()) {
      auto it = start_high_.find(m->partition);
      if (it != start_high_.end() && m->offset + 1 >= it->second) start_high_.erase(it);
      if (start_high_.empty()) caught_up_.store(true);
    }
  }
}

absl::Status TopicReader::ReadToEnd(const std::function<void(const Message&)>& on_message,
                                    std::chrono::milliseconds timeout) {
  const std::map<int32_t, int64_t> end = start_high_;  // per partition, the first offset not to hand over
  std::map<int32_t, int64_t> remaining = start_high_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!remaining.empty()) {
    if (std::chrono::steady_clock::now() > deadline)
      return absl::DeadlineExceededError(StrCat(topic_, " not read to its end in time"));
    auto m = Poll();
    if (!m) continue;
    auto e = end.find(m->partition);
    if (e == end.end() || m->offset >= e->second) continue;  // written after the start
    on_message(*m);
    if (m->offset + 1 >= e->second) remaining.erase(m->partition);
  }
  caught_up_.store(true);
  return absl::OkStatus();
}

}  // namespace crm::kafka
