#include "common/normalize/text.h"

#include "common/util/sharded_cache.h"
#include "common/util/strings.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <array>
#include <memory>
#include <vector>

namespace crm::normalize {
namespace {

// Transliterators are not safe to share between threads: one set per thread.
class Translit {
 public:
  explicit Translit(const char* id) {
    UErrorCode st = U_ZERO_ERROR;
    t_.reset(icu::Transliterator::createInstance(icu::UnicodeString::fromUTF8(id), UTRANS_FORWARD, st));
    if (U_FAILURE(st)) t_.reset();
  }
  std::string Apply(const std::string& in) const {
    if (!t_) return in;
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(in);
    t_->transliterate(u);
    std::string out;
    u.toUTF8String(out);
    return out;
  }

 private:
  std::unique_ptr<icu::Transliterator> t_;
};

const Translit& NameTranslit() {
  thread_local Translit t("Traditional-Simplified; Han-Latin/Names; Latin-ASCII; Lower");
  return t;
}
const Translit& SimplifyTranslit() {
  thread_local Translit t("Traditional-Simplified");
  return t;
}

bool IsSpace(UChar32 c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000 || c == 0xA0; }

// Lower-cases ASCII, turns ASCII punctuation into spaces, collapses spaces.
std::string Tokenize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = true;
  for (unsigned char c : s) {
    if (c < 0x80) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        out += static_cast<char>(c);
        space = false;
      } else if (c >= 'A' && c <= 'Z') {
        out += static_cast<char>(c - 'A' + 'a');
        space = false;
      } else if (!space) {
        out += ' ';
        space = true;
      }
    } else {
      out += static_cast<char>(c);  // CJK and other scripts stay as they are
      space = false;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Removes "(...)" segments (after NFKC, full-width brackets are ASCII).
std::string DropParenthesized(std::string_view s) {
  std::string out;
  int depth = 0;
  for (char c : s) {
    if (c == '(' || c == '[') {
      ++depth;
      out += ' ';
    } else if ((c == ')' || c == ']') && depth > 0) {
      --depth;
    } else if (depth == 0) {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  int32_t i = 0, n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (c < 0) return false;
  }
  return true;
}

// Printable ASCII without leading, trailing or doubled spaces is already
// clean (NFKC leaves it unchanged), which is most emails, phones and Latin names.
bool AlreadyClean(std::string_view s) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.back() == ' ') return false;
  char prev = 0;
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
    if (c == ' ' && prev == ' ') return false;
    prev = c;
  }
  return true;
}

