#pragma once

// A child process for tests and tools: started with argv, stdout captured
// line by line, killed with the parent (PR_SET_PDEATHSIG) so a crashed test
// never leaves servers behind.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace crm::testing {

class Subprocess {
 public:
  Subprocess() = default;
  ~Subprocess();  // SIGKILL + reap if still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // `capture_stdout`: read the child's stdout with ReadLine; otherwise it is inherited.
  absl::Status Start(const std::vector<std::string>& argv, bool capture_stdout = false,
                     const std::vector<std::string>& extra_env = {});
  // Next line of stdout, or nullopt on EOF/timeout.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  void Signal(int sig);
  // Waits for exit; returns the wait status, or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// Polls `pred` until it is true or `timeout` passes; the way tests wait for
// asynchronous work instead of sleeping a fixed time.
template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout,
             std::chrono::milliseconds step = std::chrono::milliseconds(10));

// A fresh directory under $TMPDIR, removed by the caller's fixture.
std::string MakeTempDir(const std::string& prefix);
void RemoveTree(const std::string& path);

}  // namespace crm::testing

#include <thread>

namespace crm::testing {
template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}
}  // namespace crm::testing
