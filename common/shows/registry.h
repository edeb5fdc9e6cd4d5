#pragma once

// The show registry as every service sees it: series and editions from the
// compacted topic crm.shows.v1, looked up concurrently by data-path threads.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "crm/v1/shows.pb.h"

namespace crm::shows {

// A series with what the data path needs precomputed.
struct SeriesView {
  crm::v1::ShowSeries series;
  // Earliest event time accepted for the series (UTC millis): the earliest
  // sales_open_date of its editions (default: open_date - 365 days), at
  // local midnight in the series' time zone.
  int64_t earliest_event_ms = 0;

  const crm::v1::ShowEdition* FindEdition(std::string_view edition_id) const;
};

class ShowRegistry {
 public:
  // Stores `series` unless a version at least as new is already known.
  // Returns false for stale versions.
  bool Apply(const crm::v1::ShowSeries& series);
  std::shared_ptr<const SeriesView> Find(std::string_view show_id) const;
  std::vector<crm::v1::ShowSeries> List() const;
  size_t size() const;

  // Checks a series and its editions: id format, known time zone, ISO
  // country, dates that parse and are in order. Returns the first problem
  // as INVALID_ARGUMENT naming the field.
  static absl::Status Validate(const crm::v1::ShowSeries& series);

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const SeriesView>, std::less<>> series_;
};

}  // namespace crm::shows
