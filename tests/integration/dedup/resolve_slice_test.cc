// ResolveSlice against a real redis-server: what one worker does with its
// share of a consumed batch, without Kafka. Covers the delivery semantics the
// service relies on: a replayed delivery (same topic/partition/offset, after
// a crash or a failed batch) is resolved again and re-publishes its records'
// RecordAssigned; the same event id at another offset is a duplicate.

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <tuple>
#include <string>
#include <vector>

#include "common/kafka/consumer.h"
#include "common/redis/redis_client.h"
#include "common/testing/redis_server.h"
#include "common/util/proto_time.h"
#include "common/shows/registry.h"
#include "common/util/clock.h"
#include "services/dedup/stream/dedup_app.h"
#include "services/ingest/event_rules.h"

namespace crm::dedup {
namespace {

crm::v1::Event Registration(int i, const std::string& name, const std::string& email) {
  crm::v1::Event ev;
  ev.set_event_id("it-" + std::to_string(i));
  ev.mutable_source()->set_system("ticketing-web");
  ev.set_show_id("expo");
  ev.set_edition_id("2026");
  SetTimestampMillis(ev.mutable_occurred_at(), 1'760'000'000'000 + i);
  ev.mutable_identity()->set_full_name(name);
  ev.mutable_identity()->set_email(email);
  ev.mutable_ticket_registration()->set_ticket_id("T" + std::to_string(i));
  return ev;
}

struct Slice {
  std::vector<kafka::Message> messages;
  std::vector<const kafka::Message*> ptrs() const {
    std::vector<const kafka::Message*> out;
    for (const auto& m : messages) out.push_back(&m);
    return out;
  }
};

Slice MakeSlice(const std::vector<crm::v1::Event>& events, int64_t first_offset) {
  Slice s;
  for (size_t i = 0; i < events.size(); ++i) {
    kafka::Message m;
    m.topic = "crm.events.v1";
    m.partition = 0;
    m.offset = first_offset + static_cast<int64_t>(i);
    m.value = events[i].SerializeAsString();
    s.messages.push_back(std::move(m));
  }
  return s;
}

class ResolveSliceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start().ok());
    client_ = std::make_unique<redis::RedisClient>(redis::RedisOptions{redis_.url()});
    auto model = LoadModel("");
    ASSERT_TRUE(model.ok());
    model_ = *model;
    index_ = std::make_unique<IdentityIndex>(*client_, model_, IndexOptions{});
    gate_ = std::make_unique<EventGate>("crm:id:", std::chrono::hours(192), std::chrono::seconds(60));
  }
  absl::Status Run(const Slice& s, std::vector<std::pair<std::string, std::string>>* out,
                   std::vector<crm::v1::IdentityEvent>* changes) {
    return ResolveSlice(*client_, *gate_, *index_, s.ptrs(), out, changes);
  }
  // One person known as two customers (one by email, one by phone, resolved
  // into `out`), and the event that holds both keys: resolving it merges them.
  crm::v1::Event TwoCustomersAndTheirBridge(const std::string& name, const std::string& email, const std::string& phone,
                                            std::vector<std::pair<std::string, std::string>>* out) {
    crm::v1::Event by_email = Registration(1, name, email);
    crm::v1::Event by_phone = Registration(2, name, "");
    by_phone.mutable_identity()->set_phone(phone);
    crm::v1::Event both = Registration(3, name, email);
    both.mutable_identity()->set_phone(phone);
    std::vector<crm::v1::IdentityEvent> changes;
    EXPECT_TRUE(Run(MakeSlice({by_email}, 1), out, &changes).ok());
    EXPECT_TRUE(Run(MakeSlice({by_phone}, 2), out, &changes).ok());
    return both;
  }
  static int Assigned(const std::vector<crm::v1::IdentityEvent>& changes) {
    int n = 0;
    for (const auto& c : changes) n += c.has_record_assigned();
    return n;
  }

  testing::RedisServer redis_;
  std::unique_ptr<redis::RedisClient> client_;
  Model model_;
  std::unique_ptr<IdentityIndex> index_;
  std::unique_ptr<EventGate> gate_;
};

