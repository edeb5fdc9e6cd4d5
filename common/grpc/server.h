#pragma once

// gRPC server bootstrap: the standard health-checking service, server
// reflection, message size limits, and a graceful shutdown with a deadline.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace crm::grpcutil {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // port 0 picks a free port
  std::chrono::milliseconds shutdown_grace{5'000};
  int max_message_bytes = 16 * 1024 * 1024;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();

  // Registers a service; call before Start. The service must outlive the server.
  void AddService(grpc::Service* service);
  absl::Status Start();
  int port() const { return port_; }
  std::string address() const;

  // Health of the whole server ("") and of every registered service.
  void SetServing(bool serving);
  // Stops accepting calls, lets in-flight calls finish until the grace
  // deadline, then cancels the rest.
  void Shutdown();

 private:
  ServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Converts between absl and gRPC statuses (the codes are the same numbers).
grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace crm::grpcutil
