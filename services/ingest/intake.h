#pragma once

// The intake core shared by the gRPC and raw-topic paths: decode (raw only),
// validate and normalize, then publish accepted events to crm.events.v1 and
// rejects to crm.deadletter.v1. Talks to Kafka only through the Publisher seam.

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/kafka/consumer.h"
#include "common/kafka/batch_completion.h"
#include "common/kafka/producer.h"
#include "common/shows/registry.h"
#include "common/util/clock.h"
#include "crm/v1/event.pb.h"
#include "crm/v1/ingest.pb.h"

namespace crm::ingest {

struct Topics {
  std::string events = "crm.events.v1";
  std::string deadletter = "crm.deadletter.v1";
};

class Intake {
 public:
  using ResultFn = std::function<void(const crm::v1::EventResult&)>;

  Intake(kafka::Publisher& publisher, const shows::ShowRegistry& registry, const Clock& clock, Topics topics);

  // gRPC path. `done` runs once: ACCEPTED after the broker acknowledged the
  // event, REJECTED at once (the reject is also dead-lettered), RETRY when
  // it could not be stored.
  void SubmitEvent(crm::v1::Event event, const std::string& origin, uint64_t sequence, ResultFn done);

  // Raw path: one record (an event or a batch of them). Each item's publish
  // to crm.events.v1 or crm.deadletter.v1 is an output of `completion`
  // (the consumed batch): it completes once all are acknowledged, or with
  // the first publish error (retryable; the batch is processed again).
  void SubmitRaw(const kafka::Message& record, crm::v1::SourceKind kind, kafka::BatchCompletion& completion);

  // Source kind of a raw topic by its name (ticketing, scans, imports).
  static crm::v1::SourceKind KindForTopic(const std::string& topic);

 private:
  void PublishDeadLetter(crm::v1::DeadLetter dl, const std::string& key, kafka::DeliveryCallback cb);

  kafka::Publisher& publisher_;
  const shows::ShowRegistry& registry_;
  const Clock& clock_;
  Topics topics_;
};

}  // namespace crm::ingest
