// crm-loadgen: drives load into the services and measures what comes out.
//
//   Common flag: --events-per-person N (default 5; 1 = every event a new person).
//   crm-loadgen ingest-grpc --addr HOST:PORT [--events 200000] [--streams 4] [--batch 100] [--rate EVENTS_PER_S]
//       Publish streams to IngestService; throughput and per-event
//       acknowledgement latency (send -> ack after the broker's ack).
//   crm-loadgen dedup-stream --brokers LIST [--seconds 20] [--rate EVENTS_PER_S]
//       Produces normalized events straight to crm.events.v1 (as ingest
//       would) and measures what comes out on crm.resolved.v1: throughput and
//       end-to-end latency (produced -> resolved event consumed).
//   crm-loadgen ingest-raw --brokers LIST --addr HOST:PORT [--seconds 20] [--rate RECORDS_PER_S] [--topic crm.raw.ticketing.v1]
//       Produces raw JSON records as fast as the bus takes them while reading
//       crm.events.v1; throughput of normalized events coming out of ingest
//       and end-to-end latency (raw record produced -> event on crm.events.v1).
//   crm-loadgen resolved --brokers LIST --editions ID=YYYY-MM-DD,... [--show auto-expo] [--events 200000] [--customers 20000] [--seed 1]
//       Produces a deterministic history of resolved events straight to
//       crm.resolved.v1 (resolved.cc), for scoring replays.
//   crm-loadgen get-profile --addr HOST:PORT --show SHOW [--ids 20000] [--rate 10000] [--seconds 10]
//       [--concurrency 32] [--max-seconds 5]
//       ProfileService.GetProfile at a fixed rate (latency from when each
//       call was due), then with a fixed number in flight (the highest
//       sustainable rate) (get_profile.cc).
//
// Events are valid registrations for show "load-expo" edition "1"; both
// commands first register that show (open now) with ingest's ShowService.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/grpc/client.h"
#include "common/kafka/producer.h"
#include "common/kafka/reader.h"
#include "common/normalize/contact.h"
#include "crm/v1/event.pb.h"
#include "crm/v1/identity.pb.h"
#include "crm/v1/ingest.grpc.pb.h"
#include "crm/v1/shows.grpc.pb.h"
#include "tools/loadgen/get_profile.h"
#include "tools/loadgen/resolved.h"

namespace {

using Clock = std::chrono::steady_clock;
using Args = std::map<std::string, std::string>;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage:\n  crm-loadgen dedup-stream --brokers LIST [--seconds 20] [--rate 10000]\n  crm-loadgen ingest-grpc --addr HOST:PORT [--events 200000] [--streams 4] [--batch 100] [--rate N]\n"
               "  crm-loadgen ingest-raw --brokers LIST --addr HOST:PORT [--seconds 20] [--topic crm.raw.ticketing.v1]\n"
               "  crm-loadgen resolved --brokers LIST --editions ID=YYYY-MM-DD,... [--show auto-expo] [--events 200000] [--customers 20000] [--seed 1]\n"
               "  crm-loadgen get-profile --addr HOST:PORT --show SHOW [--ids 20000] [--rate 10000] [--seconds 10] [--concurrency 32] [--max-seconds 5]\n");
  std::exit(2);
}

std::string Arg(const Args& a, const std::string& k, const std::string& def) {
  auto it = a.find(k);
  return it == a.end() ? def : it->second;
}

// Percentile of sorted values.
double Pct(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * (sorted.size() - 1));
  return sorted[i];
}

// 20,000 valid mainland mobile blocks (7-digit prefixes, checked with
// libphonenumber at start-up); a person's number is in one of them chosen by
// a hash, so the phone normalizer's prefix memo is not flattered by a tiny
// prefix pool (a show's visitors come from many cities and carriers).
const std::vector<std::string>& PhonePrefixes() {
  static const std::vector<std::string> pool = [] {
    std::vector<std::string> out;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    while (out.size() < 20000) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      char pre[8];
      std::snprintf(pre, sizeof pre, "1%d%05d", 3 + static_cast<int>(x % 7), static_cast<int>((x >> 8) % 100000));
      if (crm::normalize::NormalizePhoneReference(std::string(pre) + "0000", "CN").ok()) out.push_back(pre);
    }
    return out;
  }();
  return pool;
}

