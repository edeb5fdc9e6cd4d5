#pragma once

// Text normalization shared by ingest (normalized fields) and dedup (matching
// keys). Pure functions; thread-safe (ICU objects are per thread).

#include <string>
#include <string_view>

namespace crm::normalize {

// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// Unicode NFKC (full-width letters, digits and punctuation become their
// ASCII forms, compatibility characters are folded), then whitespace runs
// (including the ideographic space) collapsed to one ASCII space and trimmed.
std::string CleanText(std::string_view s);

// Matching key of a person's name: Traditional folded to Simplified Chinese,
// Han to pinyin (surname readings), accents removed, lower case, punctuation
// dropped, one space between tokens. "張偉" and "Zhang  Wei" both give
// "zhang wei"; token order is kept (swapped order is the matcher's job).
std::string NameKey(std::string_view name);
// The same through ICU's transliterators alone, the reference NameKey is
// built to agree with (it reads Chinese names from memoized pieces).
std::string NameKeyIcu(std::string_view name);

// Matching key of a company: NFKC, lower case, Traditional to Simplified,
// parenthesized parts ("(中国)", "(Shanghai)") and legal suffixes and noise
// ("股份有限公司", "有限公司", "集团", "Co., Ltd.", "Inc.", "GmbH", ...) removed,
// punctuation dropped. "上海華東汽車零部件(中國)有限公司" -> "上海华东汽车零部件".
std::string CompanyKey(std::string_view company);

// Traditional to Simplified Chinese only (other scripts untouched).
std::string ToSimplified(std::string_view s);

}  // namespace crm::normalize
