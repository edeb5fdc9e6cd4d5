#pragma once

// The whole main() of a service, for an app class shaped like
// services/ingest/app.h:
//   static void AddConfigKeys(config::Schema&);   // its sections and keys
//   explicit App(const config::Config&);
//   absl::Status Init();                           // clients, state, RPC services
//   void RegisterServices(ServiceHost&);
//   absl::Status StartConsuming();
//   void StopConsuming();                          // the batch in hand finishes and commits
//   void Shutdown();                               // flush producers, stop followers
// Stop order: stop consuming, drain gRPC calls (their effects may need the
// producer), then shut the app down.

#include <string>

#include "common/log/log.h"
#include "common/service/service_host.h"

namespace crm::service {

// Flags, the standard keys and App's keys, loaded (exits on a bad config,
// and after printing it with --print-config).
template <typename App>
config::Config LoadServiceConfig(int argc, char** argv, const std::string& name, Flags* flags_out = nullptr) {
  BlockTerminationSignals();
  Flags flags = ParseFlags(argc, argv, name);
  config::Schema schema;
  AddStandardKeys(schema);
  App::AddConfigKeys(schema);
  config::Config config = LoadConfigOrDie(schema, flags);
  if (flags_out) *flags_out = flags;
  return config;
}

template <typename App>
int RunService(int argc, char** argv, const std::string& name) {
  Flags flags;
  config::Config config = LoadServiceConfig<App>(argc, argv, name, &flags);
  ServiceHost host(name, config, flags.endpoints_file);
  App app(config);
  auto failed = [&](const absl::Status& st) {
    log::Error(name + " start-up failed", {{"error", st.ToString()}});
    return 1;
  };
  if (auto st = app.Init(); !st.ok()) return failed(st);
  app.RegisterServices(host);
  if (auto st = host.Start(); !st.ok()) return failed(st);
  if (auto st = app.StartConsuming(); !st.ok()) return failed(st);
  host.WaitForStop();
  app.StopConsuming();
  host.Shutdown();
  app.Shutdown();
  return 0;
}

}  // namespace crm::service
