#include "services/dedup/engine/comparators.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>

#include "common/util/sharded_cache.h"
#include "common/normalize/text.h"
#include "common/util/strings.h"

namespace crm::dedup {
namespace {

uint64_t Hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

// Decodes one UTF-8 code point at s[i] (input is valid UTF-8); advances i.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

bool IsHan(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x2FA1F);
}

// The Han characters of `s`, each as its UTF-8 bytes.
std::vector<std::string_view> HanChars(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    char32_t cp = NextCodePoint(s, i);
    if (IsHan(cp)) out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool IsHonorific(std::string_view t) {
  static constexpr std::array<std::string_view, 9> kWords = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "herr", "frau"};
  return std::find(kWords.begin(), kWords.end(), t) != kWords.end();
}

size_t SharedSorted(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t i = 0, j = 0, n = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++n, ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return n;
}

}  // namespace

double JaroWinkler(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty() ? 1.0 : 0.0;
  if (a == b) return 1.0;
  if (a.size() > b.size()) std::swap(a, b);
  const size_t la = a.size(), lb = b.size();
  const size_t window = lb / 2 > 0 ? lb / 2 - 1 : 0;
  // Short strings (the common case) use flags on the stack.
  std::array<char, 128> fa_stack{}, fb_stack{};
  std::vector<char> fa_heap, fb_heap;
  char* fa = fa_stack.data();
  char* fb = fb_stack.data();
  if (lb > fb_stack.size()) {
    fa_heap.assign(la, 0);
    fb_heap.assign(lb, 0);
    fa = fa_heap.data();
    fb = fb_heap.data();
  }
  size_t matches = 0;
  for (size_t i = 0; i < la; ++i) {
    size_t lo = i > window ? i - window : 0;
    size_t hi = std::min(lb, i + window + 1);
    for (size_t j = lo; j < hi; ++j) {
      if (!fb[j] && a[i] == b[j]) {
        fa[i] = fb[j] = 1;
        ++matches;
        break;
      }
    }
  }
  if (matches == 0) return 0.0;
  size_t transpositions = 0, k = 0;
  for (size_t i = 0; i < la; ++i) {
    if (!fa[i]) continue;
    while (!fb[k]) ++k;
    if (a[i] != b[k]) ++transpositions;
    ++k;
  }
  double m = static_cast<double>(matches);
  double jaro = (m / la + m / lb + (m - transpositions / 2.0) / m) / 3.0;
  size_t prefix = 0;
  while (prefix < 4 && prefix < la && a[prefix] == b[prefix]) ++prefix;
  return jaro + prefix * 0.1 * (1.0 - jaro);
}

int EditDistance(std::string_view a, std::string_view b, int max_distance) {
  if (a.size() > b.size()) std::swap(a, b);
  const int la = static_cast<int>(a.size()), lb = static_cast<int>(b.size());
  if (lb - la > max_distance) return max_distance + 1;
  std::vector<int> prev(la + 1), cur(la + 1);
  for (int i = 0; i <= la; ++i) prev[i] = i;
  for (int j = 1; j <= lb; ++j) {
    cur[0] = j;
    int row_min = cur[0];
    for (int i = 1; i <= la; ++i) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[i] = std::min({prev[i] + 1, cur[i - 1] + 1, prev[i - 1] + cost});
      row_min = std::min(row_min, cur[i]);
    }
    if (row_min > max_distance) return max_distance + 1;
    std::swap(prev, cur);
  }
  return std::min(prev[la], max_distance + 1);
}

bool WithinOneTypo(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (i == a.size()) return true;  // equal, or b has one extra character at the end
  if (a.size() == b.size()) {
    if (a.substr(i + 1) == b.substr(i + 1)) return true;  // one substitution
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
  }
  return a.substr(i) == b.substr(i + 1);  // one insertion
}

// ---- Names ----

namespace {
NameValue PrepareNameUncached(std::string_view full_name, std::string_view family_name, std::string_view given_name);
}  // namespace

NameValue PrepareName(std::string_view full_name, std::string_view family_name, std::string_view given_name) {
  // A person's name recurs across their records and candidates: memoized.
  static ShardedCache<NameValue, kMemoEntries, 32> memo;
  std::string key = StrCat(full_name, "\x1f", family_name, "\x1f", given_name);
  return memo.GetOrCompute(key, [&] { return PrepareNameUncached(full_name, family_name, given_name); });
}

