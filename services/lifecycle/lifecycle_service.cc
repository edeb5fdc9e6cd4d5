#include "services/lifecycle/lifecycle_service.h"

#include <algorithm>

#include "common/util/strings.h"

namespace crm::lifecycle {

namespace {

grpc::Status FromStatus(const absl::Status& st) {
  return grpc::Status(st.code() == absl::StatusCode::kUnavailable || st.code() == absl::StatusCode::kDeadlineExceeded
                          ? grpc::StatusCode::UNAVAILABLE
                          : grpc::StatusCode::INTERNAL,
                      std::string(st.message()));
}

// The transition in force that put the record in its current stage.
const crm::v1::StageTransition* Entered(const crm::v1::LifecycleRecord& r) {
  const crm::v1::StageTransition* out = nullptr;
  for (const auto& t : r.transitions())
    if (!t.withdrawn() && t.to() == r.stage() && (!out || t.event_time_ms() >= out->event_time_ms())) out = &t;
  return out;
}

void FillStage(const crm::v1::LifecycleRecord& r, crm::v1::CustomerStage* out) {
  out->set_customer_id(r.customer_id());
  out->set_show_id(r.show_id());
  out->set_stage(r.stage());
  if (auto s = FromProto(r.stage())) {
    out->set_alias(std::string(Seed000Alias(*s)));
    out->set_strategy(std::string(StrategyOf(*s)));
  }
  out->set_customer_type(r.customer_type());
  out->set_value(r.value());
  out->set_contribution_minor(r.contribution_minor());
  out->set_currency(r.currency());
  *out->mutable_editions() = r.editions();
  std::vector<const crm::v1::StageTransition*> ts;
  for (const auto& t : r.transitions())
    if (!t.withdrawn()) ts.push_back(&t);
  std::sort(ts.begin(), ts.end(), [](auto* a, auto* b) { return a->event_time_ms() < b->event_time_ms(); });
  for (const auto* t : ts) *out->add_transitions() = *t;
}

}  // namespace

LifecycleServiceImpl::LifecycleServiceImpl(std::unique_ptr<redis::RedisClient> redis, Options options)
    : redis_(std::move(redis)), store_(*redis_, options.prefix), options_(std::move(options)) {}

grpc::Status LifecycleServiceImpl::GetStage(grpc::ServerContext*, const crm::v1::GetStageRequest* req,
                                            crm::v1::GetStageResponse* resp) {
  if (req->customer_id().empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "customer_id is required"};
  std::lock_guard<std::mutex> lock(mu_);
  auto records = store_.ReadCustomer(req->customer_id());
  if (!records.ok()) return FromStatus(records.status());
  for (const auto& r : *records)
    if (!r.merged() && (req->show_id().empty() || r.show_id() == req->show_id())) FillStage(r, resp->add_stages());
  if (resp->stages_size() == 0)
    return {grpc::StatusCode::NOT_FOUND, StrCat("no lifecycle stage for customer ", req->customer_id())};
  auto clock = store_.Clock(options_.partitions);
  if (clock.ok()) resp->set_clock_ms(*clock);
  return grpc::Status::OK;
}

grpc::Status LifecycleServiceImpl::ListStage(grpc::ServerContext*, const crm::v1::ListStageRequest* req,
                                             crm::v1::ListStageResponse* resp) {
  if (req->show_id().empty() || req->stage() == crm::v1::LIFECYCLE_STAGE_UNSPECIFIED)
    return {grpc::StatusCode::INVALID_ARGUMENT, "show_id and stage are required"};
  if (!req->order_by().empty() && req->order_by() != "value" && req->order_by() != "contribution")
    return {grpc::StatusCode::INVALID_ARGUMENT, "order_by: \"value\" or \"contribution\""};
  const bool by_contribution = req->order_by() == "contribution";
  const size_t limit = std::min<size_t>(req->limit() == 0 ? 50 : req->limit(), 10'000);
  std::lock_guard<std::mutex> lock(mu_);
  auto total = store_.StageSize(req->show_id(), req->stage());
  if (!total.ok()) return FromStatus(total.status());
  resp->set_total(*total);
  constexpr size_t kPage = 500;
  for (size_t offset = 0; static_cast<size_t>(resp->customers_size()) < limit && offset < *total; offset += kPage) {
    auto ids = store_.InStage(req->show_id(), req->stage(), by_contribution, offset, kPage);
    if (!ids.ok()) return FromStatus(ids.status());
    std::set<RecordKey> keys;
    for (const auto& id : *ids) keys.insert({id, req->show_id()});
    auto records = store_.Read(keys);
    if (!records.ok()) return FromStatus(records.status());
    for (const auto& id : *ids) {
      auto it = records->find({id, req->show_id()});
      if (it == records->end() || it->second.stage() != req->stage()) continue;
      const auto& r = it->second;
      if (req->customer_type() != crm::v1::CUSTOMER_TYPE_UNSPECIFIED && r.customer_type() != req->customer_type())
        continue;
      auto* c = resp->add_customers();
      c->set_customer_id(id);
      c->set_customer_type(r.customer_type());
      c->set_value(r.value());
      c->set_contribution_minor(r.contribution_minor());
      c->set_currency(r.currency());
      if (const auto* t = Entered(r)) *c->mutable_entered() = *t;
      if (static_cast<size_t>(resp->customers_size()) >= limit) break;
    }
    if (ids->size() < kPage) break;
  }
  return grpc::Status::OK;
}

grpc::Status LifecycleServiceImpl::ExportSeries(grpc::ServerContext* ctx, const crm::v1::ExportSeriesRequest* req,
                                                grpc::ServerWriter<crm::v1::CustomerStage>* writer) {
  if (req->show_id().empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "show_id is required"};
  std::lock_guard<std::mutex> lock(mu_);
  bool broken = false;
  auto st = store_.ForEachRecord(req->show_id(), 2000, [&](const crm::v1::LifecycleRecord& r) {
    crm::v1::CustomerStage out;
    FillStage(r, &out);
    broken = ctx->IsCancelled() || !writer->Write(out);
    return !broken;
  });
  if (!st.ok()) return FromStatus(st);
  if (broken) return {grpc::StatusCode::CANCELLED, "the client went away"};
  return grpc::Status::OK;
}

void FunnelCounter::Add(const crm::v1::LifecycleRecord& r) {
  std::map<std::string, int> stage_at;
  for (const auto& e : r.editions()) {
    ++at_edition_[{e.edition_id(), e.stage()}];
    stage_at[e.edition_id()] = e.stage();
  }
  for (size_t i = 0; i + 1 < calendar_.size(); ++i) {
    auto a = stage_at.find(calendar_[i].edition_id), b = stage_at.find(calendar_[i + 1].edition_id);
    if (a != stage_at.end() && b != stage_at.end()) ++moves_[{i, a->second, b->second}];
  }
  if (r.stage() != crm::v1::LIFECYCLE_STAGE_UNSPECIFIED) ++current_[r.stage()];
}

crm::v1::GetFunnelResponse FunnelCounter::Finish(const std::string& show_id) const {
  crm::v1::GetFunnelResponse out;
  out.set_show_id(show_id);
  for (const auto& ed : calendar_) {
    crm::v1::EditionFunnel f;
    f.set_edition_id(ed.edition_id);
    for (int s = crm::v1::LIFECYCLE_STAGE_CULTIVATION; s <= crm::v1::LIFECYCLE_STAGE_DISSOLUTION; ++s) {
      auto it = at_edition_.find({ed.edition_id, s});
      if (it == at_edition_.end()) continue;
      auto* c = f.add_stages();
      c->set_stage(static_cast<crm::v1::LifecycleStage>(s));
      c->set_customers(it->second);
    }
    if (f.stages_size() > 0) *out.add_editions() = std::move(f);
  }
  for (const auto& [key, n] : moves_) {
    const auto& [i, from, to] = key;
    auto* m = out.add_moves();
    m->set_from_edition_id(calendar_[i].edition_id);
    m->set_to_edition_id(calendar_[i + 1].edition_id);
    m->set_from(static_cast<crm::v1::LifecycleStage>(from));
    m->set_to(static_cast<crm::v1::LifecycleStage>(to));
    m->set_customers(n);
  }
  for (const auto& [s, n] : current_) {
    auto* c = out.add_current();
    c->set_stage(static_cast<crm::v1::LifecycleStage>(s));
    c->set_customers(n);
  }
  return out;
}

grpc::Status LifecycleServiceImpl::GetFunnel(grpc::ServerContext* ctx, const crm::v1::GetFunnelRequest* req,
                                             crm::v1::GetFunnelResponse* resp) {
  if (req->show_id().empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "show_id is required"};
  const Calendars cals = options_.calendars();
  auto cal = cals.find(req->show_id());
  if (cal == cals.end()) return {grpc::StatusCode::NOT_FOUND, "no such show series: " + req->show_id()};
  FunnelCounter counter(cal->second);
  std::lock_guard<std::mutex> lock(mu_);
  auto st = store_.ForEachRecord(req->show_id(), 2000, [&](const crm::v1::LifecycleRecord& r) {
    counter.Add(r);
    return !ctx->IsCancelled();
  });
  if (!st.ok()) return FromStatus(st);
  if (ctx->IsCancelled()) return {grpc::StatusCode::CANCELLED, "cancelled"};
  *resp = counter.Finish(req->show_id());
  return grpc::Status::OK;
}

grpc::Status LifecycleServiceImpl::ListWarnings(grpc::ServerContext*, const crm::v1::ListWarningsRequest* req,
                                                crm::v1::ListWarningsResponse* resp) {
  const size_t limit = std::min<size_t>(req->limit() == 0 ? 100 : req->limit(), 10'000);
  std::lock_guard<std::mutex> lock(mu_);
  // Members are "<show>|<cid>|<day>"; read in pages until `limit` match the series.
  constexpr size_t kPage = 1000;
  for (size_t offset = 0; static_cast<size_t>(resp->warnings_size()) < limit; offset += kPage) {
    auto members = store_.WarningsSince(req->since_ms(), offset, kPage);
    if (!members.ok()) return FromStatus(members.status());
    std::set<RecordKey> keys;
    std::vector<std::pair<RecordKey, std::string>> wanted;  // key, transition id
    for (const auto& m : *members) {
      const size_t a = m.find('|'), b = m.rfind('|');
      if (a == std::string::npos || b == a) continue;
      RecordKey key{m.substr(a + 1, b - a - 1), m.substr(0, a)};
      if (!req->show_id().empty() && key.second != req->show_id()) continue;
      keys.insert(key);
      wanted.emplace_back(key, TransitionId(key.first, key.second, std::atoll(m.c_str() + b + 1)));
    }
    auto records = store_.Read(keys);
    if (!records.ok()) return FromStatus(records.status());
    for (const auto& [key, id] : wanted) {
      auto it = records->find(key);
      if (it == records->end()) continue;
      for (const auto& t : it->second.transitions())
        if (t.transition_id() == id && !t.withdrawn()) *resp->add_warnings() = t;
      if (static_cast<size_t>(resp->warnings_size()) >= limit) break;
    }
    if (members->size() < kPage) break;
  }
  std::sort(resp->mutable_warnings()->begin(), resp->mutable_warnings()->end(),
            [](const auto& a, const auto& b) { return a.event_time_ms() < b.event_time_ms(); });
  return grpc::Status::OK;
}

}  // namespace crm::lifecycle
