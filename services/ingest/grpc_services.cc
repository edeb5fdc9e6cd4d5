#include "services/ingest/grpc_services.h"

#include <condition_variable>
#include <future>
#include <thread>
#include <vector>

#include "common/grpc/server.h"
#include "common/util/proto_time.h"
#include "common/util/strings.h"

namespace crm::ingest {

grpc::Status IngestServiceImpl::Publish(
    grpc::ServerContext* ctx, grpc::ServerReaderWriter<crm::v1::PublishResponse, crm::v1::PublishRequest>* stream) {
  // Acknowledgements arrive on the producer's thread; a writer thread sends
  // them (grouped) so the producer never blocks on a slow client.
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<crm::v1::EventResult> ready;
    size_t in_flight = 0;
    bool reading_done = false;
    bool broken = false;
  };
  auto state = std::make_shared<State>();
  std::thread writer([state, stream] {
    std::unique_lock lock(state->mu);
    while (true) {
      state->cv.wait(lock, [&] { return !state->ready.empty() || (state->reading_done && state->in_flight == 0); });
      if (state->ready.empty()) return;
      crm::v1::PublishResponse resp;
      for (auto& r : state->ready) *resp.add_results() = std::move(r);
      state->ready.clear();
      lock.unlock();
      bool ok = stream->Write(resp);
      lock.lock();
      if (!ok) state->broken = true;
      state->cv.notify_all();
    }
  });
  crm::v1::PublishRequest req;
  uint64_t sequence = 0;
  while (!ctx->IsCancelled() && stream->Read(&req)) {
    for (auto& ev : *req.mutable_events()) {
      {
        std::unique_lock lock(state->mu);
        state->cv.wait(lock, [&] { return state->in_flight < max_in_flight_ || state->broken; });
        if (state->broken) break;
        ++state->in_flight;
      }
      intake_.SubmitEvent(std::move(ev), "grpc:IngestService/Publish", sequence++,
                          [state](const crm::v1::EventResult& r) {
                            std::lock_guard lock(state->mu);
                            state->ready.push_back(r);
                            --state->in_flight;
                            state->cv.notify_all();
                          });
    }
  }
  {
    std::lock_guard lock(state->mu);
    state->reading_done = true;
    state->cv.notify_all();
  }
  writer.join();
  if (state->broken) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  return grpc::Status::OK;
}

grpc::Status IngestServiceImpl::PublishBatch(grpc::ServerContext*, const crm::v1::PublishBatchRequest* req,
                                             crm::v1::PublishBatchResponse* resp) {
  const int n = req->events_size();
  std::vector<std::promise<crm::v1::EventResult>> promises(n);
  for (int i = 0; i < n; ++i) {
    intake_.SubmitEvent(req->events(i), "grpc:IngestService/PublishBatch", i,
                        [&promises, i](const crm::v1::EventResult& r) { promises[i].set_value(r); });
  }
  for (int i = 0; i < n; ++i) {
    auto r = promises[i].get_future().get();
    switch (r.outcome()) {
      case crm::v1::EventResult::OUTCOME_ACCEPTED: resp->set_accepted(resp->accepted() + 1); break;
      case crm::v1::EventResult::OUTCOME_REJECTED: resp->set_rejected(resp->rejected() + 1); break;
      default: resp->set_retry(resp->retry() + 1);
    }
    *resp->add_results() = std::move(r);
  }
  return grpc::Status::OK;
}

grpc::Status ShowServiceImpl::Store(crm::v1::ShowSeries series, crm::v1::ShowSeries* resp) {
  auto valid = shows::ShowRegistry::Validate(series);
  if (!valid.ok()) return grpcutil::ToGrpc(valid);
  int64_t now = clock_.NowMillis();
  SetTimestampMillis(series.mutable_updated_at(), now);
  auto promise = std::make_shared<std::promise<absl::Status>>();
  auto future = promise->get_future();
  auto st = publisher_.Publish(topic_, series.show_id(), series.SerializeAsString(),
                               [promise](const kafka::Delivery& d) { promise->set_value(d.status); });
  if (!st.ok()) return grpcutil::ToGrpc(st);
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "show registry write not acknowledged in 30 s");
  }
  if (auto d = future.get(); !d.ok()) return grpcutil::ToGrpc(d);
  registry_.Apply(series);
  *resp = std::move(series);
  return grpc::Status::OK;
}

grpc::Status ShowServiceImpl::UpsertSeries(grpc::ServerContext*, const crm::v1::UpsertSeriesRequest* req,
                                           crm::v1::ShowSeries* resp) {
  std::lock_guard lock(write_mu_);
  crm::v1::ShowSeries next = req->series();
  next.clear_editions();
  auto existing = registry_.Find(next.show_id());
  if (existing) *next.mutable_editions() = existing->series.editions();
  // New series may arrive with their editions in one call.
  if (!existing) *next.mutable_editions() = req->series().editions();
  next.set_version(existing ? existing->series.version() + 1 : 1);
  return Store(std::move(next), resp);
}

grpc::Status ShowServiceImpl::UpsertEdition(grpc::ServerContext*, const crm::v1::UpsertEditionRequest* req,
                                            crm::v1::ShowSeries* resp) {
  std::lock_guard lock(write_mu_);
  auto existing = registry_.Find(req->show_id());
  if (!existing) return grpc::Status(grpc::StatusCode::NOT_FOUND, StrCat("show '", req->show_id(), "' not found"));
  crm::v1::ShowSeries next = existing->series;
  bool replaced = false;
  for (auto& e : *next.mutable_editions()) {
    if (e.edition_id() == req->edition().edition_id()) {
      e = req->edition();
      replaced = true;
    }
  }
  if (!replaced) *next.add_editions() = req->edition();
  next.set_version(existing->series.version() + 1);
  return Store(std::move(next), resp);
}

grpc::Status ShowServiceImpl::GetSeries(grpc::ServerContext*, const crm::v1::GetSeriesRequest* req,
                                        crm::v1::ShowSeries* resp) {
  auto s = registry_.Find(req->show_id());
  if (!s) return grpc::Status(grpc::StatusCode::NOT_FOUND, StrCat("show '", req->show_id(), "' not found"));
  *resp = s->series;
  return grpc::Status::OK;
}

grpc::Status ShowServiceImpl::ListSeries(grpc::ServerContext*, const crm::v1::ListSeriesRequest*,
                                         crm::v1::ListSeriesResponse* resp) {
  for (auto& s : registry_.List()) *resp->add_series() = std::move(s);
  return grpc::Status::OK;
}

}  // namespace crm::ingest
