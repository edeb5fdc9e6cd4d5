#include "common/kafka/consumer.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/util/strings.h"
#include "common/kafka/kafka_common.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"

namespace crm::kafka {
namespace {

struct ConsumerMetrics {
  metrics::Counter& consumed;
  metrics::Counter& batches;
  metrics::Counter& handler_failures;
  metrics::Counter& commit_failures;
  metrics::Counter& rebalances;
  metrics::Histogram& batch_seconds;
};

ConsumerMetrics& Metrics() {
  auto& r = metrics::Registry::Default();
  static ConsumerMetrics m{
      r.GetCounter("crm_kafka_consumed_total", "Messages handed to handlers"),
      r.GetCounter("crm_kafka_batches_total", "Batches handled and committed"),
      r.GetCounter("crm_kafka_handler_failures_total", "Handler attempts that failed and will be retried"),
      r.GetCounter("crm_kafka_commit_failures_total", "Offset commits that failed (the batch will be redelivered)"),
      r.GetCounter("crm_kafka_rebalances_total", "Partition assignments and revocations"),
      r.GetHistogram("crm_kafka_batch_seconds", "Time to handle and commit one batch", metrics::LatencyBuckets()),
  };
  return m;
}

// Makes a plain (non-subscribing) handle for metadata and offset queries.
absl::StatusOr<rd_kafka_t*> MakeQueryHandle(const std::string& brokers, const std::string& group) {
  std::map<std::string, std::string> settings = {{"bootstrap.servers", brokers},
                                                 {"group.id", group.empty() ? "crm-query" : group},
                                                 {"enable.auto.commit", "false"}};
  std::string error;
  rd_kafka_conf_t* conf = MakeConf(settings, &error);
  if (!conf) return absl::InvalidArgumentError(error);
  InstallLogger(conf);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(errstr);
  }
  return rk;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(const ConsumerOptions& options) {
  if (options.brokers.empty()) return absl::InvalidArgumentError("kafka consumer: no brokers configured");
  if (options.group_id.empty()) return absl::InvalidArgumentError("kafka consumer: no group id configured");
  if (options.topics.empty()) return absl::InvalidArgumentError("kafka consumer: no topics configured");
  std::unique_ptr<Consumer> c(new Consumer(options));
  std::map<std::string, std::string> settings = {
      {"bootstrap.servers", options.brokers},
      {"client.id", options.client_id},
      {"group.id", options.group_id},
      // Offsets are committed by Run() after the handler, never automatically.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", options.auto_offset_reset},
      {"session.timeout.ms", std::to_string(options.session_timeout.count())},
      {"heartbeat.interval.ms", std::to_string(std::max<int64_t>(100, options.session_timeout.count() / 5))},
      {"partition.assignment.strategy", "range,roundrobin"},
  };
  for (const auto& [k, v] : options.extra) settings[k] = v;
  std::string error;
  rd_kafka_conf_t* conf = MakeConf(settings, &error);
  if (!conf) return absl::InvalidArgumentError(error);
  rd_kafka_conf_set_rebalance_cb(conf, &Consumer::OnRebalance);
  rd_kafka_conf_set_opaque(conf, c.get());
  InstallLogger(conf);
  char errstr[512];
  c->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!c->rk_) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(crm::StrCat("kafka consumer: ", errstr));
  }
  rd_kafka_poll_set_consumer(c->rk_);
  return c;
}

Consumer::Consumer(const ConsumerOptions& options) : options_(options) {}

Consumer::~Consumer() {
  if (rk_) {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
}

void Consumer::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  Metrics().rebalances.Inc();
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    log::Info("kafka partitions assigned", {{"group", self->options_.group_id}, {"count", parts->cnt}});
    rd_kafka_assign(rk, parts);
    return;
  }
  // Revoked: finish and commit what is in flight while we still own the
  // partitions (fewer redeliveries), then drop polled-but-unstarted messages
  // of these partitions: their new owner starts from the last commit.
  self->Settle(/*wait=*/true);
  log::Info("kafka partitions revoked", {{"group", self->options_.group_id}, {"count", parts->cnt}});
  auto revoked = [parts](const Message& m) {
    for (int i = 0; i < parts->cnt; ++i)
      if (parts->elems[i].partition == m.partition && m.topic == parts->elems[i].topic) return true;
    return false;
  };
  std::erase_if(self->pending_, revoked);
  rd_kafka_assign(rk, nullptr);
}

