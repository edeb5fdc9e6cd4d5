#pragma once

// crm.v1.ProfileService over the profile store.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/redis/redis_client.h"
#include "crm/v1/identity.grpc.pb.h"
#include "crm/v1/profile.grpc.pb.h"
#include "services/scoring/domain/indicators.h"
#include "services/scoring/domain/profile_builder.h"
#include "services/scoring/profile_store.h"

namespace crm::scoring {

// GetProfile is a callback method: a lookup is a few Redis round trips, so
// it runs on the thread that read the request instead of being handed to a
// worker thread (the sync server's hand-off cost more CPU than the lookup).
class ProfileServiceImpl final
    : public crm::v1::ProfileService::WithCallbackMethod_GetProfile<crm::v1::ProfileService::Service> {
 public:
  struct Options {
    std::string prefix = "scoring:";
    TierCuts cuts;
    WeightBook weights;
    // The series' calendars now (for show reports).
    std::function<Calendars()> calendars;
    // Dedup's IdentityService, for lookups by identifier; null: only by customer id.
    std::shared_ptr<crm::v1::IdentityService::StubInterface> identity;
  };
  // `lookup`: the connections profile lookups share (one call per
  // connection at a time, so a lookup waits only when all are busy);
  // `report_redis`: one more, so a show report's scan of a whole series does
  // not hold up lookups.
  ProfileServiceImpl(std::vector<std::unique_ptr<redis::RedisClient>> lookup,
                     std::unique_ptr<redis::RedisClient> report_redis, Options options);

  // The stored profile with each series' standing filled in.
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext*, const crm::v1::GetProfileRequest*,
                                       crm::v1::Profile*) override;
  grpc::Status BatchGetProfiles(grpc::ServerContext*, const crm::v1::BatchGetProfilesRequest*,
                                crm::v1::BatchGetProfilesResponse*) override;
  grpc::Status ListCustomers(grpc::ServerContext*, const crm::v1::ListCustomersRequest*,
                             crm::v1::ListCustomersResponse*) override;
  grpc::Status GetShowReport(grpc::ServerContext*, const crm::v1::GetShowReportRequest*, crm::v1::ShowReport*) override;

 private:
  // The customer id a GetProfile request names (resolving an identifier).
  grpc::Status CustomerIdOf(const grpc::ServerContextBase* ctx, const crm::v1::GetProfileRequest& req,
                            std::string* id);
  grpc::Status LookupProfile(const grpc::ServerContextBase* ctx, const crm::v1::GetProfileRequest& req,
                             crm::v1::Profile* out);

  // One lookup connection and its store, used by one call at a time.
  struct Lookup {
    std::mutex mu;
    std::unique_ptr<redis::RedisClient> redis;
    ProfileStore store;
  };
  // Runs fn(store) on a free lookup connection (the next one in turn if
  // all are busy).
  template <typename Fn>
  grpc::Status WithLookup(Fn&& fn);

  std::vector<std::unique_ptr<Lookup>> lookups_;
  std::atomic<size_t> next_lookup_{0};
  std::mutex report_mu_;
  std::unique_ptr<redis::RedisClient> report_redis_;
  ProfileStore report_store_;
  const Options options_;
};

}  // namespace crm::scoring
