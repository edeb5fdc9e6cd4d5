#include "services/scoring/profile_service.h"

#include <algorithm>

#include "absl/strings/numbers.h"
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
  if (auto st = store_.FillStandings(out, cuts_); !st.ok()) return grpcutil::ToGrpc(st);
  return grpc::Status::OK;
}

grpc::Status ProfileServiceImpl::ListCustomers(grpc::ServerContext*, const crm::v1::ListCustomersRequest* req,
                                               crm::v1::ListCustomersResponse* out) {
  if (req->show_id().empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "show_id is required"};
  if (!crm::v1::Tier_IsValid(req->tier())) return {grpc::StatusCode::INVALID_ARGUMENT, "unknown tier"};
  uint64_t offset = 0;
  if (!req->page_token().empty() && !absl::SimpleAtoi(req->page_token(), &offset)) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "page_token is not one ListCustomers returned"};
  }
  const uint64_t limit = req->page_size() == 0 ? 50 : std::min<uint32_t>(req->page_size(), 1000);
  std::lock_guard lock(mu_);
  auto page = store_.ListByValue(req->show_id(), req->tier(), offset, limit, cuts_);
  if (!page.ok()) return grpcutil::ToGrpc(page.status());
  *out = std::move(*page);
  return grpc::Status::OK;
}

}  // namespace crm::scoring
