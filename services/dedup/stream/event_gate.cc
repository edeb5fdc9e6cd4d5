#include "services/dedup/stream/event_gate.h"

#include <algorithm>

#include "common/util/proto_time.h"
#include "common/util/strings.h"

namespace crm::dedup {

bool EventGate::IsScan(const crm::v1::Event& event) {
  return event.has_booth_scan() && !event.identity().badge_id().empty();
}

TapKey EventGate::TapOf(const crm::v1::Event& event) {
  return {event.show_id(), event.edition_id(), event.identity().badge_id(), event.booth_scan().hall(),
          event.booth_scan().booth()};
}

TapScan EventGate::ScanOf(const crm::v1::Event& event) {
  return {event.event_id(), TimestampMillis(event.occurred_at()), event.booth_scan().dwell_seconds()};
}

size_t EventGate::AdmitCommands(const crm::v1::Event& event, const std::string& position,
                                std::vector<redis::Command>* out) const {
  const size_t at = out->size();
  out->push_back(EventIdCommand(keys_, event.event_id(), position, id_ttl_));
  if (IsScan(event)) {
    // A badge's scans at a booth are kept a good while past the window
    // (late uploads still fold into their lead).
    const auto ttl = std::max<std::chrono::milliseconds>(tap_window_ * 10, std::chrono::minutes(10));
    for (auto& cmd : TapCommands(keys_, TapOf(event), ScanOf(event), ttl)) out->push_back(std::move(cmd));
  }
  return at;
}

absl::StatusOr<EventGate::Admission> EventGate::ParseAdmit(const crm::v1::Event& event, const std::string& position,
                                                           const std::vector<redis::Reply>& replies, size_t at) const {
  const bool scan = IsScan(event);
  if (at + (scan ? 1 + kTapCommands : 1) > replies.size()) return absl::InternalError("admit: short pipeline reply");
  const redis::Reply& id = replies[at];
  if (id.is_error()) return absl::FailedPreconditionError(StrCat("redis: ", id.str));
  Admission a;
  a.fate = id.is_nil() ? EventFate::kNew : id.str == position ? EventFate::kRedelivery : EventFate::kDuplicate;
  if (!scan || a.fate == EventFate::kDuplicate) return a;
  auto scans = ParseTaps(replies[at + kTapCommands]);
  if (!scans.ok()) return scans.status();
  a.scan = true;
  a.lead = FoldTaps(std::move(*scans), ScanOf(event), tap_window_);
  return a;
}

}  // namespace crm::dedup
