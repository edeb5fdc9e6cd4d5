#pragma once

// What crmctl's commands print with: proto JSON for --json, money, enum
// names without their prefix, and the exit code of a failed call (3 for
// NOT_FOUND, else 1).

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cctype>
#include <cstdio>
#include <string>

#include "crm/v1/profile.pb.h"

namespace crm::crmctl {

inline void PrintJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opt;
  opt.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opt);
  std::printf("%s\n", out.c_str());
}

inline int Failed(const char* rpc, const std::string& what, const grpc::Status& st) {
  std::fprintf(stderr, "crmctl: %s %s: %s\n", rpc, what.c_str(), st.error_message().c_str());
  return st.error_code() == grpc::StatusCode::NOT_FOUND ? 3 : 1;
}

// 1234567 minor units of CNY -> "12345.67 CNY"
inline std::string MoneyText(int64_t minor, const std::string& currency) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%02lld %s", static_cast<long long>(minor / 100),
                static_cast<long long>((minor < 0 ? -minor : minor) % 100), currency.c_str());
  return buf;
}
inline std::string MoneyText(const crm::v1::Money& m) { return MoneyText(m.minor(), m.currency()); }

// TIER_GOLD -> "gold"
inline std::string Short(const std::string& enum_name, const std::string& prefix) {
  std::string s = enum_name.rfind(prefix, 0) == 0 ? enum_name.substr(prefix.size()) : enum_name;
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace crm::crmctl
