#pragma once

// gRPC client helpers. Every call gets a deadline: there is no way to build a
// context here without one.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace crm::grpcutil {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, int max_message_bytes = 16 * 1024 * 1024);

// A context whose deadline is `timeout` from now.
std::unique_ptr<grpc::ClientContext> MakeContext(std::chrono::milliseconds timeout);

// grpc.health.v1.Health/Check; true when SERVING.
absl::StatusOr<bool> CheckHealth(const std::string& target, const std::string& service,
                                 std::chrono::milliseconds timeout);

}  // namespace crm::grpcutil
