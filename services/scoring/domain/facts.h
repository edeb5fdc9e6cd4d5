#pragma once

// From a resolved event to the fact scoring keeps of it (no identity), and
// the fold of a customer's facts into aggregates per series and edition.
// Pure: no Kafka, Redis or gRPC. The fold depends only on the set of facts,
// never on the order they arrived in: facts are deduplicated by event id and
// folded in (occurrence time, event id) order, and every state that can
// change (a booking's status, a complaint's resolution, consent) is decided
// by the latest fact in that order.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crm/v1/identity.pb.h"
#include "crm/v1/profile.pb.h"

namespace crm::scoring {

// The fact of a resolved event; nullopt for events with nothing to count
// (no payload, or no show/edition).
std::optional<crm::v1::ScoringFact> FactOf(const crm::v1::ResolvedEvent& resolved);

// (show_id, edition_id)
using EditionKey = std::pair<std::string, std::string>;

struct Aggregates {
  std::map<EditionKey, crm::v1::EditionAggregate> editions;
  // By (channel, purpose).
  std::map<std::pair<std::string, std::string>, crm::v1::ConsentState> consents;
  uint64_t events = 0;
  int64_t last_event_ms = 0;
  // Customer type stated most often by the facts (exhibitor wins ties).
  crm::v1::CustomerType customer_type = crm::v1::CUSTOMER_TYPE_UNSPECIFIED;
};

// Folds every fact of one customer (all its records together).
Aggregates Fold(std::vector<crm::v1::ScoringFact> facts);

// Did the customer take part in the edition (entered the hall, exhibited, or
// spoke)? Registering or being imported is not taking part.
bool TookPart(const crm::v1::EditionAggregate& e);

}  // namespace crm::scoring
