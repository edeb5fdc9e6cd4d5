#pragma once

// A customer's history in one series from what scoring publishes: the
// series' calendar from the show registry, and the per-edition aggregates
// of the customer's profile (crm.profiles.v1). Pure.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crm/v1/profile.pb.h"
#include "crm/v1/shows.pb.h"
#include "services/lifecycle/domain/history.h"

namespace crm::lifecycle {

// Editions by open day. INVALID_ARGUMENT naming the edition for a date
// that is not YYYY-MM-DD.
absl::StatusOr<std::vector<CalendarEdition>> CalendarOf(const crm::v1::ShowSeries& series);

// What the aggregates are read as.
struct ProfileReading {
  std::string unfair_category = "unfair-treatment";  // complaint category of unfair treatment
  std::string no_answer_outcome = "no-answer";       // sales contact outcome of an unanswered contact
};

// The history of `series` (one SeriesProfile of a profile) as of `today`:
// took part = checked in, exhibited or spoke; satisfaction = the latest
// survey answer's overall satisfaction x 10 (0-100); dwell per visit over
// the visits whose dwell was measured; known from the first event of any
// edition. The retention probability is scoring's latest only, so it is
// left out of the per-edition history (falling_retention needs it per
// edition).
CustomerHistory HistoryOf(const crm::v1::SeriesProfile& series, std::vector<CalendarEdition> calendar, int64_t today,
                          const ProfileReading& reading = {});

}  // namespace crm::lifecycle
