#pragma once

// Starts the dev broker (project topics), a real redis-server and one or more
// crm-dedup replicas as child processes; produces crm.v1.Event records on
// chosen partitions and follows crm.resolved.v1 and crm.identity.v1.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/grpc/client.h"
#include "common/kafka/consumer.h"
#include "common/kafka/reader.h"
#include "common/redis/redis_client.h"
#include "common/testing/dev_broker.h"
#include "common/testing/http_get.h"
#include "common/testing/redis_server.h"
#include "common/testing/subprocess.h"
#include "common/util/proto_time.h"
#include "crm/v1/event.pb.h"
#include "crm/v1/identity.grpc.pb.h"

namespace crm::dedup::testing {

using namespace std::chrono_literals;
using crm::testing::WaitFor;

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A person of the test data: distinct persons differ in every identifier.
struct Person {
  std::string name;
  std::string email;
  std::string phone;
  std::string company;
};

inline Person PersonNo(int i) {
  static const char* kFamily[] = {"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"};
  static const char* kGiven[] = {"Jianguo", "Xiuying", "Minghui", "Lifang",  "Haoran",  "Yuting", "Zhiqiang",
                                 "Shufen",  "Wenjie",  "Guilan",  "Kaixuan", "Meiling", "Boyang", "Ruoxi",
                                 "Tianyu",  "Xinyi",   "Zihan",   "Yichen",  "Shuang",  "Dongmei"};
  static const char* kCompany[] = {"Huadong Machinery",   "Nanfang Logistics", "Beifang Auto Parts", "Xinghe Textiles",
                                   "Jinqiao Electronics", "Tianma Foods",      "Longxin Chemicals",  "Haiyang Marine"};
  Person p;
  std::string family = kFamily[i % 10], given = kGiven[(i / 10) % 20];
  p.name = given + " " + family;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s.%s%d@example-%d.com", given.c_str(), family.c_str(), i, i % 7);
  p.email = buf;
  std::snprintf(buf, sizeof buf, "+86 139 %04d %04d", 1000 + i, 2000 + 7 * i);
  p.phone = buf;
  p.company = kCompany[i % 8];
  return p;
}

inline crm::v1::Event TicketEvent(const std::string& event_id, const Person& p, int64_t at_ms) {
  crm::v1::Event ev;
  ev.set_event_id(event_id);
  ev.mutable_source()->set_kind(crm::v1::SOURCE_KIND_TICKETING);
  ev.mutable_source()->set_system("ticketing-web");
  ev.set_show_id("test-expo");
  ev.set_edition_id("2026");
  SetTimestampMillis(ev.mutable_occurred_at(), at_ms);
  SetTimestampMillis(ev.mutable_received_at(), at_ms + 50);
  ev.set_customer_type(crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR);
  auto* id = ev.mutable_identity();
  id->set_full_name(p.name);
  id->set_email(p.email);
  id->set_phone(p.phone);
  id->set_company(p.company);
  id->set_country("CN");
  auto* t = ev.mutable_ticket_registration();
  t->set_ticket_id("T-" + event_id);
  t->set_ticket_class("trade");
  t->set_channel("online");
  return ev;
}

inline crm::v1::Event BoothScanEvent(const std::string& event_id, const Person& p, const std::string& badge,
                                     const std::string& booth, uint32_t dwell_seconds, int64_t at_ms) {
  crm::v1::Event ev;
  ev.set_event_id(event_id);
  ev.mutable_source()->set_kind(crm::v1::SOURCE_KIND_SCANNER);
  ev.mutable_source()->set_system("scanner-fleet");
  ev.mutable_source()->set_device_id("DEV1");
  ev.set_show_id("test-expo");
  ev.set_edition_id("2026");
  SetTimestampMillis(ev.mutable_occurred_at(), at_ms);
  SetTimestampMillis(ev.mutable_received_at(), at_ms + 50);
  auto* id = ev.mutable_identity();
  id->set_full_name(p.name);
  id->set_company(p.company);
  id->set_badge_id(badge);
  auto* s = ev.mutable_booth_scan();
  s->set_exhibitor_company("Acme Robotics");
  s->set_hall("H2");
  s->set_booth(booth);
  s->set_dwell_seconds(dwell_seconds);
  return ev;
}

// Produces events with librdkafka directly so a test can pick the partition.
class EventSender {
 public:
  struct Sent {
    std::string event_id;
    int32_t partition = -1;
    int64_t offset = -1;
    std::string error;  // empty when acknowledged
  };

