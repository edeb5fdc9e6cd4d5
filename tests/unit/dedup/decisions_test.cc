// Dedup's streaming decisions on hand-made inputs, no Redis: thresholds,
// customer ids, survivorship of the golden record, the double-tap fold and
// the shared-key name test.

#include "services/dedup/stream/decisions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "services/dedup/engine/shared_keys.h"

namespace crm::dedup {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Thresholds, ActionByProbability) {
  Thresholds t{0.99, 0.9};
  EXPECT_EQ(ActionFor(0.995, t), MatchAction::kJoin);
  EXPECT_EQ(ActionFor(0.99, t), MatchAction::kJoin) << "upper itself joins";
  EXPECT_EQ(ActionFor(0.95, t), MatchAction::kReview);
  EXPECT_EQ(ActionFor(0.9, t), MatchAction::kReview) << "lower itself is reviewed";
  EXPECT_EQ(ActionFor(0.89, t), MatchAction::kNone);
}

TEST(Thresholds, BadPairsAreRejected) {
  EXPECT_TRUE(CheckThresholds({0.9999, 0.9}).ok());
  EXPECT_TRUE(CheckThresholds({0.9, 0.9}).ok());
  EXPECT_FALSE(CheckThresholds({0.8, 0.9}).ok()) << "lower above upper";
  EXPECT_FALSE(CheckThresholds({1.0, 0.9}).ok()) << "upper 1 never merges";
  EXPECT_FALSE(CheckThresholds({0.9, 0.0}).ok()) << "lower 0 reviews everything";
}

TEST(CustomerIds, FormatAndParse) {
  EXPECT_EQ(CustomerIdFromSeq(42), "C0000000042");
  EXPECT_EQ(MergeIdFromSeq(7), "M0000000007");
  EXPECT_EQ(SeqOfCustomerId("C0000000042"), 42);
  EXPECT_EQ(SeqOfMergeId("M0000000007"), 7);
  EXPECT_EQ(SeqOfCustomerId("X0000000042"), 0);
  EXPECT_EQ(SeqOfCustomerId("C00000000x2"), 0);
  EXPECT_EQ(SeqOfCustomerId("C42"), 0);
}

TEST(CustomerIds, KeysResolveByTheirKind) {
  EXPECT_EQ(KeyRule("e:li.na@example.com"), "key:email");
  EXPECT_EQ(KeyRule("p:+8613800138000"), "key:phone");
  EXPECT_EQ(KeyRule("i:expo/2026/B1"), "key:identifier");
}

TEST(CustomerIds, TheOldestSurvives) {
  EXPECT_EQ(OldestCustomer({"C0000000010", "C0000000002", "C0000000100"}), "C0000000002");
  MergePair p = SurvivorOf("C0000000100", "C0000000002");
  EXPECT_EQ(p.survivor, "C0000000002");
  EXPECT_EQ(p.merged, "C0000000100");
  EXPECT_EQ(SurvivorOf("C0000000002", "C0000000100").survivor, "C0000000002");
}

crm::v1::RecordAssigned Record(const std::string& rid, const std::string& source, int64_t at_ms,
                               const std::string& company, const std::string& email = "") {
  crm::v1::RecordAssigned ra;
  ra.set_record_id(rid);
  ra.set_source_system(source);
  ra.set_occurred_ms(at_ms);
  ra.mutable_identity()->set_company(company);
  ra.mutable_identity()->set_email(email);
  return ra;
}

TEST(Survivorship, TrustedSourceBeatsNewerValue) {
  const std::vector<std::string> trusted = {"sales-erp", "ticketing-web"};
  auto golden = Survivorship({Record("r1", "sales-erp", 1000, "ACME GmbH"),
                              Record("r2", "ticketing-web", 5000, "Acme")},
                             trusted);
  ASSERT_EQ(golden.count("company"), 1u);
  EXPECT_EQ(golden["company"].value.value(), "ACME GmbH");
  EXPECT_EQ(golden["company"].value.record_id(), "r1");
  EXPECT_EQ(golden["company"].value.source_system(), "sales-erp");
}

TEST(Survivorship, AmongEquallyTrustedTheLatestNonEmptyWins) {
  const std::vector<std::string> trusted = {"sales-erp"};
  auto golden = Survivorship({Record("r1", "scanner", 1000, "Old Co", "a@x.com"),
                              Record("r2", "scanner", 3000, "New Co"),
                              Record("r3", "scanner", 2000, "Middle Co", "b@x.com")},
                             trusted);
  EXPECT_EQ(golden["company"].value.value(), "New Co");
  EXPECT_EQ(golden["email"].value.value(), "b@x.com") << "the latest record has no email: the latest one with one";
  EXPECT_EQ(golden["email"].value.observed_ms(), 2000);
}

TEST(Survivorship, DoesNotDependOnRecordOrder) {
  std::vector<crm::v1::RecordAssigned> records = {Record("r1", "sales-erp", 1000, "A"), Record("r2", "x", 9000, "B"),
                                                  Record("r3", "sales-erp", 3000, "C"), Record("r4", "y", 2000, "D")};
  const std::vector<std::string> trusted = {"sales-erp"};
  const std::string expected = Survivorship(records, trusted)["company"].value.value();
  EXPECT_EQ(expected, "C");
  std::mt19937 rng(3);
  for (int i = 0; i < 10; ++i) {
    std::shuffle(records.begin(), records.end(), rng);
    EXPECT_EQ(Survivorship(records, trusted)["company"].value.value(), expected);
  }
}

