#include "tools/crmctl/profile_cmd.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>

#include "common/grpc/client.h"
#include "crm/v1/profile.grpc.pb.h"

namespace crm::crmctl {

namespace {

std::string MoneyText(const crm::v1::Money& m) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%02lld %s", static_cast<long long>(m.minor() / 100),
                static_cast<long long>((m.minor() < 0 ? -m.minor() : m.minor()) % 100), m.currency().c_str());
  return buf;
}

std::string Optional(bool has, double v, const char* fmt) {
  if (!has) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

int ProfileGet(const std::string& addr, const std::string& customer_id, bool json, std::chrono::milliseconds timeout) {
  auto stub = crm::v1::ProfileService::NewStub(grpcutil::MakeChannel(addr));
  crm::v1::GetProfileRequest req;
  req.set_customer_id(customer_id);
  crm::v1::Profile p;
  auto ctx = grpcutil::MakeContext(timeout);
  auto st = stub->GetProfile(ctx.get(), req, &p);
  if (!st.ok()) {
    std::fprintf(stderr, "crmctl: GetProfile %s: %s\n", customer_id.c_str(), st.error_message().c_str());
    return st.error_code() == grpc::StatusCode::NOT_FOUND ? 3 : 1;
  }
  if (json) {
    std::string out;
    google::protobuf::util::JsonPrintOptions opt;
    opt.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(p, &out, opt);
    std::printf("%s\n", out.c_str());
    return 0;
  }
  const auto& s = p.summary();
  std::printf("customer   %s (%s)\n", p.customer_id().c_str(), crm::v1::CustomerType_Name(s.customer_type()).c_str());
  std::printf("name       %s\ncompany    %s\nemail      %s\nphone      %s\ncity       %s %s\n", s.full_name().c_str(),
              s.company().c_str(), s.email().c_str(), s.phone().c_str(), s.city().c_str(), s.country().c_str());
  std::printf("records    %u, events %llu\n", p.records(), static_cast<unsigned long long>(p.events()));
  for (const auto& series : p.series()) {
    const auto& i = series.indicators();
    std::printf("\nseries %s\n", series.show_id().c_str());
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

}  // namespace crm::crmctl
