#include "common/config/config.h"

#include <gtest/gtest.h>

#include <map>

namespace crm::config {
namespace {

Schema TestSchema() {
  Schema s;
  s.String("kafka.brokers", "127.0.0.1:9092", "brokers")
      .Int("kafka.partitions", 6, "partitions")
      .Bool("ingest.strict", false, "strict")
      .Duration("redis.timeout", "500ms", "timeout")
      .List("kafka.topics", "a,b", "topics")
      .Secret("redis.password", "password");
  return s;
}

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Config, DefaultsApplyWithoutFile) {
  auto cfg = Config::Parse(TestSchema(), "", "test", Env({}));
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->GetString("kafka.brokers"), "127.0.0.1:9092");
  EXPECT_EQ(cfg->GetInt("kafka.partitions"), 6);
  EXPECT_FALSE(cfg->GetBool("ingest.strict"));
  EXPECT_EQ(cfg->GetDuration("redis.timeout"), std::chrono::milliseconds(500));
  EXPECT_EQ(cfg->GetList("kafka.topics"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(cfg->Origin("kafka.brokers"), "default");
}

TEST(Config, FileValuesOverrideDefaults) {
  auto cfg = Config::Parse(TestSchema(), R"(
kafka:
  brokers: "10.0.0.1:9092,10.0.0.2:9092"
  partitions: 12
  topics: [x, y, z]
ingest:
  strict: yes
redis:
  timeout: 2s
)", "svc.yaml", Env({}));
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->GetString("kafka.brokers"), "10.0.0.1:9092,10.0.0.2:9092");
  EXPECT_EQ(cfg->GetInt("kafka.partitions"), 12);
  EXPECT_TRUE(cfg->GetBool("ingest.strict"));
  EXPECT_EQ(cfg->GetDuration("redis.timeout"), std::chrono::seconds(2));
  EXPECT_EQ(cfg->GetList("kafka.topics"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(cfg->Origin("kafka.partitions"), "svc.yaml");
}

TEST(Config, EnvironmentOverridesFile) {
  auto cfg = Config::Parse(TestSchema(), "kafka:\n  brokers: file:1\n", "svc.yaml",
                           Env({{"CRM_KAFKA_BROKERS", "env:2"}, {"CRM_REDIS_PASSWORD", "s3cret"}}));
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->GetString("kafka.brokers"), "env:2");
  EXPECT_EQ(cfg->Origin("kafka.brokers"), "CRM_KAFKA_BROKERS");
  EXPECT_EQ(cfg->GetString("redis.password"), "s3cret");
}

TEST(Config, UnknownKeyIsRejectedWithItsName) {
  auto cfg = Config::Parse(TestSchema(), "kafka:\n  brokerz: x\n", "svc.yaml", Env({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(cfg.status().message().find("kafka.brokerz"), std::string::npos) << cfg.status();
  EXPECT_NE(cfg.status().message().find("svc.yaml"), std::string::npos) << cfg.status();
}

TEST(Config, UnknownSectionIsRejected) {
  auto cfg = Config::Parse(TestSchema(), "kakfa:\n  brokers: x\n", "svc.yaml", Env({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("kakfa.brokers"), std::string::npos) << cfg.status();
}

TEST(Config, SecretInFileIsRejected) {
  auto cfg = Config::Parse(TestSchema(), "redis:\n  password: hunter2\n", "svc.yaml", Env({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("CRM_REDIS_PASSWORD"), std::string::npos) << cfg.status();
}

TEST(Config, BadTypedValuesAreRejected) {
  struct Case {
    const char* yaml;
    const char* key;
  } cases[] = {
      {"kafka:\n  partitions: many\n", "kafka.partitions"},
      {"ingest:\n  strict: maybe\n", "ingest.strict"},
      {"redis:\n  timeout: 5\n", "redis.timeout"},
      {"redis:\n  timeout: 5 parsecs\n", "redis.timeout"},
  };
  for (const auto& c : cases) {
    auto cfg = Config::Parse(TestSchema(), c.yaml, "svc.yaml", Env({}));
    ASSERT_FALSE(cfg.ok()) << c.yaml;
    EXPECT_NE(cfg.status().message().find(c.key), std::string::npos) << cfg.status();
  }
}

TEST(Config, BadEnvironmentValueNamesTheVariable) {
  auto cfg = Config::Parse(TestSchema(), "", "svc.yaml", Env({{"CRM_KAFKA_PARTITIONS", "x"}}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("CRM_KAFKA_PARTITIONS"), std::string::npos) << cfg.status();
}

TEST(Config, InvalidYamlIsAnError) {
  auto cfg = Config::Parse(TestSchema(), "kafka: [unclosed\n", "svc.yaml", Env({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("not valid YAML"), std::string::npos);
}

TEST(Config, MissingFileIsNotFound) {
  auto cfg = Config::Load(TestSchema(), "/nonexistent/crm.yaml", Env({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kNotFound);
}

TEST(Config, EnvNameMapping) {
  EXPECT_EQ(Schema::EnvName("kafka.brokers"), "CRM_KAFKA_BROKERS");
  EXPECT_EQ(Schema::EnvName("grpc.shutdown_grace"), "CRM_GRPC_SHUTDOWN_GRACE");
}

TEST(Config, DurationUnits) {
  EXPECT_EQ(*ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*ParseDuration("3m"), std::chrono::minutes(3));
  EXPECT_EQ(*ParseDuration("1h"), std::chrono::hours(1));
  EXPECT_EQ(*ParseDuration("7d"), std::chrono::hours(24 * 7));
  EXPECT_FALSE(ParseDuration("ms").ok());
  EXPECT_FALSE(ParseDuration("10").ok());
}

TEST(Config, DoublesParseAndRejectNonNumbers) {
  Schema s;
  s.Double("dedup.upper", 0.9999, "upper");
  auto cfg = Config::Parse(s, "", "test", Env({}));
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_DOUBLE_EQ(cfg->GetDouble("dedup.upper"), 0.9999);
  cfg = Config::Parse(s, "dedup:\n  upper: 1e-3\n", "test", Env({}));
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_DOUBLE_EQ(cfg->GetDouble("dedup.upper"), 0.001);
  auto bad = Config::Parse(s, "dedup:\n  upper: high\n", "test", Env({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("dedup.upper"), std::string::npos) << bad.status();
  EXPECT_FALSE(Config::Parse(s, "", "test", Env({{"CRM_DEDUP_UPPER", "nan"}})).ok());
  EXPECT_EQ(FormatDouble(0.9999), "0.9999");
}

TEST(Config, RenderedYamlParsesBackToTheDefaults) {
  Schema s = TestSchema();
  s.Double("dedup.upper", 0.9999, "upper").String("dedup.quoted", "a \"b\" c", "quotes survive");
  std::string yaml = RenderYaml(s, "crm-test");
  EXPECT_NE(yaml.find("# brokers\n  brokers: \"127.0.0.1:9092\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("CRM_REDIS_PASSWORD"), std::string::npos) << "secrets are named, not written: " << yaml;
  auto cfg = Config::Parse(s, yaml, "rendered", Env({}));
  ASSERT_TRUE(cfg.ok()) << cfg.status() << "\n" << yaml;
  for (const auto& spec : s.keys()) {
    EXPECT_EQ(cfg->GetString(spec.key), spec.default_value) << spec.key;
    if (!spec.secret) EXPECT_EQ(cfg->Origin(spec.key), "rendered") << spec.key << " is written in the file";
  }
}

}  // namespace
}  // namespace crm::config
