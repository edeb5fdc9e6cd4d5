#include "services/dedup/files/schema.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <yaml-cpp/yaml.h>

#include "common/util/strings.h"

namespace crm::dedup {
namespace {

std::string ValidKinds() {
  std::vector<std::string> names;
  for (FieldKind k : AllKinds()) names.emplace_back(KindName(k));
  return Join(names, ", ");
}

absl::Status Invalid(std::string_view origin, std::string_view what) {
  return absl::InvalidArgumentError(StrCat(origin, ": ", what));
}

// A non-empty scalar as a string, or nullopt.
std::optional<std::string> Scalar(const YAML::Node& node) {
  if (!node.IsScalar()) return std::nullopt;
  std::string s(StripWhitespace(node.Scalar()));
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

absl::StatusOr<Schema> ParseSchema(std::string_view yaml_text, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Invalid(origin, StrCat("not valid YAML: ", e.what()));
  }
  if (!root.IsMap()) return Invalid(origin, "expected a mapping with keys 'id' and 'fields'");

  Schema schema;
  bool have_id = false, have_fields = false;
  // yaml-cpp keeps duplicated keys as separate entries, so iterate rather than index.
  for (const auto& entry : root) {
    std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const YAML::Node& value = entry.second;
    if (key == "id") {
      if (have_id) return Invalid(origin, "'id' given twice");
      have_id = true;
      auto id = Scalar(value);
      if (!id) return Invalid(origin, "'id' must name the record id column");
      schema.id_column = *id;
    } else if (key == "fields") {
      if (have_fields) return Invalid(origin, "'fields' given twice");
      have_fields = true;
      if (value.IsNull() || (value.IsMap() && value.size() == 0)) {
        return Invalid(origin, "'fields' is empty; list at least one column: kind");
      }
      if (!value.IsMap()) return Invalid(origin, "'fields' must be a mapping of column: kind");
      std::unordered_set<std::string> seen;
      for (const auto& field : value) {
        auto column = Scalar(field.first);
        if (!column) return Invalid(origin, "a column name under 'fields' is empty or not a string");
        if (!seen.insert(*column).second) return Invalid(origin, StrCat("column '", *column, "' is listed twice"));
        auto kind_name = Scalar(field.second);
        if (!kind_name) {
          return Invalid(origin, StrCat("column '", *column, "' has no kind; valid kinds: ", ValidKinds()));
        }
        auto kind = ParseKind(*kind_name);
        if (!kind) {
          return Invalid(origin, StrCat("column '", *column, "': unknown kind '", *kind_name,
                                        "'; valid kinds: ", ValidKinds()));
        }
        schema.fields.emplace_back(*column, *kind);
      }
    } else {
      return Invalid(origin, StrCat("unknown key '", key, "'; expected 'id' and 'fields'"));
    }
  }
  if (!have_id) return Invalid(origin, "missing 'id' (the record id column)");
  if (!have_fields) return Invalid(origin, "missing 'fields' (a mapping of column: kind)");
  return schema;
}

absl::StatusOr<Schema> LoadSchema(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(StrCat("schema file '", path, "' cannot be read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseSchema(ss.str(), path);
}

absl::StatusOr<BoundSchema> Bind(const Schema& schema, const std::vector<std::string>& header) {
  std::unordered_map<std::string, int> index;
  std::unordered_set<std::string> duplicated;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name(StripWhitespace(header[i]));
    if (!index.emplace(name, static_cast<int>(i)).second) duplicated.insert(name);
  }
  auto find = [&](const std::string& column, std::string_view role) -> absl::StatusOr<int> {
    if (duplicated.count(column)) {
      return absl::InvalidArgumentError(StrCat(role, " column '", column, "' appears more than once in the CSV header"));
    }
    auto it = index.find(column);
    if (it == index.end()) {
      return absl::InvalidArgumentError(
          StrCat(role, " column '", column, "' is not in the CSV header (", Join(header, ","), ")"));
    }
    return it->second;
  };

  BoundSchema bound;
  auto id = find(schema.id_column, "id");
  if (!id.ok()) return id.status();
  bound.id_index = *id;
  for (const auto& [column, kind] : schema.fields) {
    auto i = find(column, "schema");
    if (!i.ok()) return i.status();
    bound.columns.emplace_back(*i, kind);
  }
  return bound;
}

}  // namespace crm::dedup
