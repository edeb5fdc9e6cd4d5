#pragma once

// The lifecycle's work over its store, with no Kafka or gRPC: a consumed
// batch's inputs judged, and the calendar's timers fired in bulk. The
// service's consumer (app.cc) and the deadline benchmark
// (tests/bench/lifecycle_deadline.cc) drive it.
//
// Transitions are published (and acknowledged) before the records that
// hold them are stored: a crash in between judges the same inputs again on
// replay, finds them not stored, and publishes them again with the same id
// and revision (consumers keep one per id and revision).

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "crm/v1/lifecycle.pb.h"
#include "crm/v1/profile.pb.h"
#include "services/lifecycle/domain/record.h"
#include "services/lifecycle/store.h"

namespace crm::lifecycle {

// By show id, editions by open day.
using Calendars = std::map<std::string, std::vector<CalendarEdition>>;

using PublishFn = std::function<absl::Status(const std::vector<crm::v1::StageTransition>&)>;

struct EngineOptions {
  LifecycleRules rules;
  // Days after an edition's close when the usual levels of its
  // participants are computed (late events after that change a customer's
  // own judgement, not the levels).
  int64_t settle_days = 7;
  // Members judged per Redis round trip in a timer's pass.
  size_t pass_chunk = 2000;
};

struct BatchInputs {
  // Latest first or last does not matter: the last per customer counts.
  std::vector<crm::v1::Profile> profiles;
  // Customers merged into another (crm.identity.v1).
  std::vector<std::string> merged;
  struct Retention {
    std::string customer_id, show_id;
    double probability = 0;
    int64_t at_ms = 0;
  };
  std::vector<Retention> retention;
};

struct PassStats {
  std::string timer;
  uint64_t judged = 0;
  uint64_t published = 0;
  std::chrono::milliseconds took{0};
};

class LifecycleEngine {
 public:
  LifecycleEngine(LifecycleStore& store, PublishFn publish, EngineOptions options)
      : store_(store), publish_(std::move(publish)), options_(std::move(options)) {}

  // The inputs folded into the records they touch, judged as of `today`.
  // Returns the number of transitions published.
  absl::StatusOr<size_t> Apply(const BatchInputs& inputs, const Calendars& calendars, int64_t today);

  // One timer per evaluation point and series (close, deadline,
  // registration) and one settle point per edition; a point already fired
  // is not added again.
  absl::Status Schedule(const Calendars& calendars);

  // Every timer due by `today`, in day order: a pass over the series'
  // members, resumed where a crash left it. `progress` is called after each
  // chunk.
  absl::StatusOr<std::vector<PassStats>> RunDue(const Calendars& calendars, int64_t today,
                                                const std::function<void(const PassStats&)>& progress = nullptr);

  // The usual levels of every settled edition whose participants' inputs
  // changed since (events out of order, a source loaded late), computed
  // again over the whole series, and every member judged again: once the
  // inputs stop changing, the levels are those of the final inputs, however
  // they arrived. The service calls it when it has caught up.
  absl::StatusOr<std::vector<PassStats>> Resettle(const Calendars& calendars, int64_t today);

 private:
  // `before_raw`: the stored bytes of the records (missing: new ones); only
  // records that differ from them are written.
  absl::StatusOr<size_t> JudgeAndStore(std::map<RecordKey, crm::v1::LifecycleRecord> records,
                                       const std::map<RecordKey, std::string>& before_raw, const Calendars& calendars,
                                       int64_t today);
  // Every member of a series judged, from `cursor`; with a timer, its
  // progress is stored after each chunk.
  absl::Status JudgeAll(const std::string& show, const Calendars& calendars, int64_t today, std::string cursor,
                        const std::string& timer, PassStats& stats, std::chrono::steady_clock::time_point started,
                        const std::function<void(const PassStats&)>& progress);
  absl::Status Settle(const std::string& show_id, const std::string& edition_id, const std::vector<CalendarEdition>& cal);
  absl::StatusOr<SeriesContext> ContextOf(const std::string& show_id, const Calendars& calendars);

  LifecycleStore& store_;
  PublishFn publish_;
  EngineOptions options_;
};

}  // namespace crm::lifecycle
