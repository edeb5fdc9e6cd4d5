#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace crm::kafka {

// Maps a librdkafka error to a status whose code tells retryable
// (kUnavailable, kDeadlineExceeded, kResourceExhausted) from permanent.
absl::Status ErrorToStatus(rd_kafka_resp_err_t err, std::string_view context);

// Builds a librdkafka configuration; `settings` are applied in order.
// Returns nullptr and fills *error on the first bad setting.
rd_kafka_conf_t* MakeConf(const std::map<std::string, std::string>& settings, std::string* error);

// Routes librdkafka's own log lines into the structured log.
void InstallLogger(rd_kafka_conf_t* conf);

}  // namespace crm::kafka
