#pragma once

// What may be sent to a recipient now, decided from plain data: frequency
// caps per customer and channel across all campaigns, consent and
// suppressions, quiet hours in the recipient's time zone, and what a
// channel failure means (retry later, or never). The service reads the
// data from Redis and the profiles; nothing here touches them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace crm::campaign {

enum class Channel { kEmail, kSms, kTask };

// ---- frequency caps ----

struct FrequencyCap {
  Channel channel = Channel::kEmail;
  uint32_t max_messages = 2;  // marketing messages ...
  absl::Duration window = absl::Hours(24 * 7);  // ... in any window this long
};

struct PastSend {
  Channel channel = Channel::kEmail;
  absl::Time at;
  bool transactional = false;
};

// True when one more marketing message on `channel` at `now` stays within
// every cap of that channel. Transactional messages are never capped and
// never count against a cap.
bool WithinCaps(const std::vector<PastSend>& history, Channel channel, absl::Time now, bool transactional,
                const std::vector<FrequencyCap>& caps);

// ---- consent ----

struct ConsentFacts {
  bool unsubscribed_email = false;
  bool unsubscribed_sms = false;
  // Do-not-contact with its reason: no channel at all.
  std::optional<std::string> do_not_contact;
  // The address bounced hard: email to it is suppressed.
  bool email_hard_bounced = false;
};

enum class Suppression { kNone, kConsent, kDoNotContact, kBounced };

// Why the message must not go out, or kNone. Transactional messages (a
// ticket confirmation) still respect do-not-contact and bounces, not a
// marketing unsubscribe.
Suppression SuppressionOf(const ConsentFacts& facts, Channel channel, bool transactional);

// ---- quiet hours ----

struct QuietHours {
  int start_hour = 21;  // local hour quiet time begins (inclusive)
  int end_hour = 8;     // local hour it ends (exclusive); start == end: none
};

// The IANA zone of a recipient: by city where a country has several
// (a few known cities), else by country (ISO 3166 alpha-2), else
// `fallback` (the show's zone). Unknown names give the fallback.
std::string TimeZoneNameOf(const std::string& country, const std::string& city, const std::string& fallback);

// The first instant at or after `now` outside quiet hours in `zone`.
absl::Time NextAllowed(absl::Time now, const absl::TimeZone& zone, const QuietHours& quiet);

// ---- failures and retries ----

enum class FailureKind { kTransient, kPermanent };

// SMTP: 4xx transient, 5xx permanent. Webhook HTTP status: 5xx and 429
// transient, other 4xx permanent. A timeout or a refused connection is
// transient (code 0).
FailureKind ClassifySmtp(int reply_code);
FailureKind ClassifyWebhook(int http_status);

struct RetryPolicy {
  absl::Duration first_backoff = absl::Minutes(1);
  absl::Duration max_backoff = absl::Hours(1);
  uint32_t max_attempts = 5;  // then the dispatch is dead-lettered
};

// After attempt `attempt` (1 = the first send) failed with `kind`: when to
// try again, or none (a permanent failure, or out of attempts: dead letter).
std::optional<absl::Duration> RetryAfter(uint32_t attempt, FailureKind kind, const RetryPolicy& policy);

// ---- waves ----

// Send times of waves `days_before` an opening day, at `local_hour` in the
// show's zone: e.g. 60, 30, 14, 7, 3, 1 days before. Past ones are kept
// (the caller skips what is due before the campaign started).
std::vector<absl::Time> WaveTimes(absl::CivilDay opening, const std::vector<int>& days_before, int local_hour,
                                  const absl::TimeZone& show_zone);

}  // namespace crm::campaign
