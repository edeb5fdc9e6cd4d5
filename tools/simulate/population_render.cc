// How each source writes a person down: names, companies, e-mail addresses,
// phone numbers, cities, countries, titles and industries, with the habits
// of each View (registration form, ERP, imports, business cards, ...).

#include "tools/simulate/population.h"

#include <algorithm>

#include "common/util/strings.h"
#include "tools/simulate/population_internal.h"

namespace crm::simulate {

using internal::FindCountry;

std::string EmailCaseVariant(const std::string& email) {
  std::string out = email;
  size_t at = out.find('@');
  bool start = true;
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (c == '.' || c == '_' || c == '@' || c == '-') {
      start = true;
      if (c == '@' || i > at) start = (c == '@');  // only the first domain label
      continue;
    }
    if (start && c >= 'a' && c <= 'z') out[i] = static_cast<char>(c - 'a' + 'A');
    start = false;
  }
  return out;
}

std::string Population::RenderName(const Person& p, View view, Rng& rng) const {
  if (p.script == Person::Script::kLatin) {
    const LatinName& n = p.latin;
    std::vector<double> w;  // canonical, "Last, First", "LAST First", "First LAST", typo, fold, initial, lower
    switch (view) {
      case View::kImport: w = {55, 8, 8, 5, 8, 6, 5, 5}; break;
      case View::kBusinessCard: w = {80, 0, 8, 8, 0, 0, 4, 0}; break;
      case View::kCallCentre: w = {70, 5, 0, 0, 20, 5, 0, 0}; break;
      default: w = {84, 3, 3, 3, 3, 2, 1, 1}; break;
    }
    std::string first = n.first, last = n.last;
    switch (rng.Weighted(w)) {
      case 0: return LatinFull(n);
      case 1: return last + ", " + first;
      case 2: return ToUpperAscii(last) + " " + first;
      case 3: return first + " " + ToUpperAscii(last);
      case 4: return OneEditTypo(LatinFull(n), rng);
      case 5: return AsciiFold(LatinFull(n));
      case 6: return first.substr(0, 1) + ". " + last;
      default: return ToLowerAscii(LatinFull(n));
    }
  }
  const ChineseName& n = p.cn;
  const bool trad_person = p.script == Person::Script::kTraditional;
  // canonical, typo, traditional/simplified, "Zhang Wei", "Wei Zhang", "ZHANG Wei", "ZHANG WEI",
  // "张 伟", "Zhangwei", "zhang wei"
  std::vector<double> w;
  switch (view) {
    case View::kRegistration:
    case View::kBadge: w = {82, 4, 3, 5, 2, 2, 0, 2, 0, 0}; break;
    case View::kErp: w = {88, 3, 1, 4, 0, 2, 0, 2, 0, 0}; break;
    case View::kSurvey: w = {75, 4, 0, 12, 5, 0, 0, 0, 0, 4}; break;
    case View::kComplaint: w = {80, 8, 0, 8, 0, 0, 0, 4, 0, 0}; break;
    case View::kImport: w = {50, 8, 8, 14, 8, 4, 4, 2, 2, 0}; break;
    case View::kBusinessCard: w = {25, 0, 0, 45, 20, 10, 0, 0, 0, 0}; break;
    case View::kCallCentre: w = {70, 15, 0, 10, 0, 0, 0, 5, 0, 0}; break;
  }
  auto han = [&](const ChineseName& x, bool trad) { return trad ? Traditional(x) : Simplified(x); };
  switch (rng.Weighted(w)) {
    case 0: return han(n, trad_person);
    case 1: {
      ChineseName t;
      if (HomophoneTypo(n, rng, &t)) return han(t, trad_person);
      return han(n, trad_person);
    }
    case 2: return han(n, !trad_person);
    case 3: return PinyinFamily(n) + " " + PinyinGiven(n);
    case 4: return PinyinGiven(n) + " " + PinyinFamily(n);
    case 5: return ToUpperAscii(PinyinFamily(n)) + " " + PinyinGiven(n);
    case 6: return ToUpperAscii(PinyinFamily(n) + " " + PinyinGiven(n));
    case 7: {
      std::string fam = trad_person ? Surnames()[n.surname].trad : Surnames()[n.surname].simp;
      std::string giv;
      for (int g : n.given) giv += trad_person ? GivenChars()[g].trad : GivenChars()[g].simp;
      return fam + " " + giv;
    }
    case 8: return PinyinFamily(n) + ToLowerAscii(PinyinGiven(n));
    default: return ToLowerAscii(PinyinFamily(n) + " " + PinyinGiven(n));
  }
}

