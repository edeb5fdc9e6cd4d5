// LifecycleEngine and LifecycleStore against a real redis-server: a
// deadline fires for every member in one pass and never twice, a pass
// interrupted part-way resumes where it stopped and publishes nothing
// twice, a merged customer's transitions are withdrawn, usual levels are
// computed again when a settled edition's inputs change, and the indexes
// (stage lists, warnings, funnel) follow the records.

#include <gtest/gtest.h>

#include <map>

#include "common/redis/redis_client.h"
#include "common/testing/redis_server.h"
#include "services/lifecycle/engine.h"
#include "services/lifecycle/lifecycle_service.h"
#include "services/lifecycle/store.h"

namespace crm::lifecycle {
namespace {

constexpr int64_t kDayMs = 86'400'000;

// 2024: days 100-103, rebooking deadline 160; 2025: days 465-468.
Calendars TheCalendar() { return {{"expo", {{"2024", 100, 103, 160}, {"2025", 465, 468, std::nullopt}}}}; }

crm::v1::Profile Exhibitor(const std::string& id, double area, bool rebooked, double value = 10) {
  crm::v1::Profile p;
  p.set_customer_id(id);
  p.mutable_summary()->set_customer_type(crm::v1::CUSTOMER_TYPE_EXHIBITOR);
  p.set_last_event_ms(102 * kDayMs);
  auto* s = p.add_series();
  s->set_show_id("expo");
  s->mutable_indicators()->set_value(value);
  auto* e = s->add_editions();
  e->set_edition_id("2024");
  e->set_events(3);
  e->set_first_event_ms(50 * kDayMs);
  e->set_exhibited(true);
  e->set_booth_area_sqm(area);
  e->add_days_checked_in("2024-04-10");
  if (rebooked) {
    auto* n = s->add_editions();
    n->set_edition_id("2025");
    n->set_events(1);
    n->set_first_event_ms(140 * kDayMs);
    n->set_first_booking_ms(140 * kDayMs);
  }
  return p;
}

class LifecycleEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    redis_ = std::make_unique<redis::RedisClient>(redis::RedisOptions{server_.url()});
    store_ = std::make_unique<LifecycleStore>(*redis_, "lc:");
    engine_ = MakeEngine(2);
  }
  std::unique_ptr<LifecycleEngine> MakeEngine(size_t chunk) {
    EngineOptions opt;
    opt.pass_chunk = chunk;
    opt.rules.registration_point_days = 0;
    return std::make_unique<LifecycleEngine>(
        *store_,
        [this](const std::vector<crm::v1::StageTransition>& ts) {
          if (fail_after_ >= 0 && publishes_ >= fail_after_) return absl::UnavailableError("broker gone");
          ++publishes_;
          for (const auto& t : ts) published_.push_back(t);
          return absl::OkStatus();
        },
        opt);
  }
  // (id, revision) -> times published
  std::map<std::pair<std::string, uint32_t>, int> Counts() const {
    std::map<std::pair<std::string, uint32_t>, int> out;
    for (const auto& t : published_) ++out[{t.transition_id(), t.revision()}];
    return out;
  }
  size_t PublishedRule(const std::string& rule) const {
    size_t n = 0;
    for (const auto& t : published_) n += t.rule() == rule && !t.withdrawn();
    return n;
  }

  testing::RedisServer server_;
  std::unique_ptr<redis::RedisClient> redis_;
  std::unique_ptr<LifecycleStore> store_;
  std::unique_ptr<LifecycleEngine> engine_;
  std::vector<crm::v1::StageTransition> published_;
  int publishes_ = 0;
  int fail_after_ = -1;
};

