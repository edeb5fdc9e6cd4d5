#pragma once

// Epoch milliseconds <-> google.protobuf.Timestamp (floor division, so times
// before 1970 keep nanos in [0, 1e9) as the Timestamp contract requires).

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>

namespace crm {

inline void SetTimestampMillis(google::protobuf::Timestamp* ts, int64_t ms) {
  int64_t secs = ms / 1000, rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    secs -= 1;
  }
  ts->set_seconds(secs);
  ts->set_nanos(static_cast<int32_t>(rem * 1'000'000));
}

inline int64_t TimestampMillis(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000 + ts.nanos() / 1'000'000;
}

}  // namespace crm
