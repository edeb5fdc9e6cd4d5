// crm-lifecycle-eval: the stage machine over saved profiles, offline.
//
//   crm-lifecycle-eval --profiles PROFILES.jsonl --show SHOW.json --stages OUT.csv --transitions OUT.csv
//                      [--today YYYY-MM-DD] [--truth truth_stages.csv --clusters clusters.csv]
//
// PROFILES.jsonl: one crm.v1.Profile in proto JSON per line, the latest per
// customer (crm-scoring train --save-profiles); SHOW.json: the series
// (crm-simulate's show.json). Writes each customer's stage at every closed
// edition (customer_id,show_id,edition_id,stage) and every transition
// (customer_id,show_id,edition_id,day,from,to,rule,evidence), all
// evaluation points up to --today (default: every point of the calendar).
// With --truth and --clusters (crmctl dedup-report --clusters), the stages
// are scored against the simulator's truth as `crmctl lifecycle eval` scores
// the service's (truth_eval.h). The service judges the same way from the
// same profiles; this tool tries rule changes without a stack.

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <vector>
#include <sstream>
#include <string>

#include "common/normalize/time.h"
#include "services/lifecycle/domain/from_profile.h"
#include "services/lifecycle/domain/machine.h"
#include "tools/lifecycle_eval/truth_eval.h"

namespace {

int Fail(const std::string& why) {
  std::fprintf(stderr, "crm-lifecycle-eval: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[std::string(argv[i]).substr(2)] = argv[i + 1];
  for (const char* k : {"profiles", "show", "stages", "transitions"}) {
    if (!args.count(k)) {
      std::fprintf(stderr,
                   "usage: crm-lifecycle-eval --profiles PROFILES.jsonl --show SHOW.json --stages OUT.csv "
                   "--transitions OUT.csv [--today YYYY-MM-DD]\n");
      return 2;
    }
  }
  std::ifstream show_in(args["show"]);
  std::stringstream ss;
  ss << show_in.rdbuf();
  crm::v1::ShowSeries series;
  if (auto st = google::protobuf::util::JsonStringToMessage(ss.str(), &series); !st.ok())
    return Fail(args["show"] + ": not a crm.v1.ShowSeries: " + st.ToString());
  auto calendar = crm::lifecycle::CalendarOf(series);
  if (!calendar.ok()) return Fail(calendar.status().ToString());
  int64_t today = 0;
  for (const auto& e : *calendar)
    today = std::max({today, e.close_day + 1, e.rebooking_deadline_day.value_or(0) + 1});
  if (args.count("today")) {
    auto d = crm::normalize::ParseIsoDateDays(args["today"]);
    if (!d.ok()) return Fail("--today: not YYYY-MM-DD");
    today = *d;
  }
  std::ifstream in(args["profiles"]);
  if (!in) return Fail("cannot read " + args["profiles"]);
  std::ofstream stages(args["stages"]), transitions(args["transitions"]);
  stages << "customer_id,show_id,edition_id,stage\n";
  transitions << "customer_id,show_id,edition_id,day,from,to,rule,evidence\n";
  const crm::lifecycle::LifecycleRules rules;
  // First every customer's history, then the usual level per edition and
  // customer type, then the judgement (as the service does at each point).
  struct Judged {
    std::string customer_id;
    crm::v1::CustomerType type;
    crm::lifecycle::CustomerHistory history;
  };
  std::vector<Judged> all;
  std::string line;
  size_t n = 0;
  for (; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    crm::v1::Profile p;
    if (auto st = google::protobuf::util::JsonStringToMessage(line, &p); !st.ok())
      return Fail(args["profiles"] + ":" + std::to_string(n + 1) + ": not a crm.v1.Profile");
    if (!p.merged_into().empty()) continue;
    for (const auto& s : p.series()) {
      if (s.show_id() != series.show_id()) continue;
      all.push_back({p.customer_id(), p.summary().customer_type(), crm::lifecycle::HistoryOf(s, *calendar, today)});
    }
  }
  std::map<std::pair<std::string, int>, std::vector<const crm::lifecycle::EditionObservation*>> by_edition_type;
  for (const auto& j : all)
    for (const auto& [ed, o] : j.history.editions) by_edition_type[{ed, j.type}].push_back(&o);
  std::map<std::pair<std::string, int>, crm::lifecycle::UsualLevel> usual;
  for (const auto& [key, obs] : by_edition_type) usual[key] = crm::lifecycle::UsualLevelOf(obs);
  const size_t customers = all.size();
  std::vector<crm::lifecycle::JudgedCustomer> judged;
  for (auto& j : all) {
    for (const auto& ed : j.history.calendar) {
      if (auto u = usual.find({ed.edition_id, j.type}); u != usual.end()) j.history.usual[ed.edition_id] = u->second;
    }
    auto ev = crm::lifecycle::Evaluate(j.history, rules);
    const std::string& show = series.show_id();
    crm::lifecycle::JudgedCustomer jc{j.customer_id, {}, {}};
    for (const auto& es : ev.editions) jc.stage_at[es.edition_id] = std::string(crm::lifecycle::StageName(es.stage));
    for (const auto& t : ev.transitions) jc.changes.emplace_back(t.day, std::string(crm::lifecycle::StageName(t.to)));
    judged.push_back(std::move(jc));
    for (const auto& es : ev.editions)
      stages << j.customer_id << "," << show << "," << es.edition_id << "," << crm::lifecycle::StageName(es.stage)
             << "\n";
    for (const auto& t : ev.transitions) {
      std::string evidence;
      for (const auto& e : t.evidence) {
        if (!evidence.empty()) evidence += ";";
        char buf[128];
        std::snprintf(buf, sizeof buf, "%s:%g>%g", e.signal.c_str(), e.before, e.now);
        evidence += buf;
      }
      transitions << j.customer_id << "," << show << "," << t.edition_id << "," << t.day << ","
                  << (t.from ? crm::lifecycle::StageName(*t.from) : "") << "," << crm::lifecycle::StageName(t.to) << ","
                  << t.rule << "," << evidence << "\n";
    }
  }
  std::printf("crm-lifecycle-eval: %zu customers of %s judged\n", customers, series.show_id().c_str());
  if (args.count("truth") && args.count("clusters")) {
    auto truth = crm::lifecycle::LoadTruth(args["truth"]);
    if (!truth.ok()) return Fail(truth.status().ToString());
    auto person = crm::lifecycle::PersonsOfCustomers(args["clusters"], *truth);
    if (!person.ok()) return Fail(person.status().ToString());
    std::printf("%s", crm::lifecycle::FormatScore(crm::lifecycle::ScoreAgainstTruth(judged, *person, *truth)).c_str());
  }
  return 0;
}
