#pragma once

// What the lifecycle judges a customer in one series by: the series'
// calendar, what the customer did in each edition, and the day the service's
// clock has reached. Plain data, filled by the service from scoring's
// aggregates and indicators; the rules (rules.h) and the machine
// (machine.h) read nothing else.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace crm::lifecycle {

// Days are days since 1970-01-01 (UTC), the calendar's unit.
struct CalendarEdition {
  std::string edition_id;
  int64_t open_day = 0;
  int64_t close_day = 0;
  // Last day to rebook for the next edition (ShowEdition.rebooking_deadline).
  std::optional<int64_t> rebooking_deadline_day;
};

// One customer in one edition.
struct EditionObservation {
  bool took_part = false;  // entered the hall, exhibited or spoke
  bool exhibited = false;
  double booth_area_sqm = 0;
  uint32_t days = 0;          // show days checked in
  uint32_t scans_made = 0;    // leads taken at its booths (exhibitor)
  uint32_t booth_visits = 0;  // booths' scans of it (visitor)
  double dwell_per_visit_s = 0;  // 0: not measured
  uint32_t complaints = 0;
  uint32_t unfair_complaints = 0;  // complaints of unfair treatment
  std::optional<double> satisfaction;           // index 0-100
  std::optional<bool> would_return;             // the latest survey answer's
  std::optional<double> retention_probability;  // as of this edition
  uint32_t campaigns_sent = 0, campaigns_opened = 0;
  uint32_t sales_contacts = 0, sales_unanswered = 0;
  // The first day a booking for this edition was made; none: never booked.
  std::optional<int64_t> first_booking_day;
  // The first day the customer registered for this edition; none: never.
  std::optional<int64_t> first_registration_day;
};

// The usual level in one edition of the customers of one type who took
// part in it: the median of each measure (UsualLevelOf).
struct UsualLevel {
  double days = 0;
  double booth_visits = 0;
  double dwell_per_visit_s = 0;  // over those whose dwell was measured
  double booth_area_sqm = 0;     // over those who exhibited
  double scans_made = 0;         // over those who exhibited
  uint32_t customers = 0;
};

struct CustomerHistory {
  // Editions by open day.
  std::vector<CalendarEdition> calendar;
  // By edition id; an edition missing here is one the customer did nothing in.
  std::map<std::string, EditionObservation> editions;
  // The first day the customer is known in the series (any fact); none:
  // unknown, no stage.
  std::optional<int64_t> known_day;
  // The service's clock: evaluation points after this day have not come.
  int64_t today = 0;
  // By edition id: the usual level of the customer's type (none: no
  // signals against it).
  std::map<std::string, UsualLevel> usual;
};

}  // namespace crm::lifecycle
