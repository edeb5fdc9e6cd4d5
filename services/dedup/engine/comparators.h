#pragma once

// Field comparators of the identity engine. Each turns two prepared values
// into a comparison level: 0 when either side is missing (no evidence), 1 when
// they disagree, higher levels for closer agreement, the top level for exact
// agreement. The Fellegi-Sunter model (model.h) learns how much each level of
// each field is worth; comparators only decide what "close" means.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crm::dedup {

// ---- String similarity primitives (bytes; callers pass ASCII keys). ----

// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4).
double JaroWinkler(std::string_view a, std::string_view b);
// Levenshtein distance, or max_distance + 1 once it is known to exceed it.
int EditDistance(std::string_view a, std::string_view b, int max_distance);
// Equal, or one substitution, insertion, deletion or adjacent transposition apart.
bool WithinOneTypo(std::string_view a, std::string_view b);

// ---- Names ----

// A name prepared for comparison: Traditional folded to Simplified, Han
// turned into pinyin, Latin lower-cased without accents and punctuation.
struct NameValue {
  std::string han;                  // the Han characters alone ("张伟"), empty for Latin names
  std::vector<std::string> tokens;  // pinyin/Latin tokens in written order ("zhang", "wei")
  std::string concat;               // tokens joined without spaces ("zhangwei")
  // Hashes of the concatenation in written order, with the last token moved
  // to the front, and with the first token moved to the end: equal forms mean
  // the same name up to given/family order and spacing ("Wei Zhang",
  // "Zhangwei", "ZHANG Wei", "张伟").
  uint64_t forms[3] = {0, 0, 0};
  uint64_t letters = 0;  // hash of the sorted letters (a blocking key)
  uint64_t sorted = 0;   // hash of the tokens sorted and joined (any order)
  std::string folded;    // concat with German transcriptions folded ("ue" -> "u", "ae" -> "a", "oe" -> "o")
  bool empty() const { return concat.empty(); }
};

// Builds a NameValue from a full name, or from family and given names when
// the full name is empty (family first, as Chinese writes it).
NameValue PrepareName(std::string_view full_name, std::string_view family_name = {},
                      std::string_view given_name = {});

enum NameLevel : uint8_t {
  kNameMissing = 0,
  kNameDifferent = 1,
  kNamePartial = 2,    // an initial and a surname agree ("M. Schmidt"), one name is part of the other
                       // ("Schmidt", 崔 against 崔辉), or loosely similar
  kNameSimilar = 3,    // a typo apart in a token of 4+ letters ("Micheal"/"Michael"; not "Wei"/"Wen"),
                       // Jaro-Winkler >= 0.94,
                       // or equal after folding German transcriptions ("Jürgen Müller"/"Juergen Mueller")
  kNameHomophone = 4,  // same pinyin, different characters (张伟/张玮)
  kNameExact = 5,      // same characters, or same tokens in any order/spacing/script
  kNameLevels = 6,
};
uint8_t CompareNames(const NameValue& a, const NameValue& b);

// ---- Companies ----

struct CompanyValue {
  std::string key;                  // CompanyKey: legal suffixes and noise removed
  std::vector<uint64_t> grams;      // sorted unique tokens (Latin) or character bigrams (Han), hashed
  std::string pinyin;               // for Han names: the pinyin concatenated ("shanghaihuadong...")
  std::vector<std::string> latin;   // for Latin names: tokens of >= 4 letters
  bool han = false;
  bool empty() const { return key.empty(); }
};
CompanyValue PrepareCompany(std::string_view company);

enum CompanyLevel : uint8_t {
  kCompanyMissing = 0,
  kCompanyDifferent = 1,
  kCompanyWeak = 2,    // half the tokens shared, or a Latin rendering matches the pinyin
  kCompanyStrong = 3,  // one is (nearly) contained in the other: "华东汽车零部件" in "上海华东汽车零部件"
  kCompanyExact = 4,
  kCompanyLevels = 5,
};
uint8_t CompareCompanies(const CompanyValue& a, const CompanyValue& b);

// ---- Contacts and ids (values already normalized) ----

// Email keys ("zhang.wei@huadong.com"): 3 exact; 2 the same local part of at
// least 4 characters at another domain (short ones like "wei@" are common to
// many people), or one typo apart.
uint8_t CompareEmails(std::string_view a, std::string_view b);
// E.164 numbers: 3 exact, 2 same last 8 digits or one typo apart.
uint8_t ComparePhones(std::string_view a, std::string_view b);
// Ids and postcodes: 3 exact, 2 one typo apart.
uint8_t CompareCodes(std::string_view a, std::string_view b);
// Free text and addresses (normalized keys): 3 exact or JW >= 0.95, 2 JW >= 0.85.
uint8_t CompareText(std::string_view a, std::string_view b);
// Closed values (city, state, category, street number): 2 equal.
uint8_t CompareExact(std::string_view a, std::string_view b);

// Dates as "YYYY-MM-DD" (see NormalizeDate): 3 exact; 2 day and month
// swapped, one digit typed wrong, or the same year and month.
uint8_t CompareDates(std::string_view a, std::string_view b);
// Parses common date spellings (2024-04-21, 2024/4/21, 21.04.2024, 20240421,
// 2024年4月21日, 21/04/2024) to "YYYY-MM-DD"; other text is returned cleaned.
std::string NormalizeDate(std::string_view raw);

// Local parts that name a function, not a person (info@, sales@, ...).
bool IsGenericMailbox(std::string_view email_key);

}  // namespace crm::dedup