TEST_F(LifecycleEngineTest, ADeadlineFiresForEveryMemberInOnePassAndNeverTwice) {
  const Calendars cal = TheCalendar();
  ASSERT_TRUE(engine_->Schedule(cal).ok());
  BatchInputs in;
  for (int i = 0; i < 9; ++i) in.profiles.push_back(Exhibitor("c" + std::to_string(i), 36, /*rebooked=*/i % 3 == 0));
  ASSERT_TRUE(engine_->Apply(in, cal, 104).ok());
  auto passes = engine_->RunDue(cal, 104);
  ASSERT_TRUE(passes.ok()) << passes.status();
  EXPECT_EQ(PublishedRule("first_participation"), 9u);
  EXPECT_EQ(PublishedRule("no_rebooking"), 0u);
  // The clock passes the deadline: the six that did not rebook, in one pass.
  passes = engine_->RunDue(cal, 161);
  ASSERT_TRUE(passes.ok()) << passes.status();
  EXPECT_EQ(PublishedRule("no_rebooking"), 6u);
  for (const auto& [key, n] : Counts()) EXPECT_EQ(n, 1) << key.first;
  auto fired = store_->Fired();
  ASSERT_TRUE(fired.ok());
  EXPECT_EQ(fired->at("expo|2024|deadline"), 1);
  // The calendar scheduled again (a registry replay) adds no fired timer back.
  ASSERT_TRUE(engine_->Schedule(cal).ok());
  ASSERT_TRUE(engine_->RunDue(cal, 200).ok());
  EXPECT_EQ(PublishedRule("no_rebooking"), 6u);
  // The call list and the warnings follow the records.
  auto weak = store_->InStage("expo", crm::v1::LIFECYCLE_STAGE_WEAKENING, false, 0, 100);
  ASSERT_TRUE(weak.ok());
  EXPECT_EQ(weak->size(), 6u);
  auto warnings = store_->WarningsSince(161 * kDayMs, 0, 100);
  ASSERT_TRUE(warnings.ok());
  EXPECT_EQ(warnings->size(), 6u);
}

TEST_F(LifecycleEngineTest, APassInterruptedPartWayResumesAndPublishesNothingTwice) {
  const Calendars cal = TheCalendar();
  ASSERT_TRUE(engine_->Schedule(cal).ok());
  BatchInputs in;
  for (int i = 0; i < 20; ++i) in.profiles.push_back(Exhibitor("c" + std::to_string(i), 36, false));
  ASSERT_TRUE(engine_->Apply(in, cal, 104).ok());
  ASSERT_TRUE(engine_->RunDue(cal, 150).ok());  // the close and settle points
  // The broker goes away after three chunks of the deadline's pass.
  fail_after_ = publishes_ + 3;
  EXPECT_FALSE(engine_->RunDue(cal, 161).ok());
  auto progress = store_->Progress("expo|2024|deadline");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->rfind("j:", 0), 0u) << *progress;
  EXPECT_NE(*progress, "j:0");
  const size_t before = PublishedRule("no_rebooking");
  EXPECT_GT(before, 0u);
  EXPECT_LT(before, 20u);
  // A restarted service (a new engine over the same Redis) resumes.
  fail_after_ = -1;
  engine_ = MakeEngine(2);
  ASSERT_TRUE(engine_->RunDue(cal, 161).ok());
  EXPECT_EQ(PublishedRule("no_rebooking"), 20u);
  for (const auto& [key, n] : Counts()) EXPECT_EQ(n, 1) << key.first;
  EXPECT_EQ(store_->Fired()->at("expo|2024|deadline"), 1);
}

TEST_F(LifecycleEngineTest, AMergedCustomersTransitionsAreWithdrawnAndComeBackOnAnUnmerge) {
  const Calendars cal = TheCalendar();
  BatchInputs in;
  in.profiles = {Exhibitor("a", 36, true), Exhibitor("b", 36, true)};
  ASSERT_TRUE(engine_->Apply(in, cal, 104).ok());
  BatchInputs merge;
  merge.merged = {"b"};
  ASSERT_TRUE(engine_->Apply(merge, cal, 104).ok());
  ASSERT_EQ(published_.size(), 3u);
  EXPECT_TRUE(published_.back().withdrawn());
  EXPECT_EQ(published_.back().customer_id(), "b");
  EXPECT_EQ(published_.back().revision(), 1u);
  EXPECT_EQ(*store_->Members("expo"), 1u);
  EXPECT_EQ(*store_->StageSize("expo", crm::v1::LIFECYCLE_STAGE_CONFIRMATION), 1u);
  // Unmerged: b's profile comes again; its transition is back, one revision on.
  BatchInputs unmerge;
  unmerge.profiles = {Exhibitor("b", 36, true)};
  ASSERT_TRUE(engine_->Apply(unmerge, cal, 104).ok());
  EXPECT_FALSE(published_.back().withdrawn());
  EXPECT_EQ(published_.back().revision(), 2u);
  EXPECT_EQ(*store_->Members("expo"), 2u);
}

