// crm-dedup: duplicate events and identity resolution.
//   crm-dedup [--config FILE] [--endpoints-file FILE]   the streaming service
//   crm-dedup rebuild [--config FILE]                   rebuild the Redis index from crm.identity.v1
//   crm-dedup batch ...                                 cluster a person CSV (imports, evaluation)
//   crm-dedup eval ...                                  score clusters against ground truth

#include <cstdio>
#include <cstring>

#include "common/log/log.h"
#include "common/service/service_host.h"
#include "services/dedup/cli.h"
#include "services/dedup/stream/dedup_app.h"

namespace {

int Serve(int argc, char** argv, bool rebuild) {
  crm::service::BlockTerminationSignals();
  auto flags = crm::service::ParseFlags(argc, argv, "dedup");
  crm::config::Schema schema;
  crm::service::AddStandardKeys(schema);
  crm::dedup::DedupApp::AddConfigKeys(schema);
  auto config = crm::service::LoadConfigOrDie(schema, flags);

  crm::dedup::DedupApp app(config);
  if (auto st = app.Init(); !st.ok()) {
    crm::log::Error("dedup start-up failed", {{"error", st.ToString()}});
    return 1;
  }
  if (rebuild) {
    auto st = app.Rebuild();
    if (!st.ok()) {
      crm::log::Error("rebuild failed", {{"error", st.ToString()}});
      return 1;
    }
    return 0;
  }
  crm::service::ServiceHost host("dedup", config, flags.endpoints_file);
  app.RegisterServices(host);
  if (auto st = host.Start(); !st.ok()) {
    crm::log::Error("dedup start-up failed", {{"error", st.ToString()}});
    return 1;
  }
  if (auto st = app.StartConsuming(); !st.ok()) {
    crm::log::Error("dedup start-up failed", {{"error", st.ToString()}});
    return 1;
  }
  host.WaitForStop();
  app.StopConsuming();  // the batch in hand finishes and is committed
  host.Shutdown();
  app.Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "batch") == 0) return crm::dedup::RunBatch(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "eval") == 0) return crm::dedup::RunEval(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "rebuild") == 0) {
    argv[1] = argv[0];
    return Serve(argc - 1, argv + 1, /*rebuild=*/true);
  }
  return Serve(argc, argv, /*rebuild=*/false);
}
