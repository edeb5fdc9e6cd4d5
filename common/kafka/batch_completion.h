#pragma once

// Completion of a unit of work whose outputs are published asynchronously
// (a consumed batch, one raw record's events): it reports exactly once, when
// every output has its delivery report, with OK when all were acknowledged
// and otherwise the first error. The work expects each output before
// publishing it and seals itself when it has published the last; the report
// runs on whichever thread delivers the last outcome (usually the producer's).
//
//   auto c = kafka::BatchCompletion::Create(std::move(done));
//   for (...) c->Publish(producer, topic, key, value);
//   c->Seal(status_of_the_work);

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/kafka/producer.h"

namespace crm::kafka {

class BatchCompletion : public std::enable_shared_from_this<BatchCompletion> {
 public:
  using Done = std::function<void(absl::Status)>;
  static std::shared_ptr<BatchCompletion> Create(Done done);

  // One more awaited output: the returned callback reports it, once.
  DeliveryCallback Expect();
  // Publishes one output and awaits its acknowledgement; a publish refused
  // at once counts as that output's error.
  void Publish(Publisher& publisher, std::string_view topic, std::string_view key, std::string_view value);
  // No output follows; `status` is the work's own outcome (a failure before
  // publishing anything fails the whole unit).
  void Seal(const absl::Status& status = absl::OkStatus());

  // The first error so far (OK while none).
  absl::Status status() const;

 private:
  explicit BatchCompletion(Done done) : done_(std::move(done)) {}
  void Finish(const absl::Status& status);
  mutable std::mutex mu_;
  size_t outstanding_ = 1;  // the work's own reference, released by Seal
  absl::Status first_error_;
  Done done_;
};

// Publishes (key, value) records to `topic` and waits until each has its
// delivery report: OK when all were acknowledged, otherwise the first error.
// For request handlers that answer only once their outputs are durable.
absl::Status PublishAndWait(Publisher& publisher, std::string_view topic,
                            const std::vector<std::pair<std::string, std::string>>& records);

}  // namespace crm::kafka
