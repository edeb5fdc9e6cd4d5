#pragma once

#include <mutex>

#include "common/kafka/producer.h"
#include "common/shows/registry.h"
#include "common/util/clock.h"
#include "crm/v1/ingest.grpc.pb.h"
#include "crm/v1/shows.grpc.pb.h"
#include "services/ingest/intake.h"

namespace crm::ingest {

class IngestServiceImpl final : public crm::v1::IngestService::Service {
 public:
  // `max_in_flight`: unacknowledged events per stream before reading pauses
  // (gRPC flow control then slows the client down).
  IngestServiceImpl(Intake& intake, size_t max_in_flight) : intake_(intake), max_in_flight_(max_in_flight) {}

  grpc::Status Publish(grpc::ServerContext* ctx,
                       grpc::ServerReaderWriter<crm::v1::PublishResponse, crm::v1::PublishRequest>* stream) override;
  grpc::Status PublishBatch(grpc::ServerContext* ctx, const crm::v1::PublishBatchRequest* req,
                            crm::v1::PublishBatchResponse* resp) override;

 private:
  Intake& intake_;
  size_t max_in_flight_;
};

class ShowServiceImpl final : public crm::v1::ShowService::Service {
 public:
  ShowServiceImpl(kafka::Publisher& publisher, shows::ShowRegistry& registry, const Clock& clock, std::string topic)
      : publisher_(publisher), registry_(registry), clock_(clock), topic_(std::move(topic)) {}

  grpc::Status UpsertSeries(grpc::ServerContext*, const crm::v1::UpsertSeriesRequest* req,
                            crm::v1::ShowSeries* resp) override;
  grpc::Status UpsertEdition(grpc::ServerContext*, const crm::v1::UpsertEditionRequest* req,
                             crm::v1::ShowSeries* resp) override;
  grpc::Status GetSeries(grpc::ServerContext*, const crm::v1::GetSeriesRequest* req,
                         crm::v1::ShowSeries* resp) override;
  grpc::Status ListSeries(grpc::ServerContext*, const crm::v1::ListSeriesRequest* req,
                          crm::v1::ListSeriesResponse* resp) override;

 private:
  // Validates, writes to crm.shows.v1, waits for the broker, then applies.
  grpc::Status Store(crm::v1::ShowSeries series, crm::v1::ShowSeries* resp);

  kafka::Publisher& publisher_;
  shows::ShowRegistry& registry_;
  const Clock& clock_;
  std::string topic_;
  std::mutex write_mu_;  // one writer at a time keeps versions increasing
};

}  // namespace crm::ingest
