#pragma once

// The project's dev broker (crm-dev-broker, librdkafka's mock cluster) as a
// child process for integration tests and benchmarks.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/testing/subprocess.h"

namespace crm::testing {

class DevBroker {
 public:
  struct Topic {
    std::string name;
    int partitions;
  };

  DevBroker() = default;
  ~DevBroker();

  // Starts `brokers` mock brokers with the given topics; with `topics_file`
  // empty, only `topics` are created.
  absl::Status Start(const std::vector<Topic>& topics, int brokers = 3, const std::string& topics_file = "");
  void Stop();

  const std::string& bootstrap_servers() const { return bootstrap_; }
  // Sends one control command (broker-down 1, broker-up 1, create-topic t 6).
  absl::Status Control(const std::string& command);

 private:
  std::unique_ptr<Subprocess> proc_;
  std::string bootstrap_;
  std::string control_;
};

// Path of the crm-dev-broker binary (set at build time, $CRM_DEV_BROKER overrides).
std::string DevBrokerPath();

}  // namespace crm::testing