void Consumer::CollectBatch() {
  auto deadline = std::chrono::steady_clock::now() + options_.batch_wait;
  while (pending_.size() < options_.max_batch && !stop_.load(std::memory_order_relaxed)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    // An empty batch waits a little longer so an idle consumer does not spin.
    int timeout = static_cast<int>(std::max<int64_t>(pending_.empty() ? 100 : 0, left.count()));
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_, timeout);
    if (!msg) {
      if (!pending_.empty() || std::chrono::steady_clock::now() >= deadline) return;
      continue;
    }
    if (msg->err) {
      if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        log::Warn("kafka consume error", {{"error", rd_kafka_message_errstr(msg)}});
      }
      rd_kafka_message_destroy(msg);
      continue;
    }
    Message m;
    m.topic = rd_kafka_topic_name(msg->rkt);
    m.partition = msg->partition;
    m.offset = msg->offset;
    if (msg->key) m.key.assign(static_cast<const char*>(msg->key), msg->key_len);
    if (msg->payload) m.value.assign(static_cast<const char*>(msg->payload), msg->len);
    m.timestamp_ms = rd_kafka_message_timestamp(msg, nullptr);
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
      const char* name;
      const void* val;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        m.headers[name] = val ? std::string(static_cast<const char*>(val), size) : std::string();
      }
    }
    rd_kafka_message_destroy(msg);
    pending_.push_back(std::move(m));
  }
}

absl::Status Consumer::Commit(const std::vector<Message>& batch) {
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (const auto& m : batch) {
    auto& off = next[{m.topic, m.partition}];
    off = std::max(off, m.offset + 1);
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
  for (const auto& [tp, off] : next) rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = off;
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, /*async=*/0);
  rd_kafka_topic_partition_list_destroy(list);
  return ErrorToStatus(err, "kafka commit");
}

absl::Status Consumer::Subscribe() {
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(static_cast<int>(options_.topics.size()));
  for (const auto& t : options_.topics) rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  return ErrorToStatus(err, "kafka subscribe");
}

void Consumer::Close() {
  pending_.clear();
  rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
}

absl::Status Consumer::Run(const BatchHandler& handler) { return Run(handler, nullptr); }

absl::Status Consumer::Run(const BatchHandler& handler, const std::function<absl::Status()>& idle) {
  if (auto st = Subscribe(); !st.ok()) return st;
  auto& m = Metrics();

  while (!stop_.load()) {
    CollectBatch();
    if (pending_.empty()) {
      if (idle && !stop_.load()) {
        if (auto st = idle(); !st.ok()) log::Warn("kafka idle work failed", {{"group", options_.group_id}, {"error", st.ToString()}});
      }
      continue;
    }
    std::vector<Message> batch;
    batch.swap(pending_);
    auto started = std::chrono::steady_clock::now();
    auto backoff = options_.retry_backoff;
    absl::Status st = handler(batch);
    while (!st.ok()) {
      m.handler_failures.Inc();
      log::Warn("kafka batch handler failed; retrying", {{"group", options_.group_id},
                                                         {"error", st.ToString()},
                                                         {"backoff_ms", static_cast<long>(backoff.count())}});
      // Not committing leaves the batch to be redelivered after a restart.
      auto until = std::chrono::steady_clock::now() + backoff;
      while (std::chrono::steady_clock::now() < until && !stop_.load()) {
        // Keep serving group events (heartbeats run on librdkafka's threads).
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (stop_.load()) break;
      backoff = std::min(backoff * 2, options_.retry_backoff_max);
      st = handler(batch);
    }
    if (!st.ok()) break;
    m.consumed.Inc(static_cast<double>(batch.size()));
    auto cst = Commit(batch);
    if (!cst.ok()) {
      // After a rebalance the new owner starts from the last good commit.
      m.commit_failures.Inc();
      log::Warn("kafka commit failed; batch will be redelivered", {{"error", cst.ToString()}});
    } else {
      m.batches.Inc();
    }
    m.batch_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  Close();
  return absl::OkStatus();
}

struct Consumer::InFlight {
  std::vector<Message> batch;
  std::chrono::steady_clock::time_point started;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  absl::Status status;
};

void Consumer::StartBatch(std::vector<Message> batch) {
  auto f = std::make_shared<InFlight>();
  f->batch = std::move(batch);
  f->started = std::chrono::steady_clock::now();
  in_flight_.push_back(f);
  (*async_handler_)(f->batch, [f](absl::Status st) {
    std::lock_guard lock(f->mu);
    f->done = true;
    f->status = std::move(st);
    f->cv.notify_all();
  });
}

void Consumer::Settle(bool wait) {
  auto& m = Metrics();
  while (!in_flight_.empty()) {
    auto f = in_flight_.front();
    std::unique_lock lock(f->mu);
    if (!f->done) {
      if (!wait) return;
      f->cv.wait(lock, [&] { return f->done; });
    }
    absl::Status st = f->status;
    lock.unlock();
    if (!st.ok()) {
      // Nothing after this batch is committed until it succeeds.
      m.handler_failures.Inc();
      log::Warn("kafka batch handler failed; retrying", {{"group", options_.group_id}, {"error", st.ToString()}});
      auto until = std::chrono::steady_clock::now() + options_.retry_backoff;
      while (std::chrono::steady_clock::now() < until && !stop_.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (stop_.load()) {
        // Leave it uncommitted; a restart redelivers it. Later batches wait.
        for (auto& later : in_flight_) {
          std::unique_lock l(later->mu);
          later->cv.wait(l, [&] { return later->done; });
        }
        in_flight_.clear();
        return;
      }
      {
        std::lock_guard l(f->mu);
        f->done = false;
      }
      (*async_handler_)(f->batch, [f](absl::Status s2) {
        std::lock_guard l2(f->mu);
        f->done = true;
        f->status = std::move(s2);
        f->cv.notify_all();
      });
      wait = true;  // the head must finish before anything else is committed
      continue;
    }
    in_flight_.pop_front();
    m.consumed.Inc(static_cast<double>(f->batch.size()));
    if (auto cst = Commit(f->batch); !cst.ok()) {
      m.commit_failures.Inc();
      log::Warn("kafka commit failed; batch will be redelivered", {{"error", cst.ToString()}});
    } else {
      m.batches.Inc();
    }
    m.batch_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - f->started).count());
  }
}

absl::Status Consumer::RunAsync(const AsyncBatchHandler& handler, size_t max_in_flight) {
  if (auto st = Subscribe(); !st.ok()) return st;
  async_handler_ = &handler;
  max_in_flight = std::max<size_t>(1, max_in_flight);
  while (!stop_.load()) {
    Settle(/*wait=*/false);
    if (in_flight_.size() >= max_in_flight) {
      // Wait for the oldest batch (bounded, so Stop is noticed).
      auto f = in_flight_.front();
      std::unique_lock lock(f->mu);
      f->cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return f->done; });
      continue;
    }
    CollectBatch();
    if (pending_.empty()) continue;
    std::vector<Message> batch;
    batch.swap(pending_);
    StartBatch(std::move(batch));
  }
  Settle(/*wait=*/true);
  async_handler_ = nullptr;
  Close();
  return absl::OkStatus();
}