  explicit EventSender(const std::string& brokers) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (auto [k, v] : {std::pair<const char*, const char*>{"bootstrap.servers", brokers.c_str()},
                        {"enable.idempotence", "true"},
                        {"linger.ms", "2"},
                        {"message.timeout.ms", "30000"}}) {
      if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) ADD_FAILURE() << err;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, &EventSender::OnDelivery);
    rd_kafka_conf_set_opaque(conf, this);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk_) ADD_FAILURE() << "producer: " << err;
  }
  ~EventSender() {
    if (rk_) {
      rd_kafka_flush(rk_, 10'000);
      rd_kafka_destroy(rk_);
    }
  }
  EventSender(const EventSender&) = delete;
  EventSender& operator=(const EventSender&) = delete;

  // Queues `ev` on crm.events.v1; partition RD_KAFKA_PARTITION_UA lets the
  // default partitioner hash `key` (the event id when empty). Returns the
  // index of the record in sent().
  size_t Send(const crm::v1::Event& ev, int32_t partition = RD_KAFKA_PARTITION_UA, std::string key = "") {
    std::string value = ev.SerializeAsString();
    if (key.empty()) key = ev.event_id();
    size_t index;
    {
      std::lock_guard l(mu_);
      index = sent_.size();
      sent_.push_back(Sent{ev.event_id()});
    }
    auto err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC("crm.events.v1"), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<intptr_t>(index))), RD_KAFKA_V_END);
    if (err) {
      std::lock_guard l(mu_);
      sent_[index].error = rd_kafka_err2str(err);
    }
    return index;
  }

  // Waits for every delivery report; true when all were acknowledged.
  bool Flush(std::chrono::milliseconds timeout = 30s) {
    rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
    std::lock_guard l(mu_);
    for (const auto& s : sent_) {
      if (!s.error.empty() || s.offset < 0) {
        ADD_FAILURE() << "event " << s.event_id << " not acknowledged: " << s.error;
        return false;
      }
    }
    return true;
  }

  Sent sent(size_t index) {
    std::lock_guard l(mu_);
    return sent_.at(index);
  }

 private:
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<EventSender*>(opaque);
    std::lock_guard l(self->mu_);
    Sent& s = self->sent_.at(static_cast<size_t>(reinterpret_cast<intptr_t>(m->_private)));
    s.partition = m->partition;
    s.offset = m->offset;
    if (m->err) s.error = rd_kafka_err2str(m->err);
  }

  rd_kafka_t* rk_ = nullptr;
  std::mutex mu_;
  std::vector<Sent> sent_;
};

// Follows a topic from its beginning on a thread, keeping every record.
class TopicTail {
 public:
  TopicTail(const std::string& brokers, const std::string& topic) {
    auto reader = kafka::TopicReader::Create(brokers, topic, "it-tail", 10s);
    if (!reader.ok()) {
      ADD_FAILURE() << reader.status();
      return;
    }
    reader_ = std::move(*reader);
    thread_ = std::thread([this] {
      reader_->Run([this](const kafka::Message& m) {
        std::lock_guard l(mu_);
        messages_.push_back(m);
      });
    });
  }
  ~TopicTail() {
    if (reader_) reader_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  std::vector<kafka::Message> messages() {
    std::lock_guard l(mu_);
    return messages_;
  }

 private:
  std::unique_ptr<kafka::TopicReader> reader_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<kafka::Message> messages_;
};

// Every record of a topic at this moment (a fresh reader, until caught up).
inline std::vector<kafka::Message> ReadAll(const std::string& brokers, const std::string& topic) {
  std::vector<kafka::Message> out;
  auto reader = kafka::TopicReader::Create(brokers, topic, "it-readall", 10s);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return out;
  auto* r = reader->get();
  std::thread t([&] { r->Run([&](const kafka::Message& m) { out.push_back(m); }); });
  bool caught_up = WaitFor([&] { return r->caught_up(); }, 30s);
  r->Stop();
  t.join();
  EXPECT_TRUE(caught_up) << topic << " not read to its end";
  return out;
}

// Sum of the samples whose series starts with `series` (a name, or a name
// with its labels, e.g. crm_dedup_duplicates_total{kind="event_id"}).
inline double MetricValue(const std::string& text, const std::string& series) {
  double sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind(series, 0) != 0) continue;
    char next = line.size() > series.size() ? line[series.size()] : '\0';
    if (!(next == ' ' || (next == '{' && series.back() != '}'))) continue;
    sum += std::atof(line.c_str() + line.rfind(' ') + 1);
  }
  return sum;
}

