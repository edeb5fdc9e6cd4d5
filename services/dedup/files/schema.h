#pragma once

// The batch-mode schema: which CSV column is the record id and which columns
// feed the engine, with their field kinds. Example (order of `fields` is kept):
//
//   id: visitor_no
//   fields:
//     full_name: name
//     mobile: phone

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/dedup/engine/record.h"

namespace crm::dedup {

struct Schema {
  std::string id_column;
  std::vector<std::pair<std::string, FieldKind>> fields;  // column -> kind, file order
};

// Errors (INVALID_ARGUMENT, prefixed with `origin`): not YAML, missing `id`,
// missing or empty `fields`, unknown kind, unknown top-level key, a column
// listed twice. The id column may also be listed as a field.
absl::StatusOr<Schema> ParseSchema(std::string_view yaml_text, std::string_view origin = "schema");
// NOT_FOUND when the file cannot be read; otherwise as ParseSchema.
absl::StatusOr<Schema> LoadSchema(const std::string& path);

// A schema resolved against a CSV header: column indexes.
struct BoundSchema {
  int id_index = -1;
  std::vector<std::pair<int, FieldKind>> columns;  // same order as Schema::fields
};

// Header names are compared after trimming whitespace. INVALID_ARGUMENT naming
// the column when the id or a field column is missing or appears twice in the
// header; header columns not in the schema are ignored.
absl::StatusOr<BoundSchema> Bind(const Schema& schema, const std::vector<std::string>& header);

}  // namespace crm::dedup
