// crm-ingest: the front door. Validates and normalizes events from gRPC and
// the raw JSON topics, publishes them to crm.events.v1 (rejects to
// crm.deadletter.v1), and owns the show registry.
#include "common/service/service_main.h"
#include "services/ingest/app.h"

int main(int argc, char** argv) { return crm::service::RunService<crm::ingest::IngestApp>(argc, argv, "ingest"); }