std::string PersonPhone(int64_t person) {
  uint64_t h = static_cast<uint64_t>(person) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  const auto& pre = PhonePrefixes()[h % PhonePrefixes().size()];
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3s %.4s%04d", pre.c_str(), pre.c_str() + 3, static_cast<int>(person % 10000));
  return buf;
}

const char* kSurnames[] = {"张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴"};
const char* kGiven2[] = {"华", "平", "刚", "桂", "英", "飞", "玲", "辉", "鹏", "鑫", "晨", "宇", "浩", "俊",
                         "凯", "欣", "文", "斌", "婷", "雪", "琳", "倩", "丹", "红", "建", "国", "东", "海",
                         "波", "春", "林", "峰", "云", "龙", "霞", "秀", "超", "兰", "梅", "亮"};

// 16,000 distinct names (surname + two given characters, chosen by a hash
// of the person), so the name-key memo is not flattered by a tiny name pool.
std::string PersonName(int64_t person) {
  uint64_t h = static_cast<uint64_t>(person) * 0xD1B54A32D192ED03ull;
  h ^= h >> 31;
  return std::string(kSurnames[h % 10]) + kGiven2[(h >> 8) % 40] + kGiven2[(h >> 16) % 40];
}

// Each person contributes `epp` events (a visitor registers, checks in, is
// scanned...): identity fields repeat as they do at a real show.
int64_t g_epp = 5;

crm::v1::Event MakeEvent(int64_t i, int64_t now_ms) {
  const int64_t person = i / g_epp;
  crm::v1::Event ev;
  ev.set_event_id("lg-" + std::to_string(i));
  ev.mutable_source()->set_system("loadgen");
  ev.set_show_id("load-expo");
  ev.set_edition_id("1");
  ev.mutable_occurred_at()->set_seconds(now_ms / 1000 - 60);
  ev.set_customer_type(crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR);
  auto* id = ev.mutable_identity();
  id->set_full_name(PersonName(person));
  id->set_company(person % 3 ? "上海华东汽车零部件有限公司" : "ACME Co., Ltd.");
  id->set_email("visitor" + std::to_string(person) + "@Example.com");
  id->set_phone(PersonPhone(person));
  id->set_city("上海");
  ev.mutable_ticket_registration()->set_ticket_id("T" + std::to_string(i));
  return ev;
}

std::string IsoDate(int64_t days) {
  time_t t = static_cast<time_t>(days * 86400);
  tm tmv{};
  gmtime_r(&t, &tmv);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tmv);
  return buf;
}

bool RegisterShow(const std::string& addr) {
  auto stub = crm::v1::ShowService::NewStub(crm::grpcutil::MakeChannel(addr));
  crm::v1::UpsertSeriesRequest req;
  auto* s = req.mutable_series();
  s->set_show_id("load-expo");
  s->set_name("Load Expo");
  s->set_country("CN");
  s->set_time_zone("Asia/Shanghai");
  int64_t today = WallMs() / 86'400'000;
  auto* e = s->add_editions();
  e->set_edition_id("1");
  e->set_open_date(IsoDate(today - 1));
  e->set_close_date(IsoDate(today + 2));
  e->set_sales_open_date(IsoDate(today - 100));
  crm::v1::ShowSeries resp;
  auto ctx = crm::grpcutil::MakeContext(std::chrono::seconds(30));
  auto st = stub->UpsertSeries(ctx.get(), req, &resp);
  if (!st.ok()) std::fprintf(stderr, "registering load-expo: %s\n", st.error_message().c_str());
  return st.ok();
}

