#include "tools/crmctl/lifecycle_cmd.h"

#include <cstdlib>
#include <memory>

#include "common/grpc/client.h"
#include "common/kafka/reader.h"
#include "common/normalize/time.h"
#include "crm/v1/lifecycle.grpc.pb.h"
#include "tools/crmctl/output.h"
#include "tools/lifecycle_eval/truth_eval.h"

namespace crm::crmctl {

namespace {

using Args = std::map<std::string, std::string>;
using Stub = crm::v1::LifecycleService::Stub;

std::string StageText(crm::v1::LifecycleStage s) {
  return s == crm::v1::LIFECYCLE_STAGE_UNSPECIFIED ? "-" : Short(crm::v1::LifecycleStage_Name(s), "LIFECYCLE_STAGE_");
}

std::string DayText(int64_t ms) {
  const int64_t days = normalize::UtcDayOfMillis(ms);
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

std::string EvidenceText(const crm::v1::StageTransition& t) {
  std::string out;
  for (const auto& e : t.evidence()) {
    char buf[128];
    if (e.signal() == "no_rebooking" || e.signal() == "no_registration") {
      // Days: the deadline or point, and when the booking or registration came (-1: none).
      const auto day = [](double d) { return d < 0 ? std::string("none") : DayText(static_cast<int64_t>(d) * 86'400'000); };
      std::snprintf(buf, sizeof buf, "%s%s by %s, came %s", out.empty() ? "" : ", ", e.signal().c_str(),
                    day(e.before()).c_str(), day(e.now()).c_str());
    } else {
      std::snprintf(buf, sizeof buf, "%s%s %g->%g", out.empty() ? "" : ", ", e.signal().c_str(), e.before(), e.now());
    }
    out += buf;
  }
  return out.empty() ? "-" : out;
}

bool ParseStageArg(const std::string& text, crm::v1::LifecycleStage* out) {
  std::string upper = "LIFECYCLE_STAGE_";
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return crm::v1::LifecycleStage_Parse(upper, out) && *out != crm::v1::LIFECYCLE_STAGE_UNSPECIFIED;
}

int Usage() {
  std::fprintf(stderr,
               "usage: crmctl lifecycle get CUSTOMER [--show S] [--json]\n"
               "       crmctl lifecycle list SHOW STAGE [--type exhibitor] [--by value|contribution] [--limit 50] [--json]\n"
               "       crmctl lifecycle funnel SHOW [--json]\n"
               "       crmctl lifecycle warnings [--since YYYY-MM-DD] [--show S] [--limit 100] [--json]\n"
               "       crmctl lifecycle eval SHOW --truth truth_stages.csv --clusters clusters.csv [--json]\n"
               "       crmctl lifecycle export SHOW                 (JSON lines)\n"
               "       crmctl lifecycle published --brokers LIST [--topic crm.lifecycle.v1]   (JSON lines)\n"
               "  (LifecycleService at --addr, else $CRM_LIFECYCLE_GRPC; with --brokers, first waits for the\n"
               "   lifecycle group to catch up; stages: cultivation confirmation trust weakening dissolution)\n");
  return 2;
}

int Get(Stub& stub, const std::string& customer, const Args& args, std::chrono::milliseconds timeout) {
  crm::v1::GetStageRequest req;
  req.set_customer_id(customer);
  if (args.count("show")) req.set_show_id(args.at("show"));
  crm::v1::GetStageResponse resp;
  auto ctx = grpcutil::MakeContext(timeout);
  if (auto st = stub.GetStage(ctx.get(), req, &resp); !st.ok()) return Failed("GetStage", customer, st);
  if (args.count("json")) {
    PrintJson(resp);
    return 0;
  }
  for (const auto& s : resp.stages()) {
    std::printf("customer %s in %s: %s (%s), %s; value %.1f, contribution %s\n", s.customer_id().c_str(),
                s.show_id().c_str(), StageText(s.stage()).c_str(), s.alias().c_str(),
                Short(crm::v1::CustomerType_Name(s.customer_type()), "CUSTOMER_TYPE_").c_str(), s.value(),
                MoneyText(s.contribution_minor(), s.currency()).c_str());
    std::printf("  strategy: %s\n  by edition:", s.strategy().c_str());
    for (const auto& e : s.editions()) std::printf(" %s %s", e.edition_id().c_str(), StageText(e.stage()).c_str());
    std::printf("\n  %-10s %-8s %-13s %-13s %-22s %s\n", "day", "edition", "from", "to", "rule", "evidence");
    for (const auto& t : s.transitions())
      std::printf("  %-10s %-8s %-13s %-13s %-22s %s\n", DayText(t.event_time_ms()).c_str(), t.edition_id().c_str(),
                  StageText(t.from()).c_str(), StageText(t.to()).c_str(), t.rule().c_str(), EvidenceText(t).c_str());
  }
  std::printf("(clock %s)\n", resp.clock_ms() ? DayText(resp.clock_ms()).c_str() : "not started");
  return 0;
}

int List(Stub& stub, const std::string& show, const std::string& stage, const Args& args,
         std::chrono::milliseconds timeout) {
  crm::v1::ListStageRequest req;
  req.set_show_id(show);
  crm::v1::LifecycleStage s;
  if (!ParseStageArg(stage, &s)) {
    std::fprintf(stderr, "crmctl: unknown stage %s\n", stage.c_str());
    return 2;
  }
  req.set_stage(s);
  if (args.count("type")) {
    std::string upper = "CUSTOMER_TYPE_";
    for (char c : args.at("type")) upper += static_cast<char>(c == '-' ? '_' : std::toupper(static_cast<unsigned char>(c)));
    crm::v1::CustomerType t;
    if (!crm::v1::CustomerType_Parse(upper, &t)) {
      std::fprintf(stderr, "crmctl: unknown customer type %s\n", args.at("type").c_str());
      return 2;
    }
    req.set_customer_type(t);
  }
  if (args.count("by")) req.set_order_by(args.at("by"));
  if (args.count("limit")) req.set_limit(static_cast<uint32_t>(std::atoi(args.at("limit").c_str())));
  crm::v1::ListStageResponse resp;
  auto ctx = grpcutil::MakeContext(timeout);
  if (auto st = stub.ListStage(ctx.get(), req, &resp); !st.ok()) return Failed("ListStage", show + " " + stage, st);
  if (args.count("json")) {
    PrintJson(resp);
    return 0;
  }
  std::printf("%s in %s: %llu customers (%d shown)\n", stage.c_str(), show.c_str(),
              static_cast<unsigned long long>(resp.total()), resp.customers_size());
  std::printf("  %-3s %-12s %-20s %8s %18s  %-10s %-18s %s\n", "#", "customer", "type", "value", "contribution", "since",
              "rule", "signals");
  int n = 0;
  for (const auto& c : resp.customers()) {
    std::printf("  %-3d %-12s %-20s %8.1f %18s  %-10s %-18s %s\n", ++n, c.customer_id().c_str(),
                Short(crm::v1::CustomerType_Name(c.customer_type()), "CUSTOMER_TYPE_").c_str(), c.value(),
                MoneyText(c.contribution_minor(), c.currency()).c_str(),
                c.has_entered() ? DayText(c.entered().event_time_ms()).c_str() : "-",
                c.has_entered() ? c.entered().rule().c_str() : "-",
                c.has_entered() ? EvidenceText(c.entered()).c_str() : "-");
  }
  return 0;
}

int Funnel(Stub& stub, const std::string& show, const Args& args, std::chrono::milliseconds timeout) {
  crm::v1::GetFunnelRequest req;
  req.set_show_id(show);
  crm::v1::GetFunnelResponse resp;
  auto ctx = grpcutil::MakeContext(timeout);
  if (auto st = stub.GetFunnel(ctx.get(), req, &resp); !st.ok()) return Failed("GetFunnel", show, st);
  if (args.count("json")) {
    PrintJson(resp);
    return 0;
  }
  static const crm::v1::LifecycleStage kAll[] = {
      crm::v1::LIFECYCLE_STAGE_CULTIVATION, crm::v1::LIFECYCLE_STAGE_CONFIRMATION, crm::v1::LIFECYCLE_STAGE_TRUST,
      crm::v1::LIFECYCLE_STAGE_WEAKENING, crm::v1::LIFECYCLE_STAGE_DISSOLUTION};
  auto row = [](const auto& counts) {
    std::map<int, uint64_t> by;
    for (const auto& c : counts) by[c.stage()] = c.customers();
    std::string out;
    for (auto s : kAll) {
      char buf[24];
      std::snprintf(buf, sizeof buf, " %12llu", static_cast<unsigned long long>(by[s]));
      out += buf;
    }
    return out;
  };
  std::printf("Lifecycle funnel of %s (customers per stage, judged the day after each close)\n", show.c_str());
  std::printf("  %-10s  cultivation confirmation        trust    weakening  dissolution\n", "edition");
  for (const auto& e : resp.editions()) std::printf("  %-10s%s\n", e.edition_id().c_str(), row(e.stages()).c_str());
  std::printf("  %-10s%s\n", "now", row(resp.current()).c_str());
  std::string from_ed;
  for (const auto& m : resp.moves()) {
    if (m.from_edition_id() != from_ed) {
      from_ed = m.from_edition_id();
      std::printf("Moves %s -> %s:\n", m.from_edition_id().c_str(), m.to_edition_id().c_str());
    }
    std::printf("  %-13s -> %-13s %8llu\n", StageText(m.from()).c_str(), StageText(m.to()).c_str(),
                static_cast<unsigned long long>(m.customers()));
  }
  return 0;
}

int Warnings(Stub& stub, const Args& args, std::chrono::milliseconds timeout) {
  crm::v1::ListWarningsRequest req;
  if (args.count("since")) {
    auto d = normalize::ParseIsoDateDays(args.at("since"));
    if (!d.ok()) {
      std::fprintf(stderr, "crmctl: --since: not YYYY-MM-DD\n");
      return 2;
    }
    req.set_since_ms(*d * 86'400'000);
  }
  if (args.count("show")) req.set_show_id(args.at("show"));
  if (args.count("limit")) req.set_limit(static_cast<uint32_t>(std::atoi(args.at("limit").c_str())));
  crm::v1::ListWarningsResponse resp;
  auto ctx = grpcutil::MakeContext(timeout);
  if (auto st = stub.ListWarnings(ctx.get(), req, &resp); !st.ok()) return Failed("ListWarnings", "", st);
  if (args.count("json")) {
    PrintJson(resp);
    return 0;
  }
  std::printf("%d early warnings\n  %-10s %-12s %-14s %-8s %-18s %s\n", resp.warnings_size(), "day", "customer",
              "series", "edition", "rule", "evidence");
  for (const auto& t : resp.warnings())
    std::printf("  %-10s %-12s %-14s %-8s %-18s %s\n", DayText(t.event_time_ms()).c_str(), t.customer_id().c_str(),
                t.show_id().c_str(), t.edition_id().c_str(), t.rule().c_str(), EvidenceText(t).c_str());
  return 0;
}

// JSON lines of every customer's stages and history in a series.
int Export(Stub& stub, const std::string& show, std::chrono::milliseconds timeout) {
  crm::v1::ExportSeriesRequest req;
  req.set_show_id(show);
  auto ctx = grpcutil::MakeContext(timeout);
  auto reader = stub.ExportSeries(ctx.get(), req);
  for (crm::v1::CustomerStage s; reader->Read(&s);) PrintJson(s);
  if (auto st = reader->Finish(); !st.ok()) return Failed("ExportSeries", show, st);
  return 0;
}

// What a lifecycle topic holds: each transition id at its highest revision
// (JSON lines by id, withdrawn ones included), then on stderr the records
// read, the distinct ids and the records repeated with the same id and
// revision (a republish after a crash).
int Published(const Args& args, std::chrono::milliseconds timeout) {
  if (!args.count("brokers")) return Usage();
  const std::string topic = args.count("topic") ? args.at("topic") : "crm.lifecycle.v1";
  auto reader = kafka::TopicReader::Create(args.at("brokers"), topic, "crmctl-lifecycle-published", timeout);
  if (!reader.ok()) {
    std::fprintf(stderr, "crmctl: %s\n", reader.status().ToString().c_str());
    return 1;
  }
  std::map<std::string, crm::v1::StageTransition> latest;
  uint64_t records = 0, repeated = 0, unreadable = 0;
  auto st = (*reader)->ReadToEnd(
      [&](const kafka::Message& m) {
        ++records;
        crm::v1::StageTransition t;
        if (!t.ParseFromString(m.value)) {
          ++unreadable;
          return;
        }
        auto [it, fresh] = latest.try_emplace(t.transition_id(), t);
        if (fresh) return;
        if (t.revision() == it->second.revision()) {
          ++repeated;
        } else if (t.revision() > it->second.revision()) {
          it->second = std::move(t);
        }
      },
      timeout);
  if (!st.ok()) {
    std::fprintf(stderr, "crmctl: reading %s: %s\n", topic.c_str(), st.ToString().c_str());
    return 1;
  }
  for (const auto& [id, t] : latest) PrintJson(t);
  std::fprintf(stderr, "%s: %llu records, %zu transition ids, %llu repeated with the same revision, %llu unreadable\n",
               topic.c_str(), static_cast<unsigned long long>(records), latest.size(),
               static_cast<unsigned long long>(repeated), static_cast<unsigned long long>(unreadable));
  return unreadable ? 1 : 0;
}

int Eval(Stub& stub, const std::string& show, const Args& args, std::chrono::milliseconds timeout) {
  if (!args.count("truth") || !args.count("clusters")) return Usage();
  auto truth = lifecycle::LoadTruth(args.at("truth"));
  if (!truth.ok()) {
    std::fprintf(stderr, "crmctl: %s\n", truth.status().ToString().c_str());
    return 1;
  }
  auto person = lifecycle::PersonsOfCustomers(args.at("clusters"), *truth);
  if (!person.ok()) {
    std::fprintf(stderr, "crmctl: %s\n", person.status().ToString().c_str());
    return 1;
  }
  crm::v1::ExportSeriesRequest req;
  req.set_show_id(show);
  auto ctx = grpcutil::MakeContext(timeout);
  auto reader = stub.ExportSeries(ctx.get(), req);
  std::vector<lifecycle::JudgedCustomer> judged;
  for (crm::v1::CustomerStage s; reader->Read(&s);) {
    lifecycle::JudgedCustomer j{s.customer_id(), {}, {}};
    for (const auto& e : s.editions()) j.stage_at[e.edition_id()] = StageText(e.stage());
    for (const auto& t : s.transitions())
      j.changes.emplace_back(normalize::UtcDayOfMillis(t.event_time_ms()), StageText(t.to()));
    judged.push_back(std::move(j));
  }
  if (auto st = reader->Finish(); !st.ok()) return Failed("ExportSeries", show, st);
  const auto score = lifecycle::ScoreAgainstTruth(judged, *person, *truth);
  if (args.count("json")) {
    std::printf("%s\n", lifecycle::ScoreJson(score).c_str());
    return 0;
  }
  std::printf("Lifecycle of %s against the simulator's truth (%zu customers)\n%s", show.c_str(), judged.size(),
              lifecycle::FormatScore(score).c_str());
  return 0;
}

}  // namespace

std::string LifecycleAddr(const Args& args) {
  if (auto it = args.find("addr"); it != args.end()) return it->second;
  const char* env = std::getenv("CRM_LIFECYCLE_GRPC");
  return env ? env : "";
}

int LifecycleCommand(const std::string& addr, const std::vector<std::string>& pos, const Args& args,
                     std::chrono::milliseconds timeout) {
  if (pos.empty()) return Usage();
  if (pos[0] == "published" && pos.size() == 1) return Published(args, timeout);
  auto stub = crm::v1::LifecycleService::NewStub(grpcutil::MakeChannel(addr));
  const std::string& sub = pos[0];
  if (sub == "get" && pos.size() == 2) return Get(*stub, pos[1], args, timeout);
  if (sub == "list" && pos.size() == 3) return List(*stub, pos[1], pos[2], args, timeout);
  if (sub == "funnel" && pos.size() == 2) return Funnel(*stub, pos[1], args, timeout);
  if (sub == "warnings" && pos.size() == 1) return Warnings(*stub, args, timeout);
  if (sub == "eval" && pos.size() == 2) return Eval(*stub, pos[1], args, timeout);
  if (sub == "export" && pos.size() == 2) return Export(*stub, pos[1], timeout);
  return Usage();
}

}  // namespace crm::crmctl
