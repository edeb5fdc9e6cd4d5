// crmctl: the operator's command line for the CRM.
//
//   crmctl health ADDR [--service NAME] [--timeout DURATION]
//       grpc.health.v1 check; exit 0 when SERVING, 1 otherwise.
//   crmctl bus-roundtrip --brokers LIST [--topic T] [--count N] [--timeout DURATION]
//       Produces N messages with the project's producer and reads them back
//       with its consumer-group consumer; verifies every one arrived intact.
//   crmctl shows-upsert ADDR --file SHOW.json
//       Registers (creates or updates) a show series with the ingest
//       service's ShowService; the file is a crm.v1.ShowSeries in proto JSON.
//   crmctl publish-files --brokers LIST --dir DIR
//       Publishes every line of DIR/<topic>.jsonl as one record to <topic>
//       (the simulator's output), waiting for every acknowledgement.
//   crmctl ingest-report --brokers LIST [--group crm-ingest] [--timeout 600s]
//       Waits until the ingest group has consumed the raw topics (lag 0),
//       then counts crm.events.v1 by source and payload and
//       crm.deadletter.v1 by reason.
//   crmctl dedup-report ADDR --brokers LIST [--group crm-dedup] [--timeout 600s]
//                       [--clusters OUT.csv] [--truth TRUTH.csv]
//                       [--resolved-topic T] [--identity-topic T]
//       Waits until the dedup group has consumed crm.events.v1, then counts
//       crm.resolved.v1 by match rule, customers, leads and double taps, and
//       the distinct merges, shared keys and review items on crm.identity.v1
//       (changes published again by a replayed delivery count once). Ids
//       merged since are mapped to their survivor through IdentityService at
//       ADDR. Writes event_id,customer_id as record_id,cluster_id and scores
//       it against a record_id,entity_id truth file (crm-dedup eval's metrics).
//
// The scoring service's ProfileService is at --addr ADDR, else at
// $CRM_SCORING_GRPC (deploy/local stack.env); exit 3 when not found.
//   crmctl profile get [ADDR] ID-OR-IDENTIFIER [--kind K] [--json]
//       One customer's profile by customer id (a merged id gives its
//       survivor's) or by email, phone, badge (show/edition/badge) or
//       external id (system:id), resolved through dedup; --kind forces it.
//   crmctl customers list --show SHOW [--edition E] [--tier T] [--type T]
//                         [--quadrant Q] [--segment S] [--limit 50] [--page-token P] [--json]
//       A series' customers by value, most valuable first.
//   crmctl show-report SHOW EDITION [--top 10] [--json] [--brokers LIST [--group crm-scoring]]
//       The post-show evaluation of one edition; with --brokers, once the
//       scoring group has consumed crm.resolved.v1 and crm.identity.v1.
//   crmctl scoring rebuild [--config FILE]
//       Runs crm-scoring rebuild: scoring's Redis state restored from Kafka.
//   crmctl lifecycle get CUSTOMER | list SHOW STAGE | funnel SHOW | warnings | eval SHOW --truth F --clusters F
//       Stages and history, the retention call list, the funnel, early
//       warnings, and the stages scored against the simulator's truth
//       (lifecycle_cmd.h); with --brokers, once the lifecycle group caught up.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/util/strings.h"
#include "common/config/config.h"
#include "common/grpc/client.h"
#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/kafka/reader.h"
#include "crm/v1/event.pb.h"
#include "crm/v1/identity.grpc.pb.h"
#include "services/dedup/files/eval.h"
#include "crm/v1/shows.grpc.pb.h"
#include "tools/crmctl/lifecycle_cmd.h"
#include "tools/crmctl/profile_cmd.h"

#include <google/protobuf/util/json_util.h>

#include <dirent.h>
#include <functional>
#include <unordered_map>
#include <fstream>
#include <mutex>
#include <sstream>

