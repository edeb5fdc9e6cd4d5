// crmctl: the operator's command line for the CRM.
//
//   crmctl health ADDR [--service NAME] [--timeout DURATION]
//       grpc.health.v1 check; exit 0 when SERVING, 1 otherwise.
//   crmctl bus-roundtrip --brokers LIST [--topic T] [--count N] [--timeout DURATION]
//       Produces N messages with the project's producer and reads them back
//       with its consumer-group consumer; verifies every one arrived intact.

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

namespace {

using Args = std::map<std::string, std::string>;

[[noreturn]] void Usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage:\n"
               "  crmctl health ADDR [--service NAME] [--timeout 2s]\n"
               "  crmctl bus-roundtrip --brokers LIST [--topic crm.roundtrip.v1] [--count 1000] [--timeout 30s]\n");
  std::exit(code);
}

// Splits "--key value" pairs after the positional arguments.
Args ParseArgs(int argc, char** argv, int first, std::vector<std::string>* positional) {
  Args out;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage(2);
  std::string cmd = argv[1];
  std::vector<std::string> pos;
  Args args = ParseArgs(argc, argv, 2, &pos);
  if (cmd == "health") return Health(pos, args);
  if (cmd == "bus-roundtrip") return BusRoundtrip(args);
  if (cmd == "help" || cmd == "--help") Usage(0);
  std::fprintf(stderr, "crmctl: unknown command %s\n", cmd.c_str());
  Usage(2);
}
