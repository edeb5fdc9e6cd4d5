// `crm-scoring train`: the history (the latest profile per customer and the
// show calendars) from Kafka or from files, then retention::TrainRetention,
// the model file and the report.

#include "services/scoring/train_cmd.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/config/config.h"
#include "common/kafka/consumer.h"
#include "common/kafka/reader.h"
#include "common/normalize/time.h"
#include "common/service/standard_config.h"
#include "common/util/strings.h"
#include "crm/v1/shows.pb.h"
#include "services/scoring/app.h"
#include "services/scoring/retention/train.h"

namespace crm::scoring {
namespace {

const char* kUsage =
    "usage: crm-scoring train --model MODEL.json [--report REPORT.md] [--config FILE.yaml]\n"
    "                         [--profiles PROFILES.jsonl --shows SHOWS.json] [--save-profiles FILE.jsonl]\n"
    "                         [--wait 0s] [--holdout 0.25] [--today YYYY-MM-DD]\n"
    "                         [--rounds 300] [--max-depth 4] [--eta 0.05] [--min-child-weight 5]\n"
    "                         [--subsample 1] [--colsample 1] [--seed 7] [--threads 1] [--l2 1]\n"
    "  History: the latest profile per customer on scoring.profiles_topic (merged ones skipped) and the\n"
    "  calendars on scoring.shows_topic, read to their ends at start (kafka.brokers from the config);\n"
    "  or --profiles (one crm.v1.Profile in proto JSON per line, later lines win) with --shows (one\n"
    "  crm.v1.ShowSeries in proto JSON, or one per line). --wait first waits up to that long for the\n"
    "  scoring consumer group to have consumed its input topics. --save-profiles writes the history\n"
    "  read, for --profiles. Pairs (N-1 -> N) use editions closed by --today (default: today, UTC).\n";

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "crm-scoring train: %s\n", message.c_str());
  return code;
}

struct Args {
  std::map<std::string, std::string> values;
  std::string Get(const std::string& k, const std::string& def = "") const {
    auto it = values.find(k);
    return it == values.end() ? def : it->second;
  }
};

bool ParseArgs(int argc, char** argv, Args* out, std::string* error) {
  static const std::vector<std::string> kKnown = {
      "model", "report", "config", "profiles", "shows", "save-profiles", "wait", "holdout", "today", "rounds",
      "max-depth", "eta", "min-child-weight", "subsample", "colsample", "seed", "threads", "l2"};
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a.rfind("--", 0) != 0) return *error = StrCat("unexpected argument '", a, "'"), false;
    std::string name = a.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return *error = StrCat("--", name, " needs a value"), false;
    }
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end())
      return *error = StrCat("unknown flag --", name), false;
    out->values[name] = value;
  }
  return true;
}

bool ToDouble(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && end && *end == '\0';
}

// Numeric flags into the options; false with the flag named in `error`.
bool ReadOptions(const Args& args, retention::TrainOptions* o, std::string* error) {
  auto num = [&](const char* flag, auto* field) {
    if (!args.values.count(flag)) return true;
    double v = 0;
    if (!ToDouble(args.Get(flag), &v)) return *error = StrCat("--", flag, " needs a number"), false;
    *field = static_cast<std::remove_pointer_t<decltype(field)>>(v);
    return true;
  };
  return num("holdout", &o->holdout) && num("rounds", &o->xgb.rounds) && num("max-depth", &o->xgb.max_depth) &&
         num("eta", &o->xgb.eta) && num("min-child-weight", &o->xgb.min_child_weight) &&
         num("subsample", &o->xgb.subsample) && num("colsample", &o->xgb.colsample_bytree) &&
         num("seed", &o->xgb.seed) && num("threads", &o->xgb.threads) && num("l2", &o->logistic.l2) &&
         (o->holdout > 0 && o->holdout < 1 ? true : (*error = "--holdout must be between 0 and 1", false));
}

using History = std::map<std::string, crm::v1::Profile>;  // latest profile per customer

