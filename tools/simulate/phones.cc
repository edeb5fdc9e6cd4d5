#include "tools/simulate/phones.h"

#include <phonenumbers/phonenumberutil.h>

#include <stdexcept>

#include "common/util/strings.h"
#include "tools/simulate/names.h"

namespace crm::simulate {

using i18n::phonenumbers::PhoneNumberUtil;

std::string PhoneNumber::Nsn() const {
  std::string s;
  for (const auto& g : groups) s += g;
  return s;
}

std::string PhoneNumber::E164() const { return StrCat("+", country_code, Nsn()); }

namespace {

std::string JoinGroups(const std::vector<std::string>& g, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < g.size(); ++i) {
    if (i) s.append(sep);
    s += g[i];
  }
  return s;
}

bool Mainland(const PhoneNumber& n) { return n.kind == PhoneKind::kCnMobile || n.kind == PhoneKind::kCnLandline; }

}  // namespace

std::string FormatPhone(const PhoneNumber& n, PhoneFormat f) {
  const bool landline = n.kind == PhoneKind::kCnLandline;
  // Landline national forms: trunk 0 + area code, then the subscriber number.
  std::string area = landline ? "0" + n.groups[0] : "";
  std::vector<std::string> rest(n.groups.begin() + (landline ? 1 : 0), n.groups.end());
  switch (f) {
    case PhoneFormat::kE164: return n.E164();
    case PhoneFormat::kIntlSpaced: return StrCat("+", n.country_code, " ", JoinGroups(n.groups, " "));
    case PhoneFormat::kIntlDashed: return StrCat("+", n.country_code, "-", JoinGroups(n.groups, "-"));
    case PhoneFormat::kIntl00Spaced: return StrCat("00", n.country_code, " ", JoinGroups(n.groups, " "));
    case PhoneFormat::kIntl00Dashed: return StrCat("00", n.country_code, "-", JoinGroups(n.groups, "-"));
    case PhoneFormat::kParenCountry: return StrCat("(+", n.country_code, ") ", JoinGroups(n.groups, "-"));
    case PhoneFormat::kCountryNoPlus: return StrCat(n.country_code, " ", JoinGroups(n.groups, " "));
    case PhoneFormat::kNationalPlain:
      if (!Mainland(n)) return n.E164();
      return landline ? area + JoinGroups(rest, "") : n.Nsn();
    case PhoneFormat::kNationalSpaced:
      if (!Mainland(n)) return FormatPhone(n, PhoneFormat::kIntlSpaced);
      return landline ? area + " " + JoinGroups(rest, " ") : JoinGroups(n.groups, " ");
    case PhoneFormat::kNationalDashed:
      if (!Mainland(n)) return FormatPhone(n, PhoneFormat::kIntlDashed);
      return landline ? area + "-" + JoinGroups(rest, "") : JoinGroups(n.groups, "-");
    case PhoneFormat::kNationalParenArea:
      if (!landline) return FormatPhone(n, PhoneFormat::kNationalSpaced);
      return "(" + area + ") " + JoinGroups(rest, " ");
    case PhoneFormat::kFullWidth:
      if (!Mainland(n)) return FormatPhone(n, PhoneFormat::kIntlSpaced);
      return FullWidth(landline ? area + "-" + JoinGroups(rest, "") : n.Nsn());
  }
  return n.E164();
}

const std::vector<PhoneFormat>& FormatsFor(PhoneKind kind) {
  using F = PhoneFormat;
  static const std::vector<F> mobile = {F::kNationalPlain, F::kIntlSpaced,   F::kIntl00Dashed,   F::kNationalSpaced,
                                        F::kFullWidth,     F::kE164,         F::kNationalDashed, F::kParenCountry,
                                        F::kCountryNoPlus, F::kIntl00Spaced, F::kIntlDashed};
  static const std::vector<F> landline = {F::kNationalDashed, F::kNationalParenArea, F::kIntlSpaced,
                                          F::kNationalSpaced, F::kIntl00Spaced,      F::kNationalPlain,
                                          F::kE164,           F::kFullWidth,         F::kIntlDashed};
  static const std::vector<F> foreign = {F::kIntlSpaced, F::kE164,         F::kIntl00Spaced,
                                         F::kIntlDashed, F::kParenCountry, F::kIntl00Dashed};
  switch (kind) {
    case PhoneKind::kCnMobile: return mobile;
    case PhoneKind::kCnLandline: return landline;
    default: return foreign;
  }
}

