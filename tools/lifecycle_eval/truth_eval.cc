#include "tools/lifecycle_eval/truth_eval.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/normalize/time.h"
#include "crm/v1/shows.pb.h"

namespace crm::lifecycle {

namespace {

// A CSV with a header, no quoted commas (the simulator's truth files).
absl::StatusOr<std::vector<std::map<std::string, std::string>>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read " + path);
  auto split = [](const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
    if (!line.empty() && line.back() == ',') out.emplace_back();
    return out;
  };
  std::string line;
  if (!std::getline(in, line)) return absl::InvalidArgumentError(path + ": empty");
  const auto header = split(line);
  std::vector<std::map<std::string, std::string>> rows;
  for (size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto f = split(line);
    if (f.size() != header.size())
      return absl::InvalidArgumentError(path + ":" + std::to_string(n) + ": " + std::to_string(f.size()) +
                                        " fields, the header has " + std::to_string(header.size()));
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < f.size(); ++i) row[header[i]] = f[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::Status NeedColumns(const std::string& path, const std::vector<std::map<std::string, std::string>>& rows,
                         std::initializer_list<const char*> cols) {
  if (rows.empty()) return absl::OkStatus();
  for (const char* c : cols)
    if (!rows[0].count(c)) return absl::InvalidArgumentError(path + ": no column " + c);
  return absl::OkStatus();
}

int StageIndex(const std::string& name) {
  for (size_t i = 0; i < TruthScore::kStages.size(); ++i)
    if (name == TruthScore::kStages[i]) return static_cast<int>(i);
  return -1;
}

}  // namespace

absl::StatusOr<TruthFiles> LoadTruth(const std::string& truth_stages_csv) {
  const size_t slash = truth_stages_csv.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : truth_stages_csv.substr(0, slash);
  TruthFiles t;
  auto stages = ReadCsv(truth_stages_csv);
  if (!stages.ok()) return stages.status();
  if (auto st = NeedColumns(truth_stages_csv, *stages, {"person_id", "edition_id", "stage"}); !st.ok()) return st;
  for (auto& r : *stages) t.stage[{r["person_id"], r["edition_id"]}] = r["stage"];
  const std::string records_path = dir + "/truth_records.csv";
  auto records = ReadCsv(records_path);
  if (!records.ok()) return records.status();
  if (auto st = NeedColumns(records_path, *records, {"event_id", "person_id"}); !st.ok()) return st;
  for (auto& r : *records) t.person_of_event[r["event_id"]] = r["person_id"];
  std::ifstream show_in(dir + "/show.json");
  if (!show_in) return absl::NotFoundError("cannot read " + dir + "/show.json");
  std::stringstream ss;
  ss << show_in.rdbuf();
  crm::v1::ShowSeries series;
  if (!google::protobuf::util::JsonStringToMessage(ss.str(), &series).ok())
    return absl::InvalidArgumentError(dir + "/show.json: not a crm.v1.ShowSeries");
  for (const auto& e : series.editions()) {
    auto d = normalize::ParseIsoDateDays(e.open_date());
    if (!d.ok()) return absl::InvalidArgumentError(dir + "/show.json: " + e.edition_id() + ": open_date not YYYY-MM-DD");
    t.editions.emplace_back(e.edition_id(), *d);
  }
  std::sort(t.editions.begin(), t.editions.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return t;
}

absl::StatusOr<std::map<std::string, std::string>> PersonsOfCustomers(const std::string& clusters_csv,
                                                                      const TruthFiles& truth) {
  auto rows = ReadCsv(clusters_csv);
  if (!rows.ok()) return rows.status();
  if (auto st = NeedColumns(clusters_csv, *rows, {"record_id", "cluster_id"}); !st.ok()) return st;
  std::map<std::string, std::map<std::string, uint64_t>> votes;
  for (auto& r : *rows) {
    auto p = truth.person_of_event.find(r["record_id"]);
    if (p != truth.person_of_event.end()) ++votes[r["cluster_id"]][p->second];
  }
  std::map<std::string, std::string> out;
  for (const auto& [c, v] : votes) {
    // The most votes; the smallest person id on a tie, so the choice is stable.
    auto best = std::max_element(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    out[c] = best->first;
  }
  return out;
}

TruthScore ScoreAgainstTruth(const std::vector<JudgedCustomer>& judged, const std::map<std::string, std::string>& person,
                             const TruthFiles& truth) {
  TruthScore s;
  std::vector<int64_t> leads;
  auto true_stage = [&](const std::string& p, const std::string& ed) -> const std::string* {
    auto it = truth.stage.find({p, ed});
    return it == truth.stage.end() ? nullptr : &it->second;
  };
  for (const auto& c : judged) {
    auto p = person.find(c.customer_id);
    if (p == person.end()) continue;
    for (const auto& [ed, stage] : c.stage_at) {
      const std::string* t = true_stage(p->second, ed);
      if (!t) continue;
      const int ti = StageIndex(*t), ji = StageIndex(stage);
      if (ti < 0 || ji < 0) continue;
      ++s.confusion[ti][ji];
      ++s.total;
      s.right += ti == ji;
    }
    auto changes = c.changes;
    std::sort(changes.begin(), changes.end());
    for (size_t i = 0; i + 1 < truth.editions.size(); ++i) {
      const std::string* now = true_stage(p->second, truth.editions[i].first);
      if (!now || !(*now == "confirmation" || *now == "trust" || *now == "weakening")) continue;
      const int64_t eve = truth.editions[i + 1].second - 1;
      std::string then;
      int64_t since = 0;
      for (const auto& [day, to] : changes) {
        if (day > eve) break;
        if (to != then) since = day;
        then = to;
      }
      const std::string* next = true_stage(p->second, truth.editions[i + 1].first);
      const bool leaves = next && *next == "dissolution";
      const bool weak = then == "weakening";
      s.leavers += leaves;
      if (weak) {
        ++s.in_weakening;
        s.weakening_and_left += leaves;
      }
      if (leaves && weak) {
        ++s.flagged;
        leads.push_back(truth.editions[i + 1].second - since);
      }
    }
  }
  if (!leads.empty()) {
    std::sort(leads.begin(), leads.end());
    const size_t n = leads.size();
    s.median_lead_days = n % 2 ? leads[n / 2] : (leads[n / 2 - 1] + leads[n / 2]) / 2.0;
  }
  return s;
}

std::string FormatScore(const TruthScore& s) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "Stage accuracy: %.4f (%llu of %llu customer-editions, judged the day after each close)\n",
                s.accuracy(), static_cast<unsigned long long>(s.right), static_cast<unsigned long long>(s.total));
  out += buf;
  out += "  true \\ judged     cultivation confirmation        trust    weakening  dissolution   accuracy\n";
  for (size_t t = 0; t < 5; ++t) {
    uint64_t n = 0;
    for (auto v : s.confusion[t]) n += v;
    std::snprintf(buf, sizeof buf, "  %-14s", TruthScore::kStages[t]);
    out += buf;
    for (auto v : s.confusion[t]) {
      std::snprintf(buf, sizeof buf, " %12llu", static_cast<unsigned long long>(v));
      out += buf;
    }
    std::snprintf(buf, sizeof buf, "   %s\n", n ? std::to_string(static_cast<double>(s.confusion[t][t]) / n).substr(0, 6).c_str() : "-");
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                "Early warning recall: %.4f (%llu of %llu leaving customers in weakening on the eve of the next opening)\n",
                s.recall(), static_cast<unsigned long long>(s.flagged), static_cast<unsigned long long>(s.leavers));
  out += buf;
  std::snprintf(buf, sizeof buf, "Early warning precision: %.4f (%llu of %llu in weakening then left)\n", s.precision(),
                static_cast<unsigned long long>(s.weakening_and_left), static_cast<unsigned long long>(s.in_weakening));
  out += buf;
  std::snprintf(buf, sizeof buf, "Median lead time: %.0f days\n", s.median_lead_days);
  out += buf;
  return out;
}

std::string ScoreJson(const TruthScore& s) {
  std::string out = "{";
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "\"accuracy\":%.6f,\"right\":%llu,\"total\":%llu,\"recall\":%.6f,\"leavers\":%llu,\"flagged\":%llu,"
                "\"precision\":%.6f,\"in_weakening\":%llu,\"median_lead_days\":%.1f,\"confusion\":{",
                s.accuracy(), static_cast<unsigned long long>(s.right), static_cast<unsigned long long>(s.total),
                s.recall(), static_cast<unsigned long long>(s.leavers), static_cast<unsigned long long>(s.flagged),
                s.precision(), static_cast<unsigned long long>(s.in_weakening), s.median_lead_days);
  out += buf;
  for (size_t t = 0; t < 5; ++t) {
    out += std::string(t ? "," : "") + "\"" + TruthScore::kStages[t] + "\":{";
    for (size_t j = 0; j < 5; ++j) {
      std::snprintf(buf, sizeof buf, "%s\"%s\":%llu", j ? "," : "", TruthScore::kStages[j],
                    static_cast<unsigned long long>(s.confusion[t][j]));
      out += buf;
    }
    out += "}";
  }
  return out + "}}";
}

}  // namespace crm::lifecycle
