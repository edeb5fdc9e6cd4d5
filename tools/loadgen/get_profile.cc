// crm-loadgen get-profile: ProfileService.GetProfile under load.
//
// Customer ids come from ListCustomers of the series (by value, paged), so
// every call asks for a profile that exists. Calls go out on gRPC's callback
// API from one thread; their latency is taken from the moment each was due
// (a call sent late because the client fell behind counts its lateness).

#include "tools/loadgen/get_profile.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/grpc/client.h"
#include "crm/v1/profile.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace crm::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

double Pct(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<size_t>(p * (sorted.size() - 1))];
}

struct Results {
  std::mutex mu;
  std::vector<double> ms;
  std::map<int, int64_t> errors;  // status code -> calls
  int64_t bytes = 0;
  std::atomic<int64_t> in_flight{0};
  std::condition_variable done;

  void Print(const char* what, double seconds) {
    std::lock_guard lock(mu);
    std::sort(ms.begin(), ms.end());
    int64_t failed = 0;
    for (const auto& [code, n] : errors) failed += n;
    const int64_t ok = static_cast<int64_t>(ms.size()) - failed;
    std::printf("%s: %zu calls in %.2f s = %.0f calls/s, %lld failed, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, "
                "max %.3f ms, mean response %.0f bytes\n",
                what, ms.size(), seconds, ms.size() / seconds, static_cast<long long>(failed), Pct(ms, 0.50),
                Pct(ms, 0.99), Pct(ms, 0.999), ms.empty() ? 0.0 : ms.back(), ok > 0 ? double(bytes) / ok : 0.0);
    for (const auto& [code, n] : errors) std::printf("  status %d: %lld calls\n", code, static_cast<long long>(n));
  }
};

void WaitDrained(Results& r) {
  std::unique_lock lock(r.mu);
  r.done.wait(lock, [&] { return r.in_flight.load() == 0; });
}

template <typename Req, typename Resp>
struct Call {
  grpc::ClientContext ctx;
  Req req;
  Resp resp;
  Clock::time_point due;
};

// Starts one call (issue(ctx, req, resp, done) sends it); `then` runs
// after it is recorded.
template <typename Req, typename Resp, typename Issue, typename Then>
void Start(Issue issue, Req req, Clock::time_point due, Results& r, Then then) {
  auto* c = new Call<Req, Resp>;
  c->req = std::move(req);
  c->due = due;
  c->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  r.in_flight++;
  issue(&c->ctx, &c->req, &c->resp, [c, &r, then](grpc::Status st) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - c->due).count();
    {
      std::lock_guard lock(r.mu);
      r.ms.push_back(ms);
      if (st.ok()) {
        r.bytes += static_cast<int64_t>(c->resp.ByteSizeLong());
      } else {
        r.errors[st.error_code()]++;
      }
    }
    delete c;
    then();
    std::lock_guard lock(r.mu);  // so the waiter cannot miss the last one
    if (--r.in_flight == 0) r.done.notify_all();
  });
}

// Closed loop: `concurrency` calls in flight for `seconds`, each completion
// starting the next; make(k) gives call k's request.
template <typename Req, typename Resp, typename Issue, typename Make>
void ClosedLoop(const char* what, int concurrency, double seconds, Issue issue, Make make) {
  Results r;
  std::atomic<int64_t> next{0};
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::function<void()> again = [&] {
    if (Clock::now() >= end) return;
    Start<Req, Resp>(issue, make(next++), Clock::now(), r, again);
  };
  for (int i = 0; i < concurrency; ++i) again();
  std::this_thread::sleep_until(end);
  WaitDrained(r);
  r.Print(what, std::chrono::duration<double>(Clock::now() - t0).count());
}

}  // namespace

