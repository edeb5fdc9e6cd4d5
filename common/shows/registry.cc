#include "common/shows/registry.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "common/normalize/time.h"
#include "common/util/strings.h"

namespace crm::shows {
namespace {

constexpr int64_t kDayMs = 86'400'000;

bool ValidId(std::string_view id, bool allow_upper) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              (allow_upper && c >= 'A' && c <= 'Z');
    if (!ok) return false;
  }
  return true;
}

int64_t EarliestEventMs(const crm::v1::ShowSeries& s) {
  int64_t earliest_days = INT64_MAX;
  for (const auto& e : s.editions()) {
    int64_t days;
    if (!e.sales_open_date().empty()) {
      days = *normalize::ParseIsoDateDays(e.sales_open_date());
    } else {
      days = *normalize::ParseIsoDateDays(e.open_date()) - 365;
    }
    earliest_days = std::min(earliest_days, days);
  }
  if (earliest_days == INT64_MAX) return INT64_MAX;  // no editions: nothing can be accepted
  auto utc = normalize::LocalToUtc(earliest_days * kDayMs, s.time_zone());
  return utc.ok() ? *utc : earliest_days * kDayMs;
}

}  // namespace

const crm::v1::ShowEdition* SeriesView::FindEdition(std::string_view edition_id) const {
  for (const auto& e : series.editions())
    if (e.edition_id() == edition_id) return &e;
  return nullptr;
}

absl::Status ShowRegistry::Validate(const crm::v1::ShowSeries& s) {
  auto bad = [](std::string field, std::string why) {
    return absl::InvalidArgumentError(StrCat(field, ": ", why));
  };
  if (!ValidId(s.show_id(), false)) return bad("show_id", "1-64 characters of a-z, 0-9, '-', '_'");
  if (s.name().empty()) return bad("name", "required");
  if (!normalize::IsKnownTimeZone(s.time_zone())) return bad("time_zone", "an IANA zone such as Asia/Shanghai");
  if (s.country().size() != 2 || !std::isupper(static_cast<unsigned char>(s.country()[0])) ||
      !std::isupper(static_cast<unsigned char>(s.country()[1]))) {
    return bad("country", "an ISO 3166-1 alpha-2 code such as CN");
  }
  std::vector<std::string> ids;
  for (int i = 0; i < s.editions_size(); ++i) {
    const auto& e = s.editions(i);
    std::string p = StrCat("editions[", i, "]");
    if (!ValidId(e.edition_id(), true)) return bad(p + ".edition_id", "1-64 characters of letters, digits, '-', '_'");
    if (std::find(ids.begin(), ids.end(), e.edition_id()) != ids.end()) return bad(p + ".edition_id", "duplicate");
    ids.push_back(e.edition_id());
    auto open = normalize::ParseIsoDateDays(e.open_date());
    auto close = normalize::ParseIsoDateDays(e.close_date());
    if (!open.ok()) return bad(p + ".open_date", "a date YYYY-MM-DD");
    if (!close.ok()) return bad(p + ".close_date", "a date YYYY-MM-DD");
    if (*close < *open) return bad(p + ".close_date", "before open_date");
    if (!e.rebooking_deadline().empty() && !normalize::ParseIsoDateDays(e.rebooking_deadline()).ok()) {
      return bad(p + ".rebooking_deadline", "a date YYYY-MM-DD");
    }
    if (!e.sales_open_date().empty()) {
      auto sales = normalize::ParseIsoDateDays(e.sales_open_date());
      if (!sales.ok()) return bad(p + ".sales_open_date", "a date YYYY-MM-DD");
      if (*sales > *close) return bad(p + ".sales_open_date", "after close_date");
    }
  }
  return absl::OkStatus();
}

bool ShowRegistry::Apply(const crm::v1::ShowSeries& series) {
  auto view = std::make_shared<SeriesView>();
  view->series = series;
  view->earliest_event_ms = EarliestEventMs(series);
  std::unique_lock lock(mu_);
  auto it = series_.find(series.show_id());
  if (it != series_.end() && it->second->series.version() >= series.version()) return false;
  series_[series.show_id()] = std::move(view);
  return true;
}

std::shared_ptr<const SeriesView> ShowRegistry::Find(std::string_view show_id) const {
  std::shared_lock lock(mu_);
  auto it = series_.find(show_id);
  return it == series_.end() ? nullptr : it->second;
}

std::vector<crm::v1::ShowSeries> ShowRegistry::List() const {
  std::shared_lock lock(mu_);
  std::vector<crm::v1::ShowSeries> out;
  for (const auto& [id, v] : series_) out.push_back(v->series);
  return out;
}

size_t ShowRegistry::size() const {
  std::shared_lock lock(mu_);
  return series_.size();
}

}  // namespace crm::shows
