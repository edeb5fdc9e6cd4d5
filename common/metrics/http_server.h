#pragma once

// A minimal HTTP/1.0 server for operational endpoints:
//   GET /metrics  Prometheus text format
//   GET /healthz  200 "ok" when ready, 503 otherwise
// It serves one short request per connection on its own thread; it is not a
// general web server and never sits on a data path.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "common/metrics/metrics.h"

namespace crm::metrics {

class HttpServer {
 public:
  using ReadyFn = std::function<bool()>;

  HttpServer(Registry& registry, ReadyFn ready = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `listen` ("127.0.0.1:0" picks a free port) and starts serving.
  absl::Status Start(const std::string& listen);
  void Stop();
  int port() const { return port_; }

 private:
  void Loop();
  void Serve(int fd);

  Registry& registry_;
  ReadyFn ready_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace crm::metrics