namespace {
NameValue PrepareNameUncached(std::string_view full_name, std::string_view family_name, std::string_view given_name) {
  std::string full;
  if (!full_name.empty()) {
    full = std::string(full_name);
  } else {
    bool han = !HanChars(family_name).empty() || !HanChars(given_name).empty();
    full = han ? StrCat(family_name, given_name) : StrCat(family_name, " ", given_name);
  }
  NameValue v;
  std::string simplified = normalize::ToSimplified(normalize::CleanText(full));
  for (auto c : HanChars(simplified)) v.han.append(c);
  for (auto& t : Split(normalize::NameKey(simplified), ' ', /*skip_empty=*/true)) {
    if (!IsHonorific(t)) v.tokens.push_back(std::move(t));
  }
  if (v.tokens.empty()) return v;
  for (const auto& t : v.tokens) v.concat += t;
  std::string last_first = v.tokens.back(), first_last;
  for (size_t i = 0; i + 1 < v.tokens.size(); ++i) last_first += v.tokens[i];
  for (size_t i = 1; i < v.tokens.size(); ++i) first_last += v.tokens[i];
  first_last += v.tokens.front();
  v.forms[0] = Hash(v.concat);
  v.forms[1] = Hash(last_first);
  v.forms[2] = Hash(first_last);
  std::string letters = v.concat;
  std::sort(letters.begin(), letters.end());
  v.letters = Hash(letters);
  std::vector<std::string> sorted_tokens = v.tokens;
  std::sort(sorted_tokens.begin(), sorted_tokens.end());
  std::string joined;
  for (const auto& t : sorted_tokens) joined += t;
  v.sorted = Hash(joined);
  if (v.han.empty()) {
    for (size_t i = 0; i < v.concat.size(); ++i) {
      char c = v.concat[i];
      v.folded += c;
      if ((c == 'u' || c == 'a' || c == 'o') && i + 1 < v.concat.size() && v.concat[i + 1] == 'e') ++i;
    }
  }
  return v;
}
}  // namespace

namespace {

bool FormsMeet(const NameValue& a, const NameValue& b) {
  for (uint64_t x : a.forms) {
    for (uint64_t y : b.forms) {
      if (x == y) return true;
    }
  }
  return false;
}

std::string SortedConcat(const std::vector<std::string>& tokens) {
  std::array<const std::string*, 8> p{};
  size_t n = std::min(tokens.size(), p.size());
  for (size_t i = 0; i < n; ++i) p[i] = &tokens[i];
  std::sort(p.begin(), p.begin() + n, [](auto* x, auto* y) { return *x < *y; });
  std::string s;
  for (size_t i = 0; i < n; ++i) s += *p[i];
  return s;
}

// "M. Schmidt" against "Michael Schmidt": a shared token of two or more
// letters, and every one-letter token is the initial of a token on the other side.
bool InitialsAgree(const NameValue& a, const NameValue& b) {
  bool shared = false, initials = false;
  for (const auto& t : a.tokens) {
    if (t.size() >= 2 && std::find(b.tokens.begin(), b.tokens.end(), t) != b.tokens.end()) shared = true;
  }
  if (!shared) return false;
  auto covered = [](const NameValue& x, const NameValue& y) {
    for (const auto& t : x.tokens) {
      if (t.size() != 1) continue;
      bool found = false;
      for (const auto& u : y.tokens) found = found || (!u.empty() && u[0] == t[0]);
      if (!found) return false;
    }
    return true;
  };
  for (const auto& t : a.tokens) initials = initials || t.size() == 1;
  for (const auto& t : b.tokens) initials = initials || t.size() == 1;
  return initials && covered(a, b) && covered(b, a);
}

// Every token of the shorter name is a token of the other ("Schmidt" in
// "Michael Schmidt"): one source wrote only part of the name.
bool TokensContained(const NameValue& a, const NameValue& b) {
  const NameValue& s = a.tokens.size() <= b.tokens.size() ? a : b;
  const NameValue& l = a.tokens.size() <= b.tokens.size() ? b : a;
  if (s.tokens.size() == l.tokens.size()) return false;
  for (const auto& t : s.tokens) {
    if (std::find(l.tokens.begin(), l.tokens.end(), t) == l.tokens.end()) return false;
  }
  return true;
}

// The first difference of two concatenations lies in a token of at least 4
// letters on both sides: "Micheal"/"Michael" is a typo, while "Wei"/"Wen" or
// "Li"/"Lu" (romanized Chinese syllables) are different names.
bool TypoInLongToken(const NameValue& a, const NameValue& b) {
  size_t i = 0;
  while (i < a.concat.size() && i < b.concat.size() && a.concat[i] == b.concat[i]) ++i;
  auto token_len_at = [](const NameValue& v, size_t pos) {
    size_t start = 0;
    for (const auto& t : v.tokens) {
      if (pos < start + t.size() || &t == &v.tokens.back()) return t.size();
      start += t.size();
    }
    return size_t{0};
  };
  return token_len_at(a, i) >= 4 && token_len_at(b, i) >= 4;
}

}  // namespace

