// Records judged: what is published the first time, again after a late
// event, and never twice for the same inputs; retention per edition; usual
// levels; the evaluation points the service keeps timers for.

#include <gtest/gtest.h>

#include "services/lifecycle/domain/record.h"

namespace crm::lifecycle {
namespace {

constexpr int64_t kDayMs = 86'400'000;

// Two editions: 2024 (days 100-103, deadline 160) and 2025 (days 465-468).
std::vector<CalendarEdition> Calendar() {
  return {{"2024", 100, 103, 160}, {"2025", 465, 468, std::nullopt}};
}

crm::v1::EditionAggregate* Exhibited(crm::v1::SeriesProfile& sp, const std::string& edition, int64_t first_day,
                                     double area) {
  auto* e = sp.add_editions();
  e->set_edition_id(edition);
  e->set_events(5);
  e->set_first_event_ms(first_day * kDayMs);
  e->set_exhibited(true);
  e->set_booth_area_sqm(area);
  e->set_first_booking_ms(first_day * kDayMs);
  e->add_days_checked_in("d1");
  return e;
}

crm::v1::LifecycleRecord Exhibitor() {
  crm::v1::LifecycleRecord r;
  r.set_customer_id("c-1");
  r.set_show_id("expo");
  r.set_customer_type(crm::v1::CUSTOMER_TYPE_EXHIBITOR);
  Exhibited(*r.mutable_input(), "2024", 50, 36);
  return r;
}

TEST(Record, FirstJudgementPublishesEachTransitionOnceWithItsDay) {
  const SeriesContext ctx{Calendar(), {}};
  Judged j = Judge(Exhibitor(), ctx, 104, LifecycleRules{});
  ASSERT_EQ(j.published.size(), 1u);
  EXPECT_EQ(j.published[0].to(), crm::v1::LIFECYCLE_STAGE_CONFIRMATION);
  EXPECT_EQ(j.published[0].rule(), "first_participation");
  EXPECT_EQ(j.published[0].event_time_ms(), 104 * kDayMs);
  EXPECT_EQ(j.published[0].transition_id(), "c-1|expo|104");
  EXPECT_EQ(j.published[0].to_alias(), "formation");
  EXPECT_FALSE(j.published[0].strategy().empty());
  EXPECT_EQ(j.record.stage(), crm::v1::LIFECYCLE_STAGE_CONFIRMATION);
  // The same inputs at the same day, or before the next point: nothing new.
  EXPECT_TRUE(Judge(j.record, ctx, 104, LifecycleRules{}).published.empty());
  EXPECT_TRUE(Judge(j.record, ctx, 150, LifecycleRules{}).published.empty());
}

TEST(Record, TheDeadlinePointFiresWhenTheDayComesNotBefore) {
  const SeriesContext ctx{Calendar(), {}};
  Judged j = Judge(Exhibitor(), ctx, 160, LifecycleRules{});
  EXPECT_EQ(j.record.stage(), crm::v1::LIFECYCLE_STAGE_CONFIRMATION);
  Judged k = Judge(j.record, ctx, 161, LifecycleRules{});
  ASSERT_EQ(k.published.size(), 1u);
  EXPECT_EQ(k.published[0].rule(), "no_rebooking");
  EXPECT_EQ(k.published[0].from(), crm::v1::LIFECYCLE_STAGE_CONFIRMATION);
  EXPECT_EQ(k.published[0].to(), crm::v1::LIFECYCLE_STAGE_WEAKENING);
  EXPECT_EQ(k.published[0].event_time_ms(), 161 * kDayMs);
  EXPECT_EQ(k.record.stage(), crm::v1::LIFECYCLE_STAGE_WEAKENING);
}

TEST(Record, ALateBookingWithdrawsTheWarningItVoids) {
  const SeriesContext ctx{Calendar(), {}};
  Judged warned = Judge(Exhibitor(), ctx, 200, LifecycleRules{});
  ASSERT_EQ(warned.record.stage(), crm::v1::LIFECYCLE_STAGE_WEAKENING);
  // An offline upload: a booking for 2025 made on day 150, before the deadline.
  crm::v1::LifecycleRecord late = warned.record;
  auto* next = late.mutable_input()->add_editions();
  next->set_edition_id("2025");
  next->set_events(1);
  next->set_first_event_ms(150 * kDayMs);
  next->set_first_booking_ms(150 * kDayMs);
  Judged k = Judge(late, ctx, 200, LifecycleRules{});
  ASSERT_EQ(k.published.size(), 1u);
  EXPECT_TRUE(k.published[0].withdrawn());
  EXPECT_EQ(k.published[0].transition_id(), "c-1|expo|161");
  EXPECT_EQ(k.published[0].revision(), 1u);
  EXPECT_EQ(k.record.stage(), crm::v1::LIFECYCLE_STAGE_CONFIRMATION);
  EXPECT_TRUE(Judge(k.record, ctx, 200, LifecycleRules{}).published.empty());
}

TEST(Record, AChangedJudgementAtAPointIsTheNextRevisionOfItsId) {
  const SeriesContext ctx{Calendar(), {}};
  crm::v1::LifecycleRecord r = Exhibitor();
  Exhibited(*r.mutable_input(), "2025", 150, 36);
  Judged first = Judge(r, ctx, 470, LifecycleRules{});
  const auto& last = first.record.transitions(first.record.transitions_size() - 1);
  ASSERT_EQ(last.rule(), "repeat_participation");
  // Late scans show the 2025 booth was a third of the size: the same point, now weakening.
  crm::v1::LifecycleRecord smaller = first.record;
  smaller.mutable_input()->mutable_editions(1)->set_booth_area_sqm(12);
  smaller.mutable_input()->mutable_editions(1)->clear_days_checked_in();
  Judged second = Judge(smaller, ctx, 470, LifecycleRules{});
  ASSERT_EQ(second.published.size(), 1u);
  EXPECT_EQ(second.published[0].transition_id(), last.transition_id());
  EXPECT_EQ(second.published[0].revision(), 1u);
  EXPECT_EQ(second.published[0].rule(), "weakening_signals");
  bool area = false;
  for (const auto& e : second.published[0].evidence()) area |= e.signal() == "booth_area_smaller";
  EXPECT_TRUE(area);
}

TEST(Record, RetentionCountsAsOfTheEditionWhoseClosePointItPrecedesInAnyOrder) {
  const auto cal = Calendar();
  crm::v1::LifecycleRecord a = Exhibitor(), b = Exhibitor();
  // Day 90 and 103 are before 2024's close point (104); day 200 before 2025's.
  const std::vector<std::pair<double, int64_t>> changes = {{0.8, 90 * kDayMs}, {0.6, 103 * kDayMs},
                                                           {0.3, 200 * kDayMs}};
  for (const auto& [p, at] : changes) TakeRetention(a, cal, p, at);
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) TakeRetention(b, cal, it->first, it->second);
  ASSERT_EQ(a.retention_size(), 2);
  EXPECT_EQ(a.SerializeAsString().size(), b.SerializeAsString().size());
  const SeriesContext ctx{cal, {}};
  auto h = HistoryOfRecord(b, ctx, 0);
  EXPECT_DOUBLE_EQ(*h.editions.at("2024").retention_probability, 0.6);
  EXPECT_FALSE(TakeRetention(b, cal, 0.9, 600 * kDayMs));  // after the last close point
}

TEST(Record, UsualLevelsAreMediansPerCustomerType) {
  UsualLevelAccumulator acc("2024", Calendar());
  for (int i = 0; i < 5; ++i) {
    crm::v1::LifecycleRecord r = Exhibitor();
    r.mutable_input()->mutable_editions(0)->set_booth_area_sqm(10 * (i + 1));
    acc.Add(r);
  }
  crm::v1::LifecycleRecord visitor;
  visitor.set_customer_type(crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR);
  acc.Add(visitor);  // did nothing in 2024: not counted
  UsualLevels levels = acc.Finish();
  ASSERT_EQ(levels.size(), 1u);
  const UsualLevel& u = levels.at({"2024", crm::v1::CUSTOMER_TYPE_EXHIBITOR});
  EXPECT_DOUBLE_EQ(u.booth_area_sqm, 30);
  EXPECT_EQ(u.customers, 5u);
}

TEST(Record, EvaluationPointsCoverEveryCloseDeadlineAndRegistration) {
  LifecycleRules rules;
  rules.registration_point_days = 14;
  auto points = EvaluationPoints(Calendar(), rules);
  std::vector<std::pair<int64_t, std::string>> got;
  for (const auto& p : points) got.emplace_back(p.day, std::string(PointKindName(p.kind)));
  const std::vector<std::pair<int64_t, std::string>> want = {
      {104, "close"}, {161, "deadline"}, {451, "registration"}, {469, "close"}};
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace crm::lifecycle
