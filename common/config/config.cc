#include "common/config/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/util/strings.h"

namespace crm::config {

Schema& Schema::Add(KeySpec spec) {
  if (Find(spec.key)) throw std::logic_error("config key declared twice: " + spec.key);
  keys_.push_back(std::move(spec));
  return *this;
}
Schema& Schema::String(std::string key, std::string def, std::string help) {
  return Add({std::move(key), Type::kString, std::move(def), std::move(help)});
}
Schema& Schema::Int(std::string key, int64_t def, std::string help) {
  return Add({std::move(key), Type::kInt, std::to_string(def), std::move(help)});
}
Schema& Schema::Double(std::string key, double def, std::string help) {
  return Add({std::move(key), Type::kDouble, FormatDouble(def), std::move(help)});
}
Schema& Schema::Bool(std::string key, bool def, std::string help) {
  return Add({std::move(key), Type::kBool, def ? "true" : "false", std::move(help)});
}
Schema& Schema::Duration(std::string key, std::string def, std::string help) {
  return Add({std::move(key), Type::kDuration, std::move(def), std::move(help)});
}
Schema& Schema::List(std::string key, std::string def, std::string help) {
  return Add({std::move(key), Type::kList, std::move(def), std::move(help)});
}
Schema& Schema::Secret(std::string key, std::string help) {
  return Add({std::move(key), Type::kString, "", std::move(help), true});
}

const KeySpec* Schema::Find(std::string_view key) const {
  for (const auto& k : keys_)
    if (k.key == key) return &k;
  return nullptr;
}

std::string Schema::EnvName(std::string_view key) {
  std::string out = "CRM_";
  for (char c : key) out += (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  text = StripWhitespace(text);
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return absl::InvalidArgumentError(crm::StrCat("'", text, "' is not a duration like 250ms, 5s, 2m"));
  int64_t n = 0;
  std::from_chars(text.data(), text.data() + i, n);
  std::string_view unit = text.substr(i);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "m") return std::chrono::milliseconds(n * 60'000);
  if (unit == "h") return std::chrono::milliseconds(n * 3'600'000);
  if (unit == "d") return std::chrono::milliseconds(n * 86'400'000);
  return absl::InvalidArgumentError(crm::StrCat("'", text, "' has no unit (ms, s, m, h, d)"));
}

absl::StatusOr<bool> ParseBool(std::string_view text) {
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  return absl::InvalidArgumentError(crm::StrCat("'", text, "' is not a boolean"));
}

absl::StatusOr<int64_t> ParseInt(std::string_view text) {
  text = StripWhitespace(text);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return absl::InvalidArgumentError(crm::StrCat("'", text, "' is not an integer"));
  }
  return v;
}

absl::StatusOr<double> ParseDouble(std::string_view text) {
  text = StripWhitespace(text);
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || !std::isfinite(v)) {
    return absl::InvalidArgumentError(crm::StrCat("'", text, "' is not a number"));
  }
  return v;
}

std::string FormatDouble(double v) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, ptr) : std::to_string(v);
}

namespace {

absl::Status Validate(const KeySpec& spec, const std::string& value, std::string_view origin) {
  absl::Status st;
  switch (spec.type) {
    case Type::kInt: st = ParseInt(value).status(); break;
    case Type::kDouble: st = ParseDouble(value).status(); break;
    case Type::kBool: st = ParseBool(value).status(); break;
    case Type::kDuration: st = ParseDuration(value).status(); break;
    default: break;
  }
  if (!st.ok()) return absl::InvalidArgumentError(crm::StrCat("config key '", spec.key, "' (", origin, "): ", st.message()));
  return absl::OkStatus();
}

// Flattens nested maps into dotted keys; sequences of scalars become comma lists.
absl::Status Flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out,
                     std::string_view origin) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>();
      std::string path = prefix.empty() ? key : prefix + "." + key;
      auto st = Flatten(kv.second, path, out, origin);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }
  if (node.IsSequence()) {
    std::vector<std::string> items;
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        return absl::InvalidArgumentError(crm::StrCat("config key '", prefix, "' (", origin, "): lists may hold only scalars"));
      }
      items.push_back(item.as<std::string>());
    }
    out[prefix] = Join(items, ",");
    return absl::OkStatus();
  }
  if (node.IsNull()) {
    out[prefix] = "";
    return absl::OkStatus();
  }
  out[prefix] = node.as<std::string>();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> Config::Parse(const Schema& schema, std::string_view yaml, std::string_view origin,
                                     const EnvLookup& env) {
  Config cfg;
  for (const auto& spec : schema.keys()) {
    cfg.values_[spec.key] = spec.default_value;
    cfg.origins_[spec.key] = "default";
  }
  std::map<std::string, std::string> file_values;
  if (!StripWhitespace(yaml).empty()) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(crm::StrCat(origin, ": not valid YAML: ", e.what()));
    }
    if (!root.IsNull() && !root.IsMap()) {
      return absl::InvalidArgumentError(crm::StrCat(origin, ": the top level must be a mapping of sections"));
    }
    if (!root.IsNull()) {
      auto st = Flatten(root, "", file_values, origin);
      if (!st.ok()) return st;
    }
  }
  for (const auto& [key, value] : file_values) {
    const KeySpec* spec = schema.Find(key);
    if (!spec) return absl::InvalidArgumentError(crm::StrCat(origin, ": unknown config key '", key, "'"));
    if (spec->secret) {
      return absl::InvalidArgumentError(crm::StrCat(origin, ": config key '", key, "' is a secret; set it with ",
                                                     Schema::EnvName(key), " instead"));
    }
    auto st = Validate(*spec, value, origin);
    if (!st.ok()) return st;
    cfg.values_[key] = value;
    cfg.origins_[key] = std::string(origin);
  }
  for (const auto& spec : schema.keys()) {
    std::string name = Schema::EnvName(spec.key);
    if (auto v = env(name)) {
      auto st = Validate(spec, *v, name);
      if (!st.ok()) return st;
      cfg.values_[spec.key] = *v;
      cfg.origins_[spec.key] = name;
    }
  }
  return cfg;
}

