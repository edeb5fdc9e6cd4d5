#include "common/normalize/contact.h"

#include <phonenumbers/phonenumberutil.h>

#include <cctype>
#include <optional>

#include "common/util/sharded_cache.h"
#include "common/normalize/text.h"
#include "common/util/strings.h"

namespace crm::normalize {
namespace {

bool IsAtext(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '/':
    case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

absl::Status Bad(std::string_view raw, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("'", raw, "' is not a valid email address: ", why));
}

}  // namespace

absl::StatusOr<std::string> NormalizeEmail(std::string_view raw) {
  std::string s = CleanText(raw);
  // Common copy-paste wrappers: "<a@b.com>" and "mailto:a@b.com".
  if (s.size() > 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  if (s.rfind("mailto:", 0) == 0) s.erase(0, 7);
  if (s.size() > 254) return Bad(raw, "longer than 254 characters");
  auto at = s.find('@');
  if (at == std::string::npos) return Bad(raw, "no '@'");
  if (s.find('@', at + 1) != std::string::npos) return Bad(raw, "more than one '@'");
  std::string local = s.substr(0, at);
  std::string domain = s.substr(at + 1);
  if (local.empty() || local.size() > 64) return Bad(raw, "local part must be 1-64 characters");
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos) {
    return Bad(raw, "misplaced dot in the local part");
  }
  for (char c : local) {
    if (c != '.' && !IsAtext(c)) return Bad(raw, "character not allowed in the local part");
  }
  for (char& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto labels = Split(domain, '.');
  if (labels.size() < 2) return Bad(raw, "domain needs at least two labels");
  for (const auto& label : labels) {
    if (label.empty() || label.size() > 63) return Bad(raw, "empty or overlong domain label");
    if (label.front() == '-' || label.back() == '-') return Bad(raw, "domain label starts or ends with '-'");
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return Bad(raw, "character not allowed in the domain");
    }
  }
  const auto& tld = labels.back();
  if (tld.size() < 2) return Bad(raw, "top-level domain too short");
  for (char c : tld) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return Bad(raw, "top-level domain must be letters");
  }
  return local + "@" + domain;
}

std::string EmailKey(std::string_view normalized_email) {
  std::string out(normalized_email);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

absl::StatusOr<std::string> ParsePhone(std::string_view raw, std::string_view default_region);

// Mainland China mobile numbers (most phones at a Chinese show): digits with
// optional separators, optionally after +86 / 0086 (or none when the default
// region is CN), 11 digits starting with 1. Returns those 11 digits.
std::optional<std::string> CnMobileDigits(std::string_view s, std::string_view default_region) {
  bool explicit_cc = false;
  if (s.starts_with("+86")) {
    s.remove_prefix(3);
    explicit_cc = true;
  } else if (s.starts_with("0086")) {
    s.remove_prefix(4);
    explicit_cc = true;
  }
  if (!explicit_cc && default_region != "CN") return std::nullopt;
  std::string digits;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;  // letters, extensions, anything unusual: full path
    }
    if (digits.size() > 11) return std::nullopt;
  }
  if (digits.size() != 11 || digits[0] != '1') return std::nullopt;
  return digits;
}

}  // namespace

absl::StatusOr<std::string> NormalizePhoneReference(std::string_view raw, std::string_view default_region) {
  return ParsePhone(raw, default_region);
}

absl::StatusOr<std::string> NormalizePhone(std::string_view raw, std::string_view default_region) {
  // libphonenumber's regular expressions are the costliest step of ingest.
  // A mainland mobile's validity depends only on its leading digits (its
  // length is fixed), so validity is memoized per 7-digit prefix, each
  // prefix decided by libphonenumber itself on first sight; tests compare
  // this path with the reference on random numbers.
  std::string cleaned = CleanText(raw);
  if (auto digits = CnMobileDigits(cleaned, default_region)) {
    static ShardedCache<bool, kMemoEntries, 32> valid_prefix;
    bool valid = valid_prefix.GetOrCompute(std::string_view(*digits).substr(0, 7), [&] {
      return ParsePhone(StrCat("+86", *digits), "CN").ok();
    });
    if (valid) return StrCat("+86", *digits);
    return absl::InvalidArgumentError(StrCat("'", raw, "' is not a valid phone number for its region"));
  }
  // Other numbers: a person's phone repeats across their registration,
  // check-ins and surveys (on any thread), so results are memoized.
  static ShardedCache<absl::StatusOr<std::string>, kMemoEntries, 32> memo;
  return memo.GetOrCompute(StrCat(default_region, "|", raw), [&] { return ParsePhone(raw, default_region); });
}

namespace {
absl::StatusOr<std::string> ParsePhone(std::string_view raw, std::string_view default_region) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  std::string s = CleanText(raw);  // full-width digits and '＋' become ASCII
  if (s.empty()) return absl::InvalidArgumentError("empty phone number");
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  std::string region(default_region.empty() ? "ZZ" : default_region);
  auto err = util->Parse(s, region, &number);
  if (err != PhoneNumberUtil::NO_PARSING_ERROR) {
    return absl::InvalidArgumentError(StrCat("'", raw, "' is not a phone number"));
  }
  if (!util->IsValidNumber(number)) {
    return absl::InvalidArgumentError(StrCat("'", raw, "' is not a valid phone number for its region"));
  }
  std::string e164;
  util->Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}
}  // namespace

}  // namespace crm::normalize
