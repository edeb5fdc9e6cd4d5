#include "tools/simulate/phones.h"

#include <gtest/gtest.h>

#include <set>

namespace crm::simulate {
namespace {

TEST(Phones, ExamplesFromTheBriefAreValidAndEqual) {
  PhoneValidator v;
  for (const char* s :
       {"13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "138 1234 5678", "１３８１２３４５６７８"}) {
    EXPECT_EQ(v.ToE164(s), "+8613812345678") << s;
  }
  EXPECT_EQ(v.ToE164("021-62345678"), "+862162345678");
  EXPECT_EQ(v.ToE164("(010) 8765 4321"), "+861087654321");
  EXPECT_TRUE(v.IsValid("+852 2345 6789"));
  EXPECT_TRUE(v.IsValid("+886 2 2345 6789"));
  EXPECT_TRUE(v.IsValid("+49 30 12345678"));
  EXPECT_FALSE(v.IsValid("12345"));
  EXPECT_FALSE(v.IsValid("138-1234"));
}

TEST(Phones, EveryFormatOfEveryDrawnNumberIsValidAndTheSameNumber) {
  PhoneValidator v;
  PhoneFactory f(v);
  Rng rng(12);
  std::vector<PhoneNumber> numbers;
  for (int i = 0; i < 40; ++i) numbers.push_back(f.CnMobile(rng));
  for (const char* area : {"21", "10", "755", "512", "592", "719"}) numbers.push_back(f.CnLandline(rng, area));
  numbers.push_back(f.Extension(rng, numbers.back()));
  for (int i = 0; i < 5; ++i) numbers.push_back(f.HongKong(rng));
  for (int i = 0; i < 5; ++i) numbers.push_back(f.Taiwan(rng));
  for (const char* iso :
       {"DE", "US", "GB", "FR", "IT", "JP", "KR", "IN", "RU", "ES", "SG", "MY", "TH", "BR", "AE", "AU"})
    for (int i = 0; i < 3; ++i) numbers.push_back(f.Foreign(rng, iso));
  std::set<std::string> distinct;
  for (const auto& n : numbers) {
    EXPECT_TRUE(distinct.insert(n.E164()).second) << "drawn twice: " << n.E164();
    for (PhoneFormat fmt : FormatsFor(n.kind)) {
      std::string text = FormatPhone(n, fmt);
      EXPECT_EQ(v.ToE164(text), n.E164()) << "format " << static_cast<int>(fmt) << ": " << text;
    }
  }
}

TEST(Phones, FormatsLookLikeTheBrief) {
  PhoneNumber m{PhoneKind::kCnMobile, "86", {"138", "1234", "5678"}};
  EXPECT_EQ(FormatPhone(m, PhoneFormat::kNationalPlain), "13812345678");
  EXPECT_EQ(FormatPhone(m, PhoneFormat::kIntlSpaced), "+86 138 1234 5678");
  EXPECT_EQ(FormatPhone(m, PhoneFormat::kIntl00Dashed), "0086-138-1234-5678");
  EXPECT_EQ(FormatPhone(m, PhoneFormat::kNationalSpaced), "138 1234 5678");
  EXPECT_EQ(FormatPhone(m, PhoneFormat::kFullWidth), "１３８１２３４５６７８");
  PhoneNumber l{PhoneKind::kCnLandline, "86", {"21", "6234", "5678"}};
  EXPECT_EQ(FormatPhone(l, PhoneFormat::kNationalDashed), "021-62345678");
  EXPECT_EQ(FormatPhone(l, PhoneFormat::kNationalParenArea), "(021) 6234 5678");
  EXPECT_EQ(FormatPhone(l, PhoneFormat::kIntlSpaced), "+86 21 6234 5678");
}

}  // namespace
}  // namespace crm::simulate
