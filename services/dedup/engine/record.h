#pragma once

// A person record as the identity engine sees it: an id and typed field
// values. Streaming builds one from an event's identity, batch mode from a CSV
// row through a schema. Field kinds are the vocabulary of the batch schema.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crm::dedup {

enum class FieldKind {
  kName,          // a full name, any script and order
  kGivenName,
  kFamilyName,
  kCompany,
  kEmail,
  kPhone,
  kAddress,       // street address line
  kStreetNumber,
  kCity,
  kPostcode,
  kState,
  kDate,          // e.g. date of birth
  kIdentifier,    // an id from some system: exact or typo
  kText,          // free text: fuzzy
  kCategory,      // small closed set: exact
};

// Schema spelling of each kind ("name", "given_name", ..., "category").
std::string_view KindName(FieldKind kind);
// Inverse of KindName; nullopt for an unknown spelling.
std::optional<FieldKind> ParseKind(std::string_view name);
// All kinds, in declaration order.
const std::vector<FieldKind>& AllKinds();

struct RawRecord {
  std::string id;
  // Values as written by the source, any number per kind; empty values are ignored.
  std::vector<std::pair<FieldKind, std::string>> fields;
};

}  // namespace crm::dedup