uint8_t CompareNames(const NameValue& a, const NameValue& b) {
  if (a.empty() || b.empty()) return kNameMissing;
  const bool both_han = !a.han.empty() && !b.han.empty();
  if (both_han && a.han == b.han) return kNameExact;
  if (FormsMeet(a, b) || a.sorted == b.sorted) return both_han ? kNameHomophone : kNameExact;
  if (both_han) {
    // Chinese names are short: a different character with a different reading
    // is usually a different person. Three or more characters with one
    // differing is a typo; a family name alone (崔 against 崔辉) is partial.
    auto ca = HanChars(a.han), cb = HanChars(b.han);
    const auto& shorter = ca.size() < cb.size() ? ca : cb;
    const auto& longer = ca.size() < cb.size() ? cb : ca;
    if (shorter.size() < longer.size() && std::equal(shorter.begin(), shorter.end(), longer.begin())) {
      return kNamePartial;
    }
    if (ca.size() == cb.size() && ca.size() >= 3) {
      size_t diff = 0;
      for (size_t i = 0; i < ca.size(); ++i) diff += ca[i] != cb[i];
      if (diff == 1) return kNameSimilar;
    }
    return kNameDifferent;
  }
  if (a.han.empty() && b.han.empty() &&
      ((WithinOneTypo(a.concat, b.concat) && TypoInLongToken(a, b)) || (!a.folded.empty() && a.folded == b.folded))) {
    return kNameSimilar;
  }
  // Spelling similarity only counts where the names first differ in a long
  // token: short romanized syllables one letter apart are different names.
  const bool long_token = TypoInLongToken(a, b);
  double jw = std::max(JaroWinkler(a.concat, b.concat), JaroWinkler(SortedConcat(a.tokens), SortedConcat(b.tokens)));
  if (jw >= 0.94 && long_token) return kNameSimilar;
  if (InitialsAgree(a, b) || TokensContained(a, b)) return kNamePartial;
  if (a.han.empty() && b.han.empty() && jw >= 0.88 && long_token) return kNamePartial;
  return kNameDifferent;
}

// ---- Companies ----

namespace {
CompanyValue PrepareCompanyUncached(std::string_view company);
}  // namespace

CompanyValue PrepareCompany(std::string_view company) {
  static ShardedCache<CompanyValue, kMemoEntries, 32> memo;
  return memo.GetOrCompute(company, [&] { return PrepareCompanyUncached(company); });
}

namespace {
CompanyValue PrepareCompanyUncached(std::string_view company) {
  CompanyValue v;
  v.key = normalize::CompanyKey(company);
  if (v.key.empty()) return v;
  auto han = HanChars(v.key);
  v.han = !han.empty();
  if (v.han) {
    for (size_t i = 0; i + 1 < han.size(); ++i) v.grams.push_back(Hash(StrCat(han[i], han[i + 1])));
    if (han.size() == 1) v.grams.push_back(Hash(han[0]));
    for (const auto& t : Split(normalize::NameKey(v.key), ' ', true)) v.pinyin += t;
  } else {
    for (const auto& t : Split(v.key, ' ', true)) {
      v.grams.push_back(Hash(t));
      if (t.size() >= 4) v.latin.push_back(t);
    }
  }
  std::sort(v.grams.begin(), v.grams.end());
  v.grams.erase(std::unique(v.grams.begin(), v.grams.end()), v.grams.end());
  return v;
}
}  // namespace

uint8_t CompareCompanies(const CompanyValue& a, const CompanyValue& b) {
  if (a.empty() || b.empty()) return kCompanyMissing;
  if (a.key == b.key) return kCompanyExact;
  if (a.han != b.han) {
    const CompanyValue& h = a.han ? a : b;
    const CompanyValue& l = a.han ? b : a;
    if (l.latin.empty()) return kCompanyDifferent;
    size_t hits = 0;
    for (const auto& t : l.latin) hits += h.pinyin.find(t) != std::string::npos;
    return hits * 3 >= l.latin.size() ? kCompanyWeak : kCompanyDifferent;
  }
  size_t shared = SharedSorted(a.grams, b.grams);
  size_t small = std::min(a.grams.size(), b.grams.size());
  size_t uni = a.grams.size() + b.grams.size() - shared;
  if (small > 0 && shared * 10 >= small * 8) return kCompanyStrong;
  if (uni > 0 && shared * 2 >= uni) return kCompanyWeak;
  if (!a.han && JaroWinkler(a.key, b.key) >= 0.92) return kCompanyWeak;
  return kCompanyDifferent;
}

