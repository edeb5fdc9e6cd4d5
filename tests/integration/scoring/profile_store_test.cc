// ProfileStore against a real redis-server: the state it keeps gives the
// same profiles whatever the order and batching of facts and identity
// changes, a replayed batch changes nothing, and an unmerge restores exactly
// what never merging gives (events between the merge and the unmerge included).

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/redis/redis_client.h"
#include "common/testing/redis_server.h"
#include "services/scoring/domain/membership.h"
#include "services/scoring/domain/profile_builder.h"
#include "services/scoring/profile_store.h"
#include "services/scoring/update.h"
#include "tests/unit/scoring/test_facts.h"

namespace crm::scoring {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t k2025 = 1745107200000;

struct Input {
  // Either a fact of a record (with the customer its event named) or an identity change.
  std::optional<ProfileStore::FactInput> fact;
  std::optional<crm::v1::IdentityEvent> change;
};

Input Fact(const std::string& rid, const std::string& cid, const std::string& eid, int64_t ms, bool gate) {
  ProfileStore::FactInput in;
  in.record_id = rid;
  in.customer_id = cid;
  auto& f = in.fact;
  f.set_event_id(eid);
  f.set_show_id("auto-expo");
  f.set_edition_id(ms < k2025 - 100 * kDay ? "2024" : "2025");
  f.set_occurred_ms(ms);
  if (gate) {
    f.mutable_gate_check_in()->set_gate("N1");
  } else {
    f.mutable_payment()->set_invoice_id("I" + eid);
    f.mutable_payment()->set_amount_minor(1000 + static_cast<int64_t>(eid.size()) * 7);
    f.mutable_payment()->set_currency("CNY");
  }
  return {in, std::nullopt};
}
Input WithFact(const std::string& rid, const std::string& cid, crm::v1::ScoringFact f) {
  ProfileStore::FactInput in;
  in.record_id = rid;
  in.customer_id = cid;
  in.fact = std::move(f);
  return {in, std::nullopt};
}
crm::v1::ScoringFact BookW1_12(const std::string& eid) {
  crm::v1::ScoringFact f;
  f.set_event_id(eid);
  f.set_show_id("auto-expo");
  f.set_edition_id("2025");
  f.set_occurred_ms(k2025 - 90 * kDay);
  auto* b = f.mutable_booth_booking();
  b->set_booking_id("BK1");
  b->set_hall("W1");
  b->set_booth("12");
  b->set_area_sqm(36);
  b->set_status(crm::v1::BoothBooking::STATUS_CONFIRMED);
  return f;
}
Input Assigned(const std::string& rid, const std::string& cid) {
  crm::v1::IdentityEvent ev;
  ev.mutable_record_assigned()->set_record_id(rid);
  ev.mutable_record_assigned()->set_customer_id(cid);
  ev.mutable_record_assigned()->set_occurred_ms(static_cast<int64_t>(rid.size()) * 1000 + rid.back());
  ev.mutable_record_assigned()->mutable_identity()->mutable_normalized()->set_email(rid + "@example.com");
  return {std::nullopt, ev};
}
Input Merged(const std::string& mid, const std::string& s, const std::string& m) {
  crm::v1::IdentityEvent ev;
  ev.mutable_merged()->set_merge_id(mid);
  ev.mutable_merged()->set_survivor_id(s);
  ev.mutable_merged()->set_merged_id(m);
  return {std::nullopt, ev};
}
Input Unmerged(const std::string& mid, const std::string& s, const std::string& r) {
  crm::v1::IdentityEvent ev;
  ev.mutable_unmerged()->set_merge_id(mid);
  ev.mutable_unmerged()->set_survivor_id(s);
  ev.mutable_unmerged()->set_restored_id(r);
  return {std::nullopt, ev};
}

class ProfileStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::RedisServer();
    ASSERT_TRUE(server_->Start().ok());
  }
  static void TearDownTestSuite() { delete server_; }
  void SetUp() override {
    redis_ = std::make_unique<redis::RedisClient>(redis::RedisOptions{server_->url()});
    ASSERT_TRUE(redis_->Run({"FLUSHALL"}).ok());
  }

  // Applies `inputs` in batches of `batch` (each batch: its facts and its
  // changes in order), rebuilding and storing the touched customers' profiles
  // as the service does; returns every customer's stored profile (a merged
  // one's names its root).
  std::map<std::string, std::string> Run(const std::vector<Input>& inputs, size_t batch, const std::string& prefix) {
    ProfileStore store(*redis_, prefix);
    for (size_t i = 0; i < inputs.size(); i += batch) {
      std::vector<ProfileStore::FactInput> facts;
      std::vector<crm::v1::IdentityEvent> changes;
      for (size_t k = i; k < std::min(inputs.size(), i + batch); ++k) {
        if (inputs[k].fact) facts.push_back(*inputs[k].fact);
        if (inputs[k].change) changes.push_back(*inputs[k].change);
      }
      auto rebuilt = ApplyBatch(store, facts, changes, {calendars_, weights_});
      EXPECT_TRUE(rebuilt.ok()) << rebuilt.status();
      if (!rebuilt.ok()) return {};
      EXPECT_TRUE(store.Store(rebuilt->changed, rebuilt->before).ok());
    }
    std::set<std::string> customers;
    for (const auto& in : inputs) {
      if (in.fact) customers.insert(in.fact->customer_id);
      if (in.change && in.change->has_record_assigned()) customers.insert(in.change->record_assigned().customer_id());
    }
    auto profiles = store.Profiles(customers);
    EXPECT_TRUE(profiles.ok());
    std::map<std::string, std::string> out;
    for (const auto& [c, p] : *profiles) out[c] = p.SerializeAsString();
    return out;
  }

  static testing::RedisServer* server_;
  std::unique_ptr<redis::RedisClient> redis_;
  const Calendars calendars_{{"auto-expo", {"2024", "2025"}}};
  const WeightBook weights_;
};
testing::RedisServer* ProfileStoreTest::server_ = nullptr;