TEST(Survivorship, RanksOrderAsTheStoreCompares) {
  const std::vector<std::string> trusted = {"sales-erp"};
  auto trusted_old = GoldenEntries(Record("r1", "sales-erp", 1000, "A"), trusted)[0].rank;
  auto other_new = GoldenEntries(Record("r2", "x", 9000, "B"), trusted)[0].rank;
  auto trusted_new = GoldenEntries(Record("r3", "sales-erp", 2000, "C"), trusted)[0].rank;
  EXPECT_TRUE(GoldenWins(trusted_old, other_new));
  EXPECT_FALSE(GoldenWins(other_new, trusted_old));
  EXPECT_TRUE(GoldenWins(trusted_new, trusted_old));
  EXPECT_TRUE(GoldenWins(trusted_old, trusted_old)) << "the same rank again: the later write";
  EXPECT_TRUE(GoldenWins(other_new, ""));
}

TapScan Scan(const std::string& id, int64_t at_s, uint32_t dwell = 0) { return {id, at_s * 1000, dwell}; }

TEST(DoubleTaps, AFirstScanIsItsOwnLead) {
  Lead l = FoldTaps({}, Scan("e1", 100, 5), seconds(60));
  EXPECT_EQ(l.lead_id, "e1");
  EXPECT_FALSE(l.update);
  EXPECT_EQ(l.dwell_seconds, 5u);
}

TEST(DoubleTaps, ATapWithinTheWindowExtendsTheLead) {
  Lead l = FoldTaps({Scan("e1", 100, 5)}, Scan("e2", 103, 2), seconds(60));
  EXPECT_EQ(l.lead_id, "e1");
  EXPECT_TRUE(l.update);
  EXPECT_EQ(l.dwell_seconds, 5u) << "max(5, 3 s later + 2 s)";
  l = FoldTaps({Scan("e1", 100, 5)}, Scan("e2", 150, 20), seconds(60));
  EXPECT_EQ(l.dwell_seconds, 70u) << "50 s after the first scan + 20 s";
}

TEST(DoubleTaps, AScanPastTheWindowStartsANewLead) {
  Lead l = FoldTaps({Scan("e1", 100), Scan("e2", 150)}, Scan("e3", 211), seconds(60));
  EXPECT_EQ(l.lead_id, "e3");
  EXPECT_FALSE(l.update);
  l = FoldTaps({Scan("e1", 100), Scan("e2", 150)}, Scan("e3", 210), seconds(60));
  EXPECT_EQ(l.lead_id, "e1") << "the gap is measured from the latest scan of the lead, and the window itself counts";
}

TEST(DoubleTaps, AReplayedScanGetsTheSameLead) {
  std::vector<TapScan> seen = {Scan("e1", 100, 5), Scan("e2", 103, 2)};
  Lead first = FoldTaps({Scan("e1", 100, 5)}, Scan("e2", 103, 2), seconds(60));
  Lead again = FoldTaps(seen, Scan("e2", 103, 2), seconds(60));
  EXPECT_EQ(again.lead_id, first.lead_id);
  EXPECT_EQ(again.update, first.update);
  EXPECT_EQ(again.dwell_seconds, first.dwell_seconds);
  Lead lead_again = FoldTaps(seen, Scan("e1", 100, 5), seconds(60));
  EXPECT_EQ(lead_again.lead_id, "e1");
}

TEST(DoubleTaps, TheEarlierScanArrivingSecondIsTheTap) {
  // The later scan came first (an offline upload of the earlier one).
  Lead later = FoldTaps({}, Scan("e2", 103), seconds(60));
  EXPECT_FALSE(later.update);
  Lead earlier = FoldTaps({Scan("e2", 103)}, Scan("e1", 100), seconds(60));
  EXPECT_TRUE(earlier.update) << "one of the two is a double tap, whichever arrived first";
  EXPECT_EQ(earlier.lead_id, "e1") << "the lead starts at its earliest scan";
}

TEST(DoubleTaps, ArrivalOrderDoesNotChangeTheLeads) {
  // An offline scanner uploads the morning's scans after later ones.
  std::vector<TapScan> scans = {Scan("a", 100, 1), Scan("b", 130, 1), Scan("c", 170, 1), Scan("d", 400, 1),
                                Scan("e", 420, 1)};
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(scans.begin(), scans.end(), rng);
    for (const auto& s : scans) {
      Lead l = FoldTaps(scans, s, seconds(60));
      EXPECT_EQ(l.lead_id, s.at_ms < 300'000 ? "a" : "d") << s.event_id;
      EXPECT_EQ(l.dwell_seconds, s.at_ms < 300'000 ? 71u : 21u) << s.event_id;
    }
  }
}

TEST(SharedKeys, ClearlyDifferentNamesShareAKey) {
  NameValue zhang = PrepareName("张伟"), zhang_pinyin = PrepareName("Wei Zhang"), li = PrepareName("李娜");
  NameValue none = PrepareName("");
  EXPECT_FALSE(ClearlyDifferentNames(zhang, zhang_pinyin));
  EXPECT_TRUE(ClearlyDifferentNames(zhang, li));
  EXPECT_FALSE(ClearlyDifferentNames(zhang, none)) << "a missing name is no evidence";
  EXPECT_TRUE(FitsHolder(zhang, {}));
  EXPECT_TRUE(FitsHolder(zhang, {li, zhang_pinyin})) << "one compatible name of the holder is enough";
  EXPECT_FALSE(FitsHolder(zhang, {li}));
  EXPECT_TRUE(FitsHolder(none, {li}));
  EXPECT_TRUE(KeyIsShared({&zhang, &zhang_pinyin, &li}));
  EXPECT_FALSE(KeyIsShared({&zhang, &zhang_pinyin, &none}));
  EXPECT_FALSE(KeyIsShared({&li}));
}

}  // namespace
}  // namespace crm::dedup
