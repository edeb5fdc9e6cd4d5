#pragma once

// What the service keeps per customer and series (crm.v1.LifecycleRecord)
// judged by the machine: the record's inputs (scoring's aggregates, the
// retention probability per edition) become a history, the machine runs up
// to the service's day, and its transitions are compared with those already
// published, so only what changed goes out again. Pure: the service reads
// and writes the records, this decides.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "crm/v1/lifecycle.pb.h"
#include "crm/v1/profile.pb.h"
#include "services/lifecycle/domain/from_profile.h"
#include "services/lifecycle/domain/machine.h"

namespace crm::lifecycle {

crm::v1::LifecycleStage ToProto(Stage s);
std::optional<Stage> FromProto(crm::v1::LifecycleStage s);

// The usual levels of a series, by (edition id, customer type).
using UsualLevels = std::map<std::pair<std::string, int>, UsualLevel>;

struct SeriesContext {
  std::vector<CalendarEdition> calendar;  // by open day
  UsualLevels usual;                      // the editions settled so far
};

// customer|series|day: one evaluation point of one customer and series.
std::string TransitionId(const std::string& customer_id, const std::string& show_id, int64_t day);

// The record's inputs as the machine reads them, as of `today`.
CustomerHistory HistoryOfRecord(const crm::v1::LifecycleRecord& record, const SeriesContext& series, int64_t today);

// The record with the machine's output as of `today`, and the transitions
// to publish: new ones (revision 0), changed ones (the same id, the next
// revision) and withdrawn ones (a late event took the reason away). Judging
// a record again with the same inputs publishes nothing.
struct Judged {
  crm::v1::LifecycleRecord record;
  std::vector<crm::v1::StageTransition> published;
};
Judged Judge(crm::v1::LifecycleRecord record, const SeriesContext& series, int64_t today, const LifecycleRules& rules);

// A profile's series folded into the record: the aggregates, the customer
// type, value and contribution (indicators are not kept).
void TakeProfile(crm::v1::LifecycleRecord& record, const crm::v1::Profile& profile,
                 const crm::v1::SeriesProfile& series);

// A retention probability (crm.scores.v1) at `at_ms` becomes the one "as of"
// the latest edition whose close point (the day after its close) it
// precedes: the latest change before each close point counts, whatever the
// order the changes arrive in. False when it changes nothing.
bool TakeRetention(crm::v1::LifecycleRecord& record, const std::vector<CalendarEdition>& calendar, double probability,
                   int64_t at_ms);

// Medians per customer type of the participations in one edition, over
// the records added: the usual levels at the edition's settle point. Keeps
// one observation per participant, not the records.
class UsualLevelAccumulator {
 public:
  UsualLevelAccumulator(std::string edition_id, std::vector<CalendarEdition> calendar)
      : edition_id_(std::move(edition_id)), calendar_(std::move(calendar)) {}
  void Add(const crm::v1::LifecycleRecord& record);
  UsualLevels Finish() const;

 private:
  std::string edition_id_;
  std::vector<CalendarEdition> calendar_;
  std::map<int, std::vector<EditionObservation>> by_type_;
};

}  // namespace crm::lifecycle