int IngestGrpc(const Args& args) {
  std::string addr = Arg(args, "addr", "");
  if (addr.empty() || !RegisterShow(addr)) Usage();
  const int64_t events = std::atoll(Arg(args, "events", "200000").c_str());
  const int streams = std::atoi(Arg(args, "streams", "4").c_str());
  const int batch = std::atoi(Arg(args, "batch", "100").c_str());
  // Offered load in events/s over all streams; 0 = as fast as acks allow.
  const double rate = std::atof(Arg(args, "rate", "0").c_str());
  auto channel = crm::grpcutil::MakeChannel(addr);
  std::mutex mu;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(events);
  std::atomic<int64_t> accepted{0}, other{0};
  const int64_t now = WallMs();
  // Requests are built before the clock starts so the client's own CPU
  // (protobuf building) does not count against ingest.
  std::vector<std::vector<crm::v1::PublishRequest>> prepared(streams);
  for (int s = 0; s < streams; ++s) {
    for (int64_t i = s; i < events;) {
      crm::v1::PublishRequest req;
      for (int b = 0; b < batch && i < events; ++b, i += streams) *req.add_events() = MakeEvent(i, now);
      prepared[s].push_back(std::move(req));
    }
  }
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      auto stub = crm::v1::IngestService::NewStub(channel);
      auto ctx = crm::grpcutil::MakeContext(std::chrono::minutes(10));
      auto stream = stub->Publish(ctx.get());
      std::vector<Clock::time_point> sent;
      std::mutex sent_mu;
      std::thread reader([&] {
        crm::v1::PublishResponse resp;
        std::vector<double> local;
        while (stream->Read(&resp)) {
          auto now_tp = Clock::now();
          std::lock_guard l(sent_mu);
          for (const auto& r : resp.results()) {
            local.push_back(std::chrono::duration<double, std::milli>(now_tp - sent[r.sequence()]).count());
            (r.outcome() == crm::v1::EventResult::OUTCOME_ACCEPTED ? accepted : other)++;
          }
        }
        std::lock_guard l(mu);
        latencies_ms.insert(latencies_ms.end(), local.begin(), local.end());
      });
      auto next = Clock::now();
      const auto gap = rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(batch * streams / rate))
                                : Clock::duration::zero();
      for (auto& req : prepared[s]) {
        if (rate > 0) {
          std::this_thread::sleep_until(next);
          next += gap;
        }
        {
          std::lock_guard l(sent_mu);
          sent.insert(sent.end(), req.events_size(), Clock::now());
        }
        if (!stream->Write(req)) break;
      }
      stream->WritesDone();
      reader.join();
      auto st = stream->Finish();
      if (!st.ok()) std::fprintf(stderr, "stream %d: %s\n", s, st.error_message().c_str());
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf("ingest-grpc: %lld events, %d streams x batches of %d, offered %s: %.0f events/s (%.2f s), accepted %lld, other %lld\n",
              static_cast<long long>(events), streams, batch, rate > 0 ? (std::to_string(static_cast<long>(rate)) + "/s").c_str() : "max", accepted.load() / secs, secs,
              static_cast<long long>(accepted.load()), static_cast<long long>(other.load()));
  std::printf("ingest-grpc: ack latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", Pct(latencies_ms, 0.50),
              Pct(latencies_ms, 0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  return other.load() == 0 && accepted.load() == events ? 0 : 1;
}

// A producer for the load and a reader of `out_topic` from its end (only
// what is written from now on matters).
bool OpenRig(const std::string& brokers, const std::string& out_topic, std::unique_ptr<crm::kafka::Producer>* producer,
             std::unique_ptr<crm::kafka::TopicReader>* reader) {
  auto p = crm::kafka::Producer::Create({.brokers = brokers, .client_id = "loadgen"});
  if (!p.ok()) {
    std::fprintf(stderr, "%s\n", p.status().ToString().c_str());
    return false;
  }
  auto r = crm::kafka::TopicReader::Create(brokers, out_topic, "loadgen", std::chrono::seconds(10),
                                           crm::kafka::TopicReader::Start::kEnd);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return false;
  }
  *producer = std::move(*p);
  *reader = std::move(*r);
  return true;
}