TEST_F(ResolveSliceTest, ReplayedDeliveryIsResolvedAgainAndRepublishesItsRecords) {
  std::vector<crm::v1::Event> events = {Registration(1, "张伟", "zhang.wei@huadong.com"),
                                        Registration(2, "Zhang Wei", "ZHANG.WEI@huadong.com"),
                                        Registration(3, "李娜", "li.na@example.com")};
  Slice first = MakeSlice(events, 100);
  std::vector<std::pair<std::string, std::string>> out1, out2;
  std::vector<crm::v1::IdentityEvent> ch1, ch2;
  ASSERT_TRUE(Run(first, &out1, &ch1).ok());
  ASSERT_EQ(out1.size(), 3u);
  EXPECT_EQ(Assigned(ch1), 3);  // three renderings, three records
  EXPECT_EQ(out1[0].first, out1[1].first) << "same email, one customer";
  EXPECT_NE(out1[0].first, out1[2].first);

  // The same deliveries again (the batch failed after Redis was written).
  ASSERT_TRUE(Run(first, &out2, &ch2).ok());
  ASSERT_EQ(out2.size(), 3u) << "a replayed delivery is not a duplicate";
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(out2[i].first, out1[i].first) << "same customers on replay";
  EXPECT_EQ(Assigned(ch2), 3) << "the replay re-publishes the RecordAssigned of its records";
}

TEST_F(ResolveSliceTest, SameEventIdAtAnotherOffsetIsADuplicate) {
  std::vector<crm::v1::Event> events = {Registration(1, "张伟", "zhang.wei@huadong.com")};
  std::vector<std::pair<std::string, std::string>> out1, out2;
  std::vector<crm::v1::IdentityEvent> ch1, ch2;
  ASSERT_TRUE(Run(MakeSlice(events, 100), &out1, &ch1).ok());
  ASSERT_EQ(out1.size(), 1u);
  ASSERT_TRUE(Run(MakeSlice(events, 500), &out2, &ch2).ok());
  EXPECT_TRUE(out2.empty()) << "the same event id at another offset is dropped";
  EXPECT_TRUE(ch2.empty());
}

// The candidates' samples are cached between batches and may be stale (a
// merge or unmerge elsewhere). A sure match must still join the customer
// that holds the matched record now.
TEST_F(ResolveSliceTest, SureMatchJoinsTheMatchedRecordsCustomerEvenWithAStaleSample) {
  IndexOptions opt;
  // Thresholds low enough that name and company alone make a sure match
  // (the default model gives such a pair about 0.14).
  opt.upper = 0.05;
  opt.lower = 0.01;
  opt.samples = std::make_shared<SampleCache>();
  index_ = std::make_unique<IdentityIndex>(*client_, model_, opt);
  // Two people of one name at one company, told apart by email and phone.
  auto person = [](int i, const std::string& email, const std::string& phone) {
    crm::v1::Event ev = Registration(i, "王芳", email);
    ev.mutable_identity()->set_company("上海华东汽车零部件有限公司");
    ev.mutable_identity()->set_phone(phone);
    return ev;
  };
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<crm::v1::IdentityEvent> changes;
  ASSERT_TRUE(Run(MakeSlice({person(1, "wang.fang@huadong.com", "13900000001")}, 1), &out, &changes).ok());
  ASSERT_TRUE(Run(MakeSlice({person(2, "fang.wang@huadong.com", "13900000002")}, 2), &out, &changes).ok());
  ASSERT_EQ(out.size(), 2u);
  const std::string a = out[0].first, b = out[1].first;
  ASSERT_NE(a, b) << "different email and phone: two people";
  std::string b_record;
  for (const auto& c : changes) {
    if (c.has_record_assigned() && c.record_assigned().customer_id() == b) b_record = c.record_assigned().record_id();
  }
  ASSERT_FALSE(b_record.empty());
  // A stale sample: customer A as if it still held B's record (merged once, unmerged since).
  opt.samples->Put(a, {b_record});

  // The same name and company, nothing else: a sure match for both; A is read first.
  crm::v1::Event third = Registration(3, "王芳", "");
  third.mutable_identity()->set_company("上海华东汽车零部件有限公司");
  out.clear();
  ASSERT_TRUE(Run(MakeSlice({third}, 3), &out, &changes).ok());
  ASSERT_EQ(out.size(), 1u);
  crm::v1::ResolvedEvent resolved;
  ASSERT_TRUE(resolved.ParseFromString(out[0].second));
  ASSERT_EQ(resolved.match().rule(), "probabilistic") << resolved.match().DebugString();
  const std::string matched = resolved.match().matched_record_id();
  auto owner = client_->Run({"GET", "crm:id:rec:" + matched + ":c"});
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(out[0].first, owner->str) << "joins the customer holding the matched record " << matched;
  EXPECT_EQ(matched, b_record) << "the stale sample was the best candidate";
  EXPECT_EQ(out[0].first, b);
}

