#include "common/log/log.h"

#include <gtest/gtest.h>

namespace crm::log {
namespace {

TEST(Log, JsonEscaping) {
  std::string out;
  AppendJsonEscaped(out, "a\"b\\c\nd\x01 名字");
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\\u0001 名字");
}

TEST(Log, LevelParsingAndFiltering) {
  Level l;
  ASSERT_TRUE(ParseLevel("warn", &l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud", &l));
  SetLevel(Level::kWarn);
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  SetLevel(Level::kInfo);
}

TEST(Log, WritesOneJsonObjectPerLine) {
  SetService("unit");
  testing::internal::CaptureStderr();
  Info("hello", {{"count", 3}, {"who", "展商"}});
  std::string line = testing::internal::GetCapturedStderr();
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_NE(line.find("\"level\":\"info\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"svc\":\"unit\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"msg\":\"hello\",\"count\":3,\"who\":\"展商\"}"), std::string::npos) << line;
}

}  // namespace
}  // namespace crm::log
