#pragma once

// The first check an event meets in dedup: is it a duplicate (the same event
// id delivered at another position: a retry, a re-upload), a replay of a
// delivery seen before (after a crash or a failed batch: resolved again), or
// new; and for a booth scan, which lead it belongs to (double taps fold into
// the first scan's lead, decisions.h FoldTaps). Its commands share the
// slice's first Redis round trip with the index's known-record lookups.

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis/redis_client.h"
#include "crm/v1/event.pb.h"
#include "services/dedup/stream/decisions.h"
#include "services/dedup/stream/identity_store.h"

namespace crm::dedup {

enum class EventFate { kNew, kRedelivery, kDuplicate };

class EventGate {
 public:
  EventGate(std::string prefix, std::chrono::milliseconds id_ttl, std::chrono::milliseconds tap_window)
      : keys_(std::move(prefix)), id_ttl_(id_ttl), tap_window_(tap_window) {}

  struct Admission {
    EventFate fate = EventFate::kNew;
    bool scan = false;  // a booth scan with a badge: `lead` is set
    Lead lead;
  };
  // Appends the commands admitting one event to `out` and returns where
  // they start. `position` identifies this delivery ("topic/partition/offset").
  size_t AdmitCommands(const crm::v1::Event& event, const std::string& position,
                       std::vector<redis::Command>* out) const;
  absl::StatusOr<Admission> ParseAdmit(const crm::v1::Event& event, const std::string& position,
                                       const std::vector<redis::Reply>& replies, size_t at) const;

 private:
  static bool IsScan(const crm::v1::Event& event);
  static TapKey TapOf(const crm::v1::Event& event);
  static TapScan ScanOf(const crm::v1::Event& event);
  IndexKeys keys_;
  std::chrono::milliseconds id_ttl_, tap_window_;
};

}  // namespace crm::dedup