// A profile replaces the customer's earlier one; a merged customer has none.
void Keep(History& h, crm::v1::Profile p) {
  if (!p.merged_into().empty()) {
    h.erase(p.customer_id());
    return;
  }
  std::string id = p.customer_id();
  h[id] = std::move(p);
}

absl::Status ReadProfilesFile(const std::string& path, History* h) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", path));
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (StripWhitespace(line).empty()) continue;
    crm::v1::Profile p;
    if (auto st = google::protobuf::util::JsonStringToMessage(line, &p); !st.ok())
      return absl::InvalidArgumentError(StrCat(path, ":", n, ": not a crm.v1.Profile: ", st.ToString()));
    Keep(*h, std::move(p));
  }
  return absl::OkStatus();
}

absl::Status ReadShowsFile(const std::string& path, std::vector<crm::v1::ShowSeries>* out) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  crm::v1::ShowSeries one;
  if (google::protobuf::util::JsonStringToMessage(text, &one).ok()) {
    out->push_back(std::move(one));
    return absl::OkStatus();
  }
  std::istringstream lines(text);
  std::string line;
  for (size_t n = 1; std::getline(lines, line); ++n) {
    if (StripWhitespace(line).empty()) continue;
    crm::v1::ShowSeries s;
    if (auto st = google::protobuf::util::JsonStringToMessage(line, &s); !st.ok())
      return absl::InvalidArgumentError(StrCat(path, ":", n, ": not a crm.v1.ShowSeries: ", st.ToString()));
    out->push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status ReadKafka(const config::Config& config, History* h, std::vector<crm::v1::ShowSeries>* shows) {
  const std::string brokers = config.GetString("kafka.brokers");
  const auto timeout = std::chrono::minutes(10);
  const std::vector<std::string> topics = {config.GetString("scoring.shows_topic"),
                                           config.GetString("scoring.profiles_topic")};
  for (const auto& topic : topics) {
    auto reader = kafka::TopicReader::Create(brokers, topic, "crm-scoring-train", std::chrono::seconds(30));
    if (!reader.ok()) return reader.status();
    const bool is_shows = topic == config.GetString("scoring.shows_topic");
    size_t unreadable = 0;
    std::map<std::string, crm::v1::ShowSeries> latest_show;  // compacted topic: the latest per series
    auto st = (*reader)->ReadToEnd(
        [&](const kafka::Message& m) {
          if (is_shows) {
            crm::v1::ShowSeries s;
            if (s.ParseFromString(m.value)) latest_show[s.show_id()] = std::move(s);
            else ++unreadable;
            return;
          }
          crm::v1::Profile p;
          if (p.ParseFromString(m.value)) Keep(*h, std::move(p));
          else ++unreadable;
        },
        timeout);
    if (!st.ok()) return st;
    for (auto& [id, s] : latest_show) shows->push_back(std::move(s));
    if (unreadable) std::fprintf(stderr, "crm-scoring train: %zu unreadable records on %s skipped\n", unreadable,
                                 topic.c_str());
  }
  return absl::OkStatus();
}

absl::Status WaitForScoring(const config::Config& config, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto lag = kafka::GroupLag(config.GetString("kafka.brokers"), config.GetString("scoring.consumer_group"),
                               {config.GetString("scoring.resolved_topic"), config.GetString("scoring.identity_topic")},
                               std::chrono::seconds(10));
    if (lag.ok() && *lag == 0) return absl::OkStatus();
    if (std::chrono::steady_clock::now() > deadline)
      return absl::DeadlineExceededError(
          StrCat("the scoring group is still ", lag.ok() ? std::to_string(*lag) : "?", " records behind"));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// Per series, the editions closed by `today` (days since 1970-01-01), by open date.
std::map<std::string, std::vector<std::string>> ClosedCalendars(const std::vector<crm::v1::ShowSeries>& shows,
                                                                int64_t today) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& s : shows) {
    std::vector<std::pair<int64_t, std::string>> closed;
    for (const auto& e : s.editions()) {
      auto open = normalize::ParseIsoDateDays(e.open_date());
      auto close = normalize::ParseIsoDateDays(e.close_date().empty() ? e.open_date() : e.close_date());
      if (open.ok() && close.ok() && *close <= today) closed.emplace_back(*open, e.edition_id());
    }
    std::sort(closed.begin(), closed.end());
    auto& cal = out[s.show_id()];
    for (auto& [day, id] : closed) cal.push_back(id);
  }
  return out;
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

int RunTrain(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, &args, &error)) return Fail(StrCat(error, "\n", kUsage), 2);
  retention::TrainOptions options;
  if (!ReadOptions(args, &options, &error)) return Fail(error, 2);
  const std::string model_path = args.Get("model");
  if (model_path.empty()) return Fail(StrCat("--model is required\n", kUsage), 2);
  if (args.values.count("profiles") != args.values.count("shows"))
    return Fail("--profiles and --shows go together", 2);

  config::Schema schema;
  service::AddStandardKeys(schema);
  ScoringApp::AddConfigKeys(schema);
  auto config = config::Config::Load(schema, args.Get("config"));
  if (!config.ok()) return Fail(StrCat("configuration error: ", config.status().message()), 2);

  int64_t today = std::time(nullptr) / 86'400;
  if (args.values.count("today")) {
    auto d = normalize::ParseIsoDateDays(args.Get("today"));
    if (!d.ok()) return Fail("--today needs YYYY-MM-DD", 2);
    today = *d;
  }

  History history;
  std::vector<crm::v1::ShowSeries> shows;
  std::string source;
  if (args.values.count("profiles")) {
    if (auto st = ReadProfilesFile(args.Get("profiles"), &history); !st.ok()) return Fail(st.ToString());
    if (auto st = ReadShowsFile(args.Get("shows"), &shows); !st.ok()) return Fail(st.ToString());
    source = StrCat("`", args.Get("profiles"), "` and `", args.Get("shows"), "`");
  } else {
    if (args.values.count("wait")) {
      auto wait = config::ParseDuration(args.Get("wait"));
      if (!wait.ok()) return Fail("--wait needs a duration such as 300s", 2);
      if (auto st = WaitForScoring(*config, *wait); !st.ok()) return Fail(st.ToString());
    }
    if (auto st = ReadKafka(*config, &history, &shows); !st.ok()) return Fail(st.ToString());
    source = StrCat("`", config->GetString("scoring.profiles_topic"), "` and `",
                    config->GetString("scoring.shows_topic"), "` at ", config->GetString("kafka.brokers"));
  }
  if (args.values.count("save-profiles")) {
    std::string text;
    for (const auto& [id, p] : history) {
      std::string line;
      (void)google::protobuf::util::MessageToJsonString(p, &line);
      text += line + "\n";
    }
    if (auto st = WriteFile(args.Get("save-profiles"), text); !st.ok()) return Fail(st.ToString());
  }

  const auto calendars = ClosedCalendars(shows, today);
  std::vector<RetentionExample> examples;
  for (const auto& [id, p] : history) {
    auto rows = RetentionExamples(p, calendars);
    examples.insert(examples.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
  }
  std::fprintf(stderr, "crm-scoring train: %zu profiles, %zu series, %zu rows\n", history.size(), calendars.size(),
               examples.size());
  auto result = retention::TrainRetention(std::move(examples), options);
  if (!result.ok()) return Fail(result.status().ToString());
  if (auto st = result->model->Save(model_path); !st.ok()) return Fail(st.ToString());
  // What the service will do with it: load it back.
  if (auto loaded = retention::XgbModel::Load(model_path, RetentionFeatureNames()); !loaded.ok())
    return Fail(StrCat("the model written does not load: ", loaded.status().ToString()));
  const std::string report = retention::RenderReport(*result, options, source);
  if (args.values.count("report"))
    if (auto st = WriteFile(args.Get("report"), report); !st.ok()) return Fail(st.ToString());
  std::fputs(retention::RenderSummary(*result).c_str(), stdout);
  std::printf("model: %s%s%s\n", model_path.c_str(), args.values.count("report") ? "  report: " : "",
              args.Get("report").c_str());
  return 0;
}

}  // namespace crm::scoring