std::string CleanText(std::string_view s) {
  if (AlreadyClean(s)) return std::string(s);
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(st);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  icu::UnicodeString norm = U_SUCCESS(st) ? nfkc->normalize(u, st) : u;
  if (U_FAILURE(st)) norm = u;
  icu::UnicodeString collapsed;
  bool space = true;  // drops leading whitespace
  for (int32_t i = 0; i < norm.length();) {
    UChar32 c = norm.char32At(i);
    i += U16_LENGTH(c);
    if (IsSpace(c) || u_isWhitespace(c)) {
      if (!space) collapsed.append(static_cast<UChar>(' '));
      space = true;
    } else if (u_iscntrl(c)) {
      continue;  // control characters never belong in names or ids
    } else {
      collapsed.append(c);
      space = false;
    }
  }
  std::string out;
  collapsed.toUTF8String(out);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string ToSimplified(std::string_view s) { return SimplifyTranslit().Apply(std::string(s)); }

std::string NameKeyIcu(std::string_view name) { return Tokenize(NameTranslit().Apply(CleanText(name))); }

namespace {

bool IsHan(UChar32 c) { return c >= 0x4E00 && c <= 0x9FFF; }

// The pinyin of a run of Han characters the way the name transliterator
// reads it, built from memoized pieces: the run's first two characters
// together (the surname reading, compound surnames such as 万俟 "mo qi"), then
// each later character on its own as read inside a name. ICU costs ~30 us
// per Chinese name and new visitors bring new names; the pieces repeat.
void AppendHanRun(std::string_view run, std::string* out) {
  static ShardedCache<std::string, kMemoEntries, 32> head_memo, later_memo;
  int32_t i = 0, n = static_cast<int32_t>(run.size());
  UChar32 c;
  for (int k = 0; k < 2 && i < n; ++k) U8_NEXT(reinterpret_cast<const uint8_t*>(run.data()), i, n, c);
  std::string_view head = run.substr(0, static_cast<size_t>(i));
  *out += ' ';
  *out += head_memo.GetOrCompute(head, [&] { return NameKeyIcu(head); });
  while (i < n) {
    int32_t from = i;
    U8_NEXT(reinterpret_cast<const uint8_t*>(run.data()), i, n, c);
    std::string_view ch = run.substr(static_cast<size_t>(from), static_cast<size_t>(i - from));
    *out += ' ';
    *out += later_memo.GetOrCompute(ch, [&] {
      // Read after a neutral character ("一"), which is then dropped.
      std::string both = NameKeyIcu(StrCat("一", ch));
      auto space = both.find(' ');
      return space == std::string::npos ? both : both.substr(space + 1);
    });
  }
  *out += ' ';
}

std::string NameKeyUncached(std::string_view name) {
  std::string clean = CleanText(name);
  bool ascii = true, han_or_ascii = true;
  {
    int32_t i = 0, n = static_cast<int32_t>(clean.size());
    while (i < n) {
      UChar32 c;
      U8_NEXT(reinterpret_cast<const uint8_t*>(clean.data()), i, n, c);
      if (c >= 0x80) ascii = false;
      if (c >= 0x80 && !IsHan(c)) han_or_ascii = false;
    }
  }
  // ASCII: the transliterators would only lower-case it (~50 us for nothing).
  if (ascii) return Tokenize(clean);
  if (!han_or_ascii) return NameKeyIcu(clean);
  std::string out;
  int32_t i = 0, n = static_cast<int32_t>(clean.size());
  while (i < n) {
    int32_t from = i;
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(clean.data()), i, n, c);
    if (!IsHan(c)) {
      out += static_cast<char>(c);
      continue;
    }
    int32_t end = i;
    while (end < n) {
      int32_t next = end;
      U8_NEXT(reinterpret_cast<const uint8_t*>(clean.data()), next, n, c);
      if (!IsHan(c)) break;
      end = next;
    }
    AppendHanRun(std::string_view(clean).substr(static_cast<size_t>(from), static_cast<size_t>(end - from)), &out);
    i = end;
  }
  return Tokenize(out);
}

}  // namespace

std::string NameKey(std::string_view name) {
  // A person's name recurs across their events: memoized for all threads.
  static ShardedCache<std::string, kMemoEntries, 32> memo;
  return memo.GetOrCompute(name, [&] { return NameKeyUncached(name); });
}

std::string CompanyKey(std::string_view company) {
  static ShardedCache<std::string, kMemoEntries, 32> memo;
  return memo.GetOrCompute(company, [&] {
    std::string s = Tokenize(DropParenthesized(ToSimplified(CleanText(company))));
    // Chinese legal forms and noise, longest first; stripped repeatedly
    // from the end ("集团股份有限公司" loses both parts).
    static const std::array<std::string_view, 14> kCjkSuffixes = {
        "股份有限公司", "有限责任公司", "集团有限公司", "集团股份公司", "股份公司", "有限公司", "责任公司",
        "总公司",       "集团公司",     "集团",         "公司",         "控股",     "实业",     "中国"};
    static const std::array<std::string_view, 30> kLatinSuffixes = {
        "co", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "company", "gmbh", "ag", "llc",
        "plc", "sa", "s a", "srl", "bv", "b v", "nv", "pte", "pty", "kk", "k k", "oy", "ab", "as", "spa", "sas",
        "group", "holdings", "holding"};
    bool changed = true;
    while (changed && !s.empty()) {
      changed = false;
      for (auto suf : kCjkSuffixes) {
        if (s.size() > suf.size() && EndsWith(s, suf)) {
          s.resize(s.size() - suf.size());
          while (!s.empty() && s.back() == ' ') s.pop_back();
          changed = true;
        }
      }
      for (auto suf : kLatinSuffixes) {
        // Whole trailing tokens only: "acme co" -> "acme", but "disco" stays.
        if (s.size() > suf.size() + 1 && EndsWith(s, suf) && s[s.size() - suf.size() - 1] == ' ') {
          s.resize(s.size() - suf.size() - 1);
          changed = true;
        }
      }
    }
    if (s.rfind("the ", 0) == 0) s.erase(0, 4);
    // CJK company names are written without spaces; drop the ones tokenizing
    // left between CJK runs so "上海 华东" and "上海华东" agree.
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == ' ') {
        bool prev_cjk = i > 0 && static_cast<unsigned char>(s[i - 1]) >= 0x80;
        bool next_cjk = i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80;
        if (prev_cjk || next_cjk) continue;
      }
      out += s[i];
    }
    return out;
  });
}

}  // namespace crm::normalize