int GetProfile(const GetProfileOptions& opt) {
  if (opt.addr.empty() || opt.show.empty() || opt.ids <= 0 || opt.rate <= 0 || opt.seconds <= 0) return 2;
  auto stub = crm::v1::ProfileService::NewStub(grpcutil::MakeChannel(opt.addr));
  std::vector<std::string> ids;
  std::string token;
  do {
    crm::v1::ListCustomersRequest lr;
    lr.set_show_id(opt.show);
    lr.set_page_size(1000);
    lr.set_page_token(token);
    crm::v1::ListCustomersResponse resp;
    auto ctx = grpcutil::MakeContext(std::chrono::seconds(30));
    auto st = stub->ListCustomers(ctx.get(), lr, &resp);
    if (!st.ok()) {
      std::fprintf(stderr, "get-profile: ListCustomers %s: %s\n", opt.show.c_str(), st.error_message().c_str());
      return 1;
    }
    for (const auto& c : resp.customers()) ids.push_back(c.customer_id());
    token = resp.next_page_token();
  } while (!token.empty() && static_cast<int64_t>(ids.size()) < opt.ids);
  if (ids.empty()) {
    std::fprintf(stderr, "get-profile: series %s has no customers\n", opt.show.c_str());
    return 1;
  }
  // A fixed shuffle, so calls do not walk the value order.
  for (size_t i = ids.size() - 1; i > 0; --i) std::swap(ids[i], ids[(i * 2654435761u) % (i + 1)]);
  std::printf("get-profile: %zu customer ids of %s\n", ids.size(), opt.show.c_str());

  auto get_profile = [&](grpc::ClientContext* ctx, const crm::v1::GetProfileRequest* req, crm::v1::Profile* resp,
                         std::function<void(grpc::Status)> done) {
    stub->async()->GetProfile(ctx, req, resp, std::move(done));
  };
  {  // open loop
    Results r;
    const auto t0 = Clock::now();
    const auto period = std::chrono::duration<double>(1.0 / opt.rate);
    const int64_t total = static_cast<int64_t>(opt.rate * opt.seconds);
    // Every call due by now goes out, then a sleep of about 200 us: a sleep
    // per call would cost more than the call at these rates.
    for (int64_t k = 0; k < total;) {
      const auto now = Clock::now();
      for (; k < total; ++k) {
        const auto due = t0 + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(k));
        if (due > now) break;
        crm::v1::GetProfileRequest req;
        req.set_customer_id(ids[static_cast<size_t>(k) % ids.size()]);
        Start<crm::v1::GetProfileRequest, crm::v1::Profile>(get_profile, std::move(req), due, r, [] {});
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    WaitDrained(r);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    char what[96];
    std::snprintf(what, sizeof what, "get-profile open loop at %.0f calls/s", opt.rate);
    r.Print(what, secs);
  }
  if (opt.concurrency > 0 && opt.max_seconds > 0) {
    char what[96];
    std::snprintf(what, sizeof what, "get-profile closed loop, %d in flight", opt.concurrency);
    ClosedLoop<crm::v1::GetProfileRequest, crm::v1::Profile>(what, opt.concurrency, opt.max_seconds, get_profile,
                                                             [&](int64_t k) {
                                                               crm::v1::GetProfileRequest req;
                                                               req.set_customer_id(ids[static_cast<size_t>(k) % ids.size()]);
                                                               return req;
                                                             });
    // The same server's health check: gRPC's own cost per call on this
    // machine, with no Redis behind it (the ceiling of the transport).
    auto health = grpc::health::v1::Health::NewStub(grpcutil::MakeChannel(opt.addr));
    std::snprintf(what, sizeof what, "health check (gRPC only) closed loop, %d in flight", opt.concurrency);
    ClosedLoop<grpc::health::v1::HealthCheckRequest, grpc::health::v1::HealthCheckResponse>(
        what, opt.concurrency, opt.max_seconds,
        [&](grpc::ClientContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
            grpc::health::v1::HealthCheckResponse* resp, std::function<void(grpc::Status)> done) {
          health->async()->Check(ctx, req, resp, std::move(done));
        },
        [](int64_t) { return grpc::health::v1::HealthCheckRequest{}; });
  }
  return 0;
}

}  // namespace crm::loadgen
