// Show report and segments on hand-built profiles: every count checked
// against what the profiles say by hand.

#include <gtest/gtest.h>

#include "services/scoring/domain/facts.h"
#include "services/scoring/domain/segments.h"
#include "services/scoring/domain/show_report.h"
#include "services/scoring/domain/sub_types.h"

namespace crm::scoring {
namespace {

using crm::v1::EditionAggregate;
using crm::v1::Profile;

EditionAggregate Ed(const std::string& edition, bool checked_in) {
  EditionAggregate e;
  e.set_show_id("s");
  e.set_edition_id(edition);
  if (checked_in) e.add_days_checked_in(edition + "-04-23");
  return e;
}

Profile P(const std::string& id, crm::v1::CustomerType type, std::vector<EditionAggregate> eds) {
  Profile p;
  p.set_customer_id(id);
  p.mutable_summary()->set_customer_type(type);
  auto* s = p.add_series();
  s->set_show_id("s");
  for (auto& e : eds) *s->add_editions() = std::move(e);
  return p;
}

void Survey(EditionAggregate* e, uint32_t score, uint32_t recommend) {
  auto* s = e->mutable_survey();
  s->set_expectation(score);
  s->set_perceived_quality(score);
  s->set_perceived_value(score);
  s->set_satisfaction(score);
  s->set_would_recommend(recommend);
  s->set_answers(1);
}

constexpr auto kVisitor = crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR;
constexpr auto kExhibitor = crm::v1::CUSTOMER_TYPE_EXHIBITOR;

TEST(ShowReport, AttendanceNewReturningRetentionAndSurveyByHand) {
  ShowReportBuilder b("s", "2025", {"2024", "2025", "2026"}, Weights{}, TierCuts{});
  // a: attended both (returning, retained). b: attended 2024 only (churned).
  // c: registered 2025 but never came. d: new in 2025, answered the survey
  // twice (10/10 -> promoter). e: attended 2025 with a survey of 5 and 3
  // (detractor). f: only in 2026 (not counted in 2025 at all).
  auto a25 = Ed("2025", true);
  a25.set_registrations(1);
  b.Add(P("a", kVisitor, {Ed("2024", true), a25}));
  b.Add(P("b", kVisitor, {Ed("2024", true)}));
  auto c25 = Ed("2025", false);
  c25.set_registrations(2);
  b.Add(P("c", kVisitor, {c25}));
  auto d25 = Ed("2025", true);
  Survey(&d25, 10, 10);
  d25.mutable_survey()->set_answers(2);
  b.Add(P("d", kVisitor, {d25}));
  auto e25 = Ed("2025", true);
  Survey(&e25, 5, 3);
  auto* cc = e25.add_complaints();
  cc->set_category("catering");
  cc->set_open(1);
  cc->add_open_ids("K1");
  cc->set_resolved(2);
  cc->add_resolved_ids("K2");
  cc->add_resolved_ids("K3");
  b.Add(P("e", kVisitor, {e25}));
  // h filed K1 again under another customer (dedup left them apart) and it
  // was resolved there, and filed K4, open: K1 counts once, as resolved.
  auto h25 = Ed("2025", false);
  auto* hc = h25.add_complaints();
  hc->set_category("catering");
  hc->add_resolved_ids("K1");
  hc->add_open_ids("K4");
  b.Add(P("h", kVisitor, {h25}));
  b.Add(P("f", kVisitor, {Ed("2026", true)}));
  Profile alias;
  alias.set_customer_id("g");
  alias.set_merged_into("a");
  b.Add(alias);

  const auto r = b.Finish(10);
  EXPECT_EQ(r.previous_edition_id(), "2024");
  EXPECT_EQ(r.customers(), 5u);  // a c d e h
  EXPECT_EQ(r.registered(), 2u);
  EXPECT_EQ(r.registered_attended(), 1u);
  EXPECT_EQ(r.attended(), 3u);
  EXPECT_EQ(r.visitors(), 3u);
  EXPECT_EQ(r.exhibitors(), 0u);
  EXPECT_EQ(r.new_customers(), 2u);
  EXPECT_EQ(r.returning_customers(), 1u);
  EXPECT_EQ(r.previous_attended(), 2u);
  EXPECT_EQ(r.retained(), 1u);
  EXPECT_EQ(r.churned(), 1u);
  ASSERT_TRUE(r.has_retention_rate());
  EXPECT_DOUBLE_EQ(r.retention_rate(), 0.5);
  EXPECT_EQ(r.survey_answers(), 3u);
  EXPECT_EQ(r.survey_respondents(), 2u);
  EXPECT_EQ(r.promoters(), 1u);
  EXPECT_EQ(r.detractors(), 1u);
  ASSERT_TRUE(r.has_nps());
  EXPECT_DOUBLE_EQ(r.nps(), 0.0);
  // Satisfaction index: 10 x the weighted survey scores, less points per
  // open severity point (no severity set here): d all 10s -> 100, e all 5s
  // -> 50; the mean over the two respondents is 75.
  ASSERT_TRUE(r.has_satisfaction_index());
  EXPECT_NEAR(r.satisfaction_index(), 75.0, 1e-9);
  ASSERT_EQ(r.complaints_size(), 1);
  EXPECT_EQ(r.complaints(0).category(), "catering");
  EXPECT_EQ(r.complaints(0).open(), 1u);      // K4
  EXPECT_EQ(r.complaints(0).resolved(), 3u);  // K1 K2 K3
  EXPECT_EQ(r.complaints_total(), 4u);
}

TEST(ShowReport, LeadsJoinVisitorsBoothsToExhibitorsAndRevenueSumsPerCurrency) {
  ShowReportBuilder b("s", "2024", {"2024"}, Weights{}, TierCuts{});
  auto x = Ed("2024", false);
  x.set_exhibited(true);
  x.add_booths("H1/H1-A01");
  x.mutable_booth_fees()->set_currency("CNY");
  x.mutable_booth_fees()->set_minor(100000);
  x.mutable_paid()->set_currency("CNY");
  x.mutable_paid()->set_minor(60000);
  auto px = P("x", kExhibitor, {x});
  px.mutable_summary()->set_company("X Co");
  b.Add(px);
  auto y = Ed("2024", false);
  y.set_exhibited(true);
  y.add_booths("H2/H2-B01");
  y.mutable_paid()->set_currency("CNY");
  y.mutable_paid()->set_minor(40000);
  y.mutable_refunded()->set_currency("CNY");
  y.mutable_refunded()->set_minor(5000);
  b.Add(P("y", kExhibitor, {y}));
  auto v1 = Ed("2024", true);
  auto* l = v1.add_leads_at_booths();
  l->set_name("H1/H1-A01");
  l->set_count(2);
  l = v1.add_leads_at_booths();
  l->set_name("H9/H9-Z99");  // nobody's booth known: counted in the total only
  l->set_count(1);
  b.Add(P("v1", kVisitor, {v1}));
  auto v2 = Ed("2024", true);
  l = v2.add_leads_at_booths();
  l->set_name("H1/H1-A01");
  l->set_count(1);
  b.Add(P("v2", kVisitor, {v2}));

  const auto r = b.Finish(10);
  EXPECT_EQ(r.exhibitors(), 2u);
  EXPECT_EQ(r.visitors(), 2u);
  EXPECT_EQ(r.leads(), 4u);
  EXPECT_EQ(r.exhibitors_with_leads(), 1u);
  ASSERT_EQ(r.top_exhibitors_by_leads_size(), 1);
  EXPECT_EQ(r.top_exhibitors_by_leads(0).customer_id(), "x");
  EXPECT_EQ(r.top_exhibitors_by_leads(0).company(), "X Co");
  EXPECT_EQ(r.top_exhibitors_by_leads(0).leads(), 3u);
  // x paid 60000 net, y 35000: x is the more valuable exhibitor.
  ASSERT_EQ(r.top_exhibitors_size(), 2);
  EXPECT_EQ(r.top_exhibitors(0).customer_id(), "x");
  EXPECT_EQ(r.top_exhibitors(1).customer_id(), "y");
  ASSERT_EQ(r.paid_size(), 1);
  EXPECT_EQ(r.paid(0).minor(), 100000);
  ASSERT_EQ(r.refunded_size(), 1);
  EXPECT_EQ(r.refunded(0).minor(), 5000);
  ASSERT_EQ(r.booth_fees_size(), 1);
  EXPECT_EQ(r.booth_fees(0).minor(), 100000);
  EXPECT_FALSE(r.has_retention_rate());  // the first edition
}

TEST(ShowReport, TiersAreAsOfTheEditionAndMovementFollowsBothEditionsParticipants) {
  // Ten visitors v0..v9; value here is only the economic value, 1 point per
  // 10,000 minor units of lifetime net payments. 2024: v_i pays (i+1) x
  // 10,000. v1 v3 v5 v7 v9 come back in 2025, where v1 pays 10,000,000 and
  // the others nothing. Cuts of 10 customers: rank 0 platinum, 1-2 gold,
  // 3-5 iron, 6-9 lead.
  TierCuts cuts{0.1, 0.3, 0.6};
  ShowReportBuilder b("s", "2025", {"2024", "2025"}, Weights{}, cuts);
  for (int i = 0; i < 10; ++i) {
    auto e24 = Ed("2024", true);
    e24.mutable_paid()->set_currency("CNY");
    e24.mutable_paid()->set_minor(10000 * (i + 1));
    std::vector<EditionAggregate> eds{e24};
    if (i % 2 == 1) {
      auto e25 = Ed("2025", true);
      e25.mutable_paid()->set_currency("CNY");
      e25.mutable_paid()->set_minor(i == 1 ? 10'000'000 : 0);
      eds.push_back(e25);
    }
    b.Add(P("v" + std::to_string(i), kVisitor, eds));
  }
  const auto r = b.Finish(10);
  std::map<crm::v1::Tier, uint64_t> tiers;
  for (const auto& t : r.tiers()) tiers[t.tier()] = t.customers();
  // As of 2025: v1 (1002) v9 v8 v7 v6 v5 v4 v3 v2 v0. Participants: v1
  // platinum, v9 gold, v7 v5 iron, v3 lead.
  EXPECT_EQ(tiers[crm::v1::TIER_PLATINUM], 1u);
  EXPECT_EQ(tiers[crm::v1::TIER_GOLD], 1u);
  EXPECT_EQ(tiers[crm::v1::TIER_IRON], 2u);
  EXPECT_EQ(tiers[crm::v1::TIER_LEAD], 1u);
  std::map<std::pair<crm::v1::Tier, crm::v1::Tier>, uint64_t> moves;
  uint64_t moved = 0;
  for (const auto& m : r.tier_movement()) {
    moves[{m.from(), m.to()}] = m.customers();
    moved += m.customers();
  }
  // As of 2024: v9 platinum, v8 v7 gold, v6 v5 v4 iron, v3..v0 lead.
  EXPECT_EQ(moved, 5u);
  EXPECT_EQ((moves[{crm::v1::TIER_LEAD, crm::v1::TIER_PLATINUM}]), 1u);  // v1
  EXPECT_EQ((moves[{crm::v1::TIER_PLATINUM, crm::v1::TIER_GOLD}]), 1u);  // v9
  EXPECT_EQ((moves[{crm::v1::TIER_GOLD, crm::v1::TIER_IRON}]), 1u);      // v7
  EXPECT_EQ((moves[{crm::v1::TIER_IRON, crm::v1::TIER_IRON}]), 1u);      // v5
  EXPECT_EQ((moves[{crm::v1::TIER_LEAD, crm::v1::TIER_LEAD}]), 1u);      // v3
}

TEST(Segments, NamedFromTheIndicators) {
  crm::v1::SeriesProfile s;
  auto* i = s.mutable_indicators();
  i->set_knox(crm::v1::KNOX_QUADRANT_POTENTIAL_LOYAL);
  i->set_nps(crm::v1::NPS_CLASS_PROMOTER);
  i->set_closeness(crm::v1::CLOSENESS_SEMI_TIGHT);
  i->set_is_current(true);
  i->set_is_new(true);
  i->set_key_account(true);
  EXPECT_EQ(SegmentsOf(s, kExhibitor),
            (std::vector<std::string>{"closeness:semi_tight", "current", "key_account", "knox:potential_loyal", "new",
                                      "nps:promoter", "type:exhibitor"}));
  crm::v1::SeriesProfile never;
  EXPECT_EQ(SegmentsOf(never, crm::v1::CUSTOMER_TYPE_UNSPECIFIED), (std::vector<std::string>{"potential"}));
  // Took part before but not in the latest edition: current, neither new nor returning.
  crm::v1::SeriesProfile lapsed;
  lapsed.mutable_indicators()->set_is_current(true);
  lapsed.mutable_indicators()->set_closeness(crm::v1::CLOSENESS_DISTANT);
  EXPECT_EQ(SegmentsOf(lapsed, kVisitor),
            (std::vector<std::string>{"closeness:distant", "current", "type:professional_visitor"}));
}

TEST(Fold, LeadsPerBoothForVisitorsAndBoothsOfConfirmedBookingsForExhibitors) {
  std::vector<crm::v1::ScoringFact> facts;
  auto scan = [&](const std::string& id, const std::string& booth, const std::string& lead) {
    crm::v1::ScoringFact f;
    f.set_event_id(id);
    f.set_show_id("s");
    f.set_edition_id("2024");
    f.set_occurred_ms(1000 + static_cast<int64_t>(facts.size()));
    f.set_lead_id(lead);
    f.mutable_booth_scan()->set_hall("H1");
    f.mutable_booth_scan()->set_booth(booth);
    facts.push_back(f);
  };
  scan("e1", "A1", "L1");
  scan("e2", "A1", "L1");  // the same lead scanned again
  scan("e3", "A1", "L2");
  scan("e4", "B2", "L3");
  auto booking = [&](const std::string& id, const std::string& bid, const std::string& booth,
                     crm::v1::BoothBooking::Status st) {
    crm::v1::ScoringFact f;
    f.set_event_id(id);
    f.set_show_id("s");
    f.set_edition_id("2024");
    f.set_occurred_ms(5000 + static_cast<int64_t>(facts.size()));
    f.mutable_booth_booking()->set_booking_id(bid);
    f.mutable_booth_booking()->set_hall("H2");
    f.mutable_booth_booking()->set_booth(booth);
    f.mutable_booth_booking()->set_status(st);
    facts.push_back(f);
  };
  booking("b1", "K1", "C3", crm::v1::BoothBooking::STATUS_CONFIRMED);
  booking("b2", "K2", "C4", crm::v1::BoothBooking::STATUS_CANCELLED);
  const auto agg = Fold(facts);
  const auto& e = agg.editions.at({"s", "2024"});
  ASSERT_EQ(e.leads_at_booths_size(), 2);
  EXPECT_EQ(e.leads_at_booths(0).name(), "H1/A1");
  EXPECT_EQ(e.leads_at_booths(0).count(), 2u);
  EXPECT_EQ(e.leads_at_booths(1).name(), "H1/B2");
  EXPECT_EQ(e.leads_at_booths(1).count(), 1u);
  ASSERT_EQ(e.booths_size(), 1);
  EXPECT_EQ(e.booths(0), "H2/C3");
}


TEST(SubTypes, ExhibitorStyleFromHowSteadilyItExhibits) {
  const std::vector<std::string> cal{"2024", "2025", "2026"};
  auto ex = [](const std::string& ed) {
    auto e = Ed(ed, false);
    e.set_exhibited(true);
    return e;
  };
  const Weights w;
  EXPECT_EQ(SubTypeOf({ex("2024"), ex("2025"), ex("2026")}, cal, kExhibitor, w), "rational");
  EXPECT_EQ(SubTypeOf({ex("2025"), ex("2026")}, cal, kExhibitor, w), "rational");
  EXPECT_EQ(SubTypeOf({ex("2024")}, cal, kExhibitor, w), "trial");               // tried once, gone
  EXPECT_EQ(SubTypeOf({ex("2024"), ex("2026")}, cal, kExhibitor, w), "mainstream");  // 2 of 3
  EXPECT_EQ(SubTypeOf({ex("2026")}, cal, kExhibitor, w), "mainstream");          // new: no evidence yet
  EXPECT_EQ(SubTypeOf({Ed("2024", true)}, cal, kExhibitor, w), "");             // never exhibited
  // Five editions, exhibited in the first and the fourth: 2 of 5 < half.
  EXPECT_EQ(SubTypeOf({ex("a"), ex("d")}, {"a", "b", "c", "d", "e"}, kExhibitor, w), "trial");
}

TEST(SubTypes, ProfessionalVisitorTypeFromMeanDwellPerBoothVisit) {
  const std::vector<std::string> cal{"2024", "2025"};
  auto v = [](const std::string& ed, uint32_t visits, uint64_t dwell) {
    auto e = Ed(ed, true);
    e.set_booth_visits(visits + 5);  // visits without a measured dwell do not count
    e.set_timed_visits(visits);
    e.set_dwell_seconds(dwell);
    return e;
  };
  const Weights w;
  EXPECT_EQ(SubTypeOf({v("2024", 10, 900)}, cal, kVisitor, w), "exploring");          // 90 s
  EXPECT_EQ(SubTypeOf({v("2024", 4, 800)}, cal, kVisitor, w), "average");             // 200 s
  EXPECT_EQ(SubTypeOf({v("2024", 2, 500), v("2025", 2, 700)}, cal, kVisitor, w), "cautious");  // 1200 / 4
  EXPECT_EQ(SubTypeOf({v("2024", 3, 1080)}, cal, kVisitor, w), "quality-seeking");    // 360 s
  EXPECT_EQ(SubTypeOf({v("2024", 0, 0)}, cal, kVisitor, w), "");                      // no visit
  EXPECT_EQ(SubTypeOf({v("2024", 10, 900)}, cal, crm::v1::CUSTOMER_TYPE_PUBLIC_VISITOR, w), "");
  // An edition outside the calendar does not count.
  EXPECT_EQ(SubTypeOf({v("2024", 10, 900), v("2027", 10, 9000)}, cal, kVisitor, w), "exploring");
}

}  // namespace
}  // namespace crm::scoring
