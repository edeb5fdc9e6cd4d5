#pragma once

// crm.v1.ProfileService over the profile store.

#include <memory>
#include <mutex>

#include "common/redis/redis_client.h"
#include "crm/v1/profile.grpc.pb.h"
#include "services/scoring/profile_store.h"

namespace crm::scoring {

class ProfileServiceImpl final : public crm::v1::ProfileService::Service {
 public:
  ProfileServiceImpl(std::unique_ptr<redis::RedisClient> redis, std::string prefix, TierCuts cuts)
      : redis_(std::move(redis)), store_(*redis_, std::move(prefix)), cuts_(cuts) {}

  // The stored profile with each series' standing filled in.
  grpc::Status GetProfile(grpc::ServerContext*, const crm::v1::GetProfileRequest*, crm::v1::Profile*) override;
  grpc::Status ListCustomers(grpc::ServerContext*, const crm::v1::ListCustomersRequest*,
                             crm::v1::ListCustomersResponse*) override;

 private:
  std::mutex mu_;  // one Redis connection
  std::unique_ptr<redis::RedisClient> redis_;
  ProfileStore store_;
  const TierCuts cuts_;
};

}  // namespace crm::scoring