// A small history: three customers, a chain of two merges, facts before and after.
std::vector<Input> History() {
  return {Assigned("r1", "C1"),
          Fact("r1", "C1", "e1", k2025 - 365 * kDay, true),
          Assigned("r2", "C2"),
          Fact("r2", "C2", "e2", k2025 - 360 * kDay, false),
          Assigned("r3", "C3"),
          Fact("r3", "C3", "e3", k2025, true),
          Merged("M1", "C2", "C3"),
          Fact("r3", "C2", "e4", k2025 + kDay, true),
          Merged("M2", "C1", "C2"),
          Fact("r2", "C1", "e5", k2025 + 2 * kDay, false),
          Assigned("r4", "C1"),
          Fact("r4", "C1", "e6", k2025 + 3 * kDay, true)};
}

TEST_F(ProfileStoreTest, OneCustomerAfterAChainOfMerges) {
  auto profiles = Run(History(), 3, "t:");
  ASSERT_EQ(profiles.size(), 3u);
  for (const char* merged : {"C2", "C3"}) {  // C3 went into C2, C2 into C1: both name the root
    crm::v1::Profile alias;
    ASSERT_TRUE(alias.ParseFromString(profiles.at(merged)));
    EXPECT_EQ(alias.merged_into(), "C1") << merged;
  }
  crm::v1::Profile p;
  ASSERT_TRUE(p.ParseFromString(profiles.at("C1")));
  EXPECT_EQ(p.records(), 4u);
  EXPECT_EQ(p.events(), 6u);
  EXPECT_EQ(p.summary().email(), "r4@example.com");  // the most recently seen record's
}