absl::StatusOr<Config> Config::Load(const Schema& schema, const std::string& path, const EnvLookup& env) {
  if (path.empty()) return Parse(schema, "", "defaults", env);
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(crm::StrCat("config file '", path, "' cannot be read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(schema, ss.str(), path, env);
}

const std::string& Config::GetString(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("config key not in schema: " + std::string(key));
  return it->second;
}

int64_t Config::GetInt(std::string_view key) const { return *ParseInt(GetString(key)); }
double Config::GetDouble(std::string_view key) const { return *ParseDouble(GetString(key)); }
bool Config::GetBool(std::string_view key) const { return *ParseBool(GetString(key)); }
std::chrono::milliseconds Config::GetDuration(std::string_view key) const { return *ParseDuration(GetString(key)); }

std::vector<std::string> Config::GetList(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& part : Split(GetString(key), ',')) {
    auto item = StripWhitespace(part);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

namespace {

std::string Quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string YamlValue(const KeySpec& spec) {
  switch (spec.type) {
    case Type::kInt:
    case Type::kDouble:
    case Type::kBool:
    case Type::kDuration:
      return spec.default_value;
    case Type::kList: {
      std::vector<std::string> items;
      for (const auto& part : Split(spec.default_value, ',')) {
        auto item = StripWhitespace(part);
        if (!item.empty()) items.push_back(Quoted(item));
      }
      return "[" + Join(items, ", ") + "]";
    }
    default:
      return Quoted(spec.default_value);
  }
}

}  // namespace

std::string RenderYaml(const Schema& schema, const std::string& program) {
  std::vector<std::string> sections;
  std::map<std::string, std::vector<const KeySpec*>> by_section;
  for (const auto& spec : schema.keys()) {
    auto dot = spec.key.find('.');
    std::string section = dot == std::string::npos ? std::string() : spec.key.substr(0, dot);
    if (!by_section.count(section)) sections.push_back(section);
    by_section[section].push_back(&spec);
  }
  std::string out = crm::StrCat("# ", program, ": every configuration key with its default.\n",
                                "# This is the output of `", program,
                                " --print-config`; a test keeps the two equal.\n",
                                "# Environment variables override any key (kafka.brokers <- CRM_KAFKA_BROKERS).\n");
  for (const auto& section : sections) {
    out += "\n";
    const std::string indent = section.empty() ? "" : "  ";
    if (!section.empty()) out += section + ":\n";
    for (const KeySpec* spec : by_section[section]) {
      std::string name = section.empty() ? spec->key : spec->key.substr(section.size() + 1);
      out += crm::StrCat(indent, "# ", spec->help, "\n");
      if (spec->secret) {
        out += crm::StrCat(indent, "# ", name, ": secret, only from the environment (", Schema::EnvName(spec->key),
                           ")\n");
      } else {
        out += crm::StrCat(indent, name, ": ", YamlValue(*spec), "\n");
      }
    }
  }
  return out;
}

const std::string& Config::Origin(std::string_view key) const {
  auto it = origins_.find(key);
  if (it == origins_.end()) throw std::logic_error("config key not in schema: " + std::string(key));
  return it->second;
}

}  // namespace crm::config