TEST(SampleCacheTest, KeepsWholeSamplesOnly) {
  SampleCache cache;
  cache.Add("C1", "r:new", 4, /*created=*/false);
  EXPECT_TRUE(cache.Find("C1").empty()) << "one record of an older customer is not its sample";
  cache.Add("C2", "r:a", 2, /*created=*/true);
  EXPECT_EQ(cache.Find("C2"), std::vector<std::string>({"r:a"}));
  cache.Put("C1", {"r:x", "r:y"});
  cache.Add("C1", "r:z", 2, /*created=*/false);
  EXPECT_EQ(cache.Find("C1"), std::vector<std::string>({"r:y", "r:z"})) << "the oldest makes room";
  cache.Add("C1", "r:z", 2, /*created=*/false);
  EXPECT_EQ(cache.Find("C1").size(), 2u);
}

// A candidate's sample, read from Redis when the process has none cached, is
// its most recent records by event time (whatever order they arrived in),
// the same whichever process reads it.
TEST_F(ResolveSliceTest, CandidatesAreSampledByTheirMostRecentRecords) {
  IndexOptions opt;
  opt.records_per_candidate = 2;
  index_ = std::make_unique<IdentityIndex>(*client_, model_, opt);
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<crm::v1::IdentityEvent> changes;
  // One customer by its email, with three records at three times, the
  // oldest written last.
  for (int i : {2, 3, 1}) {
    crm::v1::Event ev = Registration(i, "刘洋", "liu.yang@example.com");
    ev.mutable_identity()->set_city(i == 1 ? "Dalian" : i == 2 ? "Chengdu" : "Xian");
    ASSERT_TRUE(Run(MakeSlice({ev}, i), &out, &changes).ok());
  }
  std::set<std::string> customers;
  for (const auto& [cid, value] : out) customers.insert(cid);
  ASSERT_EQ(customers.size(), 1u);
  auto sample = client_->Run(SampleCommand(IndexKeys("crm:id:"), *customers.begin(), 2));
  ASSERT_TRUE(sample.ok());
  ASSERT_EQ(sample->elements.size(), 2u);
  std::set<std::string> sampled = {sample->elements[0].str, sample->elements[1].str};
  std::set<std::string> latest;
  for (const auto& c : changes) {
    if (c.has_record_assigned() && c.record_assigned().event_id() != "it-1") latest.insert(c.record_assigned().record_id());
  }
  EXPECT_EQ(sampled, latest) << "the sample is the two most recent records by event time, not by arrival";
}

// Two replicas, one new person: this replica's probe finds the email free,
// the other replica claims it before this one does. The claim (atomic in
// Redis) finds the key taken and joins its holder: one customer, no merge.
TEST_F(ResolveSliceTest, NewPersonLosingTheRaceForItsKeyEndsAsOneCustomer) {
  IdentityIndex other(*client_, model_, IndexOptions{});
  crm::v1::Event mine = Registration(1, "张伟", "zhang.wei@huadong.com");
  crm::v1::Event theirs = Registration(2, "张伟", "Zhang.Wei@HUADONG.com");  // another rendering, same email
  // This replica probes its record: the email is not held yet.
  std::vector<redis::Command> cmds;
  IdentityIndex::Ask ask = index_->AskCommands(mine, RecordIdOf(mine.identity(), "expo", "2026"), &cmds);
  auto replies = client_->Pipeline(cmds);
  ASSERT_TRUE(replies.ok());
  auto known = index_->ParseKnown(ask, *replies);
  ASSERT_TRUE(known.ok());
  ASSERT_EQ(*known, "");
  // Meanwhile the other replica resolves its record and claims the email.
  std::vector<crm::v1::IdentityEvent> changes;
  auto first = other.ResolveMany({&theirs}, {}, &changes);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ((*first)[0].match.rule(), "new");
  // This replica goes on from its probe.
  auto second = index_->ResolveMany({&mine}, {&ask}, &changes);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)[0].customer_id, (*first)[0].customer_id) << "one person, one customer";
  EXPECT_EQ((*second)[0].match.rule(), "key:email");
  for (const auto& c : changes) EXPECT_FALSE(c.has_merged()) << c.DebugString();
  auto customer = index_->GetCustomer((*first)[0].customer_id);
  ASSERT_TRUE(customer.ok()) << customer.status();
  EXPECT_EQ(customer->records_size(), 2) << customer->DebugString();
  auto by_record = client_->Run({"GET", "crm:id:rec:" + (*second)[0].record_id + ":c"});
  ASSERT_TRUE(by_record.ok());
  EXPECT_EQ(by_record->str, (*first)[0].customer_id);
}

