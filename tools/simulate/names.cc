// The functions of names.h: drawing Chinese and Latin names, their
// renderings (Traditional, pinyin, typos, ASCII folding, case), Chinese and
// Latin company names and full-width text. The tables are in names_tables.cc.

#include "tools/simulate/names.h"

#include <cctype>
#include <cstring>

#include "common/util/strings.h"
#include "tools/simulate/names_internal.h"

namespace crm::simulate {

using internal::NameGroups;

namespace {

std::string CapitalizePinyin(std::string_view p) { return Capitalize(p); }

}  // namespace

// --- Chinese names ------------------------------------------------------------

ChineseName RandomChineseName(Rng& rng, int gender) {
  ChineseName n;
  n.surname = static_cast<int>(rng.Weighted(SurnameWeights()));
  // About a third of given names have one character; they collide most.
  bool compound = std::strlen(Surnames()[n.surname].simp) > 3;
  if (!compound && rng.Chance(0.33)) {
    n.given.push_back(static_cast<int>(rng.Weighted(SingleGivenWeights(gender))));
  } else {
    int a = static_cast<int>(rng.Weighted(GivenCharWeights(gender)));
    int b = static_cast<int>(rng.Weighted(GivenCharWeights(gender)));
    n.given = {a, b};
  }
  return n;
}

std::string FamilySimplified(const ChineseName& n) { return Surnames()[n.surname].simp; }

std::string GivenSimplified(const ChineseName& n) {
  std::string s;
  for (int g : n.given) s += GivenChars()[g].simp;
  return s;
}

std::string Simplified(const ChineseName& n) { return FamilySimplified(n) + GivenSimplified(n); }

std::string Traditional(const ChineseName& n) {
  std::string s = Surnames()[n.surname].trad;
  for (int g : n.given) s += GivenChars()[g].trad;
  return s;
}

std::string PinyinFamily(const ChineseName& n) { return CapitalizePinyin(Surnames()[n.surname].pinyin); }

std::string PinyinGiven(const ChineseName& n) {
  std::string s;
  for (int g : n.given) s += GivenChars()[g].pinyin;
  return Capitalize(s);
}

bool HomophoneTypo(const ChineseName& n, Rng& rng, ChineseName* out) {
  if (n.given.empty()) return false;
  *out = n;
  size_t pos = rng.Below(n.given.size());
  int cur = n.given[pos];
  std::string_view py = GivenChars()[cur].pinyin;
  std::vector<int> same;
  for (size_t i = 0; i < GivenChars().size(); ++i)
    if (static_cast<int>(i) != cur && py == GivenChars()[i].pinyin) same.push_back(static_cast<int>(i));
  if (same.empty()) {
    // No homophone in the table: a different character altogether.
    int other;
    do {
      other = static_cast<int>(rng.Below(GivenChars().size()));
    } while (other == cur);
    out->given[pos] = other;
  } else {
    out->given[pos] = rng.Pick(same);
  }
  return true;
}

// --- Latin names -------------------------------------------------------------

LatinName RandomLatinName(Rng& rng, int group) {
  const auto& g = NameGroups()[static_cast<size_t>(group) % NameGroups().size()];
  return LatinName{rng.Pick(g.first), rng.Pick(g.last), g.family_first};
}

std::string LatinFull(const LatinName& n) { return n.family_first ? n.last + " " + n.first : n.first + " " + n.last; }

std::string Capitalize(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

std::string ToUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string AsciiFold(std::string_view s) {
  static const std::pair<const char*, const char*> kFold[] = {
      {"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"Ä", "Ae"}, {"Ö", "Oe"}, {"Ü", "Ue"}, {"ß", "ss"},
      {"é", "e"},  {"è", "e"},  {"ê", "e"},  {"á", "a"},  {"à", "a"},  {"ã", "a"},  {"í", "i"},
      {"ó", "o"},  {"ô", "o"},  {"õ", "o"},  {"ú", "u"},  {"ç", "c"},  {"ñ", "n"},
  };
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    if (static_cast<unsigned char>(s[i]) >= 0x80) {
      for (const auto& [from, to] : kFold) {
        size_t n = std::strlen(from);
        if (s.substr(i, n) == from) {
          out += to;
          i += n;
          done = true;
          break;
        }
      }
    }
    if (!done) out.push_back(s[i++]);
  }
  return out;
}

std::string OneEditTypo(std::string_view s, Rng& rng) {
  // Positions of ASCII letters that have an ASCII letter neighbour: edits there
  // never touch multi-byte characters.
  std::vector<size_t> pos;
  for (size_t i = 1; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) pos.push_back(i);
  }
  std::string out(s);
  if (pos.empty()) return out;
  size_t i = rng.Pick(pos);
  static const char kLetters[] = "aeiounrstlhmk";
  switch (rng.Below(4)) {
    case 0: {  // substitution
      char c;
      do {
        c = kLetters[rng.Below(sizeof kLetters - 1)];
      } while (c == (out[i] | 0x20));
      out[i] = (out[i] >= 'A' && out[i] <= 'Z') ? static_cast<char>(c - 'a' + 'A') : c;
      break;
    }
    case 1:  // deletion
      out.erase(i, 1);
      break;
    case 2: {  // transposition with the next ASCII letter, else substitution-free insertion
      if (i + 1 < out.size() && std::isalpha(static_cast<unsigned char>(out[i + 1])) && out[i] != out[i + 1]) {
        std::swap(out[i], out[i + 1]);
      } else {
        out.insert(i, 1, out[i]);
      }
      break;
    }
    default:  // insertion (doubled letter)
      out.insert(i, 1, static_cast<char>(out[i] | 0x20));
      break;
  }
  return out;
}

// --- Companies ---------------------------------------------------------------

std::string CompanyChinese(const ChineseCompany& c, bool with_suffix, bool with_city, bool traditional) {
  const City& city = Cities()[c.city];
  const Han& brand = Brands()[c.brand];
  const Industry& ind = Industries(c.kind)[c.industry];
  const LegalSuffix& suf = LegalSuffixes()[c.suffix];
  std::string s;
  if (with_city) s += traditional ? city.name.trad : city.name.simp;
  s += traditional ? brand.trad : brand.simp;
  s += traditional ? ind.name.trad : ind.name.simp;
  if (with_suffix) s += traditional ? suf.name.trad : suf.name.simp;
  return s;
}

std::string CompanyEnglish(const ChineseCompany& c, bool with_suffix, bool with_city) {
  const City& city = Cities()[c.city];
  std::string s;
  if (with_city) s += Capitalize(city.name.pinyin) + " ";
  s += Capitalize(Brands()[c.brand].pinyin);
  s += " ";
  s += Industries(c.kind)[c.industry].english;
  if (with_suffix) {
    s += " ";
    s += LegalSuffixes()[c.suffix].english;
  }
  return s;
}

std::string CompanyDomainStem(const ChineseCompany& c) {
  return StrCat(Brands()[c.brand].pinyin, "-", Industries(c.kind)[c.industry].slug);
}

std::string LatinCompanyName(const LatinCompany& c, bool with_suffix) {
  std::string s = c.brand + " " + c.industry;
  if (with_suffix) s += " " + c.suffix;
  return s;
}

std::string FullWidth(std::string_view s) {
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x21 && c <= 0x7E) {
      uint32_t cp = 0xFF01 + (c - 0x21);
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (c == ' ') {
      out += "\xE3\x80\x80";  // ideographic space
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

}  // namespace crm::simulate
