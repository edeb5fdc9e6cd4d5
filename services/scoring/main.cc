// crm-scoring: aggregates, indicators and profiles per customer, from
// crm.resolved.v1 and crm.identity.v1, kept in Redis and served over
// ProfileService; changes go to crm.profiles.v1 and crm.scores.v1.
//
//   crm-scoring [--config FILE]            the service
//   crm-scoring rebuild [--config FILE]    restore Redis from Kafka, then exit
//   crm-scoring train --model FILE ...     fit the retention model from history (train_cmd.cc)
#include <cstring>

#include "common/service/service_main.h"
#include "services/scoring/app.h"
#include "services/scoring/rebuild.h"
#include "services/scoring/train_cmd.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "train") == 0) return crm::scoring::RunTrain(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "rebuild") == 0) return crm::scoring::RunRebuild(argc - 1, argv + 1);
  return crm::service::RunService<crm::scoring::ScoringApp>(argc, argv, "scoring");
}
