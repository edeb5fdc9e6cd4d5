#pragma once

// Calendar arithmetic for the simulator. Times are "local seconds": seconds
// since 1970-01-01 00:00:00 of the show's wall clock (Asia/Shanghai, UTC+8, no
// daylight saving), so formatting never needs a time-zone database.

#include <cstdint>
#include <string>

namespace crm::simulate {

inline constexpr int64_t kLocalUtcOffsetSeconds = 8 * 3600;
inline constexpr int64_t kDay = 86400;

struct CivilDate {
  int year = 1970;
  int month = 1;
  int day = 1;
};

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(const CivilDate& d);
CivilDate CivilFromDays(int64_t days);
// 0 = Monday ... 6 = Sunday.
int Weekday(int64_t days);

// "YYYY-MM-DD".
std::string FormatDate(int64_t days);
// "YYYY-MM-DD HH:MM:SS" of a local time.
std::string FormatLocal(int64_t local_seconds);
// "YYYY-MM-DDTHH:MM:SS+08:00".
std::string FormatRfc3339Offset(int64_t local_seconds);
// "YYYY-MM-DDTHH:MM:SSZ" (converted to UTC).
std::string FormatRfc3339Utc(int64_t local_seconds);
// "YYYY-MM-DDTHH:MM" (local, no seconds).
std::string FormatLocalMinutes(int64_t local_seconds);
// Epoch milliseconds (UTC) of a local time.
int64_t EpochMillis(int64_t local_seconds);

}  // namespace crm::simulate
