#include "services/scoring/domain/segments.h"

#include <algorithm>
#include <cctype>

#include "services/scoring/domain/facts.h"

namespace crm::scoring {
namespace {

// The enum value's name without its prefix, lower case: KNOX_QUADRANT_LOYAL -> "loyal".
std::string Suffix(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0) return "";
  std::string s = name.substr(prefix.size());
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "unspecified" ? "" : s;
}

}  // namespace

std::string TypeSegment(crm::v1::CustomerType type) {
  return Suffix(crm::v1::CustomerType_Name(type), "CUSTOMER_TYPE_");
}

std::string KnoxSegment(crm::v1::KnoxQuadrant knox) { return Suffix(crm::v1::KnoxQuadrant_Name(knox), "KNOX_QUADRANT_"); }

std::vector<std::string> SegmentsOf(const crm::v1::SeriesProfile& series, crm::v1::CustomerType type) {
  const auto& ind = series.indicators();
  std::vector<std::string> out;
  auto add = [&](const std::string& prefix, const std::string& v) {
    if (!v.empty()) out.push_back(prefix + v);
  };
  add("type:", TypeSegment(type));
  add("knox:", KnoxSegment(ind.knox()));
  add("nps:", Suffix(crm::v1::NpsClass_Name(ind.nps()), "NPS_CLASS_"));
  add("closeness:", Suffix(crm::v1::Closeness_Name(ind.closeness()), "CLOSENESS_"));
  if (ind.is_current()) {
    const bool in_latest = ind.closeness() != crm::v1::CLOSENESS_DISTANT;
    if (in_latest) out.push_back(ind.is_new() ? "new" : "returning");
    out.push_back("current");
  } else {
    out.push_back("potential");
  }
  if (ind.key_account()) out.push_back("key_account");
  add("subtype:", ind.sub_type());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> EditionsTakenPart(const crm::v1::SeriesProfile& series) {
  std::vector<std::string> out;
  for (const auto& e : series.editions())
    if (TookPart(e)) out.push_back(e.edition_id());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace crm::scoring
