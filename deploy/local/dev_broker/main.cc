// crm-dev-broker: a Kafka cluster for local runs and tests, built on
// librdkafka's mock cluster (rdkafka_mock.h). It speaks the real Kafka
// protocol on loopback TCP, so every client (our services, kcat) talks to it
// exactly as to Apache Kafka. Limits: data lives in memory only and is lost on
// exit; each partition keeps a bounded log (older messages are dropped as it
// grows); no compaction, no transactions across restarts. Production runs
// Apache Kafka.
//
// Output on stdout once ready (shell-sourceable):
//   CRM_KAFKA_BROKERS=127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3
//   CRM_KAFKA_CONTROL=127.0.0.1:p
// The control port takes one-line commands, answering "ok" or "error <why>":
//   broker-down <id> | broker-up <id> | create-topic <name> <partitions> | ping
// Partition p of every topic is led by broker (p mod N) + 1, so which
// partitions a broker-down affects is known in advance.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/util/strings.h"
#include "common/log/log.h"
#include "common/util/net.h"

namespace {

struct Options {
  int brokers = 3;
  std::string topics_file;
  int default_partitions = 6;
  std::string bootstrap_file;
  std::string control_listen = "127.0.0.1:0";
};

void Usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: crm-dev-broker [--brokers N] [--topics topics.yaml] [--default-partitions N]\n"
               "                      [--bootstrap-file FILE] [--control-listen HOST:PORT]\n"
               "Runs an in-memory Kafka cluster (librdkafka mock) on loopback until SIGTERM/SIGINT.\n");
  std::exit(code);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(2);
      return argv[++i];
    };
    if (a == "--brokers") o.brokers = std::atoi(value().c_str());
    else if (a == "--topics") o.topics_file = value();
    else if (a == "--default-partitions") o.default_partitions = std::atoi(value().c_str());
    else if (a == "--bootstrap-file") o.bootstrap_file = value();
    else if (a == "--control-listen") o.control_listen = value();
    else if (a == "--help" || a == "-h") Usage(0);
    else {
      std::fprintf(stderr, "crm-dev-broker: unknown flag %s\n", a.c_str());
      Usage(2);
    }
  }
  if (o.brokers < 1 || o.brokers > 9) {
    std::fprintf(stderr, "crm-dev-broker: --brokers must be 1..9\n");
    std::exit(2);
  }
  return o;
}

// Creates a topic whose partition p is led by broker (p mod brokers) + 1. The
// mock would otherwise pick leaders at random, and a test that takes broker 1
// down could find it leads nothing on the topic it watches.
rd_kafka_resp_err_t CreateTopic(rd_kafka_mock_cluster_t* mc, int brokers, const std::string& name, int partitions) {
  auto err = rd_kafka_mock_topic_create(mc, name.c_str(), partitions, brokers < 3 ? brokers : 3);
  for (int p = 0; p < partitions && !err; ++p) {
    err = rd_kafka_mock_partition_set_leader(mc, name.c_str(), p, p % brokers + 1);
  }
  return err;
}

std::string Handle(rd_kafka_mock_cluster_t* mc, int brokers, const std::string& line) {
  std::vector<std::string> w = crm::Split(line, ' ', /*skip_empty=*/true);
  if (w.empty()) return "error empty command";
  if (w[0] == "ping") return "ok";
  if ((w[0] == "broker-down" || w[0] == "broker-up") && w.size() == 2) {
    int id = std::atoi(w[1].c_str());
    if (id < 1 || id > brokers) return "error no such broker";
    auto err = w[0] == "broker-down" ? rd_kafka_mock_broker_set_down(mc, id) : rd_kafka_mock_broker_set_up(mc, id);
    crm::log::Info("control command", {{"command", line}, {"result", rd_kafka_err2name(err)}});
    return err ? std::string("error ") + rd_kafka_err2str(err) : "ok";
  }
  if (w[0] == "create-topic" && w.size() == 3) {
    int parts = std::atoi(w[2].c_str());
    if (parts < 1) return "error partitions must be >= 1";
    auto err = CreateTopic(mc, brokers, w[1], parts);
    return err ? std::string("error ") + rd_kafka_err2str(err) : "ok";
  }
  return "error unknown command (broker-down ID, broker-up ID, create-topic NAME PARTITIONS, ping)";
}

void ServeControl(int fd, rd_kafka_mock_cluster_t* mc, int brokers) {
  std::string buf;
  char tmp[512];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) return;
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return;
    buf.append(tmp, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      std::string line = buf.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      buf.erase(0, nl + 1);
      std::string reply = Handle(mc, brokers, line) + "\n";
      ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    }
    if (buf.size() > 4096) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = ParseArgs(argc, argv);
  crm::log::SetService("dev-broker");

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  // The mock cluster needs a client handle to own its thread; it serves no traffic itself.
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    std::fprintf(stderr, "crm-dev-broker: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, opt.brokers);
  if (!mc) {
    std::fprintf(stderr, "crm-dev-broker: cannot create the mock cluster\n");
    return 1;
  }
  if (!opt.topics_file.empty()) {
    try {
      YAML::Node root = YAML::LoadFile(opt.topics_file);
      for (const auto& t : root["topics"]) {
        std::string name = t["name"].as<std::string>();
        int parts = t["partitions"] ? t["partitions"].as<int>() : opt.default_partitions;
        auto err = CreateTopic(mc, opt.brokers, name, parts);
        if (err) {
          std::fprintf(stderr, "crm-dev-broker: topic %s: %s\n", name.c_str(), rd_kafka_err2str(err));
          return 1;
        }
      }
    } catch (const YAML::Exception& e) {
      std::fprintf(stderr, "crm-dev-broker: %s: %s\n", opt.topics_file.c_str(), e.what());
      return 1;
    }
  }

  auto addr = crm::net::ParseHostPort(opt.control_listen);
  uint16_t control_port = 0;
  auto control_fd = addr.ok() ? crm::net::ListenTcp(*addr, &control_port) : addr.status();
  if (!control_fd.ok()) {
    std::fprintf(stderr, "crm-dev-broker: control port: %s\n", std::string(control_fd.status().message()).c_str());
    return 1;
  }

  std::string bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
  std::ostringstream ready;
  ready << "CRM_KAFKA_BROKERS=" << bootstraps << "\n"
        << "CRM_KAFKA_CONTROL=" << addr->host << ":" << control_port << "\n";
  if (!opt.bootstrap_file.empty()) {
    std::string tmp = opt.bootstrap_file + ".tmp";
    std::ofstream(tmp) << ready.str();
    std::rename(tmp.c_str(), opt.bootstrap_file.c_str());
  }
  std::fputs(ready.str().c_str(), stdout);
  std::fflush(stdout);
  crm::log::Info("dev broker ready", {{"brokers", bootstraps}, {"control_port", static_cast<int>(control_port)}});

  // Serve the control port until a termination signal is pending.
  while (true) {
    timespec zero{0, 0};
    if (sigtimedwait(&sigs, nullptr, &zero) > 0) break;
    pollfd p{*control_fd, POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      int fd = ::accept4(*control_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        ServeControl(fd, mc, opt.brokers);
        ::close(fd);
      }
    }
  }
  crm::log::Info("dev broker stopping");
  ::close(*control_fd);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