namespace {

using Args = std::map<std::string, std::string>;

[[noreturn]] void Usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage:\n"
               "  crmctl health ADDR [--service NAME] [--timeout 2s]\n"
               "  crmctl bus-roundtrip --brokers LIST [--topic crm.roundtrip.v1] [--count 1000] [--timeout 30s]\n"
               "  crmctl shows-upsert ADDR --file SHOW.json\n"
               "  crmctl publish-files --brokers LIST --dir DIR\n"
               "  crmctl ingest-report --brokers LIST [--group crm-ingest] [--timeout 600s]\n"
               "  crmctl dedup-report ADDR --brokers LIST [--group crm-dedup] [--timeout 600s] [--clusters OUT.csv]\n"
               "                      [--truth TRUTH.csv] [--resolved-topic T] [--identity-topic T]\n"
               "  crmctl profile get [ADDR] ID-OR-IDENTIFIER [--kind K] [--json] [--timeout 10s]\n"
               "  crmctl customers list --show SHOW [--edition E] [--tier T] [--type T] [--quadrant Q]\n"
               "                        [--segment S] [--limit 50] [--page-token P] [--json] [--addr ADDR]\n"
               "  crmctl show-report SHOW EDITION [--top 10] [--json] [--addr ADDR] [--timeout 120s]\n"
               "                     [--brokers LIST [--group crm-scoring] [--wait-timeout 600s]]\n"
               "  crmctl scoring rebuild [--config FILE]\n"
               "  (ProfileService at --addr, else $CRM_SCORING_GRPC)\n"
               "  crmctl lifecycle get|list|funnel|warnings|eval ... [--brokers LIST]   (crmctl lifecycle for usage)\n");
  std::exit(code);
}

// Splits "--key value" pairs after the positional arguments.
Args ParseArgs(int argc, char** argv, int first, std::vector<std::string>* positional) {
  Args out;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {  // the one flag without a value
      out["json"] = "true";
    } else if (a.rfind("--", 0) == 0) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "crmctl: %s needs a value\n", a.c_str());
        Usage(2);
      }
      out[a.substr(2)] = argv[++i];
    } else {
      positional->push_back(a);
    }
  }
  return out;
}

std::chrono::milliseconds DurationArg(const Args& args, const std::string& key, const char* def) {
  auto it = args.find(key);
  auto d = crm::config::ParseDuration(it == args.end() ? def : it->second);
  if (!d.ok()) {
    std::fprintf(stderr, "crmctl: --%s: %s\n", key.c_str(), std::string(d.status().message()).c_str());
    std::exit(2);
  }
  return *d;
}

int Health(const std::vector<std::string>& pos, const Args& args) {
  if (pos.size() != 1) Usage(2);
  std::string service = args.count("service") ? args.at("service") : "";
  auto r = crm::grpcutil::CheckHealth(pos[0], service, DurationArg(args, "timeout", "2s"));
  if (!r.ok()) {
    std::printf("%s: unreachable (%s)\n", pos[0].c_str(), std::string(r.status().message()).c_str());
    return 1;
  }
  std::printf("%s: %s\n", pos[0].c_str(), *r ? "SERVING" : "NOT_SERVING");
  return *r ? 0 : 1;
}

