#pragma once

// Name, company, city and country tables for the simulator, with the
// renderings dedup has to see through: Traditional characters, pinyin,
// swapped order, one-edit typos, legal suffixes and English company names.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/simulate/rng.h"

namespace crm::simulate {

// A Chinese character or word with its Traditional form and toneless pinyin.
struct Han {
  const char* simp;
  const char* trad;    // same as simp when unchanged
  const char* pinyin;  // lower case, syllables joined ("xiaoming")
};

struct City {
  Han name;               // 上海 / 上海 / shanghai
  const char* area_code;  // without trunk 0, e.g. "21", "512"
  double weight;
};

struct Country {
  const char* iso;      // "DE"
  const char* name_en;  // "Germany"
  const char* name_zh;  // "德国"
  int name_group;       // index into the Latin name groups
  std::vector<const char*> cities;
};

struct ChineseName {
  int surname = 0;         // index into Surnames()
  std::vector<int> given;  // indices into GivenChars(), 1 or 2
};

struct LatinName {
  std::string first;
  std::string last;
  bool family_first = false;  // Japanese/Korean/Singaporean conventions in Latin script
};

struct ChineseCompany {
  int city = 0;      // index into Cities()
  int brand = 0;     // index into Brands()
  int industry = 0;  // index into the industry table of its kind
  int suffix = 0;    // index into LegalSuffixes()
  int kind = 0;      // 0 exhibitor industries, 1 buyer industries, 2 sponsor industries, 3 media
};

struct LatinCompany {
  std::string brand;     // "Kessler"
  std::string industry;  // "Automotive"
  std::string suffix;    // "GmbH", "Co., Ltd."
};

// Industry of an exhibitor or buyer in both languages plus a domain slug.
struct Industry {
  Han name;             // 汽车零部件 / 汽車零部件 / (unused)
  const char* english;  // "Auto Parts"
  const char* slug;     // "auto"
};

struct LegalSuffix {
  Han name;             // 有限公司
  const char* english;  // "Co., Ltd."
};

const std::vector<Han>& Surnames();
const std::vector<double>& SurnameWeights();
const std::vector<Han>& GivenChars();
const std::vector<double>& GivenCharWeights(int gender);  // 0 male, 1 female
const std::vector<double>& SingleGivenWeights(int gender);
const std::vector<City>& Cities();
const std::vector<Country>& ForeignCountries();
const std::vector<Han>& Brands();
const std::vector<Industry>& Industries(int kind);
const std::vector<LegalSuffix>& LegalSuffixes();
const std::vector<Han>& Titles();  // simp = Chinese title, pinyin = English title
const std::vector<const char*>& LatinBrands();
const std::vector<const char*>& LatinIndustries();
const std::vector<const char*>& LatinSuffixes();
const std::vector<const char*>& MediaOutlets();  // Latin-script outlets
const std::vector<Han>& ChineseMediaOutlets();

// --- Chinese personal names -----------------------------------------------

ChineseName RandomChineseName(Rng& rng, int gender);
std::string Simplified(const ChineseName& n);
std::string Traditional(const ChineseName& n);
std::string FamilySimplified(const ChineseName& n);
std::string GivenSimplified(const ChineseName& n);
// "Zhang", "Xiaoming" (capitalized pinyin).
std::string PinyinFamily(const ChineseName& n);
std::string PinyinGiven(const ChineseName& n);
// A one-character edit that keeps the pronunciation (伟 -> 玮), or a changed
// character when no homophone exists. Returns false if nothing could change.
bool HomophoneTypo(const ChineseName& n, Rng& rng, ChineseName* out);

// --- Latin personal names -------------------------------------------------

LatinName RandomLatinName(Rng& rng, int name_group);
std::string LatinFull(const LatinName& n);  // display order of its culture
// One edit (substitution, deletion, transposition or insertion) in an ASCII
// letter of `s`; multi-byte characters are never split.
std::string OneEditTypo(std::string_view s, Rng& rng);
// "Müller" -> "Mueller", "é" -> "e"; identity for plain ASCII.
std::string AsciiFold(std::string_view s);
std::string Capitalize(std::string_view s);
std::string ToUpperAscii(std::string_view s);
std::string ToLowerAscii(std::string_view s);

// --- Companies ------------------------------------------------------------

std::string CompanyChinese(const ChineseCompany& c, bool with_suffix, bool with_city, bool traditional);
std::string CompanyEnglish(const ChineseCompany& c, bool with_suffix, bool with_city);
std::string CompanyDomainStem(const ChineseCompany& c);  // "huadong-auto"
std::string LatinCompanyName(const LatinCompany& c, bool with_suffix);

// Full-width digits/letters/punctuation for the ASCII in `s` (U+FF01..U+FF5E).
std::string FullWidth(std::string_view s);

}  // namespace crm::simulate
