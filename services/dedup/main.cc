// crm-dedup: duplicate events and identity resolution.
//   crm-dedup [--config FILE] [--endpoints-file FILE] [--print-config]   the streaming service
//   crm-dedup rebuild [--config FILE]                   rebuild the Redis index from crm.identity.v1
//   crm-dedup batch ...                                 cluster a person CSV (imports, evaluation)
//   crm-dedup eval ...                                  score clusters against ground truth

#include <cstring>

#include "common/log/log.h"
#include "common/service/service_main.h"
#include "services/dedup/cli.h"
#include "services/dedup/stream/dedup_app.h"

namespace {

int Rebuild(int argc, char** argv) {
  auto config = crm::service::LoadServiceConfig<crm::dedup::DedupApp>(argc, argv, "dedup");
  crm::dedup::DedupApp app(config);
  absl::Status st = app.Init();
  if (st.ok()) st = app.Rebuild();
  if (!st.ok()) {
    crm::log::Error("rebuild failed", {{"error", st.ToString()}});
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "batch") == 0) return crm::dedup::RunBatch(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "eval") == 0) return crm::dedup::RunEval(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "rebuild") == 0) {
    argv[1] = argv[0];
    return Rebuild(argc - 1, argv + 1);
  }
  return crm::service::RunService<crm::dedup::DedupApp>(argc, argv, "dedup");
}
