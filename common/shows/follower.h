#pragma once

// Keeps a ShowRegistry current from the compacted topic crm.shows.v1: loads
// every retained version at start (Start returns once the topic has been read
// to its end, or DEADLINE_EXCEEDED), then follows new versions on a thread of
// its own until Stop.

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "common/kafka/reader.h"
#include "common/shows/registry.h"

namespace crm::shows {

class RegistryFollower {
 public:
  explicit RegistryFollower(ShowRegistry& registry) : registry_(registry) {}
  ~RegistryFollower() { Stop(); }
  absl::Status Start(const std::string& brokers, const std::string& topic, const std::string& client_id,
                     std::chrono::milliseconds load_timeout);
  void Stop();

 private:
  ShowRegistry& registry_;
  std::unique_ptr<kafka::TopicReader> reader_;
  std::thread thread_;
};

}  // namespace crm::shows
