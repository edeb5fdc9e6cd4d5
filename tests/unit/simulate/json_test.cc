#include "tools/simulate/json.h"

#include <gtest/gtest.h>

namespace crm::simulate {
namespace {

TEST(Json, SerializesInInsertionOrderWithEscapes) {
  Json j = Json::Object();
  j.Set("b", 1).Set("a", "x\"y\\z\n\x01 名字").Set("c", Json::Array().Push(true).Push(2.5).Push(36.0));
  j.Set("b", 2);  // replaced in place
  EXPECT_EQ(j.Dump(), "{\"b\":2,\"a\":\"x\\\"y\\\\z\\n\\u0001 名字\",\"c\":[true,2.5,36]}");
  EXPECT_TRUE(j.Erase("a"));
  EXPECT_FALSE(j.Erase("a"));
  EXPECT_EQ(j.Dump(), "{\"b\":2,\"c\":[true,2.5,36]}");
}

TEST(Json, ParsesWhatItWrites) {
  Json j = Json::Object();
  j.Set("name", "張偉 \"Zhang\"").Set("n", -12).Set("d", 0.25).Set("ok", false);
  j.Set("list", Json::Array().Push(Json::Object().Set("k", "v")));
  Json back;
  std::string err;
  ASSERT_TRUE(ParseJson(j.Dump(), &back, &err)) << err;
  EXPECT_EQ(back.Dump(), j.Dump());
  EXPECT_EQ(back.Find("n")->as_int(), -12);
  EXPECT_DOUBLE_EQ(back.Find("d")->as_double(), 0.25);
}

TEST(Json, ParserDecodesUnicodeEscapes) {
  Json v;
  ASSERT_TRUE(ParseJson("\"\\u5f20\\ud83d\\ude00\"", &v));
  EXPECT_EQ(v.str(), "张\xF0\x9F\x98\x80");
}

TEST(Json, RejectsMalformedInput) {
  for (const char* bad : {"{\"a\":1", "{\"a\":1,}", "[1,2", "{\"a\" 1}", "{'a':1}", "01", "{\"a\":1} x", "\"\xFF\"",
                          "\"\xE5\xBC\"", "\"\xC0\xAF\"", "\"a\tb\"", "\"\\ud800\"", "", "tru"}) {
    EXPECT_FALSE(IsValidJson(bad)) << bad;
  }
  for (const char* good : {"{}", "[]", "0", "-1.5e3", "\"\"", " {\"a\" : [null, true, false]} "}) {
    EXPECT_TRUE(IsValidJson(good)) << good;
  }
}

TEST(Json, FormatsDecimalsDeterministically) {
  EXPECT_EQ(FormatDecimal(36), "36");
  EXPECT_EQ(FormatDecimal(54.5), "54.5");
  EXPECT_EQ(FormatDecimal(0.125), "0.12");
  EXPECT_EQ(FormatDecimal(-0.0), "0");
}

}  // namespace
}  // namespace crm::simulate
