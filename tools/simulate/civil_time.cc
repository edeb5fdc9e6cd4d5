#include "tools/simulate/civil_time.h"

#include <cstdio>

namespace crm::simulate {

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromCivil(const CivilDate& d) {
  int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (d.month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

int Weekday(int64_t days) {
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  int64_t w = (days + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

std::string Format(int64_t s, const char* sep, bool seconds, const char* suffix) {
  int64_t days = FloorDiv(s, kDay);
  int64_t rem = s - days * kDay;
  CivilDate d = CivilFromDays(days);
  char buf[48];
  if (seconds) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d%s%02d:%02d:%02d%s", d.year, d.month, d.day, sep,
                  static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60), suffix);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d%s%02d:%02d%s", d.year, d.month, d.day, sep,
                  static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), suffix);
  }
  return buf;
}

}  // namespace

std::string FormatDate(int64_t days) {
  CivilDate d = CivilFromDays(days);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

std::string FormatLocal(int64_t s) { return Format(s, " ", true, ""); }
std::string FormatRfc3339Offset(int64_t s) { return Format(s, "T", true, "+08:00"); }
std::string FormatRfc3339Utc(int64_t s) { return Format(s - kLocalUtcOffsetSeconds, "T", true, "Z"); }
std::string FormatLocalMinutes(int64_t s) { return Format(s, "T", false, ""); }
int64_t EpochMillis(int64_t s) { return (s - kLocalUtcOffsetSeconds) * 1000; }

}  // namespace crm::simulate
