#include "tools/crmctl/profile_cmd.h"

#include <google/protobuf/util/json_util.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "common/grpc/client.h"
#include "crm/v1/profile.grpc.pb.h"
#include "tools/crmctl/output.h"

namespace crm::crmctl {

namespace {

std::string Optional(bool has, double v, const char* fmt) {
  if (!has) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

template <typename Enum>
bool ParseEnum(const std::string& text, const std::string& prefix, bool (*parse)(const std::string&, Enum*),
               Enum* out) {
  std::string upper = prefix;
  for (char c : text) upper += static_cast<char>(c == '-' ? '_' : std::toupper(static_cast<unsigned char>(c)));
  return parse(upper, out);
}

}  // namespace

std::string ScoringAddr(const Args& args) {
  if (auto it = args.find("addr"); it != args.end()) return it->second;
  const char* env = std::getenv("CRM_SCORING_GRPC");
  return env ? env : "";
}

std::pair<std::string, std::string> IdentifierOf(const std::string& arg, const std::string& forced_kind) {
  if (!forced_kind.empty()) return {forced_kind, arg};
  bool c_id = arg.size() == 11 && arg[0] == 'C';
  for (size_t i = 1; c_id && i < arg.size(); ++i) c_id = std::isdigit(static_cast<unsigned char>(arg[i])) != 0;
  if (c_id) return {"customer_id", arg};
  if (arg.find('@') != std::string::npos) return {"email", arg};
  if (std::count(arg.begin(), arg.end(), '/') == 2) return {"badge", arg};
  if (arg.find(':') != std::string::npos) return {"external_id", arg};
  bool phone = !arg.empty();
  for (char c : arg) phone = phone && (std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == ' ' || c == '-');
  if (phone) return {"phone", arg};
  return {"customer_id", arg};
}

int ProfileGet(const std::string& addr, const std::string& id_or_identifier, const Args& args,
               std::chrono::milliseconds timeout) {
  auto stub = crm::v1::ProfileService::NewStub(grpcutil::MakeChannel(addr));
  crm::v1::GetProfileRequest req;
  const auto [kind, value] = IdentifierOf(id_or_identifier, args.count("kind") ? args.at("kind") : "");
  if (kind == "customer_id") {
    req.set_customer_id(value);
  } else {
    req.set_identifier_kind(kind);
    req.set_identifier(value);
  }
  crm::v1::Profile p;
  auto ctx = grpcutil::MakeContext(timeout);
  auto st = stub->GetProfile(ctx.get(), req, &p);
  if (!st.ok()) return Failed("GetProfile", kind + " " + value, st);
  if (args.count("json")) {
    PrintJson(p);
    return 0;
  }
  const auto& s = p.summary();
  std::printf("customer   %s (%s)\n", p.customer_id().c_str(), crm::v1::CustomerType_Name(s.customer_type()).c_str());
  std::printf("name       %s\ncompany    %s\nemail      %s\nphone      %s\ncity       %s %s\n", s.full_name().c_str(),
              s.company().c_str(), s.email().c_str(), s.phone().c_str(), s.city().c_str(), s.country().c_str());
  std::printf("records    %u, events %llu\n", p.records(), static_cast<unsigned long long>(p.events()));
  for (const auto& series : p.series()) {
    const auto& i = series.indicators();
    std::printf("\nseries %s: %s, value rank %llu of %llu, lifecycle stage %s\n", series.show_id().c_str(),
                Short(crm::v1::Tier_Name(series.standing().tier()), "TIER_").c_str(),
                static_cast<unsigned long long>(series.standing().value_rank() + 1),
                static_cast<unsigned long long>(series.standing().series_customers()),
                series.lifecycle_stage().empty() ? "-" : series.lifecycle_stage().c_str());
    std::printf("  %-8s %-5s %-9s %-6s %-8s %-6s %-6s %s\n", "edition", "days", "exhibited", "visits", "sessions",
                "survey", "compl.", "paid");
    for (const auto& e : series.editions()) {
      uint32_t complaints = 0;
      for (const auto& c : e.complaints()) complaints += c.open() + c.resolved();
      std::printf("  %-8s %-5d %-9s %-6u %-8u %-6s %-6u %s\n", e.edition_id().c_str(), e.days_checked_in_size(),
                  e.exhibited() ? "yes" : "-", e.booth_visits(), e.sessions_attended() + e.sessions_spoken(),
                  e.survey().answers() ? std::to_string(e.survey().satisfaction()).c_str() : "-", complaints,
                  MoneyText(e.paid()).c_str());
    }
    std::printf("  satisfaction index %s, loyalty behavioural %.2f attitudinal %s, %s, %s\n",
                Optional(i.has_satisfaction_index(), i.satisfaction_index(), "%.1f").c_str(), i.behavioural_loyalty(),
                Optional(i.has_attitudinal_loyalty(), i.attitudinal_loyalty(), "%.2f").c_str(),
                crm::v1::KnoxQuadrant_Name(i.knox()).c_str(), crm::v1::NpsClass_Name(i.nps()).c_str());
    std::printf("  contribution lifetime %s, latest edition %s; profitability %s\n",
                MoneyText(i.contribution_lifetime()).c_str(), MoneyText(i.contribution_edition()).c_str(),
                MoneyText(i.profitability()).c_str());
    std::printf("  value %.1f (economic %.1f, demonstration %.1f, recommendation %.1f, capability %.1f)\n", i.value(),
                i.economic_value(), i.demonstration_value(), i.recommendation_value(), i.capability_value());
    std::printf("  %s, %s, %s%s; editions %u, last %s\n", crm::v1::Closeness_Name(i.closeness()).c_str(),
                i.is_current() ? "current" : "potential", i.is_new() ? "new" : "returning",
                i.key_account() ? ", key account" : "", i.editions_participated(), i.last_edition_id().c_str());
  }
  return 0;
}

int CustomersList(const std::string& addr, const Args& args, std::chrono::milliseconds timeout) {
  crm::v1::ListCustomersRequest req;
  if (!args.count("show")) {
    std::fprintf(stderr, "crmctl: customers list needs --show SHOW\n");
    return 2;
  }
  req.set_show_id(args.at("show"));
  if (args.count("edition")) req.set_edition_id(args.at("edition"));
  if (args.count("segment")) req.set_segment(args.at("segment"));
  if (args.count("tier")) {
    crm::v1::Tier t;
    if (!ParseEnum(args.at("tier"), "TIER_", &crm::v1::Tier_Parse, &t)) {
      std::fprintf(stderr, "crmctl: --tier: one of platinum, gold, iron, lead\n");
      return 2;
    }
    req.set_tier(t);
  }
  if (args.count("type")) {
    crm::v1::CustomerType t;
    if (!ParseEnum(args.at("type"), "CUSTOMER_TYPE_", &crm::v1::CustomerType_Parse, &t)) {
      std::fprintf(stderr, "crmctl: --type: e.g. exhibitor, professional-visitor, public-visitor\n");
      return 2;
    }
    req.set_customer_type(t);
  }
  if (args.count("quadrant")) {
    crm::v1::KnoxQuadrant q;
    if (!ParseEnum(args.at("quadrant"), "KNOX_QUADRANT_", &crm::v1::KnoxQuadrant_Parse, &q)) {
      std::fprintf(stderr, "crmctl: --quadrant: one of loyal, potential-loyal, false-loyal, disloyal\n");
      return 2;
    }
    req.set_knox(q);
  }
  long limit = args.count("limit") ? std::atol(args.at("limit").c_str()) : 50;
  if (limit <= 0) {
    std::fprintf(stderr, "crmctl: --limit must be a positive number\n");
    return 2;
  }
  if (args.count("page-token")) req.set_page_token(args.at("page-token"));
  req.set_page_size(static_cast<uint32_t>(std::min(limit, 1000L)));
  auto stub = crm::v1::ProfileService::NewStub(grpcutil::MakeChannel(addr));
  crm::v1::ListCustomersResponse resp;
  auto ctx = grpcutil::MakeContext(timeout);
  auto st = stub->ListCustomers(ctx.get(), req, &resp);
  if (!st.ok()) return Failed("ListCustomers", req.show_id(), st);
  if (args.count("json")) {
    PrintJson(resp);
    return 0;
  }
  std::printf("%-6s %-12s %-9s %10s\n", "rank", "customer", "tier", "value");
  for (const auto& c : resp.customers()) {
    std::printf("%-6llu %-12s %-9s %10.1f\n", static_cast<unsigned long long>(c.standing().value_rank() + 1),
                c.customer_id().c_str(), Short(crm::v1::Tier_Name(c.standing().tier()), "TIER_").c_str(), c.value());
  }
  std::printf("%d of %llu customers%s%s\n", resp.customers_size(), static_cast<unsigned long long>(resp.total()),
              resp.next_page_token().empty() ? "" : "; next page: --page-token ", resp.next_page_token().c_str());
  return 0;
}

int ShowReport(const std::string& addr, const std::string& show, const std::string& edition, const Args& args,
               std::chrono::milliseconds timeout) {
  crm::v1::GetShowReportRequest req;
  req.set_show_id(show);
  req.set_edition_id(edition);
  if (args.count("top")) req.set_top(static_cast<uint32_t>(std::atoi(args.at("top").c_str())));
  auto stub = crm::v1::ProfileService::NewStub(grpcutil::MakeChannel(addr));
  crm::v1::ShowReport r;
  auto ctx = grpcutil::MakeContext(timeout);
  auto st = stub->GetShowReport(ctx.get(), req, &r);
  if (!st.ok()) return Failed("GetShowReport", show + " " + edition, st);
  if (args.count("json")) {
    PrintJson(r);
    return 0;
  }
  auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("show report %s %s (previous edition %s)\n", r.show_id().c_str(), r.edition_id().c_str(),
              r.previous_edition_id().empty() ? "none" : r.previous_edition_id().c_str());
  std::printf("  customers with anything in the edition  %llu\n", n(r.customers()));
  std::printf("  registered %llu, of them attended %llu\n", n(r.registered()), n(r.registered_attended()));
  std::printf("  attended %llu: exhibitors %llu, visitors %llu; new %llu, returning %llu\n", n(r.attended()),
              n(r.exhibitors()), n(r.visitors()), n(r.new_customers()), n(r.returning_customers()));
  if (r.has_retention_rate())
    std::printf("  of %llu who attended %s: retained %llu, churned %llu (retention %.1f%%)\n",
                n(r.previous_attended()), r.previous_edition_id().c_str(), n(r.retained()), n(r.churned()),
                100 * r.retention_rate());
  std::printf("  survey: %llu answers from %llu customers; satisfaction index %s; NPS %s (promoters %llu, "
              "passives %llu, detractors %llu)\n",
              n(r.survey_answers()), n(r.survey_respondents()),
              Optional(r.has_satisfaction_index(), r.satisfaction_index(), "%.1f").c_str(),
              Optional(r.has_nps(), r.nps(), "%+.1f").c_str(), n(r.promoters()), n(r.passives()), n(r.detractors()));
  std::printf("  complaints %llu\n", n(r.complaints_total()));
  for (const auto& c : r.complaints())
    std::printf("    %-24s open %llu, resolved %llu\n", c.category().c_str(), n(c.open()), n(c.resolved()));
  std::printf("  tiers of attendees:");
  for (const auto& t : r.tiers()) std::printf(" %s %llu", Short(crm::v1::Tier_Name(t.tier()), "TIER_").c_str(), n(t.customers()));
  std::printf("\n");
  if (r.tier_movement_size() > 0) {
    std::printf("  tier movement since %s:", r.previous_edition_id().c_str());
    for (const auto& m : r.tier_movement())
      std::printf(" %s->%s %llu", Short(crm::v1::Tier_Name(m.from()), "TIER_").c_str(),
                  Short(crm::v1::Tier_Name(m.to()), "TIER_").c_str(), n(m.customers()));
    std::printf("\n");
  }
  std::printf("  booth leads %llu, exhibitors with leads %llu\n", n(r.leads()), n(r.exhibitors_with_leads()));
  for (const auto& l : r.top_exhibitors_by_leads())
    std::printf("    %-12s %-40s %llu leads\n", l.customer_id().c_str(), l.company().c_str(), n(l.leads()));
  std::printf("  top exhibitors by value\n");
  for (const auto& v : r.top_exhibitors())
    std::printf("    %-12s value %.1f (%s)\n", v.customer_id().c_str(), v.value(),
                Short(crm::v1::Tier_Name(v.standing().tier()), "TIER_").c_str());
  for (const auto& m : r.booth_fees()) std::printf("  booth fees contracted %s\n", MoneyText(m).c_str());
  for (const auto& m : r.paid()) std::printf("  paid %s\n", MoneyText(m).c_str());
  for (const auto& m : r.refunded()) std::printf("  refunded %s\n", MoneyText(m).c_str());
  return 0;
}

int ScoringRebuild(const char* argv0, const std::vector<std::string>& passthrough) {
  std::string dir = argv0;
  const auto slash = dir.rfind('/');
  std::string bin = slash == std::string::npos ? "crm-scoring" : dir.substr(0, slash + 1) + "crm-scoring";
  std::vector<std::string> argv_s{bin, "rebuild"};
  argv_s.insert(argv_s.end(), passthrough.begin(), passthrough.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (slash == std::string::npos) execvp(bin.c_str(), argv.data());
  else execv(bin.c_str(), argv.data());
  std::perror(("crmctl: cannot run " + bin).c_str());
  return 1;
}

}  // namespace crm::crmctl