// Two records of one person in this replica's slice use an email nobody held
// at lookup; meanwhile another replica claims it for someone else (a shared
// inbox). The slice's second record must get the same name check as its
// first, not take the email as claimed by its own slice.
TEST_F(ResolveSliceTest, KeyClaimedMeanwhileForAnotherNameJoinsNeitherOfTheSlicesRecords) {
  IdentityIndex other(*client_, model_, IndexOptions{});
  crm::v1::Event first = Registration(1, "张伟", "huadong.team@163.com");
  first.mutable_identity()->set_phone("+86 138 0013 8000");
  crm::v1::Event second = Registration(2, "张伟", "huadong.team@163.com");
  second.mutable_identity()->set_company("华东机械");
  crm::v1::Event theirs = Registration(3, "王芳", "huadong.team@163.com");
  std::vector<redis::Command> cmds;
  IdentityIndex::Ask a1 = index_->AskCommands(first, RecordIdOf(first.identity(), "expo", "2026"), &cmds);
  IdentityIndex::Ask a2 = index_->AskCommands(second, RecordIdOf(second.identity(), "expo", "2026"), &cmds);
  auto replies = client_->Pipeline(cmds);
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(*index_->ParseKnown(a1, *replies), "");
  ASSERT_EQ(*index_->ParseKnown(a2, *replies), "");
  std::vector<crm::v1::IdentityEvent> changes;
  auto wang = other.ResolveMany({&theirs}, {}, &changes);
  ASSERT_TRUE(wang.ok()) << wang.status();
  ASSERT_EQ((*wang)[0].match.rule(), "new");
  auto mine = index_->ResolveMany({&first, &second}, {&a1, &a2}, &changes);
  ASSERT_TRUE(mine.ok()) << mine.status();
  for (const auto& res : *mine) {
    EXPECT_NE(res.customer_id, (*wang)[0].customer_id) << "张伟 joined 王芳 by their shared inbox";
  }
  for (const auto& c : changes) {
    if (!c.has_merged()) continue;
    EXPECT_NE(c.merged().survivor_id(), (*wang)[0].customer_id) << c.DebugString();
    EXPECT_NE(c.merged().merged_id(), (*wang)[0].customer_id) << c.DebugString();
  }
  bool shared = false;
  for (const auto& c : changes) shared = shared || c.has_key_shared();
  EXPECT_TRUE(shared) << "the inbox is known shared";
}

// A show in Berlin: ingest normalizes phones with the show's country, and
// dedup keys on what ingest computed, so a local and an international
// rendering of one number are one key.
TEST_F(ResolveSliceTest, GermanShowPhonesWrittenLocallyAndInternationallyAreOneCustomer) {
  shows::ShowRegistry registry;
  crm::v1::ShowSeries series;
  series.set_show_id("ifa");
  series.set_name("IFA Berlin");
  series.set_country("DE");
  series.set_time_zone("Europe/Berlin");
  series.set_version(1);
  auto* edition = series.add_editions();
  edition->set_edition_id("2026");
  edition->set_open_date("2026-09-04");
  edition->set_close_date("2026-09-08");
  ASSERT_TRUE(shows::ShowRegistry::Validate(series).ok());
  registry.Apply(series);
  FakeClock clock(1'788'000'000'000);  // 2026-08-29, before the show
  std::vector<crm::v1::Event> events;
  for (auto [i, name, phone] : {std::tuple{1, "Jürgen Müller", "030 12345678"}, {2, "Juergen Mueller", "+49 30 12345678"}}) {
    crm::v1::Event ev = Registration(i, name, "");
    ev.set_show_id("ifa");
    SetTimestampMillis(ev.mutable_occurred_at(), 1'787'900'000'000 + i);
    ev.mutable_identity()->set_phone(phone);
    auto problem = ingest::ValidateAndNormalize(ev, ingest::EventContext{}, registry, clock);
    ASSERT_FALSE(problem.has_value()) << problem->code << " " << problem->message;
    ASSERT_EQ(ev.identity().normalized().phone_e164(), "+493012345678");
    events.push_back(ev);
  }
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<crm::v1::IdentityEvent> changes;
  // Each in a slice of its own: the second finds the first by its phone.
  ASSERT_TRUE(Run(MakeSlice({events[0]}, 10), &out, &changes).ok());
  ASSERT_TRUE(Run(MakeSlice({events[1]}, 11), &out, &changes).ok());
  ASSERT_EQ(out.size(), 2u);
  crm::v1::ResolvedEvent a, b;
  ASSERT_TRUE(a.ParseFromString(out[0].second));
  ASSERT_TRUE(b.ParseFromString(out[1].second));
  EXPECT_EQ(a.customer_id(), b.customer_id()) << "030 12345678 at a Berlin show is +49 30 12345678";
  EXPECT_EQ(b.match().rule(), "key:phone");
  EXPECT_EQ(b.match().key(), "+493012345678");
}

