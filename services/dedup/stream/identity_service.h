#pragma once

// crm.v1.IdentityService over the identity index: lookups, the golden
// record, the review queue, and operators' merges, unmerges and never-merge
// marks. A change is answered only once it is on crm.identity.v1.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/kafka/producer.h"
#include "common/redis/redis_client.h"
#include "crm/v1/identity.grpc.pb.h"
#include "services/dedup/stream/identity_index.h"

namespace crm::dedup {

// The partition key of an identity change: the customer it is about.
std::string CustomerOfChange(const crm::v1::IdentityEvent& change);

class IdentityServiceImpl final : public crm::v1::IdentityService::Service {
 public:
  IdentityServiceImpl(std::unique_ptr<redis::RedisClient> redis, const Model& model, IndexOptions options,
                      kafka::Publisher& producer, std::string identity_topic);
  grpc::Status Resolve(grpc::ServerContext*, const crm::v1::ResolveRequest*, crm::v1::ResolveResponse*) override;
  grpc::Status GetCustomer(grpc::ServerContext*, const crm::v1::GetCustomerRequest*, crm::v1::Customer*) override;
  grpc::Status ListReviewQueue(grpc::ServerContext*, const crm::v1::ListReviewQueueRequest*,
                               crm::v1::ListReviewQueueResponse*) override;
  grpc::Status Merge(grpc::ServerContext*, const crm::v1::MergeRequest*, crm::v1::MergeResponse*) override;
  grpc::Status Unmerge(grpc::ServerContext*, const crm::v1::UnmergeRequest*, crm::v1::UnmergeResponse*) override;
  grpc::Status MarkNeverMerge(grpc::ServerContext*, const crm::v1::NeverMergeRequest*,
                              crm::v1::NeverMergeResponse*) override;

 private:
  // Publishes index changes and waits for the broker's acknowledgement.
  absl::Status Publish(const std::vector<crm::v1::IdentityEvent>& changes);
  std::mutex mu_;  // one Redis connection
  std::unique_ptr<redis::RedisClient> redis_;
  IdentityIndex index_;
  kafka::Publisher& producer_;
  std::string identity_topic_;
};

}  // namespace crm::dedup
