#pragma once

// crm.v1.ProfileService over the profile store.

#include <functional>
#include <memory>
#include <mutex>

#include "common/redis/redis_client.h"
#include "crm/v1/identity.grpc.pb.h"
#include "crm/v1/profile.grpc.pb.h"
#include "services/scoring/domain/indicators.h"
#include "services/scoring/domain/profile_builder.h"
#include "services/scoring/profile_store.h"

namespace crm::scoring {

class ProfileServiceImpl final : public crm::v1::ProfileService::Service {
 public:
  struct Options {
    std::string prefix = "scoring:";
    TierCuts cuts;
    Weights weights;
    // The series' calendars now (for show reports).
    std::function<Calendars()> calendars;
    // Dedup's IdentityService, for lookups by identifier; null: only by customer id.
    std::shared_ptr<crm::v1::IdentityService::StubInterface> identity;
  };
  // `report_redis`: a second connection, so a show report's scan of a whole
  // series does not hold up profile lookups.
  ProfileServiceImpl(std::unique_ptr<redis::RedisClient> redis, std::unique_ptr<redis::RedisClient> report_redis,
                     Options options)
      : redis_(std::move(redis)),
        report_redis_(std::move(report_redis)),
        store_(*redis_, options.prefix),
        report_store_(*report_redis_, options.prefix),
        options_(std::move(options)) {}

  // The stored profile with each series' standing filled in.
  grpc::Status GetProfile(grpc::ServerContext*, const crm::v1::GetProfileRequest*, crm::v1::Profile*) override;
  grpc::Status BatchGetProfiles(grpc::ServerContext*, const crm::v1::BatchGetProfilesRequest*,
                                crm::v1::BatchGetProfilesResponse*) override;
  grpc::Status ListCustomers(grpc::ServerContext*, const crm::v1::ListCustomersRequest*,
                             crm::v1::ListCustomersResponse*) override;
  grpc::Status GetShowReport(grpc::ServerContext*, const crm::v1::GetShowReportRequest*, crm::v1::ShowReport*) override;

 private:
  // The customer id a GetProfile request names (resolving an identifier).
  grpc::Status CustomerIdOf(grpc::ServerContext* ctx, const crm::v1::GetProfileRequest& req, std::string* id);

  std::mutex mu_, report_mu_;  // one per Redis connection
  std::unique_ptr<redis::RedisClient> redis_, report_redis_;
  ProfileStore store_, report_store_;
  const Options options_;
};

}  // namespace crm::scoring
