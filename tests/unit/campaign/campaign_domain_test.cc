// The campaign's decisions as plain code: send-once identity, A/B variants,
// frequency caps, consent and suppressions, quiet hours, failure
// classification and retries, waves before an opening. Each rule has a test
// that fails when the rule is taken out.

#include <gtest/gtest.h>

#include <set>

#include "services/campaign/domain/dispatch_key.h"
#include "services/campaign/domain/policy.h"

namespace crm::campaign {
namespace {

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << name;
  return tz;
}

absl::Time At(const std::string& zone, int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), Zone(zone));
}

TEST(DispatchKey, OneIdPerCampaignStepAndCustomerStableAndDistinct) {
  const DispatchKey k{"camp-1", "wave-14d", "C0000000001"};
  EXPECT_EQ(DispatchId(k), DispatchId(k));
  EXPECT_EQ(DispatchId(k).size(), 16u);
  EXPECT_NE(DispatchId(k), DispatchId({"camp-1", "wave-7d", "C0000000001"}));
  EXPECT_NE(DispatchId(k), DispatchId({"camp-1", "wave-14d", "C0000000002"}));
  // Length prefixes: shifting a character between parts is another key.
  EXPECT_NE(DispatchId({"ab", "c", "d"}), DispatchId({"a", "bc", "d"}));
  EXPECT_EQ(MessageIdOf(k, "mail.expo.test"), "<" + DispatchId(k) + "@mail.expo.test>");
  std::set<std::string> ids;
  for (int i = 0; i < 100000; ++i) ids.insert(DispatchId({"camp-1", "wave-14d", "C" + std::to_string(i)}));
  EXPECT_EQ(ids.size(), 100000u);
}

TEST(DispatchKey, VariantsAreStablePerCustomerAndFollowTheWeights) {
  const std::vector<double> weights = {0.7, 0.3};
  size_t b = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string c = "C" + std::to_string(i);
    const size_t v = VariantOf("camp-1", c, weights);
    EXPECT_EQ(v, VariantOf("camp-1", c, weights));
    b += v == 1;
  }
  EXPECT_NEAR(static_cast<double>(b) / 20000, 0.3, 0.02);
  EXPECT_EQ(VariantOf("camp-1", "C1", {0, 1}), 1u);
  EXPECT_EQ(VariantOf("camp-1", "C1", {}), 0u);
}

TEST(DispatchKey, AClaimWithoutOutcomeIsUnknownAndNotSentAgain) {
  EXPECT_TRUE(MaySend(ClaimState::kNone));
  EXPECT_TRUE(MaySend(ClaimState::kDeferred));
  EXPECT_FALSE(MaySend(ClaimState::kClaimed));
  EXPECT_FALSE(MaySend(ClaimState::kSent));
  EXPECT_FALSE(MaySend(ClaimState::kFailed));
  EXPECT_TRUE(IsUnknownAfterRestart(ClaimState::kClaimed));
  EXPECT_FALSE(IsUnknownAfterRestart(ClaimState::kSent));
}

TEST(Policy, AFrequencyCapCountsMarketingMessagesOfTheChannelInTheWindow) {
  const std::vector<FrequencyCap> caps = {{Channel::kEmail, 2, absl::Hours(24 * 7)}};
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  std::vector<PastSend> history = {{Channel::kEmail, now - absl::Hours(24), false}};
  EXPECT_TRUE(WithinCaps(history, Channel::kEmail, now, false, caps));
  history.push_back({Channel::kEmail, now - absl::Hours(48), false});
  EXPECT_FALSE(WithinCaps(history, Channel::kEmail, now, false, caps));
  // Transactional messages are exempt and do not count.
  EXPECT_TRUE(WithinCaps(history, Channel::kEmail, now, true, caps));
  std::vector<PastSend> with_receipts = {{Channel::kEmail, now - absl::Hours(1), true},
                                         {Channel::kEmail, now - absl::Hours(2), true},
                                         {Channel::kEmail, now - absl::Hours(3), false}};
  EXPECT_TRUE(WithinCaps(with_receipts, Channel::kEmail, now, false, caps));
  // Outside the window, or on another channel: not counted.
  std::vector<PastSend> old = {{Channel::kEmail, now - absl::Hours(24 * 8), false},
                               {Channel::kEmail, now - absl::Hours(24 * 9), false},
                               {Channel::kSms, now - absl::Hours(1), false},
                               {Channel::kSms, now - absl::Hours(2), false}};
  EXPECT_TRUE(WithinCaps(old, Channel::kEmail, now, false, caps));
  EXPECT_TRUE(WithinCaps(old, Channel::kSms, now, false, caps));  // no SMS cap given
}