PhoneValidator::PhoneValidator() {
  // Warm the singleton (it loads metadata once).
  (void)PhoneNumberUtil::GetInstance();
}

bool PhoneValidator::IsValid(std::string_view text) const { return !ToE164(text).empty(); }

bool PhoneValidator::Matches(std::string_view text, std::string_view e164) const { return ToE164(text) == e164; }

std::string PhoneValidator::ToE164(std::string_view text) const {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber n;
  if (util->Parse(std::string(text), "CN", &n) != PhoneNumberUtil::NO_PARSING_ERROR) return "";
  if (!util->IsValidNumber(n)) return "";
  std::string out;
  util->Format(n, PhoneNumberUtil::E164, &out);
  return out;
}

// Pattern letters: X any digit, N 2-9, M 1-9; anything else literal; spaces
// separate display groups.
PhoneNumber PhoneFactory::FromPattern(Rng& rng, PhoneKind kind, std::string_view cc, std::string_view pattern) {
  PhoneNumber n;
  n.kind = kind;
  n.country_code = std::string(cc);
  std::string cur;
  for (char p : pattern) {
    if (p == ' ') {
      n.groups.push_back(cur);
      cur.clear();
    } else if (p == 'X') {
      cur.push_back(static_cast<char>('0' + rng.Below(10)));
    } else if (p == 'N') {
      cur.push_back(static_cast<char>('2' + rng.Below(8)));
    } else if (p == 'M') {
      cur.push_back(static_cast<char>('1' + rng.Below(9)));
    } else {
      cur.push_back(p);
    }
  }
  if (!cur.empty()) n.groups.push_back(cur);
  return n;
}

bool PhoneFactory::Accept(const PhoneNumber& n) {
  ++draws_;
  std::string e164 = n.E164();
  if (used_.count(e164) || !validator_.Matches(e164, e164)) {
    ++rejected_;
    return false;
  }
  used_.insert(e164);
  return true;
}

namespace {

template <typename Make>
PhoneNumber Draw(Make make) {
  for (int attempt = 0; attempt < 500; ++attempt) {
    PhoneNumber n;
    if (make(&n)) return n;
  }
  throw std::runtime_error("crm-simulate: could not draw a valid phone number");
}

}  // namespace

PhoneNumber PhoneFactory::CnMobile(Rng& rng) {
  static const char* kPrefixes[] = {"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
                                    "150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
                                    "173", "175", "176", "177", "178", "180", "181", "182", "183", "185",
                                    "186", "187", "188", "189", "191", "198", "199"};
  return Draw([&](PhoneNumber* out) {
    *out = FromPattern(rng, PhoneKind::kCnMobile, "86", StrCat(rng.Pick(kPrefixes), " XXXX XXXX"));
    return Accept(*out);
  });
}

PhoneNumber PhoneFactory::CnLandline(Rng& rng, std::string_view area_code) {
  // Big cities have 8-digit subscriber numbers, some smaller ones 7 digits;
  // learn which one libphonenumber accepts for each area code.
  std::string area(area_code);
  auto known = landline_digits_.find(area);
  int attempt = 0;
  return Draw([&](PhoneNumber* out) {
    int digits = known != landline_digits_.end() ? known->second : (attempt++ < 20 ? 8 : 7);
    *out = FromPattern(rng, PhoneKind::kCnLandline, "86", StrCat(area, digits == 8 ? " NXXX XXXX" : " NXX XXXX"));
    if (!Accept(*out)) return false;
    landline_digits_[area] = digits;
    return true;
  });
}

