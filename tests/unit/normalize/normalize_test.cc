#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/normalize/contact.h"
#include "common/normalize/text.h"
#include "common/normalize/time.h"

namespace crm::normalize {
namespace {

struct Case {
  const char* in;
  const char* want;
};

TEST(CleanText, NfkcFullWidthAndWhitespace) {
  Case cases[] = {
      {"  张伟  ", "张伟"},
      {"Ｚｈａｎｇ　Ｗｅｉ", "Zhang Wei"},          // full-width letters and ideographic space
      {"Li\t\n  Na", "Li Na"},
      {"ＡＢＣ１２３", "ABC123"},
      {"Müller", "Müller"},                          // letters with accents are kept
      {"ﾊﾟﾝ", "パン"},                               // half-width katakana composed by NFKC
      {"a\x01" "b", "ab"},                           // control characters dropped
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(CleanText(c.in), c.want) << c.in;
}

TEST(NameKey, ChineseTraditionalPinyinAndLatinAgree) {
  Case cases[] = {
      {"张伟", "zhang wei"},
      {"張偉", "zhang wei"},          // Traditional folds to Simplified first
      {"Zhang Wei", "zhang wei"},
      {"ZHANG  wei", "zhang wei"},
      {"Zhāng Wěi", "zhang wei"},     // tone marks removed
      {"Ｚｈａｎｇ Ｗｅｉ", "zhang wei"},
      {"单田芳", "shan tian fang"},    // surname reading of 单
      {"曾小贤", "zeng xiao xian"},
      {"欧阳娜娜", "ou yang na na"},
      {"O'Brien, Seán", "o brien sean"},
      {"Wei Zhang", "wei zhang"},      // order kept; the matcher handles swaps
  };
  for (const auto& c : cases) EXPECT_EQ(NameKey(c.in), c.want) << c.in;
}

// NameKey reads Chinese names from memoized pieces (the first two
// characters together, later characters alone); it must agree with the
// transliterators run on the whole name. Every character of the CJK block,
// as a surname and inside a given name, plus compound surnames, mixed
// scripts and Traditional forms.
TEST(NameKey, AgreesWithTheTransliteratorOnWholeNames) {
  std::vector<std::string> names = {"万俟咏", "长孙无忌", "澹台灭明", "尉迟恭", "单于", "欧阳震华", "司马懿",
                                    "诸葛亮", "张 单", "david单", "张-单伟", "張偉強", "王小雁 (Wendy)",
                                    "李 Lei", "曾国藩", "乐乐", "区伟", "解放", "朴树", "查良镛"};
  auto utf8 = [](char32_t c) {
    std::string s;
    if (c < 0x800) {
      s += static_cast<char>(0xC0 | (c >> 6));
    } else {
      s += static_cast<char>(0xE0 | (c >> 12));
      s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    }
    s += static_cast<char>(0x80 | (c & 0x3F));
    return s;
  };
  for (char32_t c = 0x4E00; c <= 0x9FA5; ++c) {
    names.push_back(utf8(c) + "伟");    // as a surname
    names.push_back("张伟" + utf8(c));  // inside a given name
  }
  int differ = 0;
  for (const auto& n : names) {
    if (NameKey(n) != NameKeyIcu(n) && ++differ <= 20) {
      ADD_FAILURE() << n << ": " << NameKey(n) << " vs " << NameKeyIcu(n);
    }
  }
  EXPECT_EQ(differ, 0) << "of " << names.size();
}

TEST(CompanyKey, LegalSuffixesAndNoiseRemoved) {
  Case cases[] = {
      {"上海华东汽车零部件有限公司", "上海华东汽车零部件"},
      {"上海華東汽車零部件有限公司", "上海华东汽车零部件"},
      {"上海华东汽车零部件(中国)有限公司", "上海华东汽车零部件"},
      {"上海华东汽车零部件（中国）有限公司", "上海华东汽车零部件"},  // full-width brackets
      {"华为技术股份有限公司", "华为技术"},
      {"万达集团股份有限公司", "万达"},
      {"比亚迪汽车集团", "比亚迪汽车"},
      {"Acme Co., Ltd.", "acme"},
      {"ACME", "acme"},
      {"Acme Corporation", "acme"},
      {"Robert Bosch GmbH", "robert bosch"},
      {"The Coca-Cola Company", "coca cola"},
      {"Siemens AG", "siemens"},
      {"Disco Inc.", "disco"},                          // 'co' inside a word stays
      {"Bosch (China) Investment Ltd.", "bosch investment"},
      {"Ｓｏｎｙ　Ｃｏｒｐ．", "sony"},
  };
  for (const auto& c : cases) EXPECT_EQ(CompanyKey(c.in), c.want) << c.in;
}

TEST(Utf8, RejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8("张伟 abc"));
  EXPECT_FALSE(IsValidUtf8("\xff\xfe"));
  EXPECT_FALSE(IsValidUtf8("abc\xe5\xbc"));  // truncated sequence
}

TEST(Email, Normalizes) {
  Case cases[] = {
      {"  Zhang.Wei@Example.COM ", "Zhang.Wei@example.com"},  // domain lower-cased, local part kept
      {"li.na＠ｃｏｍｐａｎｙ．ｃｎ", "li.na@company.cn"},      // full-width
      {"<sales@acme.com.cn>", "sales@acme.com.cn"},
      {"mailto:info@acme.de", "info@acme.de"},
      {"o'brien+expo@mail.example.ie", "o'brien+expo@mail.example.ie"},
  };
  for (const auto& c : cases) {
    auto got = NormalizeEmail(c.in);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.status();
    EXPECT_EQ(*got, c.want) << c.in;
  }
  EXPECT_EQ(EmailKey("Zhang.Wei@example.com"), "zhang.wei@example.com");
}

TEST(Email, RejectsBadSyntax) {
  for (const char* bad : {"", "plainaddress", "foo@@bar.com", "a@b@c.com", "@example.com", "user@", "user@localhost",
                          ".user@example.com", "us..er@example.com", "user.@example.com", "us er@example.com",
                          "user@exa_mple.com", "user@-example.com", "user@example.c", "user@example.123",
                          "张伟@example.com"}) {
    auto got = NormalizeEmail(bad);
    EXPECT_FALSE(got.ok()) << bad << " -> " << (got.ok() ? *got : "");
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(Phone, E164ForChineseAndInternationalFormats) {
  struct P {
    const char* in;
    const char* region;
    const char* want;
  } cases[] = {
      {"13812345678", "CN", "+8613812345678"},
      {"138 1234 5678", "CN", "+8613812345678"},
      {"+86 138 1234 5678", "CN", "+8613812345678"},
      {"0086-138-1234-5678", "CN", "+8613812345678"},
      {"１３８１２３４５６７８", "CN", "+8613812345678"},  // full-width digits
      {"021-62345678", "CN", "+862162345678"},             // Shanghai landline
      {"(010) 8765 4321", "CN", "+861087654321"},          // Beijing landline
      {"+852 2345 6789", "CN", "+85223456789"},            // Hong Kong
      {"+886 2 2345 6789", "CN", "+886223456789"},         // Taipei
      {"+49 30 12345678", "CN", "+493012345678"},          // Berlin
      {"+1 415 555 0123", "CN", "+14155550123"},
      {"030 12345678", "DE", "+493012345678"},             // default region decides
  };
  for (const auto& c : cases) {
    auto got = NormalizePhone(c.in, c.region);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.status();
    EXPECT_EQ(*got, c.want) << c.in;
  }
}

TEST(Phone, RejectsInvalid) {
  for (const char* bad : {"12345", "", "abc", "+86 123", "0000000000000000000", "+999 1234567"}) {
    EXPECT_FALSE(NormalizePhone(bad, "CN").ok()) << bad;
  }
}

TEST(Time, Rfc3339AndLocal) {
  auto z = ParseTimestamp("2026-04-23T01:15:00Z");
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(z->has_offset);
  auto o = ParseTimestamp("2026-04-23T09:15:00+08:00");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->millis, z->millis);
  auto frac = ParseTimestamp("2026-04-23T01:15:00.25Z");
  ASSERT_TRUE(frac.ok());
  EXPECT_EQ(frac->millis - z->millis, 250);
  auto local = ParseTimestamp("2026-04-23 09:15:00");
  ASSERT_TRUE(local.ok());
  EXPECT_FALSE(local->has_offset);
  auto utc = LocalToUtc(local->millis, "Asia/Shanghai");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(*utc, z->millis);
  auto short_local = ParseTimestamp("2026-04-23T09:15");
  ASSERT_TRUE(short_local.ok());
  EXPECT_EQ(short_local->millis, local->millis);
}

TEST(Time, DaylightSavingZones) {
  // Berlin is UTC+2 in summer, UTC+1 in winter.
  auto summer = ParseTimestamp("2026-07-01 12:00:00");
  auto winter = ParseTimestamp("2026-01-15 12:00:00");
  EXPECT_EQ(summer->millis - *LocalToUtc(summer->millis, "Europe/Berlin"), 2 * 3600'000);
  EXPECT_EQ(winter->millis - *LocalToUtc(winter->millis, "Europe/Berlin"), 1 * 3600'000);
  EXPECT_FALSE(LocalToUtc(0, "Mars/Olympus").ok());
  EXPECT_TRUE(IsKnownTimeZone("Asia/Hong_Kong"));
  EXPECT_FALSE(IsKnownTimeZone("Not/AZone"));
}

TEST(Time, RejectsBadTimes) {
  for (const char* bad : {"", "2026-13-01T00:00:00Z", "2026-02-30 10:00:00", "2026-04-23", "23/04/2026 10:00",
                          "2026-04-23T25:00:00Z", "2026-04-23T10:00:00+8", "2026-04-23T10:00:00Zjunk"}) {
    EXPECT_FALSE(ParseTimestamp(bad).ok()) << bad;
  }
}

TEST(Time, IsoDates) {
  EXPECT_EQ(*ParseIsoDateDays("1970-01-02"), 1);
  EXPECT_EQ(*ParseIsoDateDays("2000-03-01") - *ParseIsoDateDays("2000-02-28"), 2);  // leap year
  EXPECT_FALSE(ParseIsoDateDays("2026-02-29").ok());
}

}  // namespace
}  // namespace crm::normalize

namespace crm::normalize {
namespace {

// The mainland-mobile fast path must agree with libphonenumber exactly:
// random 11-digit numbers starting with 1 (valid and invalid prefixes), in
// the formats people write them, compared with the reference.
TEST(Phone, FastPathAgreesWithLibphonenumber) {
  uint64_t x = 0x2545F4914F6CDD1DULL;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  // 400 prefixes x ~75 numbers each: every prefix's verdict is reused by
  // later numbers, which is what the fast path's memo relies on.
  std::vector<std::string> prefixes;
  for (int p = 0; p < 400; ++p) {
    std::string pre = "1";
    for (int k = 0; k < 6; ++k) pre += static_cast<char>('0' + next() % 10);
    prefixes.push_back(pre);
  }
  int valid = 0, invalid = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string d = prefixes[next() % prefixes.size()];
    for (int k = 0; k < 4; ++k) d += static_cast<char>('0' + next() % 10);
    std::string formats[] = {d,
                             "+86 " + d.substr(0, 3) + " " + d.substr(3, 4) + " " + d.substr(7),
                             "0086-" + d.substr(0, 3) + "-" + d.substr(3, 4) + "-" + d.substr(7),
                             "(" + d.substr(0, 3) + ") " + d.substr(3)};
    const auto& f = formats[next() % 4];
    auto fast = NormalizePhone(f, "CN");
    auto ref = NormalizePhoneReference(f, "CN");
    ASSERT_EQ(fast.ok(), ref.ok()) << f;
    if (fast.ok()) {
      ASSERT_EQ(*fast, *ref) << f;
      ++valid;
    } else {
      ++invalid;
    }
  }
  // Both outcomes must have been exercised for the comparison to mean anything.
  EXPECT_GT(valid, 1000);
  EXPECT_GT(invalid, 1000);
  // Outside CN a bare 11-digit number is not a mainland mobile.
  EXPECT_EQ(NormalizePhone("13812345678", "DE").ok(), NormalizePhoneReference("13812345678", "DE").ok());
}

}  // namespace
}  // namespace crm::normalize
