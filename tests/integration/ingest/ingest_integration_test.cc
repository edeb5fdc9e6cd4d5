#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/kafka/producer.h"
#include "tests/integration/ingest/ingest_fixture.h"

namespace crm::ingest::testing {
namespace {

// What a generated input should become.
struct Expect {
  bool valid;
  std::string reason;  // for invalid ones
};

// Invalid kinds cycle through these reasons (raw-only ones appended for raw).
const char* kGrpcReasons[] = {"INVALID_EMAIL", "INVALID_PHONE", "UNKNOWN_SHOW", "MISSING_FIELD", "TIME_IN_FUTURE"};
const char* kRawReasons[] = {"INVALID_EMAIL", "INVALID_PHONE", "UNKNOWN_SHOW", "MISSING_FIELD",
                             "TIME_IN_FUTURE", "MALFORMED_JSON", "UNKNOWN_FIELD"};

std::string Email(int i) { return "User" + std::to_string(i) + "@Example.COM"; }
std::string WantEmail(int i) { return "User" + std::to_string(i) + "@example.com"; }
std::string Phone(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "138 0013 %04d", i % 10000);
  return buf;
}
std::string WantPhone(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+861380013%04d", i % 10000);
  return buf;
}

crm::v1::Event GrpcEvent(int i, const char* reason, int64_t now_ms) {
  crm::v1::Event ev;
  ev.set_event_id("g" + std::to_string(i));
  ev.mutable_source()->set_system("it-grpc");
  ev.set_show_id("test-expo");
  ev.set_edition_id("2026");
  ev.mutable_occurred_at()->set_seconds(now_ms / 1000 - 3600);
  ev.set_customer_type(crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR);
  auto* id = ev.mutable_identity();
  id->set_full_name("王" + std::to_string(i));
  id->set_email(Email(i));
  id->set_phone(Phone(i));
  ev.mutable_ticket_registration()->set_ticket_id("T" + std::to_string(i));
  std::string r = reason ? reason : "";
  if (r == "INVALID_EMAIL") id->set_email("nobody@@example.com");
  if (r == "INVALID_PHONE") id->set_phone("12345");
  if (r == "UNKNOWN_SHOW") ev.set_show_id("no-such-show");
  if (r == "MISSING_FIELD") ev.mutable_ticket_registration()->clear_ticket_id();
  if (r == "TIME_IN_FUTURE") ev.mutable_occurred_at()->set_seconds(now_ms / 1000 + 86400);
  return ev;
}

std::string RawEvent(int i, const char* reason, int64_t now_ms) {
  std::string r = reason ? reason : "";
  if (r == "MALFORMED_JSON") return "{\"source\": {\"system\": \"it-raw\"}, \"event_id\": \"r" + std::to_string(i);
  std::string email = r == "INVALID_EMAIL" ? "nobody@@example.com" : Email(i);
  std::string phone = r == "INVALID_PHONE" ? "12345" : Phone(i);
  std::string show = r == "UNKNOWN_SHOW" ? "no-such-show" : "test-expo";
  int64_t when = r == "TIME_IN_FUTURE" ? now_ms + 86'400'000 : now_ms - 3'600'000;
  std::string payload = r == "MISSING_FIELD" ? "{}" : "{\"ticket_id\":\"T" + std::to_string(i) + "\"}";
  std::string extra = r == "UNKNOWN_FIELD" ? ",\"colour\":\"blue\"" : "";
  return "{\"source\":{\"system\":\"it-raw\"},\"event_id\":\"r" + std::to_string(i) +
         "\",\"show_id\":\"" + show + "\",\"edition_id\":\"2026\",\"occurred_at\":" + std::to_string(when) +
         ",\"customer_type\":\"public_visitor\",\"person\":{\"full_name\":\"李" + std::to_string(i) +
         "\",\"email\":\"" + email + "\",\"phone\":\"" + phone + "\"},\"ticket_registration\":" + payload + extra + "}";
}

TEST_F(IngestFixture, TenThousandMixedEventsOverGrpcAndRawTopicsAllAccountedFor) {
  constexpr int kPerPath = 5000;
  const int64_t now = NowMs();
  std::map<std::string, Expect> want;  // event id -> expectation (valid ones) ; reasons counted separately
  std::map<std::string, int> want_rejects;
  int valid_total = 0;

  // gRPC: one Publish stream, 100 events per message.
  auto stub = crm::v1::IngestService::NewStub(channel_);
  auto ctx = grpcutil::MakeContext(120s);
  auto stream = stub->Publish(ctx.get());
  std::map<uint64_t, Expect> by_seq;
  crm::v1::PublishRequest req;
  for (int i = 0; i < kPerPath; ++i) {
    const char* reason = i % 5 == 4 ? kGrpcReasons[(i / 5) % 5] : nullptr;
    *req.add_events() = GrpcEvent(i, reason, now);
    by_seq[i] = Expect{reason == nullptr, reason ? reason : ""};
    if (reason) {
      want_rejects[reason]++;
    } else {
      want["ext:it-grpc:g" + std::to_string(i)] = Expect{true, ""};
      valid_total++;
    }
    if (req.events_size() == 100) {
      ASSERT_TRUE(stream->Write(req));
      req.Clear();
    }
  }
  stream->WritesDone();
  crm::v1::PublishResponse resp;
  std::map<uint64_t, crm::v1::EventResult> results;
  while (stream->Read(&resp))
    for (const auto& r : resp.results()) results[r.sequence()] = r;
  auto st = stream->Finish();
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(results.size(), static_cast<size_t>(kPerPath)) << "every event gets exactly one result";
  for (const auto& [seq, r] : results) {
    const Expect& e = by_seq[seq];
    if (e.valid) {
      EXPECT_EQ(r.outcome(), crm::v1::EventResult::OUTCOME_ACCEPTED) << seq << " " << r.message();
      EXPECT_EQ(r.event_id(), "ext:it-grpc:g" + std::to_string(seq));
    } else {
      EXPECT_EQ(r.outcome(), crm::v1::EventResult::OUTCOME_REJECTED) << seq;
      EXPECT_EQ(r.reason_code(), e.reason) << seq << ": " << r.message();
      EXPECT_FALSE(r.field_path().empty() && e.reason != "UNKNOWN_SHOW") << seq;
    }
  }

  // Raw topic: one record per event through the project's producer.
  {
    auto producer = kafka::Producer::Create({.brokers = broker_.bootstrap_servers(), .client_id = "it-raw"});
    ASSERT_TRUE(producer.ok());
    for (int i = 0; i < kPerPath; ++i) {
      const char* reason = i % 5 == 4 ? kRawReasons[(i / 5) % 7] : nullptr;
      ASSERT_TRUE((*producer)->Publish("crm.raw.ticketing.v1", "dev" + std::to_string(i % 7), RawEvent(i, reason, now),
                                       nullptr).ok());
      if (reason) {
        want_rejects[reason]++;
      } else {
        want["ext:it-raw:r" + std::to_string(i)] = Expect{true, ""};
        valid_total++;
      }
    }
    ASSERT_TRUE((*producer)->Flush(60s).ok());
  }
  int reject_total = 2 * kPerPath - valid_total;

  // crm.events.v1 holds exactly the valid events, normalized.
  std::map<std::string, crm::v1::Event> events;
  std::mutex mu;
  ReadTopic(
      "crm.events.v1",
      [&](const kafka::Message& m) {
        crm::v1::Event ev;
        ASSERT_TRUE(ev.ParseFromString(m.value));
        std::lock_guard l(mu);
        events[ev.event_id()] = ev;
      },
      [&] {
        std::lock_guard l(mu);
        return static_cast<int>(events.size()) >= valid_total;
      },
      120s);
  ASSERT_EQ(static_cast<int>(events.size()), valid_total);
  for (const auto& [id, ev] : events) {
    ASSERT_TRUE(want.count(id)) << "unexpected event " << id;
    int i = std::stoi(id.substr(id.rfind(':') + 2));
    EXPECT_EQ(ev.identity().email(), Email(i)) << "original kept";
    EXPECT_EQ(ev.identity().normalized().email(), WantEmail(i)) << id;
    EXPECT_EQ(ev.identity().normalized().phone_e164(), WantPhone(i)) << id;
    EXPECT_EQ(ev.identity().normalized().country(), "");
    EXPECT_FALSE(ev.identity().normalized().name_key().empty());
    EXPECT_GT(ev.received_at().seconds(), 0);
    EXPECT_EQ(ev.source().kind(), id.find("it-raw") != std::string::npos ? crm::v1::SOURCE_KIND_TICKETING
                                                                         : crm::v1::SOURCE_KIND_INTERNAL);
  }

  // crm.deadletter.v1 holds every reject with its reason and original bytes.
  std::map<std::string, int> got_rejects;
  int dead = 0;
  ReadTopic(
      "crm.deadletter.v1",
      [&](const kafka::Message& m) {
        crm::v1::DeadLetter dl;
        ASSERT_TRUE(dl.ParseFromString(m.value));
        EXPECT_FALSE(dl.original_payload().empty());
        EXPECT_FALSE(dl.message().empty());
        if (dl.source().rfind("grpc:", 0) == 0) {
          // The event as the client sent it: its own id, nothing normalized.
          crm::v1::Event original;
          EXPECT_TRUE(original.ParseFromString(dl.original_payload()));
          EXPECT_EQ(original.event_id().rfind("g", 0), 0u) << original.event_id();
          EXPECT_FALSE(original.identity().has_normalized());
          EXPECT_FALSE(original.has_received_at());
        }
        std::lock_guard l(mu);
        got_rejects[dl.reason_code()]++;
        dead++;
      },
      [&] {
        std::lock_guard l(mu);
        return dead >= reject_total;
      },
      120s);
  EXPECT_EQ(got_rejects, want_rejects);
  EXPECT_EQ(valid_total + dead, 2 * kPerPath) << "accepted + rejected must add up to every input";
}

// A client that streams events and records which were acknowledged, and how long each took.
struct StreamRun {
  std::mutex mu;
  std::set<std::string> acked;
  int retry = 0;
  int64_t max_ack_ms = 0;
  std::atomic<int> acked_count{0};
  std::atomic<bool> stream_done{false};
};

void StreamEvents(std::shared_ptr<grpc::Channel> channel, int count, const std::string& prefix, StreamRun* run,
                  std::chrono::microseconds pause) {
  auto stub = crm::v1::IngestService::NewStub(channel);
  auto ctx = grpcutil::MakeContext(300s);
  auto stream = stub->Publish(ctx.get());
  std::vector<int64_t> sent_at(count, 0);
  std::thread reader([&] {
    crm::v1::PublishResponse resp;
    while (stream->Read(&resp)) {
      int64_t now = NowMs();
      std::lock_guard l(run->mu);
      for (const auto& r : resp.results()) {
        if (r.outcome() == crm::v1::EventResult::OUTCOME_ACCEPTED) {
          run->acked.insert(r.event_id());
          run->acked_count++;
        } else {
          run->retry++;
        }
        run->max_ack_ms = std::max(run->max_ack_ms, now - sent_at[r.sequence()]);
      }
    }
  });
  int64_t now = NowMs();
  for (int i = 0; i < count; ++i) {
    crm::v1::PublishRequest req;
    auto ev = GrpcEvent(i, nullptr, now);
    ev.set_event_id(prefix + std::to_string(i));
    *req.add_events() = ev;
    sent_at[i] = NowMs();
    if (!stream->Write(req)) break;
    if (pause.count()) std::this_thread::sleep_for(pause);
  }
  stream->WritesDone();
  reader.join();
  stream->Finish();
  run->stream_done = true;
}

TEST_F(IngestFixture, EverythingAcknowledgedSurvivesIngestKilledMidStream) {
  StreamRun run;
  std::thread client([&] { StreamEvents(channel_, 50'000, "k", &run, std::chrono::microseconds(50)); });
  ASSERT_TRUE(crm::testing::WaitFor([&] { return run.acked_count.load() >= 3000; }, 120s));
  ingest_->Signal(SIGKILL);
  ingest_->Wait(10s);
  client.join();
  std::set<std::string> acked;
  {
    std::lock_guard l(run.mu);
    acked = run.acked;
  }
  ASSERT_GE(acked.size(), 3000u);
  ASSERT_LT(acked.size(), 50'000u) << "the kill came too late to test anything";
  auto lost = MissingFromEvents(acked, 60s);
  EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged events are not on crm.events.v1, e.g. " << lost.front();
}

TEST_F(IngestFixture, BrokerDownForTenSecondsSlowsCallersButLosesNothingAcknowledged) {
  StreamRun run;
  constexpr int kCount = 20'000;
  std::thread client([&] { StreamEvents(channel_, kCount, "b", &run, std::chrono::microseconds(500)); });
  ASSERT_TRUE(crm::testing::WaitFor([&] { return run.acked_count.load() >= 2000; }, 120s));
  ASSERT_TRUE(broker_.Control("broker-down 1").ok());
  std::this_thread::sleep_for(10s);  // the fault's duration, not a wait for async work
  ASSERT_TRUE(broker_.Control("broker-up 1").ok());
  client.join();

  std::set<std::string> acked;
  int retry;
  int64_t max_ack_ms;
  {
    std::lock_guard l(run.mu);
    acked = run.acked;
    retry = run.retry;
    max_ack_ms = run.max_ack_ms;
  }
  // Callers noticed: acknowledgements stalled while the broker was away, or
  // they were told to retry; no event was acknowledged before it was stored.
  EXPECT_TRUE(max_ack_ms >= 5000 || retry > 0) << "max ack latency " << max_ack_ms << " ms, retries " << retry;
  EXPECT_EQ(static_cast<int>(acked.size()) + retry, kCount) << "every event got an answer";
  auto lost = MissingFromEvents(acked, 60s);
  EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged events missing, e.g. " << lost.front();
}

}  // namespace
}  // namespace crm::ingest::testing

namespace crm::ingest::testing {
namespace {

TEST_F(IngestFixture, ShowRegistryIsReloadedFromItsTopicAfterARestart) {
  auto shows = crm::v1::ShowService::NewStub(channel_);
  // Add an edition, then reject a bad one with the field named.
  crm::v1::UpsertEditionRequest add;
  add.set_show_id("test-expo");
  add.mutable_edition()->set_edition_id("2027");
  add.mutable_edition()->set_open_date("2027-04-20");
  add.mutable_edition()->set_close_date("2027-04-24");
  crm::v1::ShowSeries stored;
  auto ctx = grpcutil::MakeContext(30s);
  ASSERT_TRUE(shows->UpsertEdition(ctx.get(), add, &stored).ok());
  EXPECT_EQ(stored.version(), 2u);
  EXPECT_EQ(stored.editions_size(), 2);
  add.mutable_edition()->set_close_date("2027-04-01");
  auto bad_ctx = grpcutil::MakeContext(30s);
  auto bad = shows->UpsertEdition(bad_ctx.get(), add, &stored);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("close_date"), std::string::npos) << bad.error_message();

  // Restart: the new process knows the show only from crm.shows.v1.
  ingest_->Stop();
  StartIngest();
  shows = crm::v1::ShowService::NewStub(channel_);
  crm::v1::GetSeriesRequest get;
  get.set_show_id("test-expo");
  crm::v1::ShowSeries loaded;
  auto get_ctx = grpcutil::MakeContext(30s);
  auto st = shows->GetSeries(get_ctx.get(), get, &loaded);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(loaded.version(), 2u);
  EXPECT_EQ(loaded.editions_size(), 2);

  auto ingest = crm::v1::IngestService::NewStub(channel_);
  crm::v1::PublishBatchRequest req;
  *req.add_events() = GrpcEvent(1, nullptr, NowMs());
  crm::v1::PublishBatchResponse resp;
  auto pub_ctx = grpcutil::MakeContext(30s);
  ASSERT_TRUE(ingest->PublishBatch(pub_ctx.get(), req, &resp).ok());
  EXPECT_EQ(resp.accepted(), 1u) << resp.results(0).message();
}

}  // namespace
}  // namespace crm::ingest::testing
