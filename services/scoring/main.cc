// crm-scoring: aggregates, indicators and profiles per customer, from
// crm.resolved.v1 and crm.identity.v1, kept in Redis and served over
// ProfileService; changes go to crm.profiles.v1 and crm.scores.v1.
#include "common/service/service_main.h"
#include "services/scoring/app.h"

int main(int argc, char** argv) { return crm::service::RunService<crm::scoring::ScoringApp>(argc, argv, "scoring"); }
