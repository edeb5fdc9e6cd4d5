#pragma once

// Consumer-group consumer. Hands batches to a handler and commits a batch's
// offsets only after the handler returned OK for it, so a crash at any point
// redelivers what was not finished (at-least-once; handlers are idempotent).

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crm::kafka {

struct ConsumerOptions {
  std::string brokers;
  std::string group_id;
  std::vector<std::string> topics;
  std::string client_id = "crm";
  // A batch closes at this many messages or after batch_wait, whichever first.
  size_t max_batch = 1000;
  std::chrono::milliseconds batch_wait{50};
  // Where a group with no committed offset starts.
  std::string auto_offset_reset = "earliest";
  // A member that stops heartbeating (killed) is evicted after this.
  std::chrono::milliseconds session_timeout{10'000};
  // Back-off between attempts when the handler fails; doubles up to the max.
  std::chrono::milliseconds retry_backoff{100};
  std::chrono::milliseconds retry_backoff_max{5'000};
  std::map<std::string, std::string> extra;
};

struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  int64_t timestamp_ms = 0;
  std::map<std::string, std::string> headers;
};

// Returns OK when the batch's effects are durable. A non-OK status means
// "try the same batch again later"; bad input must be handled (dead-lettered)
// by the handler and answered with OK, or the partition stalls.
using BatchHandler = std::function<absl::Status(const std::vector<Message>&)>;

// Asynchronous form: the handler starts the batch's work and returns; it
// calls `done` exactly once (from any thread) when the effects are durable.
// Several batches may be in flight; offsets are committed strictly in batch
// order, each only after its own and all earlier batches are done.
using BatchDone = std::function<void(absl::Status)>;
using AsyncBatchHandler = std::function<void(const std::vector<Message>&, BatchDone done)>;

class Consumer {
 public:
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(const ConsumerOptions& options);
  ~Consumer();

  // Consumes until Stop(); returns after leaving the group cleanly.
  absl::Status Run(const BatchHandler& handler);
  // The same, and `idle` is called on the Run thread whenever a poll found
  // nothing new (about every 100 ms while caught up): work a service defers
  // until it has caught up. An error from it is logged; consuming goes on.
  absl::Status Run(const BatchHandler& handler, const std::function<absl::Status()>& idle);
  // Pipelined: up to `max_in_flight` batches handled concurrently with the
  // polling of the next. A failed batch is handed to the handler again (after
  // back-off) before anything after it is committed.
  absl::Status RunAsync(const AsyncBatchHandler& handler, size_t max_in_flight);
  // Safe from any thread: finish the current batch, commit, leave the group.
  void Stop() { stop_.store(true); }

 private:
  explicit Consumer(const ConsumerOptions& options);
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque);
  void CollectBatch();
  absl::Status Commit(const std::vector<Message>& batch);
  absl::Status Subscribe();
  void Close();

  // Pipelined mode state; only touched on the Run thread (the rebalance
  // callback runs inside poll on that thread too).
  struct InFlight;
  void StartBatch(std::vector<Message> batch);
  // Commits finished batches at the head; with `wait`, waits for every batch.
  void Settle(bool wait);
  const AsyncBatchHandler* async_handler_ = nullptr;
  std::deque<std::shared_ptr<InFlight>> in_flight_;

  ConsumerOptions options_;
  rd_kafka_t* rk_ = nullptr;
  std::atomic<bool> stop_{false};
  // Messages polled but not yet handled; filtered when partitions are revoked.
  std::vector<Message> pending_;
};

// Committed offsets of `group` for every partition of `topic` (-1 = none).
absl::StatusOr<std::map<int32_t, int64_t>> FetchCommittedOffsets(const std::string& brokers,
                                                                 const std::string& group, const std::string& topic,
                                                                 std::chrono::milliseconds timeout);

// Records of `topics` not yet committed by `group` (sum over partitions of
// high watermark minus committed offset): how far behind a service is.
absl::StatusOr<int64_t> GroupLag(const std::string& brokers, const std::string& group,
                                 const std::vector<std::string>& topics, std::chrono::milliseconds timeout);

// Number of partitions of `topic`.
absl::StatusOr<int> PartitionCount(const std::string& brokers, const std::string& topic,
                                   std::chrono::milliseconds timeout);

}  // namespace crm::kafka