// One crm-dedup process and its endpoints.
struct Replica {
  std::unique_ptr<crm::testing::Subprocess> proc;
  std::string grpc;
  std::string metrics;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<crm::v1::IdentityService::Stub> stub;

  double Metric(const std::string& series) const {
    return MetricValue(crm::testing::HttpGet(metrics, "/metrics"), series);
  }
};

class DedupFixture : public ::testing::Test {
 protected:
  static constexpr const char* kGroup = "crm-dedup";

  void SetUp() override {
    auto started = broker_.Start({}, 3, CRM_SOURCE_DIR "/deploy/local/topics.yaml");
    ASSERT_TRUE(started.ok()) << started;
    started = redis_.Start();
    ASSERT_TRUE(started.ok()) << started;
    dir_ = crm::testing::MakeTempDir("crm-dedup-it");
    sender_ = std::make_unique<EventSender>(broker_.bootstrap_servers());
    resolved_ = std::make_unique<TopicTail>(broker_.bootstrap_servers(), "crm.resolved.v1");
    identity_ = std::make_unique<TopicTail>(broker_.bootstrap_servers(), "crm.identity.v1");
  }
  void TearDown() override {
    replicas_.clear();
    resolved_.reset();
    identity_.reset();
    sender_.reset();
    crm::testing::RemoveTree(dir_);
  }

  std::vector<std::string> ServiceEnv() const {
    return {"CRM_KAFKA_BROKERS=" + broker_.bootstrap_servers(), "CRM_REDIS_URL=" + redis_.url(), "CRM_LOG_LEVEL=warn",
            "CRM_KAFKA_DELIVERY_TIMEOUT=60s"};
  }

  // Starts `n` replicas at once (so they join the group together) and waits
  // until their gRPC and metrics endpoints answer. Consuming starts right
  // after; WaitResolved on a first event tells when it has.
  std::vector<Replica*> StartReplicas(int n) {
    std::vector<std::string> files;
    std::vector<Replica*> out;
    for (int i = 0; i < n; ++i) {
      files.push_back(dir_ + "/dedup-" + std::to_string(++started_) + ".endpoints");
      auto r = std::make_unique<Replica>();
      r->proc = std::make_unique<crm::testing::Subprocess>();
      auto st = r->proc->Start({CRM_DEDUP_PATH, "--endpoints-file", files.back()}, false, ServiceEnv());
      EXPECT_TRUE(st.ok()) << st;
      replicas_.push_back(std::move(r));
      out.push_back(replicas_.back().get());
    }
    for (int i = 0; i < n; ++i) {
      Replica* r = out[i];
      bool up = WaitFor(
          [&] {
            std::ifstream in(files[i]);
            std::string line;
            while (std::getline(in, line)) {
              if (line.rfind("grpc=", 0) == 0) r->grpc = line.substr(5);
              if (line.rfind("metrics=", 0) == 0) r->metrics = line.substr(8);
            }
            return !r->grpc.empty() && !r->metrics.empty();
          },
          60s);
      EXPECT_TRUE(up) << "crm-dedup did not start";
      r->channel = grpcutil::MakeChannel(r->grpc);
      r->stub = crm::v1::IdentityService::NewStub(r->channel);
      EXPECT_TRUE(WaitFor([&] { return !crm::testing::HttpGet(r->metrics, "/metrics").empty(); }, 10s));
    }
    return out;
  }
  Replica& StartReplica() { return *StartReplicas(1)[0]; }

  // Runs `crm-dedup rebuild` with the service's environment; its exit status.
  int RunRebuild() {
    crm::testing::Subprocess p;
    auto st = p.Start({CRM_DEDUP_PATH, "rebuild"}, false, ServiceEnv());
    EXPECT_TRUE(st.ok()) << st;
    auto status = p.Wait(60s);
    EXPECT_TRUE(status.has_value()) << "rebuild did not finish";
    if (!status) return -1;
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  }

