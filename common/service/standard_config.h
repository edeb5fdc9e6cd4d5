#pragma once

// The config keys every service shares, declared once with one set of
// defaults, and the client options built from them. A service adds the
// sections it uses (AddKafkaKeys, AddRedisKeys) beside its own keys; its
// code builds producers, consumers and Redis clients only through these.

#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/redis/redis_client.h"

namespace crm::service {

// grpc.listen, grpc.shutdown_grace, metrics.listen, log.level, run.endpoints_file.
void AddStandardKeys(config::Schema& schema);
// kafka.*: brokers, producer (linger, delivery and enqueue timeouts, queue
// bound) and consumer (batch wait, session timeout, offset reset) options.
void AddKafkaKeys(config::Schema& schema);
// redis.*: url, connect and command timeouts.
void AddRedisKeys(config::Schema& schema);

kafka::ProducerOptions ProducerOptionsFrom(const config::Config& config, std::string client_id);
// `max_batch` is the service's own (it sizes the handler's work).
kafka::ConsumerOptions ConsumerOptionsFrom(const config::Config& config, std::string client_id, std::string group_id,
                                           std::vector<std::string> topics, size_t max_batch);
redis::RedisOptions RedisOptionsFrom(const config::Config& config);

}  // namespace crm::service