TEST_F(ProfileStoreTest, RootProfileOfAMergedCustomerIsItsRootsProfile) {
  auto profiles = Run(History(), 4, "t:");
  ProfileStore store(*redis_, "t:");
  auto root = store.RootProfile("C1");
  ASSERT_TRUE(root.ok()) << root.status();
  ASSERT_TRUE(root->has_value());
  EXPECT_EQ((*root)->SerializeAsString(), profiles.at("C1"));
  for (const char* merged : {"C2", "C3"}) {  // C3 via C2: two hops
    auto p = store.RootProfile(merged);
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_TRUE(p->has_value()) << merged;
    EXPECT_EQ((*p)->customer_id(), "C1") << merged;
    EXPECT_EQ((*p)->SerializeAsString(), profiles.at("C1")) << merged;
  }
  auto none = store.RootProfile("C404");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(ProfileStoreTest, AnExhibitorCountsTheLeadsAtItsBoothInAnyOrder) {
  // E books W1/12; V1's lead is re-rated hot the next day (double tap), V2's
  // stays cold; a scan at another booth is not E's.
  std::vector<Input> base = {Assigned("rE", "CE"), WithFact("rE", "CE", BookW1_12("bk")),
                             Assigned("rV1", "CV1"), WithFact("rV1", "CV1", testfacts::ScanAtW1_12("s1", k2025, "L1", 2)),
                             WithFact("rV1", "CV1", testfacts::ScanAtW1_12("s2", k2025 + kDay, "L1", 5)),
                             Assigned("rV2", "CV2"), WithFact("rV2", "CV2", testfacts::ScanAtW1_12("s3", k2025 + 3600, "L2", 1))};
  auto other = testfacts::ScanAtW1_12("s4", k2025, "L3", 5);
  other.mutable_booth_scan()->set_booth("99");
  base.push_back(WithFact("rV2", "CV2", other));
  const auto expected = Run(base, base.size(), "x:");
  crm::v1::Profile e;
  ASSERT_TRUE(e.ParseFromString(expected.at("CE")));
  ASSERT_EQ(e.series_size(), 1);
  const crm::v1::EditionAggregate* ed = nullptr;
  for (const auto& x : e.series(0).editions())
    if (x.edition_id() == "2025") ed = &x;
  ASSERT_NE(ed, nullptr);
  EXPECT_EQ(ed->scans_made(), 2u);
  EXPECT_EQ(ed->hot_leads_made(), 1u);
  // One input per batch in the order above: the scans come after the
  // booking, so they alone must bring the exhibitor's counts up.
  EXPECT_EQ(Run(base, 1, "xo:"), expected);
  std::mt19937 rng(11);
  for (int round = 0; round < 10; ++round) {
    auto inputs = base;
    std::shuffle(inputs.begin(), inputs.end(), rng);  // the booking first or last, the re-rating before the first scan
    std::vector<Input> replayed(inputs.begin(), inputs.begin() + 4);
    inputs.insert(inputs.end(), replayed.begin(), replayed.end());
    const std::string prefix = "x" + std::to_string(round) + ":";
    EXPECT_EQ(Run(inputs, 1 + round % 3, prefix), expected) << "round " << round;
  }
}

TEST_F(ProfileStoreTest, OrderBatchingAndReplaysDoNotChangeTheProfiles) {
  auto base = History();
  const auto expected = Run(base, base.size(), "a:");
  std::mt19937 rng(5);
  for (int round = 0; round < 8; ++round) {
    // Facts and assignments may come in any order; merges keep their order
    // (one partition of crm.identity.v1 carries both, keyed by survivor).
    auto inputs = base;
    std::stable_partition(inputs.begin(), inputs.end(), [](const Input& in) { return in.fact || in.change->has_record_assigned(); });
    std::shuffle(inputs.begin(), inputs.begin() + 10, rng);
    // A replay: the first half again.
    std::vector<Input> replayed(inputs.begin(), inputs.begin() + 6);
    inputs.insert(inputs.end(), replayed.begin(), replayed.end());
    const std::string prefix = "r" + std::to_string(round) + ":";
    EXPECT_EQ(Run(inputs, 1 + round % 4, prefix), expected) << "round " << round;
  }
}

TEST_F(ProfileStoreTest, UnmergeEqualsNeverMergedWithEventsInBetween) {
  std::vector<Input> merged = {Assigned("rA", "C1"), Fact("rA", "C1", "a1", k2025 - 365 * kDay, true),
                               Assigned("rB", "C2"), Fact("rB", "C2", "b1", k2025, true),
                               Merged("M1", "C1", "C2"),
                               // while merged, dedup names the survivor
                               Fact("rB", "C1", "b2", k2025 + kDay, false), Fact("rA", "C1", "a2", k2025 + kDay, true),
                               Unmerged("M1", "C1", "C2")};
  std::vector<Input> never;
  for (const auto& in : merged) {
    if (in.change && (in.change->has_merged() || in.change->has_unmerged())) continue;
    never.push_back(in);
  }
  auto a = Run(merged, 2, "m:");
  auto b = Run(never, 2, "n:");
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a, b);
}

TEST_F(ProfileStoreTest, MergedCustomersNameTheirCurrentRootInAnyBatching) {
  // C3 into C2, C2 into C1, then C2 out of C1 again: C3's root is C1 and
  // then C2, although no change names C3 after the first.
  std::vector<Input> inputs = {Assigned("r1", "C1"), Fact("r1", "C1", "e1", k2025, true),
                               Assigned("r2", "C2"), Fact("r2", "C2", "e2", k2025, false),
                               Assigned("r3", "C3"), Fact("r3", "C3", "e3", k2025, true),
                               Merged("M1", "C2", "C3"), Merged("M2", "C1", "C2")};
  for (size_t batch : {1u, 8u}) {
    auto merged = Run(inputs, batch, "c" + std::to_string(batch) + ":");
    crm::v1::Profile c3;
    ASSERT_TRUE(c3.ParseFromString(merged.at("C3")));
    EXPECT_EQ(c3.merged_into(), "C1") << "batch " << batch;
  }
  inputs.push_back(Unmerged("M2", "C1", "C2"));
  const auto one = Run(inputs, inputs.size(), "u0:");
  crm::v1::Profile c3;
  ASSERT_TRUE(c3.ParseFromString(one.at("C3")));
  EXPECT_EQ(c3.merged_into(), "C2");
  for (size_t batch : {1u, 2u, 3u}) EXPECT_EQ(Run(inputs, batch, "u" + std::to_string(batch) + ":"), one) << batch;
}

}  // namespace
}  // namespace crm::scoring
