#include "services/scoring/profile_service.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/numbers.h"
#include "common/grpc/server.h"
#include "services/scoring/domain/show_report.h"

namespace crm::scoring {

ProfileServiceImpl::ProfileServiceImpl(std::vector<std::unique_ptr<redis::RedisClient>> lookup,
                                       std::unique_ptr<redis::RedisClient> report_redis, Options options)
    : report_redis_(std::move(report_redis)), report_store_(*report_redis_, options.prefix), options_(std::move(options)) {
  for (auto& r : lookup) {
    auto* raw = r.get();
    lookups_.push_back(std::unique_ptr<Lookup>(new Lookup{{}, std::move(r), ProfileStore(*raw, options_.prefix)}));
  }
}

template <typename Fn>
grpc::Status ProfileServiceImpl::WithLookup(Fn&& fn) {
  const size_t n = lookups_.size();
  const size_t start = next_lookup_.fetch_add(1, std::memory_order_relaxed) % n;
  for (size_t i = 0; i < n; ++i) {
    Lookup& l = *lookups_[(start + i) % n];
    std::unique_lock lock(l.mu, std::try_to_lock);
    if (lock.owns_lock()) return fn(l.store);
  }
  Lookup& l = *lookups_[start];
  std::lock_guard lock(l.mu);
  return fn(l.store);
}

grpc::Status ProfileServiceImpl::CustomerIdOf(const grpc::ServerContextBase* ctx,
                                              const crm::v1::GetProfileRequest& req, std::string* id) {
  if (!req.customer_id().empty()) {
    *id = req.customer_id();
    return grpc::Status::OK;
  }
  if (req.identifier().empty() || req.identifier_kind().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "customer_id, or identifier_kind and identifier, is required"};
  }
  if (!options_.identity) {
    return {grpc::StatusCode::FAILED_PRECONDITION, "lookup by identifier needs scoring.identity_addr (dedup's gRPC)"};
  }
  crm::v1::ResolveRequest rr;
  rr.set_kind(req.identifier_kind());
  rr.set_value(req.identifier());
  crm::v1::ResolveResponse resp;
  grpc::ClientContext cc;
  cc.set_deadline(ctx && ctx->deadline() != std::chrono::system_clock::time_point::max()
                      ? ctx->deadline()
                      : std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status st = options_.identity->Resolve(&cc, rr, &resp);
  if (!st.ok()) return st;  // NOT_FOUND / INVALID_ARGUMENT from dedup pass through
  *id = resp.customer_id();
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ProfileServiceImpl::GetProfile(grpc::CallbackServerContext* ctx,
                                                         const crm::v1::GetProfileRequest* req, crm::v1::Profile* out) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(LookupProfile(ctx, *req, out));
  return reactor;
}

grpc::Status ProfileServiceImpl::LookupProfile(const grpc::ServerContextBase* ctx,
                                               const crm::v1::GetProfileRequest& req, crm::v1::Profile* out) {
  std::string id;
  if (auto st = CustomerIdOf(ctx, req, &id); !st.ok()) return st;
  return WithLookup([&](ProfileStore& store) -> grpc::Status {
    auto profile = store.RootProfile(id);
    if (!profile.ok()) return grpcutil::ToGrpc(profile.status());
    if (!profile->has_value()) return {grpc::StatusCode::NOT_FOUND, "no profile for " + id};
    *out = std::move(**profile);
    if (auto st = store.FillStandings(out, options_.cuts); !st.ok()) return grpcutil::ToGrpc(st);
    return grpc::Status::OK;
  });
}

grpc::Status ProfileServiceImpl::BatchGetProfiles(grpc::ServerContext*, const crm::v1::BatchGetProfilesRequest* req,
                                                  crm::v1::BatchGetProfilesResponse* out) {
  if (req->customer_ids_size() > 1000) return {grpc::StatusCode::INVALID_ARGUMENT, "at most 1000 customer_ids"};
  std::set<std::string> ids;
  for (const auto& id : req->customer_ids()) {
    if (id.empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "empty customer id"};
    ids.insert(id);
  }
  return WithLookup([&](ProfileStore& store) -> grpc::Status {
    auto roots = store.Roots(ids);
    if (!roots.ok()) return grpcutil::ToGrpc(roots.status());
    std::set<std::string> root_ids;
    for (const auto& [id, root] : *roots) root_ids.insert(root);
    auto profiles = store.Profiles(root_ids);
    if (!profiles.ok()) return grpcutil::ToGrpc(profiles.status());
    std::set<std::string> answered;
    for (const auto& id : req->customer_ids()) {
      const std::string& root = roots->at(id);
      auto it = profiles->find(root);
      if (it == profiles->end()) {
        out->add_missing(id);
        continue;
      }
      if (!answered.insert(root).second) continue;
      auto* p = out->add_profiles();
      *p = it->second;
      if (auto st = store.FillStandings(p, options_.cuts); !st.ok()) return grpcutil::ToGrpc(st);
    }
    return grpc::Status::OK;
  });
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
  return WithLookup([&](ProfileStore& store) -> grpc::Status {
    auto page = store.ListFiltered(*req, offset, limit, options_.cuts);
    if (!page.ok()) return grpcutil::ToGrpc(page.status());
    *out = std::move(*page);
    return grpc::Status::OK;
  });
}

grpc::Status ProfileServiceImpl::GetShowReport(grpc::ServerContext*, const crm::v1::GetShowReportRequest* req,
                                               crm::v1::ShowReport* out) {
  if (req->show_id().empty() || req->edition_id().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "show_id and edition_id are required"};
  }
  const Calendars calendars = options_.calendars ? options_.calendars() : Calendars{};
  auto cal = calendars.find(req->show_id());
  if (cal == calendars.end()) return {grpc::StatusCode::NOT_FOUND, "no series " + req->show_id() + " in the registry"};
  if (std::find(cal->second.begin(), cal->second.end(), req->edition_id()) == cal->second.end()) {
    return {grpc::StatusCode::NOT_FOUND, "edition " + req->edition_id() + " of " + req->show_id() + " has not opened"};
  }
  const size_t top = req->top() == 0 ? 10 : std::min<uint32_t>(req->top(), 100);
  ShowReportBuilder builder(req->show_id(), req->edition_id(), cal->second, options_.weights.For(req->show_id()),
                            options_.cuts);
  std::lock_guard lock(report_mu_);
  if (auto st = report_store_.ForEachInSeries(req->show_id(), 500, [&](const crm::v1::Profile& p) { builder.Add(p); });
      !st.ok()) {
    return grpcutil::ToGrpc(st);
  }
  if (builder.customers_seen() == 0) {
    return {grpc::StatusCode::NOT_FOUND, "scoring has no customer of " + req->show_id() + " " + req->edition_id()};
  }
  *out = builder.Finish(top);
  return grpc::Status::OK;
}

}  // namespace crm::scoring