// ---- Contacts, codes, text ----

uint8_t CompareEmails(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 3;
  size_t at_a = a.find('@'), at_b = b.find('@');
  if (at_a != std::string_view::npos && at_b != std::string_view::npos) {
    auto la = a.substr(0, at_a), lb = b.substr(0, at_b);
    if (la == lb && la.size() >= 4) return 2;
    if (a.substr(at_a) == b.substr(at_b) && WithinOneTypo(la, lb)) return 2;
  }
  return WithinOneTypo(a, b) ? 2 : 1;
}

uint8_t ComparePhones(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 3;
  if (a.size() >= 8 && b.size() >= 8 && a.substr(a.size() - 8) == b.substr(b.size() - 8)) return 2;
  return WithinOneTypo(a, b) ? 2 : 1;
}

uint8_t CompareCodes(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 3;
  return WithinOneTypo(a, b) ? 2 : 1;
}

uint8_t CompareText(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 3;
  double jw = JaroWinkler(a, b);
  return jw >= 0.95 ? 3 : jw >= 0.85 ? 2 : 1;
}

uint8_t CompareExact(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  return a == b ? 2 : 1;
}

uint8_t CompareDates(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 3;
  auto iso = [](std::string_view s) { return s.size() == 10 && s[4] == '-' && s[7] == '-'; };
  if (iso(a) && iso(b)) {
    if (a.substr(0, 4) == b.substr(0, 4)) {
      if (a.substr(5, 2) == b.substr(8, 2) && a.substr(8, 2) == b.substr(5, 2)) return 2;  // day/month swapped
      if (a.substr(5, 2) == b.substr(5, 2)) return 2;                                     // same month
    }
    size_t diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff += a[i] != b[i];
    if (diff == 1) return 2;
  }
  return WithinOneTypo(a, b) ? 2 : 1;
}

std::string NormalizeDate(std::string_view raw) {
  std::string s = normalize::CleanText(raw);
  std::vector<std::string> groups;
  std::string cur;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      cur += c;
    } else if (!cur.empty()) {
      groups.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) groups.push_back(cur);
  int y = -1, m = -1, d = -1;
  if (groups.size() == 1 && groups[0].size() == 8) {
    y = std::stoi(groups[0].substr(0, 4));
    m = std::stoi(groups[0].substr(4, 2));
    d = std::stoi(groups[0].substr(6, 2));
  } else if (groups.size() >= 3 && groups[0].size() <= 4 && groups[1].size() <= 2) {
    if (groups[0].size() == 4) {
      y = std::stoi(groups[0]), m = std::stoi(groups[1]), d = std::stoi(groups[2].substr(0, 2));
    } else if (groups[2].size() == 4) {
      d = std::stoi(groups[0]), m = std::stoi(groups[1]), y = std::stoi(groups[2]);
    }
  }
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) {
    std::string lower = s;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

bool IsGenericMailbox(std::string_view email_key) {
  size_t at = email_key.find('@');
  std::string_view local = email_key.substr(0, at);
  while (!local.empty() && ((local.back() >= '0' && local.back() <= '9') || local.back() == '.' ||
                            local.back() == '-' || local.back() == '_')) {
    local.remove_suffix(1);
  }
  static constexpr std::array<std::string_view, 44> kGeneric = {
      "info",     "sales",    "service",  "services", "support",  "contact", "contactus", "admin",   "office",
      "market",   "marketing", "hr",      "enquiry",  "enquiries", "inquiry", "hello",    "mail",    "noreply",
      "no-reply", "webmaster", "postmaster", "team",  "business", "bd",       "kefu",     "cs",      "help",
      "booking",  "reception", "export",  "import",   "purchase", "purchasing", "trade",  "order",   "orders",
      "account",  "accounts", "finance",  "media",    "press",    "pr",       "expo",     "exhibition"};
  return std::find(kGeneric.begin(), kGeneric.end(), local) != kGeneric.end();
}

}  // namespace crm::dedup
