// crm-dedup: duplicate events and identity resolution.
//   crm-dedup batch ...   cluster a person CSV (imports, evaluation)
//   crm-dedup eval ...    score clusters against ground truth

#include <cstdio>
#include <cstring>

#include "services/dedup/cli.h"

namespace {
const char* kUsage =
    "usage: crm-dedup batch --input FILE.csv --schema SCHEMA.yaml --output clusters.csv [...]\n"
    "       crm-dedup eval --clusters clusters.csv --truth truth.csv\n"
    "Run a subcommand with --help for its flags.\n";
}

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "batch") == 0) return crm::dedup::RunBatch(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "eval") == 0) return crm::dedup::RunEval(argc - 2, argv + 2);
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}
