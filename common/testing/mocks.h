#pragma once

// gmock mocks of the I/O seams, for unit tests of code that publishes.

#include <gmock/gmock.h>

#include "common/kafka/producer.h"

namespace crm::testing {

class MockPublisher : public kafka::Publisher {
 public:
  MOCK_METHOD(absl::Status, Publish,
              (std::string_view topic, std::string_view key, std::string_view value,
               kafka::DeliveryCallback on_delivery, const std::vector<kafka::Header>& headers),
              (override));
  MOCK_METHOD(absl::Status, Flush, (std::chrono::milliseconds timeout), (override));
};

}  // namespace crm::testing