TEST_F(LifecycleEngineTest, UsualLevelsAreComputedAgainWhenASettledEditionsInputsChange) {
  const Calendars cal = TheCalendar();
  ASSERT_TRUE(engine_->Schedule(cal).ok());
  BatchInputs in;
  // 25 exhibitors of 40 sqm, one of 10: below the usual area once the levels are known.
  for (int i = 0; i < 25; ++i) in.profiles.push_back(Exhibitor("c" + std::to_string(i), 40, true));
  ASSERT_TRUE(engine_->Apply(in, cal, 120).ok());
  ASSERT_TRUE(engine_->RunDue(cal, 120).ok());  // close and settle (day 110) fired
  EXPECT_TRUE(store_->Dirty()->empty());
  // Late: the small one's data and a second series of profiles of 8 sqm arrive after the settle.
  BatchInputs late;
  late.profiles.push_back(Exhibitor("small", 10, true));
  for (int i = 0; i < 30; ++i) late.profiles.push_back(Exhibitor("d" + std::to_string(i), 8, true));
  ASSERT_TRUE(engine_->Apply(late, cal, 120).ok());
  auto dirty = store_->Dirty();
  ASSERT_TRUE(dirty.ok());
  ASSERT_EQ(dirty->size(), 1u);
  EXPECT_EQ((*dirty)[0].first, "expo|2024");
  auto usual = store_->Usual("expo");
  ASSERT_TRUE(usual.ok());
  EXPECT_DOUBLE_EQ(usual->at({"2024", crm::v1::CUSTOMER_TYPE_EXHIBITOR}).booth_area_sqm, 40);
  ASSERT_TRUE(engine_->Resettle(cal, 120).ok());
  usual = store_->Usual("expo");
  EXPECT_DOUBLE_EQ(usual->at({"2024", crm::v1::CUSTOMER_TYPE_EXHIBITOR}).booth_area_sqm, 8);
  EXPECT_TRUE(store_->Dirty()->empty());
}

TEST_F(LifecycleEngineTest, TheFunnelCountsStagesPerEditionAndTheMovesBetweenThem) {
  const Calendars cal = TheCalendar();
  BatchInputs in;
  for (int i = 0; i < 4; ++i) {
    crm::v1::Profile p = Exhibitor("c" + std::to_string(i), 36, true);
    if (i < 3) {
      auto* e = p.mutable_series(0)->mutable_editions(1);
      e->set_exhibited(true);
      e->set_booth_area_sqm(36);
      e->add_days_checked_in("2025-04-10");
    }
    in.profiles.push_back(p);
  }
  ASSERT_TRUE(engine_->Apply(in, cal, 470).ok());
  FunnelCounter counter(cal.at("expo"));
  ASSERT_TRUE(store_->ForEachRecord("expo", 2, [&](const crm::v1::LifecycleRecord& r) {
    counter.Add(r);
    return true;
  }).ok());
  const auto f = counter.Finish("expo");
  ASSERT_EQ(f.editions_size(), 2);
  EXPECT_EQ(f.editions(0).stages(0).stage(), crm::v1::LIFECYCLE_STAGE_CONFIRMATION);
  EXPECT_EQ(f.editions(0).stages(0).customers(), 4u);
  std::map<std::pair<int, int>, uint64_t> moves;
  for (const auto& m : f.moves()) moves[{m.from(), m.to()}] = m.customers();
  EXPECT_EQ((moves[{crm::v1::LIFECYCLE_STAGE_CONFIRMATION, crm::v1::LIFECYCLE_STAGE_TRUST}]), 3u);
  EXPECT_EQ((moves[{crm::v1::LIFECYCLE_STAGE_CONFIRMATION, crm::v1::LIFECYCLE_STAGE_DISSOLUTION}]), 1u);
}

}  // namespace
}  // namespace crm::lifecycle
