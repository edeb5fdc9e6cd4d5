// The scoring domain without Kafka or Redis: the fold, the indicators on
// hand-computed cases, order independence, and merge then unmerge.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/util/proto_time.h"
#include "services/scoring/domain/tiers.h"
#include "services/scoring/domain/facts.h"
#include "services/scoring/domain/indicators.h"
#include "services/scoring/domain/membership.h"
#include "services/scoring/domain/profile_builder.h"

namespace crm::scoring {
namespace {

using crm::v1::ScoringFact;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t k2025 = 1745107200000;  // 2025-04-20T00:00:00Z

ScoringFact Base(const std::string& id, const std::string& edition, int64_t ms) {
  ScoringFact f;
  f.set_event_id(id);
  f.set_show_id("auto-expo");
  f.set_edition_id(edition);
  f.set_occurred_ms(ms);
  return f;
}
ScoringFact Gate(const std::string& id, const std::string& ed, int64_t ms) {
  auto f = Base(id, ed, ms);
  f.mutable_gate_check_in()->set_gate("N1");
  return f;
}
ScoringFact Survey(const std::string& id, const std::string& ed, int64_t ms, uint32_t e, uint32_t q, uint32_t v,
                   uint32_t s, bool ret, uint32_t rec) {
  auto f = Base(id, ed, ms);
  auto* a = f.mutable_survey_answer();
  a->set_survey_id("SV");
  a->set_expectation(e);
  a->set_perceived_quality(q);
  a->set_perceived_value(v);
  a->set_satisfaction(s);
  a->set_would_return(ret);
  a->set_would_recommend(rec);
  return f;
}
ScoringFact Complaint(const std::string& id, const std::string& ed, int64_t ms, const std::string& cid,
                      uint32_t severity, bool resolved) {
  auto f = Base(id, ed, ms);
  auto* c = f.mutable_complaint();
  c->set_complaint_id(cid);
  c->set_category("logistics");
  c->set_severity(severity);
  c->set_resolved(resolved);
  return f;
}
ScoringFact Booking(const std::string& id, const std::string& ed, int64_t ms, const std::string& bid,
                    crm::v1::BoothBooking::Status st, double sqm, int64_t price) {
  auto f = Base(id, ed, ms);
  auto* b = f.mutable_booth_booking();
  b->set_booking_id(bid);
  b->set_booth("W1-1");
  b->set_area_sqm(sqm);
  b->set_price_minor(price);
  b->set_currency("CNY");
  b->set_status(st);
  return f;
}
ScoringFact Pay(const std::string& id, const std::string& ed, int64_t ms, int64_t minor) {
  auto f = Base(id, ed, ms);
  f.mutable_payment()->set_invoice_id("I" + id);
  f.mutable_payment()->set_amount_minor(minor);
  f.mutable_payment()->set_currency("CNY");
  return f;
}

TEST(Fold, CountsDistinctDaysLeadsAndTicketsAndDropsReplayedFacts) {
  std::vector<ScoringFact> facts = {Gate("g1", "2025", k2025 + 3600'000), Gate("g2", "2025", k2025 + 7200'000),
                                    Gate("g3", "2025", k2025 + kDay + 3600'000),
                                    Gate("g3", "2025", k2025 + kDay + 3600'000)};  // a replay
  auto scan = Base("s1", "2025", k2025 + 4000'000);
  scan.mutable_booth_scan()->set_booth("A1");
  scan.mutable_booth_scan()->set_dwell_seconds(60);
  scan.set_lead_id("s1");
  auto tap = Base("s2", "2025", k2025 + 4002'000);
  tap.mutable_booth_scan()->set_booth("A1");
  tap.set_lead_id("s1");
  tap.set_lead_update(true);
  tap.set_lead_dwell_seconds(75);
  facts.push_back(scan);
  facts.push_back(tap);
  Aggregates a = Fold(facts);
  ASSERT_EQ(a.editions.size(), 1u);
  const auto& e = a.editions.begin()->second;
  EXPECT_EQ(e.days_checked_in_size(), 2);
  EXPECT_EQ(e.booth_visits(), 1u);  // a double tap is not a second visit
  EXPECT_EQ(e.dwell_seconds(), 75u);
  EXPECT_EQ(e.events(), 5u);
  EXPECT_TRUE(TookPart(e));
}

TEST(Fold, BookingStatusComplaintsAndMoneyDoNotDependOnArrivalOrder) {
  std::vector<ScoringFact> facts = {
      Booking("b1", "2025", k2025 - 90 * kDay, "K1", crm::v1::BoothBooking::STATUS_RESERVED, 36, 1'280'000),
      Booking("b2", "2025", k2025 - 60 * kDay, "K1", crm::v1::BoothBooking::STATUS_CONFIRMED, 36, 1'280'000),
      Booking("b3", "2025", k2025 - 50 * kDay, "K2", crm::v1::BoothBooking::STATUS_CANCELLED, 18, 600'000),
      Pay("p1", "2025", k2025 - 55 * kDay, 1'280'000),
      Pay("p2", "2025", k2025 - 40 * kDay, -80'000),
      Complaint("c1", "2025", k2025 + kDay, "C1", 4, false),
      Complaint("c2", "2025", k2025 + 3 * kDay, "C1", 4, true),
      Complaint("c3", "2025", k2025 + 3 * kDay, "C2", 2, false),
  };
  const std::string expected = Fold(facts).editions.begin()->second.SerializeAsString();
  std::mt19937 rng(7);
  for (int i = 0; i < 20; ++i) {
    std::shuffle(facts.begin(), facts.end(), rng);
    EXPECT_EQ(Fold(facts).editions.begin()->second.SerializeAsString(), expected);
  }
  const auto e = Fold(facts).editions.begin()->second;
  EXPECT_TRUE(e.exhibited());
  EXPECT_DOUBLE_EQ(e.booth_area_sqm(), 36);
  EXPECT_EQ(e.booking_status(), "confirmed");
  EXPECT_EQ(e.booth_fees().minor(), 1'280'000);
  EXPECT_EQ(e.paid().minor(), 1'280'000);
  EXPECT_EQ(e.refunded().minor(), 80'000);
  ASSERT_EQ(e.complaints_size(), 1);
  EXPECT_EQ(e.complaints(0).open(), 1u);
  EXPECT_EQ(e.complaints(0).resolved(), 1u);
  EXPECT_EQ(e.complaints(0).open_severity(), 2u);
  EXPECT_EQ(e.complaints(0).resolved_severity(), 4u);
}

TEST(Fold, FirstBookingIsTheEarliestOneStillStanding) {
  // K2 reserved first but cancelled later; K1 reserved after it, then confirmed.
  std::vector<ScoringFact> facts = {
      Booking("a", "2025", k2025 - 120 * kDay, "K2", crm::v1::BoothBooking::STATUS_RESERVED, 18, 600'000),
      Booking("b", "2025", k2025 - 90 * kDay, "K1", crm::v1::BoothBooking::STATUS_RESERVED, 36, 1'280'000),
      Booking("c", "2025", k2025 - 60 * kDay, "K2", crm::v1::BoothBooking::STATUS_CANCELLED, 18, 600'000),
      Booking("d", "2025", k2025 - 30 * kDay, "K1", crm::v1::BoothBooking::STATUS_CONFIRMED, 36, 1'280'000)};
  auto agg = Fold(facts);
  EXPECT_EQ(agg.editions.at({"auto-expo", "2025"}).first_booking_ms(), k2025 - 90 * kDay);
  facts.resize(3);  // K1 never confirmed but still reserved: it stands
  EXPECT_EQ(Fold(facts).editions.at({"auto-expo", "2025"}).first_booking_ms(), k2025 - 90 * kDay);
  facts = {facts[0], facts[2]};  // only the cancelled one
  EXPECT_EQ(Fold(facts).editions.at({"auto-expo", "2025"}).first_booking_ms(), 0);
}

TEST(Fold, FirstRegistrationIsTheEarliestWhateverTheArrivalOrder) {
  auto reg = [](const std::string& id, int64_t ms) {
    auto f = Base(id, "2025", ms);
    f.mutable_ticket_registration()->set_ticket_id("T" + id);
    return f;
  };
  std::vector<ScoringFact> facts = {reg("r2", k2025 - 10 * kDay), Gate("g", "2025", k2025), reg("r1", k2025 - 40 * kDay)};
  EXPECT_EQ(Fold(facts).editions.at({"auto-expo", "2025"}).first_registration_ms(), k2025 - 40 * kDay);
  EXPECT_EQ(Fold({Gate("g", "2025", k2025)}).editions.at({"auto-expo", "2025"}).first_registration_ms(), 0);
}

TEST(Indicators, SatisfactionIndexByHand) {
  Weights w;
  auto a = Fold({Survey("v", "2025", k2025 + 5 * kDay, 8, 9, 7, 8, true, 9)}).editions.begin()->second;
  // 10 x (0.10*8 + 0.30*9 + 0.25*7 + 0.35*8) = 10 x 8.05 = 80.5
  EXPECT_NEAR(*SatisfactionIndex(a, w), 80.5, 1e-9);
  // An open severity-3 complaint costs 3 x 3 = 9 points; once resolved, half of them.
  auto open = Fold({Survey("v", "2025", k2025 + 5 * kDay, 8, 9, 7, 8, true, 9),
                    Complaint("c", "2025", k2025 + kDay, "C", 3, false)})
                  .editions.begin()
                  ->second;
  EXPECT_NEAR(*SatisfactionIndex(open, w), 71.5, 1e-9);
  auto resolved = Fold({Survey("v", "2025", k2025 + 5 * kDay, 8, 9, 7, 8, true, 9),
                        Complaint("c", "2025", k2025 + kDay, "C", 3, false),
                        Complaint("r", "2025", k2025 + 2 * kDay, "C", 3, true)})
                      .editions.begin()
                      ->second;
  EXPECT_NEAR(*SatisfactionIndex(resolved, w), 76.0, 1e-9);
  EXPECT_FALSE(SatisfactionIndex(Fold({Gate("g", "2025", k2025)}).editions.begin()->second, w).has_value());
}

TEST(Indicators, NpsAndKnoxQuadrants) {
  Weights w;
  EXPECT_EQ(NpsOf(10), crm::v1::NPS_CLASS_PROMOTER);
  EXPECT_EQ(NpsOf(9), crm::v1::NPS_CLASS_PROMOTER);
  EXPECT_EQ(NpsOf(8), crm::v1::NPS_CLASS_PASSIVE);
  EXPECT_EQ(NpsOf(6), crm::v1::NPS_CLASS_DETRACTOR);
  EXPECT_EQ(KnoxOf(0.8, 0.9, w), crm::v1::KNOX_QUADRANT_LOYAL);
  EXPECT_EQ(KnoxOf(0.8, 0.2, w), crm::v1::KNOX_QUADRANT_POTENTIAL_LOYAL);
  EXPECT_EQ(KnoxOf(0.3, 0.9, w), crm::v1::KNOX_QUADRANT_FALSE_LOYAL);
  EXPECT_EQ(KnoxOf(0.3, 0.2, w), crm::v1::KNOX_QUADRANT_DISLOYAL);
  crm::v1::SurveyScores s;
  s.set_answers(1);
  s.set_would_return(true);
  s.set_would_recommend(6);
  EXPECT_NEAR(*AttitudinalLoyalty(s), 0.8, 1e-9);
}

TEST(Indicators, LoyaltyContributionAndCostsOverEditions) {
  Weights w;
  // Took part in 2024 and 2026, not 2025: repeat rate 2/3.
  std::vector<ScoringFact> facts = {
      Gate("g24", "2024", k2025 - 365 * kDay), Gate("g26", "2026", k2025 + 365 * kDay),
      Pay("p24", "2024", k2025 - 400 * kDay, 500'000), Pay("p26", "2026", k2025 + 300 * kDay, 700'000),
      Pay("r26", "2026", k2025 + 310 * kDay, -100'000),
      Survey("s26", "2026", k2025 + 370 * kDay, 7, 7, 7, 7, false, 9)};
  auto sc = Base("c1", "2026", k2025 + 200 * kDay);
  sc.mutable_sales_contact()->set_contact_id("X");
  sc.mutable_sales_contact()->set_channel("call");
  facts.push_back(sc);
  auto profile = BuildProfile("C1", facts, 1, {{"auto-expo", {"2024", "2025", "2026"}}}, w);
  ASSERT_EQ(profile.series_size(), 1);
  const auto& ind = profile.series(0).indicators();
  EXPECT_NEAR(ind.behavioural_loyalty(), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(ind.editions_participated(), 2u);
  EXPECT_EQ(ind.last_edition_id(), "2026");
  EXPECT_FALSE(ind.is_new());
  EXPECT_TRUE(ind.is_current());
  ASSERT_TRUE(ind.has_attitudinal_loyalty());
  EXPECT_NEAR(ind.attitudinal_loyalty(), 0.45, 1e-9);// 0.5*0 + 0.5*0.9
  EXPECT_EQ(ind.knox(), crm::v1::KNOX_QUADRANT_FALSE_LOYAL);          // low attitude, repeat rate 0.67
  EXPECT_EQ(ind.nps(), crm::v1::NPS_CLASS_PROMOTER);
  EXPECT_EQ(ind.contribution_lifetime().minor(), 1'100'000);         // 500k + 700k - 100k
  EXPECT_EQ(ind.contribution_edition().minor(), 600'000);
  EXPECT_EQ(ind.acquisition_cost().minor(), w.acquisition_cost_visitor);
  EXPECT_EQ(ind.maintenance_cost().minor(), w.cost_per_sales_contact);
  EXPECT_EQ(ind.profitability().minor(), 1'100'000 - w.acquisition_cost_visitor - w.cost_per_sales_contact);
  EXPECT_EQ(ind.closeness(), crm::v1::CLOSENESS_TIGHT);  // latest edition and a sales contact
  EXPECT_NEAR(ind.economic_value(), 110.0, 1e-9);
  EXPECT_NEAR(ind.recommendation_value(), w.recommendation_per_promoter, 1e-9);
}

TEST(Indicators, NewCustomerAndKeyAccount) {
  Weights w;
  auto p = BuildProfile(
      "C1",
      {Booking("b", "2026", k2025 + 300 * kDay, "K", crm::v1::BoothBooking::STATUS_CONFIRMED, 400, 9'000'000)}, 1,
      {{"auto-expo", {"2024", "2025", "2026"}}}, w);
  const auto& ind = p.series(0).indicators();
  EXPECT_TRUE(ind.is_new());
  EXPECT_TRUE(ind.key_account());
  EXPECT_NEAR(ind.behavioural_loyalty(), 1.0, 1e-9);
  EXPECT_EQ(ind.closeness(), crm::v1::CLOSENESS_SEMI_TIGHT);
}

crm::v1::IdentityEvent Assigned(const std::string& rid, const std::string& cid) {
  crm::v1::IdentityEvent ev;
  ev.mutable_record_assigned()->set_record_id(rid);
  ev.mutable_record_assigned()->set_customer_id(cid);
  return ev;
}
crm::v1::IdentityEvent Merged(const std::string& mid, const std::string& survivor, const std::string& merged) {
  crm::v1::IdentityEvent ev;
  ev.mutable_merged()->set_merge_id(mid);
  ev.mutable_merged()->set_survivor_id(survivor);
  ev.mutable_merged()->set_merged_id(merged);
  return ev;
}
crm::v1::IdentityEvent Unmerged(const std::string& mid, const std::string& survivor, const std::string& restored) {
  crm::v1::IdentityEvent ev;
  ev.mutable_unmerged()->set_merge_id(mid);
  ev.mutable_unmerged()->set_survivor_id(survivor);
  ev.mutable_unmerged()->set_restored_id(restored);
  return ev;
}

// Profiles of every root customer, built from facts kept per record.
std::map<std::string, std::string> Profiles(const Membership& m,
                                            const std::map<std::string, std::vector<ScoringFact>>& facts,
                                            const std::vector<std::string>& customers) {
  std::map<std::string, std::string> out;
  for (const auto& c : customers) {
    if (m.Root(c) != c) continue;
    std::vector<ScoringFact> all;
    auto records = m.RecordsOf(c);
    for (const auto& r : records) {
      auto it = facts.find(r);
      if (it != facts.end()) all.insert(all.end(), it->second.begin(), it->second.end());
    }
    out[c] = BuildProfile(c, all, static_cast<uint32_t>(records.size()), {{"auto-expo", {"2024", "2025"}}}, Weights{})
                 .SerializeAsString();
  }
  return out;
}

TEST(Membership, MergeThenUnmergeEqualsNeverMergedWithEventsInBetween) {
  std::map<std::string, std::vector<ScoringFact>> facts = {
      {"rA", {Gate("a1", "2024", k2025 - 365 * kDay), Pay("a2", "2024", k2025 - 380 * kDay, 100'000)}},
      {"rB", {Gate("b1", "2025", k2025)}},
  };
  Membership never, merged;
  for (auto* m : {&never, &merged}) {
    m->Apply(Assigned("rA", "C1"));
    m->Apply(Assigned("rB", "C2"));
  }
  merged.Apply(Merged("M1", "C1", "C2"));
  EXPECT_EQ(merged.RecordsOf("C1"), (std::vector<std::string>{"rA", "rB"}));
  // Events that arrive while merged: to both records, one of them a record
  // that appears only now (homed at the survivor by dedup).
  facts["rB"].push_back(Survey("b2", "2025", k2025 + 5 * kDay, 8, 8, 8, 8, true, 10));
  facts["rA"].push_back(Gate("a3", "2025", k2025 + kDay));
  facts["rC"] = {Gate("c1", "2025", k2025 + 2 * kDay)};
  never.Apply(Assigned("rC", "C1"));
  merged.Apply(Assigned("rC", "C1"));
  auto during = Profiles(merged, facts, {"C1", "C2"});
  EXPECT_EQ(during.count("C2"), 0u);  // an alias has no profile of its own
  merged.Apply(Unmerged("M1", "C1", "C2"));
  EXPECT_EQ(Profiles(merged, facts, {"C1", "C2"}), Profiles(never, facts, {"C1", "C2"}));
}

TEST(Membership, ChangesInAnyOrderGiveTheSameRecords) {
  std::vector<crm::v1::IdentityEvent> changes = {Assigned("r1", "C1"), Assigned("r2", "C2"), Assigned("r3", "C3"),
                                                 Merged("M1", "C2", "C3"), Merged("M2", "C1", "C2")};
  std::mt19937 rng(11);
  for (int i = 0; i < 30; ++i) {
    std::shuffle(changes.begin(), changes.end(), rng);
    Membership m;
    m.Hint("r3", "C1");  // the resolved event came after both merges
    for (const auto& c : changes) m.Apply(c);
    EXPECT_EQ(m.Root("C3"), "C1");
    EXPECT_EQ(m.RecordsOf("C1"), (std::vector<std::string>{"r1", "r2", "r3"}));
    EXPECT_TRUE(m.RecordsOf("C2").empty());
  }
}

TEST(Membership, AnUnmergeOfAnotherMergeLeavesTheAlias) {
  Membership m;
  m.Apply(Assigned("r1", "C1"));
  m.Apply(Assigned("r2", "C2"));
  m.Apply(Merged("M2", "C1", "C2"));
  m.Apply(Unmerged("M1", "C1", "C2"));  // an older, already undone merge of the same pair
  EXPECT_EQ(m.Root("C2"), "C1");
}

TEST(Summarize, TheNewestRecordWithAValueGivesEachField) {
  crm::v1::RecordAssigned old_card, new_scan;
  old_card.set_record_id("r1");
  old_card.set_occurred_ms(1000);
  old_card.mutable_identity()->set_company("Huadong Auto");
  old_card.mutable_identity()->set_full_name("Zhang Wei");
  old_card.mutable_identity()->mutable_normalized()->set_email("zhang.wei@huadong-auto.com");
  old_card.mutable_identity()->mutable_normalized()->set_full_name("Zhang Wei");
  new_scan.set_record_id("r2");
  new_scan.set_occurred_ms(2000);
  new_scan.mutable_identity()->mutable_normalized()->set_full_name("张伟");
  new_scan.mutable_identity()->mutable_normalized()->set_phone_e164("+8613812345678");
  for (const auto& records : {std::vector{old_card, new_scan}, std::vector{new_scan, old_card}}) {
    auto s = Summarize(records);
    EXPECT_EQ(s.full_name(), "张伟");
    EXPECT_EQ(s.company(), "Huadong Auto");
    EXPECT_EQ(s.email(), "zhang.wei@huadong-auto.com");
    EXPECT_EQ(s.phone(), "+8613812345678");
  }
}

TEST(FactOf, KeepsThePayloadAndDropsIdentityAndFreeText) {
  crm::v1::ResolvedEvent r;
  auto* ev = r.mutable_event();
  ev->set_event_id("e1");
  ev->set_show_id("auto-expo");
  ev->set_edition_id("2025");
  SetTimestampMillis(ev->mutable_occurred_at(), k2025);
  ev->mutable_identity()->set_full_name("张伟");
  ev->mutable_complaint()->set_complaint_id("C");
  ev->mutable_complaint()->set_text("long text");
  auto f = FactOf(r);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->occurred_ms(), k2025);
  EXPECT_EQ(f->complaint().complaint_id(), "C");
  EXPECT_TRUE(f->complaint().text().empty());
  ev->clear_complaint();
  EXPECT_FALSE(FactOf(r).has_value());
}

}  // namespace
}  // namespace crm::scoring

namespace crm::scoring {
namespace {

TEST(Tiers, CumulativeSharesOfTheSeriesFromTheTop) {
  const TierCuts cuts;  // 5 %, 20 %, 50 %
  EXPECT_EQ(TierOf(0, 100, 10, cuts), crm::v1::TIER_PLATINUM);
  EXPECT_EQ(TierOf(4, 100, 10, cuts), crm::v1::TIER_PLATINUM);
  EXPECT_EQ(TierOf(5, 100, 10, cuts), crm::v1::TIER_GOLD);
  EXPECT_EQ(TierOf(19, 100, 10, cuts), crm::v1::TIER_GOLD);
  EXPECT_EQ(TierOf(20, 100, 10, cuts), crm::v1::TIER_IRON);
  EXPECT_EQ(TierOf(49, 100, 10, cuts), crm::v1::TIER_IRON);
  EXPECT_EQ(TierOf(50, 100, 10, cuts), crm::v1::TIER_LEAD);
  EXPECT_EQ(TierOf(99, 100, 10, cuts), crm::v1::TIER_LEAD);
}

TEST(Tiers, ASmallSeriesStillHasItsPlatinumCustomerAndNoValueIsALead) {
  const TierCuts cuts;
  EXPECT_EQ(TierOf(0, 3, 1, cuts), crm::v1::TIER_PLATINUM);
  EXPECT_EQ(TierOf(1, 3, 1, cuts), crm::v1::TIER_IRON);  // 20 % of 3 rounds up to 1: gold is empty
  EXPECT_EQ(TierOf(2, 3, 1, cuts), crm::v1::TIER_LEAD);
  EXPECT_EQ(TierOf(0, 3, 0, cuts), crm::v1::TIER_LEAD);
}

TEST(Tiers, RankRangesOfTheTiersCoverTheSeriesOnce) {
  const TierCuts cuts{0.1, 0.3, 0.6};
  uint64_t next = 0;
  for (auto t : {crm::v1::TIER_PLATINUM, crm::v1::TIER_GOLD, crm::v1::TIER_IRON, crm::v1::TIER_LEAD}) {
    RankRange r = RanksOf(t, 1234, cuts);
    EXPECT_EQ(r.first, next);
    for (uint64_t rank = r.first; rank < r.end; ++rank) ASSERT_EQ(TierOf(rank, 1234, 1, cuts), t) << rank;
    next = r.end;
  }
  EXPECT_EQ(next, 1234u);
  EXPECT_FALSE(ValidCuts({0.3, 0.2, 0.5}));
  EXPECT_TRUE(ValidCuts(cuts));
}

}  // namespace
}  // namespace crm::scoring