// A slice that decided a merge, then failed before its changes reached
// crm.identity.v1, is redelivered: the replay publishes the merge again, so
// the topic can still rebuild the index.
TEST_F(ResolveSliceTest, RedeliveredSliceRepublishesTheMergeItDecided) {
  std::vector<std::pair<std::string, std::string>> out;
  crm::v1::Event both = TwoCustomersAndTheirBridge("王芳", "wang.fang@example.com", "+8613800138000", &out);
  std::set<std::string> customers;
  for (const auto& [cid, value] : out) customers.insert(cid);
  ASSERT_EQ(customers.size(), 2u) << "email and phone alone are two customers";

  Slice decisive = MakeSlice({both}, 3);
  std::vector<crm::v1::IdentityEvent> first, replay;
  ASSERT_TRUE(Run(decisive, &out, &first).ok());
  std::vector<std::string> merges;
  for (const auto& c : first) {
    if (c.has_merged()) merges.push_back(c.merged().merge_id());
  }
  ASSERT_EQ(merges.size(), 1u) << "the record holding both keys merges the two";

  // The batch failed after this: the same delivery again.
  ASSERT_TRUE(Run(decisive, &out, &replay).ok());
  std::vector<std::string> again;
  bool assigned = false;
  for (const auto& c : replay) {
    if (c.has_merged()) again.push_back(c.merged().merge_id());
    assigned = assigned || c.has_record_assigned();
  }
  EXPECT_TRUE(assigned) << "the record's assignment is published again";
  EXPECT_EQ(again, merges) << "the merge is published again, and only it";

  // Applying the republished merge (a rebuild reading both copies) changes nothing.
  auto before = index_->GetCustomer(*customers.begin());
  ASSERT_TRUE(before.ok());
  for (const auto& c : replay) ASSERT_TRUE(index_->Apply(c).ok());
  auto after = index_->GetCustomer(*customers.begin());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->history_size(), before->history_size()) << after->DebugString();
  EXPECT_EQ(after->records_size(), before->records_size());
}

// A slice fails after its record was assigned but before the merge it
// called for (here the merge lock is held elsewhere past merge_lock_wait):
// the replayed delivery makes the merge, so the person ends as one customer.
TEST_F(ResolveSliceTest, ReplayAfterAFailureBeforeTheMergeCompletesTheMerge) {
  IndexOptions opt;
  opt.lock_wait = std::chrono::milliseconds(50);
  index_ = std::make_unique<IdentityIndex>(*client_, model_, opt);
  std::vector<std::pair<std::string, std::string>> out;
  crm::v1::Event both = TwoCustomersAndTheirBridge("赵敏", "zhao.min@example.com", "+8613900139000", &out);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_NE(out[0].first, out[1].first);

  ASSERT_TRUE(client_->Run({"SET", "crm:id:lock:merge", "another-replica"}).ok());
  Slice decisive = MakeSlice({both}, 3);
  std::vector<std::pair<std::string, std::string>> failed_out;
  std::vector<crm::v1::IdentityEvent> failed_changes;
  EXPECT_FALSE(Run(decisive, &failed_out, &failed_changes).ok()) << "the merge lock is busy: the slice fails";
  ASSERT_TRUE(client_->Run({"DEL", "crm:id:lock:merge"}).ok());

  std::vector<std::pair<std::string, std::string>> replay_out;
  std::vector<crm::v1::IdentityEvent> replay_changes;
  ASSERT_TRUE(Run(decisive, &replay_out, &replay_changes).ok());
  int merges = 0;
  for (const auto& c : replay_changes) merges += c.has_merged();
  EXPECT_EQ(merges, 1) << "the replay makes the merge the first attempt could not";
  auto a = index_->Lookup("email", "zhao.min@example.com");
  auto b = index_->Lookup("phone", "+8613900139000");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->customer_id(), b->customer_id()) << "one person, one customer";
  ASSERT_EQ(replay_out.size(), 1u);
  EXPECT_EQ(replay_out[0].first, a->customer_id()) << "the replayed event resolves to the merged customer";
}

}  // namespace
}  // namespace crm::dedup
