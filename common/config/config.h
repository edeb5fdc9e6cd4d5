#pragma once

// One YAML file per service. Every key the service understands is declared in
// a Schema with its type and default; the file may set any of them, the
// environment overrides them (key "kafka.brokers" <- CRM_KAFKA_BROKERS), and a
// key the schema does not know is an error that names the key. Keys marked
// secret are accepted only from the environment.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace crm::config {

enum class Type { kString, kInt, kDouble, kBool, kDuration, kList };

struct KeySpec {
  std::string key;  // dotted path, e.g. "kafka.brokers"
  Type type = Type::kString;
  std::string default_value;
  std::string help;
  bool secret = false;
};

class Schema {
 public:
  Schema& String(std::string key, std::string def, std::string help);
  Schema& Int(std::string key, int64_t def, std::string help);
  Schema& Double(std::string key, double def, std::string help);
  Schema& Bool(std::string key, bool def, std::string help);
  // Durations are written with a unit: "250ms", "5s", "2m", "1h".
  Schema& Duration(std::string key, std::string def, std::string help);
  // Lists are YAML sequences of scalars or comma-separated strings.
  Schema& List(std::string key, std::string def_comma_separated, std::string help);
  Schema& Secret(std::string key, std::string help);

  const KeySpec* Find(std::string_view key) const;
  const std::vector<KeySpec>& keys() const { return keys_; }

  // Environment variable that overrides `key`.
  static std::string EnvName(std::string_view key);

 private:
  Schema& Add(KeySpec spec);
  std::vector<KeySpec> keys_;
};

// Looks up an environment variable; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

class Config {
 public:
  // `path` may be empty: defaults and environment only.
  static absl::StatusOr<Config> Load(const Schema& schema, const std::string& path, const EnvLookup& env = ProcessEnv());
  static absl::StatusOr<Config> Parse(const Schema& schema, std::string_view yaml, std::string_view origin,
                                      const EnvLookup& env = ProcessEnv());

  // Typed getters; the key must be in the schema (a programming error otherwise).
  const std::string& GetString(std::string_view key) const;
  int64_t GetInt(std::string_view key) const;
  double GetDouble(std::string_view key) const;
  bool GetBool(std::string_view key) const;
  std::chrono::milliseconds GetDuration(std::string_view key) const;
  std::vector<std::string> GetList(std::string_view key) const;

  // Where each value came from ("default", file name, or env var), for start-up logs.
  const std::string& Origin(std::string_view key) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::string, std::less<>> origins_;
};

// Every key of `schema` as a YAML file with its default and a one-line
// comment, sections in the order they were declared; secrets appear as
// comments naming their environment variable. Parsing the output gives the
// defaults. `program` names the service in the header comment.
std::string RenderYaml(const Schema& schema, const std::string& program);

// Parsers shared with flag handling.
absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);
absl::StatusOr<bool> ParseBool(std::string_view text);
absl::StatusOr<int64_t> ParseInt(std::string_view text);
// A finite decimal number ("0.9", "1e-4").
absl::StatusOr<double> ParseDouble(std::string_view text);
// The shortest text that parses back to `v`.
std::string FormatDouble(double v);

}  // namespace crm::config