int IngestRaw(const Args& args) {
  std::string brokers = Arg(args, "brokers", "");
  std::string addr = Arg(args, "addr", "");
  if (brokers.empty() || addr.empty() || !RegisterShow(addr)) Usage();
  const double seconds = std::atof(Arg(args, "seconds", "20").c_str());
  const std::string topic = Arg(args, "topic", "crm.raw.ticketing.v1");
  // Offered raw records/s; 0 = as fast as the bus takes them (which can
  // outrun ingest and the dev broker's per-partition retention).
  const double rate = std::atof(Arg(args, "rate", "0").c_str());
  std::unique_ptr<crm::kafka::Producer> producer;
  std::unique_ptr<crm::kafka::TopicReader> reader;
  if (!OpenRig(brokers, "crm.events.v1", &producer, &reader)) return 1;
  std::mutex mu;
  std::vector<double> e2e_ms;
  std::atomic<int64_t> out{0};
  std::vector<std::pair<double, int64_t>> timeline;  // (seconds since start, events out)
  auto t0 = Clock::now();
  const std::string run = std::to_string(WallMs());
  std::thread consume([&] {
    reader->Run([&](const crm::kafka::Message& m) {
      crm::v1::Event ev;
      if (!ev.ParseFromString(m.value)) return;
      auto it = ev.attributes().find("lg_run");
      if (it == ev.attributes().end() || it->second != run) return;
      int64_t sent = std::atoll(ev.attributes().at("lg_sent_ms").c_str());
      std::lock_guard l(mu);
      e2e_ms.push_back(static_cast<double>(WallMs() - sent));
      out++;
    });
  });
  std::thread sampler([&] {
    while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds + 60) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      std::lock_guard l(mu);
      timeline.emplace_back(std::chrono::duration<double>(Clock::now() - t0).count(), out.load());
    }
  });
  int64_t produced = 0;
  std::atomic<int64_t> failed{0};
  auto stop_at = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  char buf[1024];
  while (Clock::now() < stop_at) {
    if (rate > 0) {
      auto due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(produced / rate));
      if (due > Clock::now()) std::this_thread::sleep_until(due);
    }
    int64_t i = produced;
    int64_t person = i / g_epp;
    int n = std::snprintf(
        buf, sizeof buf,
        "{\"source\":{\"system\":\"loadgen-raw\"},\"event_id\":\"%s-%lld\",\"show_id\":\"load-expo\",\"edition_id\":\"1\","
        "\"occurred_at\":%lld,\"customer_type\":\"professional_visitor\",\"person\":{\"full_name\":\"%s\","
        "\"company\":\"上海华东汽车零部件有限公司\",\"email\":\"visitor%lld@Example.com\",\"phone\":\"%s\","
        "\"city\":\"上海\"},\"attributes\":{\"lg_run\":\"%s\",\"lg_sent_ms\":\"%lld\"},"
        "\"ticket_registration\":{\"ticket_id\":\"T%lld\"}}",
        run.c_str(), static_cast<long long>(i), static_cast<long long>(WallMs() - 60'000), PersonName(person).c_str(),
        static_cast<long long>(person), PersonPhone(person).c_str(), run.c_str(), static_cast<long long>(WallMs()), static_cast<long long>(i));
    auto st = producer->Publish(topic, std::to_string(i % 64), std::string_view(buf, n),
                                   [&](const crm::kafka::Delivery& d) {
                                     if (!d.status.ok()) failed++;
                                   });
    if (!st.ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    ++produced;
  }
  double produce_secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (auto st = producer->Flush(std::chrono::seconds(60)); !st.ok()) {
    std::fprintf(stderr, "flush: %s\n", st.ToString().c_str());
  }
  // Wait for ingest to catch up (or give up 60 s after producing stopped).
  auto give_up = Clock::now() + std::chrono::seconds(60);
  while (out.load() < produced && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  double total_secs = std::chrono::duration<double>(Clock::now() - t0).count();
  reader->Stop();
  consume.join();
  sampler.detach();
  std::lock_guard l(mu);
  std::sort(e2e_ms.begin(), e2e_ms.end());
  // Steady state: per-second output rates over the producing window, first second excluded.
  std::vector<double> rates;
  for (size_t k = 1; k < timeline.size(); ++k) {
    if (timeline[k].first > produce_secs) break;
    rates.push_back((timeline[k].second - timeline[k - 1].second) / (timeline[k].first - timeline[k - 1].first));
  }
  std::sort(rates.begin(), rates.end());
  std::printf("ingest-raw: produced %lld raw records in %.1f s (%.0f/s), %lld failed\n",
              static_cast<long long>(produced), produce_secs, produced / produce_secs,
              static_cast<long long>(failed.load()));
  std::printf("ingest-raw: %lld normalized events out in %.1f s: %.0f events/s overall, median per-second %.0f/s\n",
              static_cast<long long>(out.load()), total_secs, out.load() / total_secs, Pct(rates, 0.5));
  std::printf("ingest-raw: end-to-end latency (raw produced -> on crm.events.v1) p50 %.0f ms, p99 %.0f ms\n",
              Pct(e2e_ms, 0.50), Pct(e2e_ms, 0.99));
  return out.load() == produced ? 0 : 1;
}

int DedupStream(const Args& args) {
  std::string brokers = Arg(args, "brokers", "");
  if (brokers.empty()) Usage();
  const double seconds = std::atof(Arg(args, "seconds", "20").c_str());
  const double rate = std::atof(Arg(args, "rate", "10000").c_str());
  std::unique_ptr<crm::kafka::Producer> producer;
  std::unique_ptr<crm::kafka::TopicReader> reader;
  if (!OpenRig(brokers, "crm.resolved.v1", &producer, &reader)) return 1;
  std::mutex mu;
  std::vector<double> e2e_ms;
  std::atomic<int64_t> out{0};
  const std::string run = std::to_string(WallMs());
  std::thread consume([&] {
    reader->Run([&](const crm::kafka::Message& m) {
      crm::v1::ResolvedEvent r;
      if (!r.ParseFromString(m.value)) return;
      auto it = r.event().attributes().find("lg_run");
      if (it == r.event().attributes().end() || it->second != run) return;
      int64_t sent = std::atoll(r.event().attributes().at("lg_sent_ms").c_str());
      std::lock_guard l(mu);
      e2e_ms.push_back(static_cast<double>(WallMs() - sent));
      out++;
    });
  });
  auto t0 = Clock::now();
  int64_t produced = 0;
  auto stop_at = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < stop_at) {
    auto due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(produced / rate));
    if (due > Clock::now()) std::this_thread::sleep_until(due);
    int64_t now = WallMs();
    crm::v1::Event ev = MakeEvent(produced, now);
    ev.set_event_id(run + "-" + std::to_string(produced));
    (*ev.mutable_attributes())["lg_run"] = run;
    (*ev.mutable_attributes())["lg_sent_ms"] = std::to_string(now);
    auto st = producer->Publish("crm.events.v1", ev.identity().email(), ev.SerializeAsString(),
                                   [](const crm::kafka::Delivery&) {});
    if (!st.ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    ++produced;
  }
  double produce_secs = std::chrono::duration<double>(Clock::now() - t0).count();
  (void)producer->Flush(std::chrono::seconds(60));
  auto give_up = Clock::now() + std::chrono::seconds(60);
  while (out.load() < produced && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double total_secs = std::chrono::duration<double>(Clock::now() - t0).count();
  reader->Stop();
  consume.join();
  std::lock_guard l(mu);
  std::sort(e2e_ms.begin(), e2e_ms.end());
  std::printf("dedup-stream: offered %.0f events/s, produced %lld in %.1f s; %lld resolved in %.1f s (%.0f/s)\n", rate,
              static_cast<long long>(produced), produce_secs, static_cast<long long>(out.load()), total_secs,
              out.load() / total_secs);
  std::printf("dedup-stream: end-to-end latency (produced -> resolved event read) p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              Pct(e2e_ms, 0.50), Pct(e2e_ms, 0.99), e2e_ms.empty() ? 0.0 : e2e_ms.back());
  return out.load() == produced ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage();
  Args args;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) Usage();
    args[k.substr(2)] = argv[i + 1];
  }
  std::string cmd = argv[1];
  PhonePrefixes();  // built before any clock starts
  g_epp = std::max<int64_t>(1, std::atoll(Arg(args, "events-per-person", "5").c_str()));
  if (cmd == "ingest-grpc") return IngestGrpc(args);
  if (cmd == "ingest-raw") return IngestRaw(args);
  if (cmd == "dedup-stream") return DedupStream(args);
  if (cmd == "resolved") {
    int rc = crm::loadgen::Resolved(Arg(args, "brokers", ""), Arg(args, "editions", ""), Arg(args, "show", "auto-expo"),
                                    std::atoll(Arg(args, "events", "200000").c_str()),
                                    std::atoll(Arg(args, "customers", "20000").c_str()),
                                    std::strtoull(Arg(args, "seed", "1").c_str(), nullptr, 10));
    if (rc == 2) Usage();
    return rc;
  }
  if (cmd == "get-profile") {
    crm::loadgen::GetProfileOptions o;
    o.addr = Arg(args, "addr", "");
    o.show = Arg(args, "show", "");
    o.ids = std::atoll(Arg(args, "ids", "20000").c_str());
    o.rate = std::atof(Arg(args, "rate", "10000").c_str());
    o.seconds = std::atof(Arg(args, "seconds", "10").c_str());
    o.concurrency = std::atoi(Arg(args, "concurrency", "32").c_str());
    o.max_seconds = std::atof(Arg(args, "max-seconds", "5").c_str());
    int rc = crm::loadgen::GetProfile(o);
    if (rc == 2) Usage();
    return rc;
  }
  Usage();
}