PhoneNumber PhoneFactory::Extension(Rng& rng, const PhoneNumber& sb) {
  return Draw([&](PhoneNumber* out) {
    *out = sb;
    std::string& last = out->groups.back();
    for (size_t i = last.size() >= 2 ? last.size() - 2 : 0; i < last.size(); ++i)
      last[i] = static_cast<char>('0' + rng.Below(10));
    return Accept(*out);
  });
}

PhoneNumber PhoneFactory::HongKong(Rng& rng) {
  static const char* kPatterns[] = {"2XXX XXXX", "3XXX XXXX", "9XXX XXXX", "6XXX XXXX", "5XXX XXXX"};
  return Draw([&](PhoneNumber* out) {
    *out = FromPattern(rng, PhoneKind::kHongKong, "852", rng.Pick(kPatterns));
    return Accept(*out);
  });
}

PhoneNumber PhoneFactory::Taiwan(Rng& rng) {
  static const char* kPatterns[] = {"2 NXXX XXXX", "9MX XXX XXX", "4 NXXX XXXX", "7 NXX XXXX"};
  return Draw([&](PhoneNumber* out) {
    *out = FromPattern(rng, PhoneKind::kTaiwan, "886", rng.Pick(kPatterns));
    return Accept(*out);
  });
}

PhoneNumber PhoneFactory::Foreign(Rng& rng, std::string_view iso) {
  struct Spec {
    const char* iso;
    const char* cc;
    std::vector<const char*> patterns;
  };
  static const std::vector<Spec> kSpecs = {
      {"DE", "49", {"30 NXXXXXXX", "89 NXXXXXXX", "711 NXXXXXX", "151 XXXXXXXX", "176 XXXXXXXX"}},
      {"US", "1", {"415 NXX XXXX", "313 NXX XXXX", "312 NXX XXXX", "212 NXX XXXX", "248 NXX XXXX"}},
      {"GB", "44", {"20 7NXX XXXX", "121 NXX XXXX", "7700 9XXXXX", "7911 XXXXXX"}},
      {"FR", "33", {"1 NX XX XX XX", "6 XX XX XX XX", "4 NX XX XX XX"}},
      {"IT", "39", {"02 NXXX XXXX", "011 NXX XXXX", "3MX XXX XXXX"}},
      {"JP", "81", {"3 NXXX XXXX", "52 NXX XXXX", "90 NXXX XXXX"}},
      {"KR", "82", {"2 NXXX XXXX", "10 NXXX XXXX", "52 NXX XXXX"}},
      {"IN", "91", {"98XXX XXXXX", "20 NXXX XXXX", "44 NXXX XXXX"}},
      {"RU", "7", {"495 NXX XX XX", "812 NXX XX XX", "9MX XXX XX XX"}},
      {"ES", "34", {"91N XXX XXX", "93N XXX XXX", "6XX XXX XXX"}},
      {"SG", "65", {"6NXX XXXX", "9XXX XXXX", "8XXX XXXX"}},
      {"MY", "60", {"3 NXXX XXXX", "12 NXX XXXX", "4 NXX XXXX"}},
      {"TH", "66", {"2 NXX XXXX", "8M XXX XXXX", "38 NXX XXX"}},
      {"BR", "55", {"11 9XXXX XXXX", "41 3XXX XXXX"}},
      {"AE", "971", {"50 NXX XXXX", "4 NXX XXXX", "2 NXX XXXX"}},
      {"AU", "61", {"2 9XXX XXXX", "3 9XXX XXXX", "4MX XXX XXX"}},
  };
  const Spec* spec = &kSpecs[0];
  for (const auto& s : kSpecs)
    if (iso == s.iso) spec = &s;
  return Draw([&](PhoneNumber* out) {
    *out = FromPattern(rng, PhoneKind::kForeign, spec->cc, rng.Pick(spec->patterns));
    return Accept(*out);
  });
}

}  // namespace crm::simulate
