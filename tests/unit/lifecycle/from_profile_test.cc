// Histories from scoring's profiles and the show registry.

#include <gtest/gtest.h>

#include "services/lifecycle/domain/from_profile.h"
#include "services/lifecycle/domain/machine.h"

namespace crm::lifecycle {
namespace {

crm::v1::ShowSeries Series() {
  crm::v1::ShowSeries s;
  s.set_show_id("auto-expo");
  for (const auto& [id, open, close, deadline] :
       std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
           {"2025", "2025-04-20", "2025-04-23", "2025-06-22"}, {"2024", "2024-04-21", "2024-04-24", ""}}) {
    auto* e = s.add_editions();
    e->set_edition_id(id);
    e->set_open_date(open);
    e->set_close_date(close);
    e->set_rebooking_deadline(deadline);
  }
  return s;
}

TEST(FromProfile, TheCalendarIsInOpenDayOrderWithDeadlines) {
  auto cal = CalendarOf(Series());
  ASSERT_TRUE(cal.ok()) << cal.status();
  ASSERT_EQ(cal->size(), 2u);
  EXPECT_EQ((*cal)[0].edition_id, "2024");
  EXPECT_FALSE((*cal)[0].rebooking_deadline_day.has_value());
  EXPECT_EQ((*cal)[1].open_day, 20198);  // 2025-04-20
  EXPECT_EQ((*cal)[1].close_day, 20201);
  EXPECT_EQ((*cal)[1].rebooking_deadline_day, 20261);
  auto bad = Series();
  bad.mutable_editions(0)->set_rebooking_deadline("22/06/2025");
  EXPECT_EQ(CalendarOf(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FromProfile, AggregatesBecomeObservations) {
  crm::v1::SeriesProfile sp;
  sp.set_show_id("auto-expo");
  auto* e = sp.add_editions();
  e->set_edition_id("2025");
  e->set_events(9);
  e->set_first_event_ms(20150LL * 86'400'000 + 5);
  e->set_exhibited(true);
  e->set_booth_area_sqm(54);
  e->add_days_checked_in("2025-04-20");
  e->add_days_checked_in("2025-04-21");
  e->set_scans_made(40);
  e->set_booth_visits(3);
  e->set_dwell_seconds(900);
  e->set_timed_visits(2);
  auto* c = e->add_complaints();
  c->set_category("unfair-treatment");
  c->set_open(1);
  auto* c2 = e->add_complaints();
  c2->set_category("logistics");
  c2->set_resolved(2);
  e->mutable_survey()->set_satisfaction(7);
  e->mutable_survey()->set_answers(1);
  e->set_campaigns_sent(4);
  e->set_sales_contacts(3);
  auto* n = e->add_sales_outcomes();
  n->set_name("no-answer");
  n->set_count(2);
  e->set_first_booking_ms(20100LL * 86'400'000 + 1);
  auto h = HistoryOf(sp, *CalendarOf(Series()), 30000);
  EXPECT_EQ(h.known_day, 20150);
  const auto& o = h.editions.at("2025");
  EXPECT_TRUE(o.took_part);
  EXPECT_TRUE(o.exhibited);
  EXPECT_EQ(o.booth_area_sqm, 54);
  EXPECT_EQ(o.days, 2u);
  EXPECT_EQ(o.scans_made, 40u);
  EXPECT_EQ(o.dwell_per_visit_s, 450);
  EXPECT_EQ(o.complaints, 3u);
  EXPECT_EQ(o.unfair_complaints, 1u);
  EXPECT_EQ(o.satisfaction, 70);
  EXPECT_EQ(o.campaigns_sent, 4u);
  EXPECT_EQ(o.sales_unanswered, 2u);
  EXPECT_EQ(o.first_booking_day, 20100);
  // Registered only: known, not taking part; no survey: no satisfaction.
  crm::v1::SeriesProfile reg;
  auto* r = reg.add_editions();
  r->set_edition_id("2024");
  r->set_events(1);
  r->set_registrations(1);
  auto h2 = HistoryOf(reg, *CalendarOf(Series()), 30000);
  EXPECT_FALSE(h2.editions.at("2024").took_part);
  EXPECT_FALSE(h2.editions.at("2024").satisfaction.has_value());
  EXPECT_EQ(Evaluate(h2, LifecycleRules{}).current, Stage::kCultivation);
}

}  // namespace
}  // namespace crm::lifecycle
