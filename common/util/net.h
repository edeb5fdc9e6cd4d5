#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace crm::net {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const { return host + ":" + std::to_string(port); }
};

// Parses "host:port" (IPv4 literal or "localhost"); port 0 means "any free".
absl::StatusOr<HostPort> ParseHostPort(std::string_view text);

// Opens a listening TCP socket; returns the fd and sets the bound port.
absl::StatusOr<int> ListenTcp(const HostPort& addr, uint16_t* bound_port, int backlog = 64);

}  // namespace crm::net
