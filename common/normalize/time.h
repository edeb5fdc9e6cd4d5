#pragma once

// Event times: RFC 3339 with offset, local wall-clock time read in a show's
// IANA time zone (via ICU's time zone data), or epoch milliseconds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace crm::normalize {

struct ParsedTime {
  // Milliseconds since the epoch; UTC when has_offset, otherwise local
  // wall-clock milliseconds still to be placed in a time zone.
  int64_t millis = 0;
  bool has_offset = false;
};

// "2026-04-23T09:15:00+08:00", "2026-04-23T01:15:00Z", "2026-04-23 09:15:00",
// "2026-04-23T09:15", with optional fractional seconds.
absl::StatusOr<ParsedTime> ParseTimestamp(std::string_view text);

// Local wall-clock millis in `time_zone` ("Asia/Shanghai") to UTC millis.
absl::StatusOr<int64_t> LocalToUtc(int64_t local_millis, std::string_view time_zone);

// True when ICU knows the zone id.
bool IsKnownTimeZone(std::string_view time_zone);

// Days since 1970-01-01 of a civil date, and ISO date parsing "YYYY-MM-DD".
int64_t DaysFromCivil(int y, unsigned m, unsigned d);
absl::StatusOr<int64_t> ParseIsoDateDays(std::string_view text);

// The UTC day (days since 1970-01-01) of an epoch-millis instant, rounded
// down (so instants before 1970 fall on the day they are in).
inline int64_t UtcDayOfMillis(int64_t ms) {
  constexpr int64_t kDayMs = 86'400'000;
  return (ms >= 0 ? ms : ms - (kDayMs - 1)) / kDayMs;
}

}  // namespace crm::normalize
