#pragma once

// A real Debian redis-server on a free loopback port, in a private temp
// directory, for integration tests and benchmarks. Stopped and removed when
// the object goes away, whatever the test's outcome.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/testing/subprocess.h"

namespace crm::testing {

class RedisServer {
 public:
  // `cpu_list`: the cores redis-server's main thread may run on (its
  // server_cpulist, e.g. "1"); empty: any.
  explicit RedisServer(std::string cpu_list = "");
  ~RedisServer();

  absl::Status Start();
  // Terminates the server; Start() brings it back on the same port.
  void Stop();
  // SIGSTOP / SIGCONT: a server that accepts connections but never answers.
  void Pause();
  void Resume();

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_;
  std::string cpu_list_;
  int port_ = 0;
  std::unique_ptr<Subprocess> proc_;
};

}  // namespace crm::testing
