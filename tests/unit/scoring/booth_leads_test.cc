// The exhibitor side of booth scans: what a scan says about its booth's
// lead, and the counts of an exhibitor's booked booths in its editions.

#include <gtest/gtest.h>

#include "services/scoring/domain/booth_leads.h"
#include "services/scoring/domain/profile_builder.h"
#include "tests/unit/scoring/test_facts.h"

namespace crm::scoring {
namespace {

crm::v1::ScoringFact Scan(const std::string& eid, int64_t ms, const std::string& lead, uint32_t rating) {
  return testfacts::ScanAtW1_12(eid, ms, lead, rating);
}

crm::v1::ScoringFact Booking(const std::string& eid, const std::string& edition, const std::string& booth,
                             crm::v1::BoothBooking::Status status) {
  crm::v1::ScoringFact f;
  f.set_event_id(eid);
  f.set_show_id("auto-expo");
  f.set_edition_id(edition);
  f.set_occurred_ms(1745107200000);
  auto* b = f.mutable_booth_booking();
  b->set_booking_id("B" + eid);
  b->set_hall("W1");
  b->set_booth(booth);
  b->set_area_sqm(36);
  b->set_price_minor(100000);
  b->set_currency("CNY");
  b->set_status(status);
  return f;
}

TEST(BoothLeads, AScanNamesItsBoothLeadAndAVersionInFoldOrder) {
  auto a = BoothLeadOf(Scan("e2", 1000, "L1", 5));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->booth, (BoothRef{"auto-expo", "2025", "W1/12"}));
  EXPECT_EQ(a->lead_id, "L1");
  EXPECT_EQ(a->rating, 5u);
  // Later time wins; at the same time the larger event id (the fold's order).
  EXPECT_LT(BoothLeadOf(Scan("e9", 999, "L1", 0))->version, a->version);
  EXPECT_LT(BoothLeadOf(Scan("e1", 1000, "L1", 0))->version, a->version);
  EXPECT_GT(BoothLeadOf(Scan("e1", 1001, "L1", 0))->version, a->version);
  EXPECT_LT(BoothLeadOf(Scan("e1", -5, "L1", 0))->version, BoothLeadOf(Scan("e1", 0, "L1", 0))->version);
  // Without a lead id (no dedup lead) the event is the lead.
  EXPECT_EQ(BoothLeadOf(Scan("e3", 1, "", 1))->lead_id, "e3");
  EXPECT_FALSE(BoothLeadOf(Booking("b", "2025", "12", crm::v1::BoothBooking::STATUS_CONFIRMED)).has_value());
}

TEST(BoothLeads, BookingsNameTheirBoothWhateverTheStatus) {
  auto b = BookedBoothOf(Booking("b", "2025", "12", crm::v1::BoothBooking::STATUS_CANCELLED));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, (BoothRef{"auto-expo", "2025", "W1/12"}));
  EXPECT_FALSE(BookedBoothOf(Scan("e", 1, "L", 1)).has_value());
}

TEST(BoothLeads, AnExhibitorCountsTheLeadsOfItsConfirmedBoothsPerEdition) {
  const std::vector<crm::v1::ScoringFact> facts = {
      Booking("b1", "2025", "12", crm::v1::BoothBooking::STATUS_CONFIRMED),
      Booking("b2", "2025", "13", crm::v1::BoothBooking::STATUS_CONFIRMED),
      Booking("b3", "2025", "14", crm::v1::BoothBooking::STATUS_CANCELLED),
      Booking("b4", "2024", "12", crm::v1::BoothBooking::STATUS_CONFIRMED)};
  const BoothLeadCounts counts = {{{"auto-expo", "2025", "W1/12"}, {10, 3}},
                                  {{"auto-expo", "2025", "W1/13"}, {5, 1}},
                                  {{"auto-expo", "2025", "W1/14"}, {100, 50}},  // cancelled: not its booth
                                  {{"auto-expo", "2024", "W1/13"}, {7, 7}}};     // another year's exhibitor
  auto p = BuildProfile("C1", facts, 1, {{"auto-expo", {"2024", "2025"}}}, Weights{}, {}, nullptr, &counts);
  ASSERT_EQ(p.series_size(), 1);
  std::map<std::string, std::pair<uint32_t, uint32_t>> got;
  for (const auto& e : p.series(0).editions()) got[e.edition_id()] = {e.scans_made(), e.hot_leads_made()};
  EXPECT_EQ(got["2025"], std::make_pair(15u, 4u));
  EXPECT_EQ(got["2024"], std::make_pair(0u, 0u));
  // Without counts (the store has none yet) nothing is made up.
  auto bare = BuildProfile("C1", facts, 1, {{"auto-expo", {"2024", "2025"}}}, Weights{});
  for (const auto& e : bare.series(0).editions()) EXPECT_EQ(e.scans_made(), 0u);
}

}  // namespace
}  // namespace crm::scoring
