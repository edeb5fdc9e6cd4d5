#include "services/dedup/engine/record.h"

#include <array>

namespace crm::dedup {
namespace {
constexpr std::array<std::pair<FieldKind, std::string_view>, 15> kKinds = {{
    {FieldKind::kName, "name"},
    {FieldKind::kGivenName, "given_name"},
    {FieldKind::kFamilyName, "family_name"},
    {FieldKind::kCompany, "company"},
    {FieldKind::kEmail, "email"},
    {FieldKind::kPhone, "phone"},
    {FieldKind::kAddress, "address"},
    {FieldKind::kStreetNumber, "street_number"},
    {FieldKind::kCity, "city"},
    {FieldKind::kPostcode, "postcode"},
    {FieldKind::kState, "state"},
    {FieldKind::kDate, "date"},
    {FieldKind::kIdentifier, "identifier"},
    {FieldKind::kText, "text"},
    {FieldKind::kCategory, "category"},
}};
}  // namespace

std::string_view KindName(FieldKind kind) {
  for (const auto& [k, n] : kKinds) {
    if (k == kind) return n;
  }
  return "?";
}

std::optional<FieldKind> ParseKind(std::string_view name) {
  for (const auto& [k, n] : kKinds) {
    if (n == name) return k;
  }
  return std::nullopt;
}

const std::vector<FieldKind>& AllKinds() {
  static const std::vector<FieldKind> all = [] {
    std::vector<FieldKind> v;
    for (const auto& [k, n] : kKinds) v.push_back(k);
    return v;
  }();
  return all;
}

}  // namespace crm::dedup