int BusRoundtrip(const Args& args) {
  if (!args.count("brokers")) Usage(2);
  std::string brokers = args.at("brokers");
  std::string topic = args.count("topic") ? args.at("topic") : "crm.roundtrip.v1";
  int count = args.count("count") ? std::atoi(args.at("count").c_str()) : 1000;
  auto timeout = DurationArg(args, "timeout", "30s");
  std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());

  auto producer = crm::kafka::Producer::Create({.brokers = brokers, .client_id = "crmctl"});
  if (!producer.ok()) {
    std::fprintf(stderr, "crmctl: %s\n", std::string(producer.status().message()).c_str());
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<int> acked{0}, failed{0};
  for (int i = 0; i < count; ++i) {
    std::string value = crm::StrCat(run, "/", i);
    auto st = (*producer)->Publish(topic, std::to_string(i), value, [&](const crm::kafka::Delivery& d) {
      (d.status.ok() ? acked : failed).fetch_add(1);
    });
    if (!st.ok()) {
      std::fprintf(stderr, "crmctl: publish: %s\n", std::string(st.message()).c_str());
      return 1;
    }
  }
  if (auto st = (*producer)->Flush(timeout); !st.ok() || failed.load() > 0) {
    std::fprintf(stderr, "crmctl: %d of %d messages not acknowledged\n", count - acked.load(), count);
    return 1;
  }
  auto t1 = std::chrono::steady_clock::now();
  std::printf("produced %d messages to %s, all acknowledged (acks=all) in %.0f ms\n", count, topic.c_str(),
              std::chrono::duration<double, std::milli>(t1 - t0).count());

  auto consumer = crm::kafka::Consumer::Create(
      {.brokers = brokers, .group_id = "crmctl-roundtrip-" + run, .topics = {topic}, .client_id = "crmctl"});
  if (!consumer.ok()) {
    std::fprintf(stderr, "crmctl: %s\n", std::string(consumer.status().message()).c_str());
    return 1;
  }
  std::set<int> seen;
  std::string prefix = run + "/";
  auto* c = consumer->get();
  std::atomic<bool> done{false};
  std::thread stopper([&] {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done.load() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c->Stop();
  });
  auto st = c->Run([&](const std::vector<crm::kafka::Message>& batch) {
    for (const auto& m : batch) {
      if (m.value.rfind(prefix, 0) == 0) seen.insert(std::atoi(m.value.c_str() + prefix.size()));
    }
    if (static_cast<int>(seen.size()) == count) c->Stop();
    return absl::OkStatus();
  });
  done.store(true);
  stopper.join();
  auto t2 = std::chrono::steady_clock::now();
  if (!st.ok() || static_cast<int>(seen.size()) != count) {
    std::fprintf(stderr, "crmctl: consumed %zu of %d messages before the timeout\n", seen.size(), count);
    return 1;
  }
  std::printf("consumed all %d messages back through consumer group in %.0f ms; round trip OK\n", count,
              std::chrono::duration<double, std::milli>(t2 - t1).count());
  return 0;
}

std::string Required(const Args& args, const std::string& key) {
  auto it = args.find(key);
  if (it == args.end()) {
    std::fprintf(stderr, "crmctl: --%s is required\n", key.c_str());
    Usage(2);
  }
  return it->second;
}

int ShowsUpsert(const std::vector<std::string>& pos, const Args& args) {
  if (pos.size() != 1) Usage(2);
  std::string path = Required(args, "file");
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "crmctl: cannot read %s\n", path.c_str());
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  crm::v1::UpsertSeriesRequest req;
  auto st = google::protobuf::util::JsonStringToMessage(ss.str(), req.mutable_series());
  if (!st.ok()) {
    std::fprintf(stderr, "crmctl: %s is not a ShowSeries: %s\n", path.c_str(), st.ToString().c_str());
    return 1;
  }
  auto stub = crm::v1::ShowService::NewStub(crm::grpcutil::MakeChannel(pos[0]));
  crm::v1::ShowSeries resp;
  auto ctx = crm::grpcutil::MakeContext(DurationArg(args, "timeout", "30s"));
  auto rst = stub->UpsertSeries(ctx.get(), req, &resp);
  if (!rst.ok()) {
    std::fprintf(stderr, "crmctl: UpsertSeries: %s\n", rst.error_message().c_str());
    return 1;
  }
  std::printf("registered show %s (%s), %d editions, version %llu\n", resp.show_id().c_str(), resp.name().c_str(),
              resp.editions_size(), static_cast<unsigned long long>(resp.version()));
  return 0;
}

int PublishFiles(const Args& args) {
  std::string brokers = Required(args, "brokers");
  std::string dir = Required(args, "dir");
  auto producer = crm::kafka::Producer::Create({.brokers = brokers, .client_id = "crmctl-publish"});
  if (!producer.ok()) {
    std::fprintf(stderr, "crmctl: %s\n", producer.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 6 && name.ends_with(".jsonl")) files.push_back(name);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "crmctl: no *.jsonl files in %s\n", dir.c_str());
    return 1;
  }
  std::atomic<long> failed{0};
  long total = 0;
  for (const auto& name : files) {
    std::string topic = name.substr(0, name.size() - 6);
    std::ifstream in(dir + "/" + name);
    std::string line;
    long n = 0;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto st = (*producer)->Publish(topic, "", line, [&](const crm::kafka::Delivery& d) {
        if (!d.status.ok()) failed++;
      });
      if (!st.ok()) {
        std::fprintf(stderr, "crmctl: publish to %s: %s\n", topic.c_str(), st.ToString().c_str());
        return 1;
      }
      if (++n % 50000 == 0) std::fprintf(stderr, "  %s: %ld records\n", topic.c_str(), n);
    }
    std::printf("published %ld records to %s\n", n, topic.c_str());
    total += n;
  }
  if (auto st = (*producer)->Flush(std::chrono::seconds(120)); !st.ok() || failed.load()) {
    std::fprintf(stderr, "crmctl: %ld records not acknowledged\n", failed.load());
    return 1;
  }
  std::printf("all %ld records acknowledged\n", total);
  return 0;
}

