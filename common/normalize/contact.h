#pragma once

// Email and phone normalization.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace crm::normalize {

// Trimmed (after NFKC, so "＠" and full-width letters are accepted), domain
// lower-cased, local part kept as written; syntax checked (one '@', local part
// 1-64 characters of the RFC 5322 dot-atom set, no leading/trailing/double
// dots, domain of >= 2 labels of letters, digits and hyphens with an
// alphabetic top-level label, total <= 254). INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> NormalizeEmail(std::string_view raw);

// The email as a matching key: NormalizeEmail, then the local part lower-cased too.
std::string EmailKey(std::string_view normalized_email);

// E.164 ("+8613812345678") via libphonenumber. `default_region` (ISO 3166
// alpha-2, e.g. the show's country) applies to numbers written without a
// country code: mainland mobiles, landlines with area codes. Numbers that do
// not parse or are not valid for their region are INVALID_ARGUMENT.
absl::StatusOr<std::string> NormalizePhone(std::string_view raw, std::string_view default_region);

// NormalizePhone without any shortcut or memo: libphonenumber alone. The
// reference the fast paths are tested against.
absl::StatusOr<std::string> NormalizePhoneReference(std::string_view raw, std::string_view default_region);

}  // namespace crm::normalize
