#pragma once

// A plain HTTP/1.0 GET, as Prometheus scrapes a service's /metrics.

#include <string>

namespace crm::testing {

// GET `path` from `host_port` ("127.0.0.1:9100"). Returns the body; the
// status code goes to `status` when given (-1 when nothing answered).
std::string HttpGet(const std::string& host_port, const std::string& path, int* status = nullptr);

}  // namespace crm::testing
