#include "services/scoring/weights_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace crm::scoring {
namespace {

absl::Status Error(const std::string& origin, const YAML::Node& at, const std::string& what) {
  const YAML::Mark m = at.Mark();
  return absl::InvalidArgumentError(absl::StrCat(origin, ":", m.line + 1, ": ", what));
}

// Applies a mapping of field -> number over `w`.
absl::Status ApplyFields(const std::string& origin, const YAML::Node& node, const std::string& section, Weights& w) {
  if (!node.IsMap()) return Error(origin, node, absl::StrCat(section, ": expected a mapping of weight: number"));
  for (const auto& kv : node) {
    const std::string name = kv.first.as<std::string>();
    double value = 0;
    if (!kv.second.IsScalar() || !YAML::convert<double>::decode(kv.second, value)) {
      return Error(origin, kv.second, absl::StrCat(section, ".", name, ": expected a number"));
    }
    if (auto st = SetWeight(w, name, value); !st.ok()) {
      return Error(origin, kv.first, absl::StrCat(section, ": ", std::string(st.message())));
    }
  }
  if (auto st = ValidateWeights(w); !st.ok()) return Error(origin, node, absl::StrCat(section, ": ", std::string(st.message())));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WeightBook> ParseWeightsFile(std::string_view yaml, std::string_view origin_view) {
  const std::string origin(origin_view);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ":", e.mark.line + 1, ": ", e.msg));
  }
  if (root.IsNull()) return WeightBook{};
  if (!root.IsMap()) return Error(origin, root, "expected a mapping with default and organizers");
  try {
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key != "default" && key != "organizers") {
        return Error(origin, kv.first, absl::StrCat("unknown section \"", key, "\" (default, organizers)"));
      }
    }
    Weights defaults;
    if (root["default"]) {
      if (auto st = ApplyFields(origin, root["default"], "default", defaults); !st.ok()) return st;
    }
    WeightBook book(defaults);
    const YAML::Node orgs = root["organizers"];
    if (!orgs) return book;
    if (!orgs.IsSequence()) return Error(origin, orgs, "organizers: expected a list");
    std::set<std::string> names;
    std::map<std::string, std::string> owner;  // series -> organizer
    for (const auto& org : orgs) {
      if (!org.IsMap() || !org["name"] || !org["name"].IsScalar()) {
        return Error(origin, org, "organizers: each entry needs a name");
      }
      const std::string name = org["name"].as<std::string>();
      if (!names.insert(name).second) return Error(origin, org, absl::StrCat("organizer ", name, " is listed twice"));
      for (const auto& kv : org) {
        const std::string key = kv.first.as<std::string>();
        if (key != "name" && key != "series" && key != "weights") {
          return Error(origin, kv.first, absl::StrCat(name, ": unknown key \"", key, "\" (name, series, weights)"));
        }
      }
      const YAML::Node series = org["series"];
      if (!series || !series.IsSequence() || series.size() == 0) {
        return Error(origin, org, absl::StrCat(name, ": series: expected a list of show ids"));
      }
      Weights w = defaults;
      if (org["weights"]) {
        if (auto st = ApplyFields(origin, org["weights"], name, w); !st.ok()) return st;
      }
      for (const auto& s : series) {
        const std::string show = s.as<std::string>();
        if (show.empty()) return Error(origin, s, absl::StrCat(name, ": empty show id"));
        auto [it, fresh] = owner.emplace(show, name);
        if (!fresh) {
          return Error(origin, s, absl::StrCat("series ", show, " is named by ", it->second, " and by ", name));
        }
        book.SetSeries(show, w);
      }
    }
    return book;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ":", e.mark.line + 1, ": ", e.msg));
  }
}

absl::StatusOr<WeightBook> LoadWeightsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("weights file ", path, ": cannot be read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseWeightsFile(ss.str(), path);
}

}  // namespace crm::scoring
