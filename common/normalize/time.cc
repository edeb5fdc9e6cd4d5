#include "common/normalize/time.h"

#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <charconv>
#include <map>
#include <memory>
#include <mutex>

#include "common/util/strings.h"

namespace crm::normalize {
namespace {

bool ReadInt(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  std::from_chars(s.data() + pos, s.data() + pos + len, *out);
  return true;
}

absl::Status Bad(std::string_view text) {
  return absl::InvalidArgumentError(
      StrCat("'", text, "' is not a time (RFC 3339 like 2026-04-23T09:15:00+08:00, or local 2026-04-23 09:15:00)"));
}

unsigned DaysInMonth(int y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// ICU time zones are immutable once created; cache one per id.
const icu::TimeZone* Zone(std::string_view id) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<icu::TimeZone>, std::less<>> zones;
  std::lock_guard lock(mu);
  auto it = zones.find(id);
  if (it != zones.end()) return it->second.get();
  std::unique_ptr<icu::TimeZone> tz(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(icu::StringPiece(id.data(), static_cast<int32_t>(id.size())))));
  icu::UnicodeString got;
  tz->getID(got);
  if (got == icu::UnicodeString(UCAL_UNKNOWN_ZONE_ID)) tz.reset();
  return zones.emplace(std::string(id), std::move(tz)).first->second.get();
}

}  // namespace

int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
}

absl::StatusOr<int64_t> ParseIsoDateDays(std::string_view text) {
  int y, m, d;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ReadInt(text, 0, 4, &y) || !ReadInt(text, 5, 2, &m) ||
      !ReadInt(text, 8, 2, &d) || m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, m)) {
    return absl::InvalidArgumentError(StrCat("'", text, "' is not a date YYYY-MM-DD"));
  }
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

absl::StatusOr<ParsedTime> ParseTimestamp(std::string_view text) {
  int y, mo, d, h, mi, s = 0;
  if (text.size() < 16 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ' && text[10] != 't') ||
      text[13] != ':' || !ReadInt(text, 0, 4, &y) || !ReadInt(text, 5, 2, &mo) || !ReadInt(text, 8, 2, &d) ||
      !ReadInt(text, 11, 2, &h) || !ReadInt(text, 14, 2, &mi)) {
    return Bad(text);
  }
  size_t pos = 16;
  int64_t frac_ms = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (!ReadInt(text, pos + 1, 2, &s)) return Bad(text);
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      size_t start = ++pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
      if (pos == start || pos - start > 9) return Bad(text);
      int digits = 0;
      for (size_t i = start; i < pos && digits < 3; ++i, ++digits) frac_ms = frac_ms * 10 + (text[i] - '0');
      for (; digits < 3; ++digits) frac_ms *= 10;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) {
    return Bad(text);
  }
  ParsedTime out;
  out.millis = ((DaysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60'000 + static_cast<int64_t>(s) * 1000 + frac_ms;
  if (pos == text.size()) return out;  // local time
  if (text[pos] == 'Z' || text[pos] == 'z') {
    if (pos + 1 != text.size()) return Bad(text);
    out.has_offset = true;
    return out;
  }
  int oh, om;
  if ((text[pos] != '+' && text[pos] != '-') || text.size() != pos + 6 || text[pos + 3] != ':' ||
      !ReadInt(text, pos + 1, 2, &oh) || !ReadInt(text, pos + 4, 2, &om) || oh > 23 || om > 59) {
    return Bad(text);
  }
  int64_t offset = (oh * 60 + om) * 60'000LL;
  out.millis -= text[pos] == '+' ? offset : -offset;
  out.has_offset = true;
  return out;
}

bool IsKnownTimeZone(std::string_view time_zone) { return !time_zone.empty() && Zone(time_zone) != nullptr; }

absl::StatusOr<int64_t> LocalToUtc(int64_t local_millis, std::string_view time_zone) {
  const icu::TimeZone* tz = Zone(time_zone);
  if (!tz) return absl::InvalidArgumentError(StrCat("unknown time zone '", time_zone, "'"));
  int32_t raw = 0, dst = 0;
  UErrorCode st = U_ZERO_ERROR;
  tz->getOffset(static_cast<UDate>(local_millis), /*local=*/true, raw, dst, st);
  if (U_FAILURE(st)) return absl::InternalError(StrCat("time zone offset for ", time_zone, ": ", u_errorName(st)));
  return local_millis - raw - dst;
}

}  // namespace crm::normalize
