#pragma once

// Phone numbers in the many ways people write them, every one checked with
// libphonenumber: parsed with default region "CN" it must be a valid number
// and must be the same number (same E.164) as the canonical form.

#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "tools/simulate/rng.h"

namespace crm::simulate {

enum class PhoneKind { kCnMobile, kCnLandline, kHongKong, kTaiwan, kForeign };

struct PhoneNumber {
  PhoneKind kind = PhoneKind::kCnMobile;
  std::string country_code;         // "86"
  std::vector<std::string> groups;  // national significant number in display groups; landlines start with the area code
  std::string Nsn() const;          // "13812345678"
  std::string E164() const;         // "+8613812345678"
};

enum class PhoneFormat {
  kE164,               // +8613812345678
  kIntlSpaced,         // +86 138 1234 5678
  kIntlDashed,         // +86-138-1234-5678
  kIntl00Spaced,       // 0086 138 1234 5678
  kIntl00Dashed,       // 0086-138-1234-5678
  kParenCountry,       // (+86) 138-1234-5678
  kCountryNoPlus,      // 86 138 1234 5678 (mainland only)
  kNationalPlain,      // 13812345678 / 02162345678
  kNationalSpaced,     // 138 1234 5678 / 021 6234 5678
  kNationalDashed,     // 138-1234-5678 / 021-62345678
  kNationalParenArea,  // (021) 6234 5678 (landlines)
  kFullWidth,          // １３８１２３４５６７８
};

std::string FormatPhone(const PhoneNumber& n, PhoneFormat f);
// Formats that make sense for the kind (national formats only for mainland numbers).
const std::vector<PhoneFormat>& FormatsFor(PhoneKind kind);

// Thin wrapper over libphonenumber's PhoneNumberUtil.
class PhoneValidator {
 public:
  PhoneValidator();
  // Parses with region "CN"; true when valid.
  bool IsValid(std::string_view text) const;
  // True when `text` is valid and denotes `e164`.
  bool Matches(std::string_view text, std::string_view e164) const;
  // E.164 of `text`, or empty when it does not parse to a valid number.
  std::string ToE164(std::string_view text) const;
};

// Random numbers of each kind; each returned number is valid per libphonenumber
// (drawn again until it is). `used` numbers (E.164) are avoided and the new one
// added, so distinct people never share a number by accident.
class PhoneFactory {
 public:
  explicit PhoneFactory(const PhoneValidator& validator) : validator_(validator) {}
  PhoneNumber CnMobile(Rng& rng);
  PhoneNumber CnLandline(Rng& rng, std::string_view area_code);
  // Another line of the same switchboard (same area code and leading digits).
  PhoneNumber Extension(Rng& rng, const PhoneNumber& switchboard);
  PhoneNumber HongKong(Rng& rng);
  PhoneNumber Taiwan(Rng& rng);
  // Foreign number for an ISO country (DE, US, GB, FR, IT, JP, KR, IN, RU, ES, SG, MY, TH, BR, AE, AU).
  PhoneNumber Foreign(Rng& rng, std::string_view iso);
  size_t draws() const { return draws_; }
  size_t rejected() const { return rejected_; }

 private:
  PhoneNumber FromPattern(Rng& rng, PhoneKind kind, std::string_view cc, std::string_view pattern);
  bool Accept(const PhoneNumber& n);

  const PhoneValidator& validator_;
  std::unordered_set<std::string> used_;        // E.164 of numbers handed out
  std::map<std::string, int> landline_digits_;  // area code -> subscriber digits
  size_t draws_ = 0;
  size_t rejected_ = 0;
};

}  // namespace crm::simulate
