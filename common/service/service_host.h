#pragma once

// What every service's main.cc shares: flags, the standard config keys,
// logging, the /metrics endpoint, the gRPC server, the endpoints file that
// deploy scripts read, and waiting for SIGTERM/SIGINT.
//
// A main.cc reads like:
//   crm::service::BlockTerminationSignals();        // first, before threads start
//   auto flags = crm::service::ParseFlags(argc, argv, "ingest");
//   Schema schema; AddStandardKeys(schema); ...kafka/redis sections, service keys...
//   auto cfg = LoadConfigOrDie(schema, flags);   // exits on error or after --print-config
//   ServiceHost host("ingest", cfg); ...build the app, host.AddGrpcService(...)
//   host.Start(); host.WaitForStop(); ...stop the app in order...; host.Shutdown();
// RunService (service_main.h) does all of that for an app class.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "common/config/config.h"
#include "common/grpc/server.h"
#include "common/metrics/http_server.h"
#include "common/service/standard_config.h"

namespace crm::service {

struct Flags {
  std::string service_name;
  std::string config_path;     // --config FILE
  std::string endpoints_file;  // --endpoints-file FILE (overrides run.endpoints_file)
  bool print_config = false;   // --print-config
};

// Parses --config/--endpoints-file/--print-config/--help; prints usage and
// exits on bad flags.
Flags ParseFlags(int argc, char** argv, const std::string& service_name);

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts
// later, so that WaitForStop can take them synchronously.
void BlockTerminationSignals();

// Loads the config or exits with the error on stderr (bad config is a
// start-up failure, the one place the process gives up). With
// --print-config it prints the schema as YAML (config::RenderYaml) and exits.
config::Config LoadConfigOrDie(const config::Schema& schema, const Flags& flags);

class ServiceHost {
 public:
  ServiceHost(std::string name, const config::Config& config, std::string endpoints_file = "");
  ~ServiceHost();

  void AddGrpcService(grpc::Service* service);
  // Starts /metrics and gRPC, marks the server SERVING and writes the
  // endpoints file ("grpc=host:port" and "metrics=host:port" lines).
  absl::Status Start();
  // Returns when SIGTERM/SIGINT arrives or RequestStop() is called.
  void WaitForStop();
  void RequestStop();
  // Marks NOT_SERVING, shuts gRPC down with the grace deadline, stops /metrics.
  void Shutdown();

  int grpc_port() const { return grpc_.port(); }
  int metrics_port() const { return http_ ? http_->port() : 0; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  const config::Config& config_;
  std::string endpoints_file_;
  grpcutil::Server grpc_;
  std::unique_ptr<metrics::HttpServer> http_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  std::thread signal_thread_;
  bool shut_down_ = false;
};

}  // namespace crm::service
