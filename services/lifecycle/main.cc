// crm-lifecycle: the relationship stage of every customer per show series,
// from scoring's profiles (crm.profiles.v1), score changes (crm.scores.v1),
// identity changes (crm.identity.v1) and the show calendar (crm.shows.v1);
// transitions on crm.lifecycle.v1, stages and history in Redis, served over
// LifecycleService.
//
//   crm-lifecycle [--config FILE]
#include "common/service/service_main.h"
#include "services/lifecycle/app.h"

int main(int argc, char** argv) { return crm::service::RunService<crm::lifecycle::LifecycleApp>(argc, argv, "lifecycle"); }