void Population::SplitName(const Person& p, View view, Rng& rng, std::string* family, std::string* given) const {
  if (p.script == Person::Script::kLatin) {
    *family = p.latin.last;
    *given = p.latin.first;
    if (view == View::kImport && rng.Chance(0.1)) *family = ToUpperAscii(*family);
    return;
  }
  bool trad = p.script == Person::Script::kTraditional;
  if (rng.Chance(view == View::kImport ? 0.25 : 0.08)) {
    *family = PinyinFamily(p.cn);
    *given = PinyinGiven(p.cn);
    return;
  }
  *family = trad ? Surnames()[p.cn.surname].trad : Surnames()[p.cn.surname].simp;
  given->clear();
  for (int g : p.cn.given) *given += trad ? GivenChars()[g].trad : GivenChars()[g].simp;
}

std::string Population::CompanyName(const Person& p) const {
  return p.company >= 0 ? companies_[p.company].canonical : "";
}

std::string Population::RenderCompanyOf(const Company& c, View view, Rng& rng) const {
  if (c.fixed_name) {
    if (!c.canonical_trad.empty() && view == View::kImport && rng.Chance(0.05)) return c.canonical_trad;
    return c.canonical;
  }
  if (!c.chinese) {
    // canonical, no suffix, "ACME", "ACME MOTION", brand only, missing
    std::vector<double> w;
    switch (view) {
      case View::kErp: w = {92, 8, 0, 0, 0, 0}; break;
      case View::kImport: w = {45, 20, 10, 10, 10, 5}; break;
      case View::kCallCentre: w = {30, 30, 0, 0, 30, 10}; break;
      default: w = {65, 20, 3, 5, 5, 2}; break;
    }
    switch (rng.Weighted(w)) {
      case 0: return c.canonical;
      case 1: return LatinCompanyName(c.latin, false);
      case 2: return ToUpperAscii(c.latin.brand);
      case 3: return ToUpperAscii(LatinCompanyName(c.latin, false));
      case 4: return c.latin.brand;
      default: return "";
    }
  }
  // canonical, no suffix, no city, short, English, English short, traditional, upper English short, missing
  std::vector<double> w;
  switch (view) {
    case View::kErp: w = {95, 5, 0, 0, 0, 0, 0, 0, 0}; break;
    case View::kImport: w = {40, 15, 8, 12, 8, 5, 4, 3, 5}; break;
    case View::kBusinessCard: w = {35, 10, 0, 0, 35, 10, 0, 10, 0}; break;
    case View::kCallCentre: w = {30, 20, 0, 40, 0, 0, 0, 0, 10}; break;
    case View::kSurvey:
    case View::kComplaint: w = {60, 20, 0, 20, 0, 0, 0, 0, 0}; break;
    default: w = {60, 12, 8, 8, 6, 3, 1, 0, 2}; break;
  }
  switch (rng.Weighted(w)) {
    case 0: return c.canonical;
    case 1: return CompanyChinese(c.cn, false, true, false);
    case 2: return CompanyChinese(c.cn, true, false, false);
    case 3: return CompanyChinese(c.cn, false, false, false);
    case 4: return CompanyEnglish(c.cn, true, true);
    case 5: return CompanyEnglish(c.cn, false, false);
    case 6: return CompanyChinese(c.cn, true, true, true);
    case 7: return ToUpperAscii(CompanyEnglish(c.cn, false, false));
    default: return "";
  }
}

std::string Population::RenderCompany(const Person& p, View view, Rng& rng) const {
  if (p.company < 0) return "";
  return RenderCompanyOf(companies_[p.company], view, rng);
}

std::string Population::RenderEmail(const Person& p, View view, Rng& rng) const {
  const bool staff = p.type == CustomerType::kExhibitor && p.shared_mailbox >= 0;
  // primary, secondary, case variant, shared mailbox, missing
  std::vector<double> w;
  switch (view) {
    case View::kRegistration: w = {75, 12, 5, staff ? 6.0 : 0.0, 8}; break;
    case View::kErp: w = {60, 5, 2, staff ? 30.0 : 0.0, 3}; break;
    case View::kSurvey: w = {80, 15, 5, 0, 0}; break;
    case View::kImport: w = {55, 15, 8, staff ? 15.0 : 0.0, 14}; break;
    case View::kBusinessCard: w = {80, 5, 5, staff ? 10.0 : 0.0, 5}; break;
    case View::kCallCentre: w = {40, 0, 0, 0, 60}; break;
    case View::kComplaint: w = {50, 0, 0, 0, 50}; break;
    case View::kBadge: w = {90, 10, 0, 0, 0}; break;
  }
  if (p.email2.empty()) w[1] = 0;
  if (p.email.empty()) w[0] = w[2] = 0;
  double total = 0;
  for (double x : w) total += x;
  if (total <= 0) return "";
  switch (rng.Weighted(w)) {
    case 0: return p.email;
    case 1: return p.email2;
    case 2: return rng.Chance(0.8) ? EmailCaseVariant(p.email) : ToUpperAscii(p.email);
    case 3: return companies_[p.company].shared_mailboxes[p.shared_mailbox];
    default: return "";
  }
}

