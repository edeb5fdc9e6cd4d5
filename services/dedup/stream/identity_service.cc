#include "services/dedup/stream/identity_service.h"

#include <algorithm>

#include "common/grpc/server.h"
#include "common/kafka/batch_completion.h"

namespace crm::dedup {

using crm::v1::IdentityEvent;

std::string CustomerOfChange(const IdentityEvent& ch) {
  switch (ch.change_case()) {
    case IdentityEvent::kRecordAssigned:
      return ch.record_assigned().customer_id();
    case IdentityEvent::kMerged:
      return ch.merged().survivor_id();
    case IdentityEvent::kUnmerged:
      return ch.unmerged().survivor_id();
    case IdentityEvent::kNeverMerge:
      return ch.never_merge().customer_a();
    case IdentityEvent::kKeyShared:
      return ch.key_shared().customer_id();
    case IdentityEvent::kReviewQueued:
      return ch.review_queued().customer_id();
    default:
      return "";
  }
}


IdentityServiceImpl::IdentityServiceImpl(std::unique_ptr<redis::RedisClient> redis, const Model& model,
                                         IndexOptions options, kafka::Publisher& producer, std::string identity_topic)
    : redis_(std::move(redis)),
      index_(*redis_, model, std::move(options)),
      producer_(producer),
      identity_topic_(std::move(identity_topic)) {}

absl::Status IdentityServiceImpl::Publish(const std::vector<IdentityEvent>& changes) {
  std::vector<std::pair<std::string, std::string>> records;
  for (const auto& ch : changes) records.emplace_back(CustomerOfChange(ch), ch.SerializeAsString());
  return kafka::PublishAndWait(producer_, identity_topic_, records);
}

grpc::Status IdentityServiceImpl::Resolve(grpc::ServerContext*, const crm::v1::ResolveRequest* req,
                                          crm::v1::ResolveResponse* resp) {
  std::lock_guard l(mu_);
  auto r = index_.Lookup(req->kind(), req->value());
  if (!r.ok()) return grpcutil::ToGrpc(r.status());
  *resp = *r;
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::GetCustomer(grpc::ServerContext*, const crm::v1::GetCustomerRequest* req,
                                              crm::v1::Customer* resp) {
  if (req->customer_id().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "customer_id is required");
  std::lock_guard l(mu_);
  auto c = index_.GetCustomer(req->customer_id());
  if (!c.ok()) return grpcutil::ToGrpc(c.status());
  *resp = std::move(*c);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::ListReviewQueue(grpc::ServerContext*, const crm::v1::ListReviewQueueRequest* req,
                                                  crm::v1::ListReviewQueueResponse* resp) {
  std::lock_guard l(mu_);
  auto items = index_.ReviewQueue(req->limit() ? static_cast<int>(std::min(req->limit(), 1000u)) : 100);
  if (!items.ok()) return grpcutil::ToGrpc(items.status());
  for (auto& i : *items) *resp->add_items() = std::move(i);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::Merge(grpc::ServerContext*, const crm::v1::MergeRequest* req,
                                        crm::v1::MergeResponse* resp) {
  if (req->customer_a().empty() || req->customer_b().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "customer_a and customer_b are required");
  }
  std::vector<IdentityEvent> changes;
  std::lock_guard l(mu_);
  crm::v1::MatchEvidence ev;
  ev.set_rule("manual");
  ev.set_probability(1.0);
  auto m = index_.Merge(req->customer_a(), req->customer_b(), ev, req->actor().empty() ? "operator" : req->actor(),
                        &changes);
  if (!m.ok()) return grpcutil::ToGrpc(m.status());
  if (auto st = Publish(changes); !st.ok()) return grpcutil::ToGrpc(st);
  *resp->mutable_merge() = *m;
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::Unmerge(grpc::ServerContext*, const crm::v1::UnmergeRequest* req,
                                          crm::v1::UnmergeResponse* resp) {
  if (req->merge_id().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "merge_id is required");
  std::vector<IdentityEvent> changes;
  std::lock_guard l(mu_);
  auto u = index_.Unmerge(req->merge_id(), req->actor().empty() ? "operator" : req->actor(), req->reason(),
                          req->has_never_merge() ? req->never_merge() : true, &changes);
  if (!u.ok()) return grpcutil::ToGrpc(u.status());
  if (auto st = Publish(changes); !st.ok()) return grpcutil::ToGrpc(st);
  *resp->mutable_unmerge() = *u;
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::MarkNeverMerge(grpc::ServerContext*, const crm::v1::NeverMergeRequest* req,
                                                 crm::v1::NeverMergeResponse*) {
  if (req->customer_a().empty() || req->customer_b().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "customer_a and customer_b are required");
  }
  std::vector<IdentityEvent> changes;
  std::lock_guard l(mu_);
  auto a = index_.Survivor(req->customer_a()), b = index_.Survivor(req->customer_b());
  if (!a.ok() || !b.ok()) return grpcutil::ToGrpc(a.ok() ? b.status() : a.status());
  auto st = index_.NeverMerge(*a, *b, req->actor().empty() ? "operator" : req->actor(), req->reason(), &changes);
  if (!st.ok()) return grpcutil::ToGrpc(st);
  if (auto p = Publish(changes); !p.ok()) return grpcutil::ToGrpc(p);
  return grpc::Status::OK;
}

}  // namespace crm::dedup