TEST(Policy, ConsentDoNotContactAndHardBouncesSuppress) {
  ConsentFacts f;
  EXPECT_EQ(SuppressionOf(f, Channel::kEmail, false), Suppression::kNone);
  f.unsubscribed_email = true;
  EXPECT_EQ(SuppressionOf(f, Channel::kEmail, false), Suppression::kConsent);
  EXPECT_EQ(SuppressionOf(f, Channel::kSms, false), Suppression::kNone);
  EXPECT_EQ(SuppressionOf(f, Channel::kEmail, true), Suppression::kNone);  // a ticket confirmation still goes
  f.email_hard_bounced = true;
  EXPECT_EQ(SuppressionOf(f, Channel::kEmail, true), Suppression::kBounced);
  f.do_not_contact = "asked at the booth";
  EXPECT_EQ(SuppressionOf(f, Channel::kSms, true), Suppression::kDoNotContact);
  EXPECT_EQ(SuppressionOf(f, Channel::kTask, false), Suppression::kDoNotContact);
}

TEST(Policy, QuietHoursAreTheRecipientsLocalNight) {
  EXPECT_EQ(TimeZoneNameOf("DE", "Berlin", "Asia/Shanghai"), "Europe/Berlin");
  EXPECT_EQ(TimeZoneNameOf("us", "Los Angeles", "Asia/Shanghai"), "America/Los_Angeles");
  EXPECT_EQ(TimeZoneNameOf("", "", "Asia/Shanghai"), "Asia/Shanghai");
  EXPECT_EQ(TimeZoneNameOf("XX", "", "Asia/Shanghai"), "Asia/Shanghai");
  const QuietHours quiet{21, 8};
  const auto berlin = Zone("Europe/Berlin");
  // 22:30 in Berlin: held until 08:00 the next morning there.
  EXPECT_EQ(NextAllowed(At("Europe/Berlin", 2026, 3, 10, 22, 30), berlin, quiet), At("Europe/Berlin", 2026, 3, 11, 8));
  // 06:00: until 08:00 the same day; 12:00: now.
  EXPECT_EQ(NextAllowed(At("Europe/Berlin", 2026, 3, 10, 6), berlin, quiet), At("Europe/Berlin", 2026, 3, 10, 8));
  const absl::Time noon = At("Europe/Berlin", 2026, 3, 10, 12);
  EXPECT_EQ(NextAllowed(noon, berlin, quiet), noon);
  // The same instant is 19:00 in Shanghai: allowed there.
  EXPECT_EQ(NextAllowed(noon, Zone("Asia/Shanghai"), quiet), noon);
  EXPECT_EQ(NextAllowed(At("Europe/Berlin", 2026, 3, 10, 23), berlin, QuietHours{0, 0}),
            At("Europe/Berlin", 2026, 3, 10, 23));
}

TEST(Policy, TransientFailuresAreRetriedWithBackOffPermanentOnesNever) {
  EXPECT_EQ(ClassifySmtp(451), FailureKind::kTransient);
  EXPECT_EQ(ClassifySmtp(421), FailureKind::kTransient);
  EXPECT_EQ(ClassifySmtp(0), FailureKind::kTransient);
  EXPECT_EQ(ClassifySmtp(550), FailureKind::kPermanent);
  EXPECT_EQ(ClassifyWebhook(503), FailureKind::kTransient);
  EXPECT_EQ(ClassifyWebhook(429), FailureKind::kTransient);
  EXPECT_EQ(ClassifyWebhook(0), FailureKind::kTransient);
  EXPECT_EQ(ClassifyWebhook(400), FailureKind::kPermanent);
  EXPECT_EQ(ClassifyWebhook(404), FailureKind::kPermanent);
  const RetryPolicy p{absl::Minutes(1), absl::Minutes(10), 5};
  EXPECT_EQ(RetryAfter(1, FailureKind::kTransient, p), absl::Minutes(1));
  EXPECT_EQ(RetryAfter(2, FailureKind::kTransient, p), absl::Minutes(2));
  EXPECT_EQ(RetryAfter(4, FailureKind::kTransient, p), absl::Minutes(8));
  EXPECT_EQ(RetryAfter(5, FailureKind::kTransient, p), std::nullopt);  // dead letter
  EXPECT_EQ(RetryAfter(1, FailureKind::kPermanent, p), std::nullopt);
  const RetryPolicy capped{absl::Minutes(1), absl::Minutes(3), 10};
  EXPECT_EQ(RetryAfter(6, FailureKind::kTransient, capped), absl::Minutes(3));
}

TEST(Policy, WavesThickenTowardTheOpeningInTheShowsZone) {
  const auto shanghai = Zone("Asia/Shanghai");
  auto t = WaveTimes(absl::CivilDay(2026, 4, 20), {1, 60, 30, 14, 7, 3, 7}, 10, shanghai);
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t.front(), At("Asia/Shanghai", 2026, 2, 19, 10));
  EXPECT_EQ(t[3], At("Asia/Shanghai", 2026, 4, 13, 10));
  EXPECT_EQ(t.back(), At("Asia/Shanghai", 2026, 4, 19, 10));
  for (size_t i = 1; i < t.size(); ++i) EXPECT_LT(t[i - 1], t[i]);
}

}  // namespace
}  // namespace crm::campaign
