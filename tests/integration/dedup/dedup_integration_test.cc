#include <signal.h>

#include <algorithm>

#include "tests/integration/dedup/dedup_fixture.h"

namespace crm::dedup::testing {
namespace {

std::set<std::string> RecordIds(const crm::v1::Customer& c) {
  std::set<std::string> out;
  for (const auto& r : c.records()) out.insert(r.record_id());
  return out;
}

std::set<std::string> Aliases(const crm::v1::Customer& c) { return {c.aliases().begin(), c.aliases().end()}; }

TEST_F(DedupFixture, TwoReplicasSamePersonOnTwoPartitionsAtOnceIsOneCustomer) {
  auto replicas = StartReplicas(2);
  Replica &a = *replicas[0], &b = *replicas[1];

  // Both replicas are members of the group once a round of one event per
  // partition is handled by both of them.
  int round = 0;
  bool both = WaitFor(
      [&] {
        double a0 = a.Metric("crm_dedup_resolved_total"), b0 = b.Metric("crm_dedup_resolved_total");
        std::set<std::string> ids;
        for (int p = 0; p < 6; ++p) {
          std::string id = "ext:it:warmup-" + std::to_string(round) + "-" + std::to_string(p);
          sender_->Send(TicketEvent(id, PersonNo(100 + 6 * round + p), NowMs() - 60'000), p);
          ids.insert(id);
        }
        ++round;
        if (!sender_->Flush() || !WaitResolved(ids, 30s)) return false;
        return a.Metric("crm_dedup_resolved_total") > a0 && b.Metric("crm_dedup_resolved_total") > b0;
      },
      60s);
  ASSERT_TRUE(both) << "the two replicas never shared the partitions";
  const double a_before = a.Metric("crm_dedup_resolved_total"), b_before = b.Metric("crm_dedup_resolved_total");

  // 50 new persons, each arriving twice at the same moment: once on a
  // partition of the first half, once on one of the second half. Range (and
  // round-robin) assignment of 6 partitions to 2 members puts them on
  // different replicas.
  constexpr int kPairs = 50;
  const int64_t at = NowMs() - 30'000;
  std::vector<crm::v1::Event> first, second;
  for (int i = 0; i < kPairs; ++i) {
    first.push_back(TicketEvent("ext:it:pair-" + std::to_string(i) + "-a", PersonNo(i), at));
    second.push_back(TicketEvent("ext:it:pair-" + std::to_string(i) + "-b", PersonNo(i), at + 1));
  }
  std::vector<std::pair<size_t, size_t>> sent;
  for (int i = 0; i < kPairs; ++i)
    sent.emplace_back(sender_->Send(first[i], i % 3), sender_->Send(second[i], 3 + i % 3));
  ASSERT_TRUE(sender_->Flush());
  std::set<std::string> ids;
  for (int i = 0; i < kPairs; ++i) {
    auto sa = sender_->sent(sent[i].first), sb = sender_->sent(sent[i].second);
    EXPECT_NE(sa.partition, sb.partition) << "pair " << i;
    EXPECT_LT(sa.partition, 3) << "pair " << i;
    EXPECT_GE(sb.partition, 3) << "pair " << i;
    ids.insert(first[i].event_id());
    ids.insert(second[i].event_id());
  }
  ASSERT_TRUE(WaitResolved(ids, 60s));

  auto resolved = Resolved();
  std::set<std::string> customers;
  for (int i = 0; i < kPairs; ++i) {
    const auto& ra = resolved[first[i].event_id()];
    const auto& rb = resolved[second[i].event_id()];
    ASSERT_EQ(ra.size(), 1u) << first[i].event_id();
    ASSERT_EQ(rb.size(), 1u) << second[i].event_id();
    EXPECT_FALSE(ra[0].customer_id().empty());
    EXPECT_EQ(ra[0].customer_id(), rb[0].customer_id())
        << "pair " << i << " (" << PersonNo(i).email << ") became two customers";
    customers.insert(ra[0].customer_id());
    EXPECT_EQ(Resolve(a, "email", PersonNo(i).email).customer_id(), ra[0].customer_id()) << "pair " << i;
  }
  EXPECT_EQ(customers.size(), static_cast<size_t>(kPairs)) << "distinct persons must be distinct customers";
  // Each replica resolved exactly one event of every pair.
  EXPECT_EQ(a.Metric("crm_dedup_resolved_total") - a_before, kPairs);
  EXPECT_EQ(b.Metric("crm_dedup_resolved_total") - b_before, kPairs);
  // One customer from the start, not two customers merged afterwards.
  for (const auto& ch : IdentityChanges()) EXPECT_FALSE(ch.has_merged()) << ch.ShortDebugString();
}

TEST_F(DedupFixture, DuplicateEventIdsAreDroppedEvenAfterARestart) {
  Replica* first = &StartReplica();
  const auto x = TicketEvent("ext:it:order-77", PersonNo(7), NowMs() - 3'600'000);
  size_t original = sender_->Send(x, 2);
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved({x.event_id()}, 60s));
  ASSERT_TRUE(WaitNoLag());  // committed: the restart does not redeliver it

  first->proc->Signal(SIGKILL);
  ASSERT_TRUE(first->proc->Wait(10s).has_value());
  Replica& second = StartReplica();

  size_t copy = sender_->Send(x, 2);
  const auto y = TicketEvent("ext:it:order-78", PersonNo(8), NowMs() - 3'500'000);
  sender_->Send(y, 2);  // after the copy on the same partition: once y is resolved, the copy was handled
  ASSERT_TRUE(sender_->Flush());
  EXPECT_EQ(sender_->sent(copy).partition, sender_->sent(original).partition);
  EXPECT_GT(sender_->sent(copy).offset, sender_->sent(original).offset);
  ASSERT_TRUE(WaitResolved({y.event_id()}, 60s));
  ASSERT_TRUE(WaitNoLag());

  auto resolved = Resolved();
  EXPECT_EQ(resolved[x.event_id()].size(), 1u) << "the copy of " << x.event_id() << " was resolved again";
  EXPECT_EQ(resolved[y.event_id()].size(), 1u);
  EXPECT_EQ(second.Metric("crm_dedup_duplicates_total{kind=\"event_id\"}"), 1);
}

TEST_F(DedupFixture, DoubleTapBecomesOneLeadWithDwellExtended) {
  StartReplica();
  const Person visitor = PersonNo(3);
  const int64_t t0 = NowMs() - 3'600'000;
  const uint32_t kDwell = 20;
  auto s1 = BoothScanEvent("dev:scanner-fleet:DEV1:1", visitor, "B-1001", "A12", kDwell, t0);
  auto s2 = BoothScanEvent("dev:scanner-fleet:DEV1:2", visitor, "B-1001", "A12", kDwell, t0 + 3'000);
  auto s3 = BoothScanEvent("dev:scanner-fleet:DEV1:3", visitor, "B-1001", "A12", kDwell, t0 + 300'000);
  for (const auto* s : {&s1, &s2, &s3}) sender_->Send(*s, RD_KAFKA_PARTITION_UA, "DEV1");  // one device, in order
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved({s1.event_id(), s2.event_id(), s3.event_id()}, 60s));

  auto resolved = Resolved();
  ASSERT_EQ(resolved[s1.event_id()].size(), 1u);
  ASSERT_EQ(resolved[s2.event_id()].size(), 1u);
  ASSERT_EQ(resolved[s3.event_id()].size(), 1u);
  const auto &r1 = resolved[s1.event_id()][0], &r2 = resolved[s2.event_id()][0], &r3 = resolved[s3.event_id()][0];

  EXPECT_EQ(r1.lead_id(), s1.event_id());
  EXPECT_FALSE(r1.lead_update());
  EXPECT_EQ(r1.lead_dwell_seconds(), kDwell);

  EXPECT_TRUE(r2.lead_update()) << "a second scan 3 s later is a double tap";
  EXPECT_EQ(r2.lead_id(), s1.event_id());
  EXPECT_GE(r2.lead_dwell_seconds(), kDwell + 3);

  EXPECT_FALSE(r3.lead_update()) << "a scan 5 minutes later is a new lead";
  EXPECT_EQ(r3.lead_id(), s3.event_id());
  EXPECT_EQ(r3.lead_dwell_seconds(), kDwell);

  EXPECT_EQ(r1.customer_id(), r2.customer_id());
  EXPECT_EQ(r1.customer_id(), r3.customer_id());
}

TEST_F(DedupFixture, MergeThenUnmergeThroughGrpc) {
  Replica& r = StartReplica();
  const Person pa = PersonNo(11), pb = PersonNo(24);
  const int64_t t0 = NowMs() - 7'200'000;
  auto ea = TicketEvent("ext:it:a-1", pa, t0), eb = TicketEvent("ext:it:b-1", pb, t0 + 1'000);
  sender_->Send(ea, 0);
  sender_->Send(eb, 1);
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved({ea.event_id(), eb.event_id()}, 60s));
  auto resolved = Resolved();
  const std::string id_a = resolved[ea.event_id()][0].customer_id(), id_b = resolved[eb.event_id()][0].customer_id();
  const std::string rec_a = resolved[ea.event_id()][0].record_id(), rec_b = resolved[eb.event_id()][0].record_id();
  ASSERT_NE(id_a, id_b);
  const std::string older = std::min(id_a, id_b), younger = std::max(id_a, id_b);

  // Merge: the older id survives, the younger becomes its alias.
  crm::v1::MergeRequest mreq;
  mreq.set_customer_a(id_a);
  mreq.set_customer_b(id_b);
  mreq.set_actor("it-operator");
  mreq.set_reason("same person, says the sales desk");
  crm::v1::MergeResponse mresp;
  {
    auto ctx = grpcutil::MakeContext(10s);
    auto st = r.stub->Merge(ctx.get(), mreq, &mresp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  const std::string merge_id = mresp.merge().merge_id();
  ASSERT_FALSE(merge_id.empty());
  EXPECT_EQ(mresp.merge().survivor_id(), older);
  EXPECT_EQ(mresp.merge().merged_id(), younger);

  auto merged = GetCustomer(r, younger);
  EXPECT_EQ(merged.customer_id(), older);
  EXPECT_EQ(Aliases(merged), std::set<std::string>{younger});
  EXPECT_EQ(RecordIds(merged), (std::set<std::string>{rec_a, rec_b}));
  EXPECT_EQ(Resolve(r, "email", pb.email).customer_id(), older);
  EXPECT_EQ(Resolve(r, "email", pa.email).customer_id(), older);

  // Unmerge: records, keys and ids go back.
  crm::v1::UnmergeRequest ureq;
  ureq.set_merge_id(merge_id);
  ureq.set_actor("it-operator");
  ureq.set_reason("two people after all");
  crm::v1::UnmergeResponse uresp;
  {
    auto ctx = grpcutil::MakeContext(10s);
    auto st = r.stub->Unmerge(ctx.get(), ureq, &uresp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  EXPECT_EQ(uresp.unmerge().merge_id(), merge_id);
  EXPECT_EQ(uresp.unmerge().restored_id(), younger);
  EXPECT_EQ(Resolve(r, "email", pb.email).customer_id(), id_b);
  EXPECT_EQ(Resolve(r, "email", pa.email).customer_id(), id_a);
  EXPECT_EQ(Resolve(r, "phone", pb.phone).customer_id(), id_b);
  auto ca = GetCustomer(r, id_a), cb = GetCustomer(r, id_b);
  EXPECT_EQ(ca.customer_id(), id_a);
  EXPECT_EQ(cb.customer_id(), id_b);
  EXPECT_EQ(RecordIds(ca), std::set<std::string>{rec_a});
  EXPECT_EQ(RecordIds(cb), std::set<std::string>{rec_b});
  EXPECT_TRUE(ca.aliases().empty());
  EXPECT_TRUE(cb.aliases().empty());

  // Later events with B's identity (as before, and with a new company) follow B.
  auto eb2 = TicketEvent("ext:it:b-2", pb, t0 + 600'000);
  Person pb_moved = pb;
  pb_moved.company = "Xinghe Textiles Group";
  pb_moved.phone.clear();
  auto eb3 = TicketEvent("ext:it:b-3", pb_moved, t0 + 700'000);
  sender_->Send(eb2, 2);
  sender_->Send(eb3, 3);
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved({eb2.event_id(), eb3.event_id()}, 60s));
  resolved = Resolved();
  EXPECT_EQ(resolved[eb2.event_id()][0].customer_id(), id_b);
  EXPECT_EQ(resolved[eb3.event_id()][0].customer_id(), id_b);

  // History of the survivor shows both decisions.
  auto hist = GetCustomer(r, older);
  bool saw_merge = false, saw_unmerge = false;
  for (const auto& h : hist.history()) {
    saw_merge |= h.has_merged() && h.merged().merge_id() == merge_id;
    saw_unmerge |= h.has_unmerged() && h.unmerged().merge_id() == merge_id;
  }
  EXPECT_TRUE(saw_merge) << hist.ShortDebugString();
  EXPECT_TRUE(saw_unmerge) << hist.ShortDebugString();

  // crm.identity.v1 carries both.
  bool on_topic = WaitFor(
      [&] {
        bool m = false, u = false;
        for (const auto& ch : IdentityChanges()) {
          m |= ch.has_merged() && ch.merged().merge_id() == merge_id && ch.merged().actor() == "it-operator";
          u |= ch.has_unmerged() && ch.unmerged().merge_id() == merge_id;
        }
        return m && u;
      },
      10s);
  EXPECT_TRUE(on_topic) << "merged/unmerged events of " << merge_id << " not on crm.identity.v1";

  // Unmerge marks the pair never-merge by default.
  crm::v1::MergeResponse again;
  auto ctx = grpcutil::MakeContext(10s);
  auto st = r.stub->Merge(ctx.get(), mreq, &again);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
}

// 20 persons, 10 events each, in several renderings.
std::vector<crm::v1::Event> ReplaySet(int64_t t0) {
  std::vector<crm::v1::Event> out;
  for (int i = 0; i < 20; ++i) {
    const Person p = PersonNo(30 + i);
    for (int k = 0; k < 10; ++k) {
      Person v = p;
      if (k % 5 == 1) v.phone.clear();                                              // email only
      if (k % 5 == 2) v.email.clear();                                              // phone only
      if (k % 5 == 3) v.company += " Co., Ltd.";                                    // company written out
      if (k % 5 == 4) v.phone = "139" + p.phone.substr(8, 4) + p.phone.substr(13);  // no country code
      out.push_back(
          TicketEvent("ext:it:replay-" + std::to_string(i) + "-" + std::to_string(k), v, t0 + 60'000 * (10 * i + k)));
    }
  }
  return out;
}

TEST_F(DedupFixture, ReplayingTheSameInputTwiceChangesNothing) {
  Replica& r = StartReplica();
  const auto events = ReplaySet(NowMs() - 86'400'000);
  std::set<std::string> ids;
  for (const auto& ev : events) {
    sender_->Send(ev);
    ids.insert(ev.event_id());
  }
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved(ids, 60s));
  ASSERT_TRUE(WaitNoLag());

  auto redis = Redis();
  auto snapshot = [&] {
    std::map<std::string, std::string> by_record;  // record id -> customer now
    for (const auto& [id, rs] : Resolved()) {
      if (!ids.count(id)) continue;
      for (const auto& re : rs) by_record[re.record_id()] = Resolve(r, "record_id", re.record_id()).customer_id();
    }
    return by_record;
  };
  const auto before = snapshot();
  std::set<std::string> customers;
  for (const auto& [rec, cid] : before) customers.insert(cid);
  EXPECT_GE(customers.size(), 20u);
  auto seq = redis->Run({"GET", "crm:id:seq"});
  ASSERT_TRUE(seq.ok()) << seq.status();
  const std::string seq_before = seq->str;
  const size_t resolved_before = ReadAll(broker_.bootstrap_servers(), "crm.resolved.v1").size();
  const size_t identity_before = ReadAll(broker_.bootstrap_servers(), "crm.identity.v1").size();
  for (const auto& [id, rs] : Resolved()) EXPECT_EQ(rs.size(), 1u) << id;
  // The same input again (same ids, same keys, new offsets).
  for (const auto& ev : events) sender_->Send(ev);
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitNoLag(60s));

  EXPECT_EQ(ReadAll(broker_.bootstrap_servers(), "crm.resolved.v1").size(), resolved_before)
      << "replayed events were resolved again";
  EXPECT_EQ(ReadAll(broker_.bootstrap_servers(), "crm.identity.v1").size(), identity_before)
      << "replayed events changed the identity index";
  EXPECT_EQ(snapshot(), before);
  seq = redis->Run({"GET", "crm:id:seq"});
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->str, seq_before) << "new customer ids were allocated";
  EXPECT_EQ(r.Metric("crm_dedup_duplicates_total{kind=\"event_id\"}"), static_cast<double>(events.size()));
}

// Twelve persons are first seen twice, by email and by phone (two customers
// each); then a record with both arrives and the engine merges the two. For
// the last six, two such records (different companies) arrive together on one
// partition. After FLUSHALL and `crm-dedup rebuild` the index is the same,
// record for record and merge for merge.
TEST_F(DedupFixture, IndexRebuildsFromIdentityTopic) {
  Replica& r = StartReplica();  // stays up, idle; every lookup goes to Redis
  constexpr int kPersons = 12;
  const int64_t t0 = NowMs() - 86'400'000;
  struct Seen {
    Person full;
    crm::v1::Event by_email, by_phone, both, both_again;
  };
  std::vector<Seen> seen;
  std::set<std::string> phase1;
  for (int i = 0; i < kPersons; ++i) {
    Seen s;
    s.full = PersonNo(40 + i);
    Person e = s.full, p = s.full, again = s.full;
    e.phone.clear();
    e.company.clear();
    p.email.clear();
    p.company.clear();
    again.company = "Jinqiao Electronics Group";
    const std::string id = "ext:it:rb-" + std::to_string(i);
    s.by_email = TicketEvent(id + "-email", e, t0 + 1'000 * i);
    s.by_phone = TicketEvent(id + "-phone", p, t0 + 1'000 * i + 100);
    s.both = TicketEvent(id + "-both", s.full, t0 + 3'600'000 + 1'000 * i);
    s.both_again = TicketEvent(id + "-both-again", again, t0 + 3'600'000 + 1'000 * i + 100);
    sender_->Send(s.by_email);
    sender_->Send(s.by_phone);
    phase1.insert({s.by_email.event_id(), s.by_phone.event_id()});
    seen.push_back(std::move(s));
  }
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved(phase1, 60s));
  auto resolved = Resolved();
  for (const auto& s : seen) {
    ASSERT_NE(resolved[s.by_email.event_id()][0].customer_id(), resolved[s.by_phone.event_id()][0].customer_id())
        << "test data: email-only and phone-only records were expected to start as two customers";
  }
  // One bridging record for the first half, then two together for the rest.
  std::set<std::string> phase2a, phase2b;
  for (int i = 0; i < kPersons / 2; ++i) {
    sender_->Send(seen[i].both, i % 6);
    phase2a.insert(seen[i].both.event_id());
  }
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved(phase2a, 60s));
  for (int i = kPersons / 2; i < kPersons; ++i) {
    sender_->Send(seen[i].both, i % 6);
    sender_->Send(seen[i].both_again, i % 6);
    phase2b.insert({seen[i].both.event_id(), seen[i].both_again.event_id()});
  }
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved(phase2b, 60s));
  ASSERT_TRUE(WaitNoLag());

  std::set<std::string> records;
  for (const auto& [id, rs] : Resolved())
    for (const auto& re : rs) records.insert(re.record_id());
  ASSERT_EQ(records.size(), static_cast<size_t>(3 * kPersons + kPersons / 2));

  // Everything a rebuild needs is on crm.identity.v1: every record, every merge.
  std::set<std::string> assigned, merge_ids;
  for (const auto& m : ReadAll(broker_.bootstrap_servers(), "crm.identity.v1")) {
    crm::v1::IdentityEvent ch;
    ASSERT_TRUE(ch.ParseFromString(m.value));
    if (ch.has_record_assigned()) assigned.insert(ch.record_assigned().record_id());
    if (ch.has_merged()) merge_ids.insert(ch.merged().merge_id());
  }
  std::vector<std::string> unpublished;
  std::set_difference(records.begin(), records.end(), assigned.begin(), assigned.end(),
                      std::back_inserter(unpublished));
  EXPECT_TRUE(unpublished.empty()) << unpublished.size() << " of " << records.size()
                                   << " records have no RecordAssigned on crm.identity.v1, e.g. "
                                   << unpublished.front();
  EXPECT_EQ(merge_ids.size(), static_cast<size_t>(kPersons)) << "CustomersMerged events on crm.identity.v1";

  struct State {
    std::map<std::string, std::string> by_email, by_phone, by_record;  // -> customer
    std::map<std::string, std::set<std::string>> records, aliases;     // customer -> ...
  };
  auto lookup = [&](const std::string& kind, const std::string& value) {
    grpc::Status st;
    auto found = Resolve(r, kind, value, &st);
    return st.ok() ? found.customer_id() : "(" + st.error_message() + ")";
  };
  auto snapshot = [&] {
    State s;
    for (const auto& p : seen) {
      s.by_email[p.full.email] = lookup("email", p.full.email);
      s.by_phone[p.full.phone] = lookup("phone", p.full.phone);
    }
    for (const auto& rec : records) s.by_record[rec] = lookup("record_id", rec);
    for (const auto& [rec, cid] : s.by_record) {
      if (s.records.count(cid) || cid.front() == '(') continue;
      auto c = GetCustomer(r, cid);
      s.records[cid] = RecordIds(c);
      s.aliases[cid] = Aliases(c);
    }
    return s;
  };
  const State before = snapshot();
  for (const auto& p : seen) {
    EXPECT_EQ(before.by_email.at(p.full.email), before.by_phone.at(p.full.phone))
        << "one customer for " << p.full.email;
  }
  EXPECT_EQ(before.records.size(), static_cast<size_t>(kPersons));

  // Lose Redis, rebuild it from crm.identity.v1.
  LoseRedisAndRebuild();
  if (HasFatalFailure()) return;
  const State after = snapshot();
  EXPECT_EQ(after.by_email, before.by_email);
  EXPECT_EQ(after.by_phone, before.by_phone);
  EXPECT_EQ(after.by_record, before.by_record);
  for (const auto& [cid, recs] : before.records) {
    EXPECT_EQ(after.records.count(cid) ? after.records.at(cid) : std::set<std::string>{}, recs) << "records of " << cid;
    EXPECT_EQ(after.aliases.count(cid) ? after.aliases.at(cid) : std::set<std::string>{}, before.aliases.at(cid))
        << "aliases of " << cid;
  }

  // A known person (new company) joins the existing customer; a new person gets a new id.
  Person known = seen[3].full;
  known.company = "Tianma Foods International";
  auto ek = TicketEvent("ext:it:rb-known", known, NowMs() - 60'000);
  auto en = TicketEvent("ext:it:rb-new", PersonNo(90), NowMs() - 60'000);
  sender_->Send(ek);
  sender_->Send(en);
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved({ek.event_id(), en.event_id()}, 60s));
  resolved = Resolved();
  EXPECT_EQ(resolved[ek.event_id()][0].customer_id(), before.by_email.at(known.email));
  EXPECT_NE(resolved[ek.event_id()][0].match().rule(), "new");
  const std::string fresh = resolved[en.event_id()][0].customer_id();
  for (const auto& [email, cid] : before.by_email) EXPECT_NE(fresh, cid) << "a new person got an existing customer id";
}

// A rebuild restores the merge counter: new merges get new ids, and an old
// merge id still undoes that merge.
TEST_F(DedupFixture, MergeIdsStayUniqueAcrossARebuild) {
  Replica& r = StartReplica();
  const int64_t t0 = NowMs() - 86'400'000;
  std::vector<crm::v1::Event> events;
  for (int i = 0; i < 3; ++i)
    events.push_back(TicketEvent("ext:it:mid-" + std::to_string(i), PersonNo(80 + i), t0 + i));
  for (const auto& ev : events) sender_->Send(ev);
  ASSERT_TRUE(sender_->Flush());
  ASSERT_TRUE(WaitResolved({events[0].event_id(), events[1].event_id(), events[2].event_id()}, 60s));
  auto resolved = Resolved();
  auto merge = [&](const std::string& a, const std::string& b) {
    crm::v1::MergeRequest req;
    req.set_customer_a(a);
    req.set_customer_b(b);
    req.set_actor("it-operator");
    crm::v1::MergeResponse resp;
    auto ctx = grpcutil::MakeContext(10s);
    auto st = r.stub->Merge(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.merge();
  };
  const auto first =
      merge(resolved[events[0].event_id()][0].customer_id(), resolved[events[1].event_id()][0].customer_id());
  ASSERT_FALSE(first.merge_id().empty());

  LoseRedisAndRebuild();
  if (HasFatalFailure()) return;
  const auto second = merge(first.survivor_id(), resolved[events[2].event_id()][0].customer_id());
  ASSERT_FALSE(second.merge_id().empty());
  EXPECT_NE(second.merge_id(), first.merge_id()) << "Unmerge(" << first.merge_id() << ") now names two merges";
  // The first merge can still be undone, and only it.
  crm::v1::UnmergeRequest ureq;
  ureq.set_merge_id(first.merge_id());
  crm::v1::UnmergeResponse uresp;
  auto ctx = grpcutil::MakeContext(10s);
  auto st = r.stub->Unmerge(ctx.get(), ureq, &uresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(uresp.unmerge().restored_id(), first.merged_id());
}

}  // namespace
}  // namespace crm::dedup::testing
