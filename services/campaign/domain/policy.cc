#include "services/campaign/domain/policy.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace crm::campaign {

bool WithinCaps(const std::vector<PastSend>& history, Channel channel, absl::Time now, bool transactional,
                const std::vector<FrequencyCap>& caps) {
  if (transactional) return true;
  for (const auto& cap : caps) {
    if (cap.channel != channel) continue;
    uint32_t in_window = 0;
    for (const auto& s : history)
      if (s.channel == channel && !s.transactional && s.at > now - cap.window && s.at <= now) ++in_window;
    if (in_window + 1 > cap.max_messages) return false;
  }
  return true;
}

Suppression SuppressionOf(const ConsentFacts& facts, Channel channel, bool transactional) {
  if (facts.do_not_contact) return Suppression::kDoNotContact;
  if (channel == Channel::kEmail && facts.email_hard_bounced) return Suppression::kBounced;
  if (!transactional) {
    if (channel == Channel::kEmail && facts.unsubscribed_email) return Suppression::kConsent;
    if (channel == Channel::kSms && facts.unsubscribed_sms) return Suppression::kConsent;
  }
  return Suppression::kNone;
}

std::string TimeZoneNameOf(const std::string& country, const std::string& city, const std::string& fallback) {
  static const std::map<std::string, std::string> by_city = {
      {"US|new york", "America/New_York"},   {"US|chicago", "America/Chicago"},
      {"US|denver", "America/Denver"},       {"US|los angeles", "America/Los_Angeles"},
      {"US|san francisco", "America/Los_Angeles"}, {"CN|urumqi", "Asia/Urumqi"},
      {"RU|moscow", "Europe/Moscow"},        {"AU|perth", "Australia/Perth"},
      {"AU|sydney", "Australia/Sydney"},     {"CA|vancouver", "America/Vancouver"},
      {"CA|toronto", "America/Toronto"},     {"BR|sao paulo", "America/Sao_Paulo"},
  };
  static const std::map<std::string, std::string> by_country = {
      {"CN", "Asia/Shanghai"}, {"HK", "Asia/Hong_Kong"}, {"TW", "Asia/Taipei"},   {"JP", "Asia/Tokyo"},
      {"KR", "Asia/Seoul"},    {"SG", "Asia/Singapore"}, {"IN", "Asia/Kolkata"},  {"TH", "Asia/Bangkok"},
      {"VN", "Asia/Ho_Chi_Minh"}, {"MY", "Asia/Kuala_Lumpur"}, {"ID", "Asia/Jakarta"}, {"AE", "Asia/Dubai"},
      {"DE", "Europe/Berlin"}, {"FR", "Europe/Paris"},   {"IT", "Europe/Rome"},    {"ES", "Europe/Madrid"},
      {"NL", "Europe/Amsterdam"}, {"GB", "Europe/London"}, {"PL", "Europe/Warsaw"}, {"TR", "Europe/Istanbul"},
      {"RU", "Europe/Moscow"}, {"US", "America/New_York"}, {"CA", "America/Toronto"}, {"BR", "America/Sao_Paulo"},
      {"MX", "America/Mexico_City"}, {"AU", "Australia/Sydney"}, {"NZ", "Pacific/Auckland"}, {"ZA", "Africa/Johannesburg"},
  };
  std::string c = country, town = city;
  for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (auto& ch : town) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (auto it = by_city.find(c + "|" + town); it != by_city.end()) return it->second;
  if (auto it = by_country.find(c); it != by_country.end()) return it->second;
  return fallback;
}

absl::Time NextAllowed(absl::Time now, const absl::TimeZone& zone, const QuietHours& quiet) {
  if (quiet.start_hour == quiet.end_hour) return now;
  const absl::CivilSecond local = absl::ToCivilSecond(now, zone);
  const int h = local.hour();
  const bool wraps = quiet.start_hour > quiet.end_hour;  // e.g. 21 -> 8
  const bool in_quiet = wraps ? (h >= quiet.start_hour || h < quiet.end_hour)
                              : (h >= quiet.start_hour && h < quiet.end_hour);
  if (!in_quiet) return now;
  absl::CivilDay day = absl::CivilDay(local);
  if (wraps && h >= quiet.start_hour) day += 1;  // quiet until tomorrow morning
  const absl::CivilSecond end(day.year(), day.month(), day.day(), quiet.end_hour, 0, 0);
  return absl::FromCivil(end, zone);
}

FailureKind ClassifySmtp(int reply_code) {
  if (reply_code >= 500 && reply_code < 600) return FailureKind::kPermanent;
  return FailureKind::kTransient;  // 4xx, a timeout, a refused connection
}

FailureKind ClassifyWebhook(int http_status) {
  if (http_status == 429 || http_status == 408) return FailureKind::kTransient;
  if (http_status >= 400 && http_status < 500) return FailureKind::kPermanent;
  return FailureKind::kTransient;  // 5xx, a timeout (0)
}

std::optional<absl::Duration> RetryAfter(uint32_t attempt, FailureKind kind, const RetryPolicy& policy) {
  if (kind == FailureKind::kPermanent || attempt >= policy.max_attempts) return std::nullopt;
  absl::Duration d = policy.first_backoff;
  for (uint32_t i = 1; i < attempt && d < policy.max_backoff; ++i) d *= 2;
  return std::min(d, policy.max_backoff);
}

std::vector<absl::Time> WaveTimes(absl::CivilDay opening, const std::vector<int>& days_before, int local_hour,
                                  const absl::TimeZone& show_zone) {
  std::vector<int> days = days_before;
  std::sort(days.rbegin(), days.rend());  // earliest wave first
  days.erase(std::unique(days.begin(), days.end()), days.end());
  std::vector<absl::Time> out;
  for (int d : days) {
    const absl::CivilDay day = opening - d;
    out.push_back(absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), local_hour, 0, 0), show_zone));
  }
  return out;
}

}  // namespace crm::campaign
