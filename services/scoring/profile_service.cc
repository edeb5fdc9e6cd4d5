#include "services/scoring/profile_service.h"

#include "common/grpc/server.h"

namespace crm::scoring {

grpc::Status ProfileServiceImpl::GetProfile(grpc::ServerContext*, const crm::v1::GetProfileRequest* req,
                                            crm::v1::Profile* out) {
  if (req->customer_id().empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "customer_id is required"};
  std::lock_guard lock(mu_);
  auto roots = store_.Roots({req->customer_id()});
  if (!roots.ok()) return grpcutil::ToGrpc(roots.status());
  const std::string& root = roots->at(req->customer_id());
  auto profiles = store_.Profiles({root});
  if (!profiles.ok()) return grpcutil::ToGrpc(profiles.status());
  auto it = profiles->find(root);
  if (it == profiles->end()) return {grpc::StatusCode::NOT_FOUND, "no profile for " + req->customer_id()};
  *out = std::move(it->second);
  return grpc::Status::OK;
}

}  // namespace crm::scoring
