#include "common/service/standard_config.h"

namespace crm::service {

void AddStandardKeys(config::Schema& schema) {
  schema.String("grpc.listen", "127.0.0.1:0", "gRPC listen address; port 0 picks a free port")
      .Duration("grpc.shutdown_grace", "5s", "How long in-flight calls may finish at shutdown")
      .String("metrics.listen", "127.0.0.1:0", "HTTP address for /metrics and /healthz")
      .String("log.level", "info", "debug, info, warn or error")
      .String("run.endpoints_file", "", "Where to write the bound gRPC and metrics addresses");
}

void AddKafkaKeys(config::Schema& schema) {
  schema.String("kafka.brokers", "127.0.0.1:9092", "Kafka bootstrap servers, comma-separated")
      .Duration("kafka.linger", "1ms", "How long the producer waits to fill a batch")
      .Duration("kafka.delivery_timeout", "30s", "How long the producer retries a message before failing it")
      .Duration("kafka.enqueue_timeout", "5s", "How long a publish waits on a full producer queue")
      .Int("kafka.max_buffered_messages", 100000, "Producer queue bound (back-pressure beyond it)")
      .Duration("kafka.batch_wait", "5ms", "How long a consumer waits to fill a batch")
      .Duration("kafka.session_timeout", "10s", "A consumer that stops heartbeating leaves its group after this")
      .String("kafka.auto_offset_reset", "earliest", "Where a group without committed offsets starts: earliest or latest");
}

void AddRedisKeys(config::Schema& schema) {
  schema.String("redis.url", "redis://127.0.0.1:6379", "Redis URL redis://[:password@]host:port[/db]")
      .Duration("redis.connect_timeout", "1s", "How long connecting to Redis may take")
      .Duration("redis.command_timeout", "2s", "How long one Redis command or pipeline may take");
}

kafka::ProducerOptions ProducerOptionsFrom(const config::Config& config, std::string client_id) {
  kafka::ProducerOptions o;
  o.brokers = config.GetString("kafka.brokers");
  o.client_id = std::move(client_id);
  o.linger = config.GetDuration("kafka.linger");
  o.delivery_timeout = config.GetDuration("kafka.delivery_timeout");
  o.enqueue_timeout = config.GetDuration("kafka.enqueue_timeout");
  o.max_buffered_messages = config.GetInt("kafka.max_buffered_messages");
  return o;
}

kafka::ConsumerOptions ConsumerOptionsFrom(const config::Config& config, std::string client_id, std::string group_id,
                                           std::vector<std::string> topics, size_t max_batch) {
  kafka::ConsumerOptions o;
  o.brokers = config.GetString("kafka.brokers");
  o.client_id = std::move(client_id);
  o.group_id = std::move(group_id);
  o.topics = std::move(topics);
  o.max_batch = max_batch;
  o.batch_wait = config.GetDuration("kafka.batch_wait");
  o.session_timeout = config.GetDuration("kafka.session_timeout");
  o.auto_offset_reset = config.GetString("kafka.auto_offset_reset");
  return o;
}

redis::RedisOptions RedisOptionsFrom(const config::Config& config) {
  redis::RedisOptions o;
  o.url = config.GetString("redis.url");
  o.connect_timeout = config.GetDuration("redis.connect_timeout");
  o.command_timeout = config.GetDuration("redis.command_timeout");
  return o;
}

}  // namespace crm::service