absl::StatusOr<int> PartitionCount(const std::string& brokers, const std::string& topic,
                                   std::chrono::milliseconds timeout) {
  auto rk = MakeQueryHandle(brokers, "");
  if (!rk.ok()) return rk.status();
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(*rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(*rk, 0, rkt, &md, static_cast<int>(timeout.count()));
  absl::StatusOr<int> result = absl::UnknownError("unset");
  if (err) {
    result = ErrorToStatus(err, "kafka metadata");
  } else {
    if (md->topic_cnt != 1 || md->topics[0].err) {
      result = ErrorToStatus(md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
                             "kafka metadata for " + topic);
    } else {
      result = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(*rk);
  return result;
}

absl::StatusOr<std::map<int32_t, int64_t>> FetchCommittedOffsets(const std::string& brokers,
                                                                 const std::string& group, const std::string& topic,
                                                                 std::chrono::milliseconds timeout) {
  auto count = PartitionCount(brokers, topic, timeout);
  if (!count.ok()) return count.status();
  auto rk = MakeQueryHandle(brokers, group);
  if (!rk.ok()) return rk.status();
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(*count);
  for (int p = 0; p < *count; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  rd_kafka_resp_err_t err = rd_kafka_committed(*rk, list, static_cast<int>(timeout.count()));
  absl::StatusOr<std::map<int32_t, int64_t>> result = absl::UnknownError("unset");
  if (err) {
    result = ErrorToStatus(err, "kafka committed offsets");
  } else {
    std::map<int32_t, int64_t> out;
    for (int i = 0; i < list->cnt; ++i) out[list->elems[i].partition] = list->elems[i].offset;
    result = std::move(out);
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(*rk);
  return result;
}

}  // namespace crm::kafka

namespace crm::kafka {

absl::StatusOr<int64_t> GroupLag(const std::string& brokers, const std::string& group,
                                 const std::vector<std::string>& topics, std::chrono::milliseconds timeout) {
  auto rk = MakeQueryHandle(brokers, group);
  if (!rk.ok()) return rk.status();
  int64_t lag = 0;
  absl::Status status;
  for (const auto& topic : topics) {
    auto committed = FetchCommittedOffsets(brokers, group, topic, timeout);
    if (!committed.ok()) {
      status = committed.status();
      break;
    }
    for (const auto& [p, off] : *committed) {
      int64_t low = 0, high = 0;
      auto err = rd_kafka_query_watermark_offsets(*rk, topic.c_str(), p, &low, &high, static_cast<int>(timeout.count()));
      if (err) {
        status = ErrorToStatus(err, "kafka watermarks");
        break;
      }
      lag += high - std::max(off, low);
    }
    if (!status.ok()) break;
  }
  rd_kafka_destroy(*rk);
  if (!status.ok()) return status;
  return lag;
}

}  // namespace crm::kafka
