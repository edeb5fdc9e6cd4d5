#include "services/ingest/intake.h"

#include <array>
#include <atomic>
#include <memory>
#include <mutex>

#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/util/proto_time.h"
#include "common/util/status.h"
#include "common/util/strings.h"
#include "services/ingest/event_rules.h"
#include "services/ingest/raw_decoder.h"

namespace crm::ingest {
namespace {

const char* KindLabel(crm::v1::SourceKind k) {
  switch (k) {
    case crm::v1::SOURCE_KIND_TICKETING: return "ticketing";
    case crm::v1::SOURCE_KIND_SCANNER: return "scanner";
    case crm::v1::SOURCE_KIND_IMPORT: return "import";
    case crm::v1::SOURCE_KIND_CAMPAIGN: return "campaign";
    case crm::v1::SOURCE_KIND_SURVEY: return "survey";
    default: return "internal";
  }
}

void CountAccepted(crm::v1::SourceKind kind) {
  // Looked up once per kind: the registry lookup takes a global lock.
  static const auto counters = [] {
    std::array<metrics::Counter*, crm::v1::SourceKind_ARRAYSIZE> out{};
    for (int k = 0; k < crm::v1::SourceKind_ARRAYSIZE; ++k) {
      out[k] = &metrics::Registry::Default().GetCounter(
          "crm_ingest_accepted_total", "Events accepted onto crm.events.v1",
          {{"source", KindLabel(static_cast<crm::v1::SourceKind>(k))}});
    }
    return out;
  }();
  int k = static_cast<int>(kind);
  counters[k >= 0 && k < crm::v1::SourceKind_ARRAYSIZE ? k : 0]->Inc();
}

void CountRejected(const std::string& reason) {
  metrics::Registry::Default()
      .GetCounter("crm_ingest_rejected_total", "Inputs rejected to crm.deadletter.v1, by reason", {{"reason", reason}})
      .Inc();
}

}  // namespace

Intake::Intake(kafka::Publisher& publisher, const shows::ShowRegistry& registry, const Clock& clock, Topics topics)
    : publisher_(publisher), registry_(registry), clock_(clock), topics_(std::move(topics)) {}

crm::v1::SourceKind Intake::KindForTopic(const std::string& topic) {
  if (topic.find("ticketing") != std::string::npos) return crm::v1::SOURCE_KIND_TICKETING;
  if (topic.find("scans") != std::string::npos) return crm::v1::SOURCE_KIND_SCANNER;
  if (topic.find("imports") != std::string::npos) return crm::v1::SOURCE_KIND_IMPORT;
  return crm::v1::SOURCE_KIND_INTERNAL;
}

void Intake::PublishDeadLetter(crm::v1::DeadLetter dl, const std::string& key, kafka::DeliveryCallback cb) {
  CountRejected(dl.reason_code());
  SetTimestampMillis(dl.mutable_rejected_at(), clock_.NowMillis());
  std::string bytes = dl.SerializeAsString();
  auto st = publisher_.Publish(topics_.deadletter, key, bytes, cb);
  if (!st.ok() && cb) cb(kafka::Delivery{st, topics_.deadletter});
}

void Intake::SubmitEvent(crm::v1::Event event, const std::string& origin, uint64_t sequence, ResultFn done) {
  crm::v1::EventResult result;
  result.set_sequence(sequence);
  if (event.source().kind() == crm::v1::SOURCE_KIND_UNSPECIFIED) {
    event.mutable_source()->set_kind(crm::v1::SOURCE_KIND_INTERNAL);
  }
  // Fields owned by the pipeline are cleared before hashing and checking, so
  // a resent event gets the same id whatever the client put there.
  event.clear_received_at();
  event.clear_customer_id();
  event.mutable_identity()->clear_normalized();
  // The serialized event is needed only as the hash input of the fallback id
  // (no sender id, no device) and as a dead letter's payload.
  std::string content;
  auto serialized = [&]() -> const std::string& {
    if (content.empty()) event.SerializeToString(&content);  // deterministic enough for one client's resends
    return content;
  };
  bool hashed_id = event.event_id().empty() && event.source().device_id().empty();
  const std::string sender_event_id = event.event_id();
  std::string id = DeriveEventId(event, hashed_id ? std::string_view(serialized()) : std::string_view());
  event.set_event_id(id);
  result.set_event_id(id);

  EventContext ctx;
  ctx.occurred_at_present = event.has_occurred_at();
  if (auto problem = ValidateAndNormalize(event, ctx, registry_, clock_)) {
    result.set_outcome(crm::v1::EventResult::OUTCOME_REJECTED);
    result.set_reason_code(problem->code);
    result.set_field_path(problem->field_path);
    result.set_message(problem->message);
    crm::v1::DeadLetter dl;
    // As received: the rules only set event_id, received_at and the
    // normalized identity (gRPC times are already UTC), so undo those.
    if (content.empty()) {
      crm::v1::Event original = event;
      original.set_event_id(sender_event_id);
      original.clear_received_at();
      original.mutable_identity()->clear_normalized();
      original.SerializeToString(&content);
    }
    dl.set_original_payload(content);
    dl.set_source(origin);
    dl.set_reason_code(problem->code);
    dl.set_message(problem->message);
    dl.set_field_path(problem->field_path);
    // The caller has the rejection; the dead letter is the audit copy.
    PublishDeadLetter(std::move(dl), id, [](const kafka::Delivery& d) {
      if (!d.status.ok()) log::Warn("dead letter not stored", {{"error", d.status.ToString()}});
    });
    done(result);
    return;
  }
  auto kind = event.source().kind();
  std::string key = PartitionKey(event);
  std::string bytes = event.SerializeAsString();
  auto st = publisher_.Publish(topics_.events, key, bytes, [result, done, kind](const kafka::Delivery& d) mutable {
    if (d.status.ok()) {
      CountAccepted(kind);
      result.set_outcome(crm::v1::EventResult::OUTCOME_ACCEPTED);
    } else {
      result.set_outcome(crm::v1::EventResult::OUTCOME_RETRY);
      result.set_reason_code("UNAVAILABLE");
      result.set_message(ToStdString(d.status.message()));
    }
    done(result);
  });
  if (!st.ok()) {
    result.set_outcome(crm::v1::EventResult::OUTCOME_RETRY);
    result.set_reason_code(crm::IsRetryable(st) ? "UNAVAILABLE" : "INTERNAL");
    result.set_message(ToStdString(st.message()));
    done(result);
  }
}

void Intake::SubmitRaw(const kafka::Message& record, crm::v1::SourceKind kind, kafka::BatchCompletion& completion) {
  thread_local RawDecoder decoder;
  auto reject = [&](const std::string& original, const Problem& p) {
    crm::v1::DeadLetter dl;
    dl.set_original_payload(original);
    dl.set_source(record.topic);
    dl.set_reason_code(p.code);
    dl.set_message(p.message);
    dl.set_field_path(p.field_path);
    dl.set_source_partition(record.partition);
    dl.set_source_offset(record.offset);
    PublishDeadLetter(std::move(dl), record.key, completion.Expect());
  };
  for (auto& item : decoder.Decode(record.value)) {
    if (item.problem) {
      reject(item.original, *item.problem);
      continue;
    }
    crm::v1::Event& ev = item.decoded->event;
    ev.mutable_source()->set_kind(kind);
    ev.mutable_source()->set_raw_topic(record.topic);
    ev.set_event_id(DeriveEventId(ev, item.original));
    EventContext ctx;
    ctx.local_occurred_ms = item.decoded->local_occurred_ms;
    ctx.occurred_at_present = item.decoded->occurred_at_present;
    ctx.consent_granted_present = item.decoded->consent_granted_present;
    if (auto problem = ValidateAndNormalize(ev, ctx, registry_, clock_)) {
      reject(item.original, *problem);
      continue;
    }
    kafka::DeliveryCallback report = completion.Expect();
    auto st = publisher_.Publish(topics_.events, PartitionKey(ev), ev.SerializeAsString(),
                                 [report, kind](const kafka::Delivery& d) {
                                   if (d.status.ok()) CountAccepted(kind);
                                   report(d);
                                 });
    if (!st.ok()) report(kafka::Delivery{st, topics_.events});
  }
}

}  // namespace crm::ingest
