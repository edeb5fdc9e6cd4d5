#include "services/lifecycle/domain/from_profile.h"

#include <algorithm>

#include "common/normalize/time.h"
#include "common/util/strings.h"

namespace crm::lifecycle {
absl::StatusOr<std::vector<CalendarEdition>> CalendarOf(const crm::v1::ShowSeries& series) {
  std::vector<CalendarEdition> out;
  for (const auto& e : series.editions()) {
    auto open = normalize::ParseIsoDateDays(e.open_date());
    auto close = normalize::ParseIsoDateDays(e.close_date().empty() ? e.open_date() : e.close_date());
    if (!open.ok() || !close.ok()) {
      return absl::InvalidArgumentError(StrCat(series.show_id(), " ", e.edition_id(), ": open or close date not YYYY-MM-DD"));
    }
    CalendarEdition c{e.edition_id(), *open, *close, std::nullopt};
    if (!e.rebooking_deadline().empty()) {
      auto d = normalize::ParseIsoDateDays(e.rebooking_deadline());
      if (!d.ok()) {
        return absl::InvalidArgumentError(StrCat(series.show_id(), " ", e.edition_id(), ": rebooking deadline not YYYY-MM-DD"));
      }
      c.rebooking_deadline_day = *d;
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.open_day, a.edition_id) < std::tie(b.open_day, b.edition_id);
  });
  return out;
}

CustomerHistory HistoryOf(const crm::v1::SeriesProfile& series, std::vector<CalendarEdition> calendar, int64_t today,
                          const ProfileReading& reading) {
  CustomerHistory h;
  h.calendar = std::move(calendar);
  h.today = today;
  for (const auto& e : series.editions()) {
    if (e.events() > 0) {
      const int64_t first = normalize::UtcDayOfMillis(e.first_event_ms());
      if (!h.known_day || first < *h.known_day) h.known_day = first;
    }
    EditionObservation o;
    o.took_part = e.days_checked_in_size() > 0 || e.exhibited() || e.sessions_spoken() > 0;
    o.exhibited = e.exhibited();
    o.booth_area_sqm = e.booth_area_sqm();
    o.days = static_cast<uint32_t>(e.days_checked_in_size());
    o.scans_made = e.scans_made();
    o.booth_visits = e.booth_visits();
    o.dwell_per_visit_s = e.timed_visits() > 0 ? static_cast<double>(e.dwell_seconds()) / e.timed_visits() : 0;
    for (const auto& c : e.complaints()) {
      o.complaints += c.open() + c.resolved();
      if (c.category() == reading.unfair_category) o.unfair_complaints += c.open() + c.resolved();
    }
    if (e.has_survey() && e.survey().answers() > 0) {
      o.satisfaction = 10.0 * e.survey().satisfaction();
      o.would_return = e.survey().would_return();
    }
    o.campaigns_sent = e.campaigns_sent();
    o.campaigns_opened = e.campaigns_opened();
    o.sales_contacts = e.sales_contacts();
    for (const auto& n : e.sales_outcomes())
      if (n.name() == reading.no_answer_outcome) o.sales_unanswered += n.count();
    if (e.first_booking_ms() != 0) o.first_booking_day = normalize::UtcDayOfMillis(e.first_booking_ms());
    if (e.first_registration_ms() != 0) o.first_registration_day = normalize::UtcDayOfMillis(e.first_registration_ms());
    h.editions[e.edition_id()] = o;
  }
  return h;
}

}  // namespace crm::lifecycle
