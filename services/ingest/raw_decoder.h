#pragma once

// Decodes raw JSON records (docs/RAW_EVENTS.md) into crm.v1.Event. Structure
// only: types, unknown fields, enums, list and map sizes. Semantic rules
// (required fields, shows, times, normalization) are in event_rules, shared
// with the gRPC path. Pure: no I/O.

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crm/v1/event.pb.h"
#include "services/ingest/problem.h"

namespace crm::ingest {

inline constexpr size_t kMaxRecordBytes = 64 * 1024;
inline constexpr size_t kMaxBatchEvents = 1000;

struct DecodedEvent {
  crm::v1::Event event;
  // occurred_at written without an offset: local wall-clock millis, to be
  // placed in the series' time zone by the rules.
  std::optional<int64_t> local_occurred_ms;
  bool occurred_at_present = false;
  // consent_change.granted was present (a boolean that must be stated).
  bool consent_granted_present = false;
};

struct DecodeItem {
  std::optional<DecodedEvent> decoded;  // set when the item decoded
  std::optional<Problem> problem;       // set when it did not
  std::string original;                 // this item's JSON (the record, or one array element)
};

class RawDecoder {
 public:
  // One record: an event object or an array of them. Never throws; every
  // item comes back decoded or with a problem.
  std::vector<DecodeItem> Decode(std::string_view record);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace crm::ingest
