#pragma once

// Validation and normalization of one event, the same for the raw-topic and
// gRPC paths. Pure: inputs are the event, the show registry and the clock.

#include <optional>
#include <string>

#include "common/shows/registry.h"
#include "common/util/clock.h"
#include "crm/v1/event.pb.h"
#include "services/ingest/problem.h"

namespace crm::ingest {

struct EventContext {
  // occurred_at was written as local time (raw JSON without an offset).
  std::optional<int64_t> local_occurred_ms;
  // For raw JSON: whether occurred_at / consent_change.granted were present.
  // gRPC events have occurred_at presence from the message itself.
  bool occurred_at_present = true;
  bool consent_granted_present = true;
};

// Checks `ev` and fills in the normalized identity, occurred_at (from local
// time) and received_at. Returns the first problem found, or nullopt.
std::optional<Problem> ValidateAndNormalize(crm::v1::Event& ev, const EventContext& ctx,
                                            const shows::ShowRegistry& registry, const Clock& clock);

// Stable event id (docs/RAW_EVENTS.md "Event ids"): device id + sequence,
// else the sender's id, else a hash of `content`.
std::string DeriveEventId(const crm::v1::Event& ev, std::string_view content);

// Partition key on crm.events.v1: the event's strongest identifier (badge
// within its edition, email, E.164 phone, external id, name + company).
std::string PartitionKey(const crm::v1::Event& ev);

// ISO 3166 alpha-2 from a code or a common country name ("China", "中国", "Deutschland").
std::string CountryCode(std::string_view country);

}  // namespace crm::ingest
