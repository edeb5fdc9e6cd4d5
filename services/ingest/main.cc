// crm-ingest: the front door. Validates and normalizes events from gRPC and
// the raw JSON topics, publishes them to crm.events.v1 (rejects to
// crm.deadletter.v1), and owns the show registry.
#include <cstdio>

#include "common/log/log.h"
#include "common/service/service_host.h"
#include "services/ingest/app.h"

int main(int argc, char** argv) {
  crm::service::BlockTerminationSignals();
  auto flags = crm::service::ParseFlags(argc, argv, "ingest");
  crm::config::Schema schema;
  crm::service::AddStandardKeys(schema);
  crm::ingest::IngestApp::AddConfigKeys(schema);
  auto config = crm::service::LoadConfigOrDie(schema, flags);

  crm::service::ServiceHost host("ingest", config, flags.endpoints_file);
  crm::ingest::IngestApp app(config);
  if (auto st = app.Init(); !st.ok()) {
    crm::log::Error("ingest start-up failed", {{"error", st.ToString()}});
    return 1;
  }
  app.RegisterServices(host);
  if (auto st = host.Start(); !st.ok()) {
    crm::log::Error("ingest start-up failed", {{"error", st.ToString()}});
    return 1;
  }
  if (auto st = app.StartConsuming(); !st.ok()) {
    crm::log::Error("ingest start-up failed", {{"error", st.ToString()}});
    return 1;
  }
  host.WaitForStop();
  // Stop order: stop taking raw records (the batch in hand finishes and is
  // committed), drain gRPC calls (their acks need the producer), then flush.
  app.StopConsuming();
  host.Shutdown();
  app.Shutdown();
  return 0;
}
