#pragma once

// gmock mocks of the I/O seams, for unit tests of services' domain wiring.

#include <gmock/gmock.h>

#include "common/kafka/producer.h"
#include "common/redis/redis_client.h"

namespace crm::testing {

class MockPublisher : public kafka::Publisher {
 public:
  MOCK_METHOD(absl::Status, Publish,
              (std::string_view topic, std::string_view key, std::string_view value,
               kafka::DeliveryCallback on_delivery, const std::vector<kafka::Header>& headers),
              (override));
  MOCK_METHOD(absl::Status, Flush, (std::chrono::milliseconds timeout), (override));
};

class MockKeyValueStore : public redis::KeyValueStore {
 public:
  MOCK_METHOD(absl::StatusOr<redis::Reply>, Run, (const redis::Command& cmd), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<redis::Reply>>, Pipeline, (const std::vector<redis::Command>& cmds),
              (override));
};

}  // namespace crm::testing
