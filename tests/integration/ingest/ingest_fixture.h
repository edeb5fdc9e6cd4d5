#pragma once

// Starts the dev broker (project topics) and the real crm-ingest binary, and
// registers a show whose current edition is open now.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

#include "common/grpc/client.h"
#include "common/kafka/reader.h"
#include "common/testing/dev_broker.h"
#include "common/testing/subprocess.h"
#include "crm/v1/ingest.grpc.pb.h"
#include "crm/v1/shows.grpc.pb.h"

namespace crm::ingest::testing {

using namespace std::chrono_literals;

inline std::string IsoDate(int64_t days_since_epoch) {
  int64_t z = days_since_epoch + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = static_cast<int>(yoe) + static_cast<int>(era) * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y + (m <= 2), m, d);
  return buf;
}

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class IngestFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.Start({}, 3, CRM_SOURCE_DIR "/deploy/local/topics.yaml").ok());
    dir_ = crm::testing::MakeTempDir("crm-ingest-it");
    StartIngest();
    RegisterShow();
  }
  void TearDown() override {
    ingest_.reset();
    crm::testing::RemoveTree(dir_);
  }

  void StartIngest() {
    std::string endpoints = dir_ + "/ingest.endpoints";
    std::remove(endpoints.c_str());
    grpc_.clear();
    ingest_ = std::make_unique<crm::testing::Subprocess>();
    ASSERT_TRUE(ingest_
                    ->Start({CRM_INGEST_PATH, "--endpoints-file", endpoints}, false,
                            {"CRM_KAFKA_BROKERS=" + broker_.bootstrap_servers(), "CRM_LOG_LEVEL=warn",
                             "CRM_KAFKA_DELIVERY_TIMEOUT=60s"})
                    .ok());
    ASSERT_TRUE(crm::testing::WaitFor(
        [&] {
          std::ifstream in(endpoints);
          std::string line;
          while (std::getline(in, line))
            if (line.rfind("grpc=", 0) == 0) grpc_ = line.substr(5);
          return !grpc_.empty();
        },
        60s))
        << "crm-ingest did not start";
    channel_ = grpcutil::MakeChannel(grpc_);
  }

  void RegisterShow() {
    auto stub = crm::v1::ShowService::NewStub(channel_);
    crm::v1::UpsertSeriesRequest req;
    auto* s = req.mutable_series();
    s->set_show_id("test-expo");
    s->set_name("Test Expo");
    s->set_venue("NECC");
    s->set_city("Shanghai");
    s->set_country("CN");
    s->set_time_zone("Asia/Shanghai");
    int64_t today = NowMs() / 86'400'000;
    auto* e = s->add_editions();
    e->set_edition_id("2026");
    e->set_open_date(IsoDate(today - 1));
    e->set_close_date(IsoDate(today + 3));
    e->set_sales_open_date(IsoDate(today - 200));
    crm::v1::ShowSeries resp;
    auto ctx = grpcutil::MakeContext(30s);
    auto st = stub->UpsertSeries(ctx.get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(resp.version(), 1u);
  }

  // Reads a whole topic from the beginning until `done` says enough or the timeout passes.
  template <typename Fn, typename Done>
  void ReadTopic(const std::string& topic, Fn on_message, Done done, std::chrono::milliseconds timeout) {
    auto reader = kafka::TopicReader::Create(broker_.bootstrap_servers(), topic, "it-reader", 10s);
    ASSERT_TRUE(reader.ok()) << reader.status();
    auto* r = reader->get();
    std::thread t([&] { r->Run(on_message); });
    crm::testing::WaitFor(done, timeout, 20ms);
    r->Stop();
    t.join();
  }

  // Ids of `acked` that are not on crm.events.v1 after reading it (until all
  // are found or `timeout` passes).
  std::vector<std::string> MissingFromEvents(const std::set<std::string>& acked, std::chrono::milliseconds timeout) {
    std::set<std::string> on_topic;
    std::mutex mu;
    ReadTopic(
        "crm.events.v1",
        [&](const kafka::Message& m) {
          crm::v1::Event ev;
          ev.ParseFromString(m.value);
          std::lock_guard l(mu);
          on_topic.insert(ev.event_id());
        },
        [&] {
          std::lock_guard l(mu);
          return std::includes(on_topic.begin(), on_topic.end(), acked.begin(), acked.end());
        },
        timeout);
    std::lock_guard l(mu);
    std::vector<std::string> missing;
    std::set_difference(acked.begin(), acked.end(), on_topic.begin(), on_topic.end(), std::back_inserter(missing));
    return missing;
  }

  crm::testing::DevBroker broker_;
  std::string dir_;
  std::unique_ptr<crm::testing::Subprocess> ingest_;
  std::string grpc_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace crm::ingest::testing