std::string Population::RenderPhone(const Person& p, View view, Rng& rng) const {
  // mobile, landline, missing
  std::vector<double> w;
  switch (view) {
    case View::kRegistration: w = {88, 2, 10}; break;
    case View::kErp: w = {50, 45, 5}; break;
    case View::kImport: w = {65, 15, 20}; break;
    case View::kBusinessCard: w = {70, 25, 5}; break;
    case View::kCallCentre: w = {85, 15, 0}; break;
    case View::kSurvey: w = {30, 0, 70}; break;
    case View::kComplaint: w = {70, 5, 25}; break;
    case View::kBadge: w = {100, 0, 0}; break;
  }
  if (!p.has_mobile) w[0] = 0;
  if (!p.has_landline) w[1] = 0;
  if (w[0] + w[1] <= 0) return "";
  auto pick = [&](const std::vector<std::string>& texts) -> std::string {
    size_t i = rng.Weighted({70, 20, 10});
    return texts[std::min(i, texts.size() - 1)];
  };
  switch (rng.Weighted(w)) {
    case 0: return pick(p.mobile_texts);
    case 1: return pick(p.landline_texts);
    default: return "";
  }
}

std::string Population::RenderCity(const Person& p, View view, Rng& rng) const {
  if (p.city.empty()) return "";
  if (p.city_index < 0) return rng.Chance(0.9) ? p.city : ToUpperAscii(p.city);
  const City& c = Cities()[p.city_index];
  // simplified, with 市, pinyin, PINYIN, traditional, missing
  std::vector<double> w = view == View::kImport         ? std::vector<double>{55, 15, 12, 5, 5, 8}
                          : view == View::kBusinessCard ? std::vector<double>{30, 10, 50, 10, 0, 0}
                                                        : std::vector<double>{70, 15, 9, 0, 2, 4};
  switch (rng.Weighted(w)) {
    case 0: return c.name.simp;
    case 1: return StrCat(c.name.simp, "市");
    case 2: return Capitalize(c.name.pinyin);
    case 3: return ToUpperAscii(c.name.pinyin);
    case 4: return c.name.trad;
    default: return "";
  }
}

std::string Population::RenderCountry(const Person& p, View view, Rng& rng) const {
  if (p.country == "CN") {
    switch (rng.Weighted({50, 20, 22, 3, 5})) {
      case 0: return "CN";
      case 1: return "China";
      case 2: return "中国";
      case 3: return "PRC";
      default: return "";
    }
  }
  if (p.country == "HK") return rng.Chance(0.5) ? "HK" : rng.Chance(0.5) ? "Hong Kong" : "中国香港";
  if (p.country == "TW") return rng.Chance(0.5) ? "TW" : rng.Chance(0.5) ? "Taiwan" : "中国台湾";
  const Country* ct = FindCountry(p.country);
  if (!ct) return p.country;
  switch (rng.Weighted({50, 35, 10, 5})) {
    case 0: return ct->iso;
    case 1: return ct->name_en;
    case 2: return ct->name_zh;
    default: return "";
  }
}

std::string Population::RenderTitle(const Person& p, View view, Rng& rng) const {
  if (p.title < 0) return "";
  const Han& t = Titles()[p.title];
  bool english = p.script == Person::Script::kLatin || view == View::kBusinessCard ? rng.Chance(0.8) : rng.Chance(0.1);
  if (english) return t.pinyin;
  return p.script == Person::Script::kTraditional ? t.trad : t.simp;
}

std::string Population::RenderIndustry(const Person& p, Rng& rng) const {
  if (p.company < 0) return "";
  const Company& c = companies_[p.company];
  if (c.chinese && c.role != CompanyRole::kMedia && rng.Chance(0.15))
    return Industries(c.cn.kind)[c.cn.industry].english;
  return c.industry;
}

}  // namespace crm::simulate
