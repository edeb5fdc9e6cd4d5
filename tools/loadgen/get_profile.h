#pragma once

#include <cstdint>
#include <string>

namespace crm::loadgen {

struct GetProfileOptions {
  std::string addr;       // ProfileService (crm-scoring's gRPC)
  std::string show;       // series whose customers are asked for
  int64_t ids = 20000;    // customer ids gathered with ListCustomers
  double rate = 10000;    // open-loop requests per second
  double seconds = 10;    // length of the open-loop run
  int concurrency = 32;   // calls in flight in the closed-loop run (0: none)
  double max_seconds = 5; // length of the closed-loop run
};

// Open loop at opt.rate (each call's latency counted from when it was due,
// so a stall is not hidden), then closed loop at opt.concurrency calls in
// flight (the highest rate the service sustains). Returns an exit code.
int GetProfile(const GetProfileOptions& opt);

}  // namespace crm::loadgen