  // Empties Redis under the (idle) service and runs `crm-dedup rebuild`
  // with the service's environment to completion.
  void LoseRedisAndRebuild() {
    auto redis = Redis();
    ASSERT_TRUE(redis->Run({"FLUSHALL"}).ok());
    auto size = redis->Run({"DBSIZE"});
    ASSERT_TRUE(size.ok() && size->integer == 0);
    ASSERT_EQ(RunRebuild(), 0) << "crm-dedup rebuild failed";
  }

  // Resolved events seen so far, by event id (a list: a duplicate emission shows as two).
  std::map<std::string, std::vector<crm::v1::ResolvedEvent>> Resolved() {
    std::map<std::string, std::vector<crm::v1::ResolvedEvent>> out;
    for (const auto& m : resolved_->messages()) {
      crm::v1::ResolvedEvent r;
      EXPECT_TRUE(r.ParseFromString(m.value));
      EXPECT_EQ(m.key, r.customer_id()) << "crm.resolved.v1 is keyed by customer id";
      out[r.event().event_id()].push_back(std::move(r));
    }
    return out;
  }

  std::vector<crm::v1::IdentityEvent> IdentityChanges() {
    std::vector<crm::v1::IdentityEvent> out;
    for (const auto& m : identity_->messages()) {
      crm::v1::IdentityEvent ev;
      EXPECT_TRUE(ev.ParseFromString(m.value));
      out.push_back(std::move(ev));
    }
    return out;
  }

  // Waits until every id in `ids` has a resolved event.
  bool WaitResolved(const std::set<std::string>& ids, std::chrono::milliseconds timeout = 30s) {
    std::set<std::string> missing;
    bool ok = WaitFor(
        [&] {
          auto r = Resolved();
          missing.clear();
          for (const auto& id : ids)
            if (!r.count(id)) missing.insert(id);
          return missing.empty();
        },
        timeout, 20ms);
    if (!ok)
      ADD_FAILURE() << missing.size() << " of " << ids.size() << " events not resolved, e.g. " << *missing.begin();
    return ok;
  }

  // Waits until the service group has committed everything on crm.events.v1.
  bool WaitNoLag(std::chrono::milliseconds timeout = 30s) {
    int64_t last = -1;
    bool ok = WaitFor(
        [&] {
          auto lag = kafka::GroupLag(broker_.bootstrap_servers(), kGroup, {"crm.events.v1"}, 5s);
          last = lag.ok() ? *lag : -1;
          return lag.ok() && *lag == 0;
        },
        timeout, 50ms);
    if (!ok) ADD_FAILURE() << "consumer group lag stays at " << last;
    return ok;
  }

  crm::v1::ResolveResponse Resolve(Replica& r, const std::string& kind, const std::string& value,
                                   grpc::Status* status = nullptr) {
    crm::v1::ResolveRequest req;
    req.set_kind(kind);
    req.set_value(value);
    crm::v1::ResolveResponse resp;
    auto ctx = grpcutil::MakeContext(10s);
    auto st = r.stub->Resolve(ctx.get(), req, &resp);
    if (status)
      *status = st;
    else
      EXPECT_TRUE(st.ok()) << kind << " " << value << ": " << st.error_message();
    return resp;
  }

  crm::v1::Customer GetCustomer(Replica& r, const std::string& id) {
    crm::v1::GetCustomerRequest req;
    req.set_customer_id(id);
    crm::v1::Customer resp;
    auto ctx = grpcutil::MakeContext(10s);
    auto st = r.stub->GetCustomer(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok()) << id << ": " << st.error_message();
    return resp;
  }

  std::unique_ptr<redis::RedisClient> Redis() {
    redis::RedisOptions o;
    o.url = redis_.url();
    o.command_timeout = 5s;
    return std::make_unique<redis::RedisClient>(o);
  }

  crm::testing::DevBroker broker_;
  crm::testing::RedisServer redis_;
  std::string dir_;
  int started_ = 0;
  std::unique_ptr<EventSender> sender_;
  std::unique_ptr<TopicTail> resolved_;
  std::unique_ptr<TopicTail> identity_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

}  // namespace crm::dedup::testing