bool ReadTopic(const std::string& brokers, const std::string& topic,
               const std::function<void(const crm::kafka::Message&)>& fn) {
  auto reader = crm::kafka::TopicReader::Create(brokers, topic, "crmctl-report", std::chrono::seconds(10));
  if (!reader.ok()) {
    std::fprintf(stderr, "crmctl: %s\n", reader.status().ToString().c_str());
    return false;
  }
  auto* r = reader->get();
  std::thread t([&] { r->Run(fn); });
  while (!r->caught_up()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  r->Stop();
  t.join();
  return true;
}

// Waits until `group` has consumed `topics` to their end (lag 0), showing
// the lag as it changes; false after the timeout.
bool WaitForLag(const std::string& brokers, const std::string& group, const std::vector<std::string>& topics,
                std::chrono::milliseconds timeout, const char* what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t last = -1;
  while (true) {
    auto lag = crm::kafka::GroupLag(brokers, group, topics, std::chrono::seconds(10));
    if (lag.ok() && *lag == 0) return true;
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "crmctl: %s still %s records behind after the timeout\n", what,
                   lag.ok() ? std::to_string(*lag).c_str() : "?");
      return false;
    }
    if (lag.ok() && *lag != last) {
      std::fprintf(stderr, "  %s lag: %lld records\n", what, static_cast<long long>(*lag));
      last = *lag;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

int IngestReport(const Args& args) {
  std::string brokers = Required(args, "brokers");
  std::string group = args.count("group") ? args.at("group") : "crm-ingest";
  auto timeout = DurationArg(args, "timeout", "600s");
  std::vector<std::string> raw = {"crm.raw.ticketing.v1", "crm.raw.scans.v1", "crm.raw.imports.v1"};
  if (!WaitForLag(brokers, group, raw, timeout, "ingest")) return 1;
  std::map<std::string, long> accepted, rejected;
  long accepted_total = 0, rejected_total = 0;
  const auto* kinds = crm::v1::SourceKind_descriptor();
  bool ok = ReadTopic(brokers, "crm.events.v1", [&](const crm::kafka::Message& m) {
    crm::v1::Event ev;
    if (!ev.ParseFromString(m.value)) return;
    std::string kind = kinds->FindValueByNumber(ev.source().kind())->name().substr(12);
    std::string payload = ev.GetDescriptor()->FindFieldByNumber(ev.payload_case())
                              ? ev.GetDescriptor()->FindFieldByNumber(ev.payload_case())->name()
                              : "none";
    accepted[kind + " / " + payload]++;
    accepted_total++;
  });
  ok = ok && ReadTopic(brokers, "crm.deadletter.v1", [&](const crm::kafka::Message& m) {
    crm::v1::DeadLetter dl;
    if (!dl.ParseFromString(m.value)) return;
    rejected[dl.reason_code()]++;
    rejected_total++;
  });
  if (!ok) return 1;
  std::printf("\nAccepted events on crm.events.v1: %ld\n", accepted_total);
  for (const auto& [k, n] : accepted) std::printf("  %-40s %8ld\n", k.c_str(), n);
  std::printf("Rejected inputs on crm.deadletter.v1: %ld\n", rejected_total);
  for (const auto& [k, n] : rejected) std::printf("  %-40s %8ld\n", k.c_str(), n);
  return 0;
}

int DedupReport(const std::vector<std::string>& pos, const Args& args) {
  if (pos.size() != 1) Usage(2);
  std::string brokers = Required(args, "brokers");
  std::string group = args.count("group") ? args.at("group") : "crm-dedup";
  auto timeout = DurationArg(args, "timeout", "600s");
  const std::string resolved_topic = args.count("resolved-topic") ? args.at("resolved-topic") : "crm.resolved.v1";
  const std::string identity_topic = args.count("identity-topic") ? args.at("identity-topic") : "crm.identity.v1";
  if (!WaitForLag(brokers, group, {"crm.events.v1"}, timeout, "dedup")) return 1;
  // A replayed delivery is resolved and published again: each event counts
  // once, as its last resolution.
  std::unordered_map<std::string, crm::v1::ResolvedEvent> last;  // event id -> its latest resolution
  long copies = 0;
  bool ok = ReadTopic(brokers, resolved_topic, [&](const crm::kafka::Message& m) {
    crm::v1::ResolvedEvent r;
    if (!r.ParseFromString(m.value)) return;
    r.mutable_event()->clear_identity();  // only ids and the match are needed
    auto [it, fresh] = last.try_emplace(r.event().event_id());
    if (!fresh) copies++;
    it->second = std::move(r);
  });
  std::map<std::string, long> by_rule;
  std::unordered_map<std::string, std::string> customer_of;  // event id -> customer id at resolution
  std::set<std::string> leads;
  long double_taps = 0, events = 0;
  for (const auto& [id, r] : last) {
    events++;
    by_rule[r.match().rule().substr(0, r.match().rule().find(':'))]++;
    customer_of[id] = r.customer_id();
    if (!r.lead_id().empty()) (r.lead_update() ? double_taps++ : (leads.insert(r.lead_id()), 0));
  }
  std::set<std::string> merges, unmerges, shared, review;
  ok = ok && ReadTopic(brokers, identity_topic, [&](const crm::kafka::Message& m) {
    crm::v1::IdentityEvent ch;
    if (!ch.ParseFromString(m.value)) return;
    if (ch.has_merged()) merges.insert(ch.merged().merge_id());
    if (ch.has_unmerged()) unmerges.insert(ch.unmerged().merge_id());
    if (ch.has_key_shared()) shared.insert(ch.key_shared().key());
    if (ch.has_review_queued()) {
      const auto& q = ch.review_queued();
      review.insert(std::min(q.customer_id(), q.candidate_id()) + "|" + std::max(q.customer_id(), q.candidate_id()));
    }
  });
  if (!ok) return 1;
  // Customers as they are now: follow merges to the survivor.
  auto channel = crm::grpcutil::MakeChannel(pos[0]);
  auto stub = crm::v1::IdentityService::NewStub(channel);
  std::unordered_map<std::string, std::string> survivor;
  for (const auto& [ev, cid] : customer_of) {
    if (survivor.count(cid)) continue;
    crm::v1::ResolveRequest req;
    req.set_kind("customer_id");
    req.set_value(cid);
    crm::v1::ResolveResponse resp;
    auto ctx = crm::grpcutil::MakeContext(std::chrono::seconds(10));
    auto st = stub->Resolve(ctx.get(), req, &resp);
    if (!st.ok()) {
      std::fprintf(stderr, "crmctl: resolve %s: %s\n", cid.c_str(), st.error_message().c_str());
      return 1;
    }
    survivor[cid] = resp.customer_id();
  }
  std::unordered_map<std::string, std::string> clusters;
  std::set<std::string> customers;
  for (const auto& [ev, cid] : customer_of) {
    clusters[ev] = survivor[cid];
    customers.insert(survivor[cid]);
  }
  std::printf("\nResolved events on %s: %ld\n", resolved_topic.c_str(), events);
  if (copies) std::printf("  (%ld more copies from replayed deliveries)\n", copies);
  for (const auto& [k, n] : by_rule) std::printf("  %-40s %8ld\n", ("by " + k).c_str(), n);
  std::printf("Customers: %zu (merges %zu, unmerges %zu, shared keys %zu, review queue items %zu)\n", customers.size(),
              merges.size(), unmerges.size(), shared.size(), review.size());
  std::printf("Booth leads: %zu (double taps folded into them: %ld)\n", leads.size(), double_taps);
  if (args.count("clusters")) {
    std::ofstream out(args.at("clusters"));
    out << "record_id,cluster_id\n";
    for (const auto& [ev, c] : clusters) out << ev << "," << c << "\n";
  }
  if (args.count("truth")) {
    auto truth = crm::dedup::ReadTwoColumnCsv(args.at("truth"), "record_id", "entity_id");
    if (!truth.ok()) {
      std::fprintf(stderr, "crmctl: %s\n", truth.status().ToString().c_str());
      return 1;
    }
    auto e = crm::dedup::Evaluate(clusters, *truth);
    std::printf("Against ground truth (%lld events): pairwise precision %.4f recall %.4f F1 %.4f; "
                "B-cubed precision %.4f recall %.4f\n",
                static_cast<long long>(e.records), e.precision, e.recall, e.f1, e.bcubed_precision, e.bcubed_recall);
    if (e.missing_in_clusters) std::printf("  %lld truth events not resolved\n", static_cast<long long>(e.missing_in_clusters));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage(2);
  std::string cmd = argv[1];
  std::vector<std::string> pos;
  Args args = ParseArgs(argc, argv, 2, &pos);
  if (cmd == "health") return Health(pos, args);
  if (cmd == "bus-roundtrip") return BusRoundtrip(args);
  if (cmd == "shows-upsert") return ShowsUpsert(pos, args);
  if (cmd == "publish-files") return PublishFiles(args);
  if (cmd == "ingest-report") return IngestReport(args);
  if (cmd == "dedup-report") return DedupReport(pos, args);
  if (cmd == "scoring") {
    if (argc < 3 || std::string(argv[2]) != "rebuild") Usage(2);
    return crm::crmctl::ScoringRebuild(argv[0], std::vector<std::string>(argv + 3, argv + argc));
  }
  if (cmd == "profile" || cmd == "customers" || cmd == "show-report") {
    std::string addr = crm::crmctl::ScoringAddr(args);
    if (cmd == "profile" && pos.size() == 3 && pos[0] == "get") addr = pos[1];
    if (addr.empty()) {
      std::fprintf(stderr, "crmctl: no ProfileService address: pass --addr or set CRM_SCORING_GRPC\n");
      return 2;
    }
    if (cmd == "profile") {
      if (pos.empty() || pos[0] != "get" || pos.size() < 2 || pos.size() > 3) Usage(2);
      return crm::crmctl::ProfileGet(addr, pos.back(), args, DurationArg(args, "timeout", "10s"));
    }
    if (cmd == "customers") {
      if (pos.size() != 1 || pos[0] != "list") Usage(2);
      return crm::crmctl::CustomersList(addr, args, DurationArg(args, "timeout", "30s"));
    }
    if (pos.size() != 2) Usage(2);
    // With --brokers: first waits until scoring has consumed everything dedup published.
    if (args.count("brokers") &&
        !WaitForLag(args.at("brokers"), args.count("group") ? args.at("group") : "crm-scoring",
                    {"crm.resolved.v1", "crm.identity.v1"}, DurationArg(args, "wait-timeout", "600s"), "scoring")) {
      return 1;
    }
    return crm::crmctl::ShowReport(addr, pos[0], pos[1], args, DurationArg(args, "timeout", "120s"));
  }
  if (cmd == "lifecycle") {
    const std::string addr = crm::crmctl::LifecycleAddr(args);
    if (addr.empty() && !(pos.size() == 1 && pos[0] == "published")) {
      std::fprintf(stderr, "crmctl: no LifecycleService address: pass --addr or set CRM_LIFECYCLE_GRPC\n");
      return 2;
    }
    // With --brokers: first waits until the lifecycle has consumed everything scoring and dedup published.
    if (args.count("brokers") && !(pos.size() == 1 && pos[0] == "published") &&
        !WaitForLag(args.at("brokers"), args.count("group") ? args.at("group") : "crm-lifecycle",
                    {"crm.profiles.v1", "crm.scores.v1", "crm.identity.v1"}, DurationArg(args, "wait-timeout", "600s"),
                    "lifecycle")) {
      return 1;
    }
    return crm::crmctl::LifecycleCommand(addr, pos, args, DurationArg(args, "timeout", "120s"));
  }
  if (cmd == "help" || cmd == "--help") Usage(0);
  std::fprintf(stderr, "crmctl: unknown command %s\n", cmd.c_str());
  Usage(2);
}
