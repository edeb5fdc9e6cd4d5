#include "common/service/service_host.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "common/util/strings.h"
#include "common/log/log.h"
#include "common/util/net.h"

namespace crm::service {

Flags ParseFlags(int argc, char** argv, const std::string& service_name) {
  Flags flags;
  auto usage = [&](int code) {
    std::fprintf(code ? stderr : stdout,
                 "usage: crm-%s [--config FILE.yaml] [--endpoints-file FILE] [--print-config]\n"
                 "  Settings come from the YAML file, then CRM_* environment variables\n"
                 "  (key kafka.brokers <- CRM_KAFKA_BROKERS).\n"
                 "  --print-config prints every key with its default and meaning, as YAML\n"
                 "  (deploy/local/config/%s.yaml is that output), and exits.\n",
                 service_name.c_str(), service_name.c_str());
    std::exit(code);
  };
  flags.service_name = service_name;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "crm-%s: %s needs a value\n", service_name.c_str(), a.c_str());
        usage(2);
      }
      return argv[++i];
    };
    if (a == "--config") flags.config_path = value();
    else if (a == "--endpoints-file") flags.endpoints_file = value();
    else if (a == "--print-config") flags.print_config = true;
    else if (a == "--help" || a == "-h") usage(0);
    else {
      std::fprintf(stderr, "crm-%s: unknown flag %s\n", service_name.c_str(), a.c_str());
      usage(2);
    }
  }
  return flags;
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

config::Config LoadConfigOrDie(const config::Schema& schema, const Flags& flags) {
  if (flags.print_config) {
    std::fputs(config::RenderYaml(schema, "crm-" + flags.service_name).c_str(), stdout);
    std::exit(0);
  }
  auto cfg = config::Config::Load(schema, flags.config_path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "configuration error: %s\n", std::string(cfg.status().message()).c_str());
    std::exit(2);
  }
  return *std::move(cfg);
}

ServiceHost::ServiceHost(std::string name, const config::Config& config, std::string endpoints_file)
    : name_(std::move(name)),
      config_(config),
      endpoints_file_(endpoints_file.empty() ? config.GetString("run.endpoints_file") : endpoints_file),
      grpc_(grpcutil::ServerOptions{config.GetString("grpc.listen"), config.GetDuration("grpc.shutdown_grace")}) {
  log::SetService(name_);
  log::Level level;
  if (log::ParseLevel(config.GetString("log.level"), &level)) log::SetLevel(level);
}

ServiceHost::~ServiceHost() {
  Shutdown();
  RequestStop();
  if (signal_thread_.joinable()) {
    // The signal thread is parked in sigwait; wake it with a signal that only
    // it can take (blocked everywhere else).
    pthread_kill(signal_thread_.native_handle(), SIGTERM);
    signal_thread_.join();
  }
}

void ServiceHost::AddGrpcService(grpc::Service* service) { grpc_.AddService(service); }

absl::Status ServiceHost::Start() {
  http_ = std::make_unique<metrics::HttpServer>(metrics::Registry::Default());
  if (auto st = http_->Start(config_.GetString("metrics.listen")); !st.ok()) return st;
  if (auto st = grpc_.Start(); !st.ok()) return st;

  sigset_t blocked;
  pthread_sigmask(SIG_BLOCK, nullptr, &blocked);
  if (sigismember(&blocked, SIGTERM) == 1) {
    signal_thread_ = std::thread([this] {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGTERM);
      sigaddset(&set, SIGINT);
      int sig = 0;
      sigwait(&set, &sig);
      log::Info("signal received; stopping", {{"signal", strsignal(sig)}});
      RequestStop();
    });
  }

  std::string metrics_addr = crm::StrCat(
      net::ParseHostPort(config_.GetString("metrics.listen"))->host, ":", http_->port());
  if (!endpoints_file_.empty()) {
    std::string tmp = endpoints_file_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << "grpc=" << grpc_.address() << "\nmetrics=" << metrics_addr << "\npid=" << getpid() << "\n";
      if (!out) return absl::InternalError(crm::StrCat("cannot write endpoints file ", tmp));
    }
    if (std::rename(tmp.c_str(), endpoints_file_.c_str()) != 0) {
      return absl::InternalError(crm::StrCat("cannot rename endpoints file to ", endpoints_file_));
    }
  }
  log::Info("service started", {{"grpc", grpc_.address()}, {"metrics", metrics_addr}});
  return absl::OkStatus();
}

void ServiceHost::WaitForStop() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stop_requested_; });
}

void ServiceHost::RequestStop() {
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
  }
  cv_.notify_all();
}

void ServiceHost::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  grpc_.Shutdown();
  if (http_) http_->Stop();
  log::Info("service stopped");
}

}  // namespace crm::service
