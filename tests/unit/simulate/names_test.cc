#include "tools/simulate/names.h"

#include <gtest/gtest.h>

#include <set>

#include "tools/simulate/civil_time.h"
#include "tools/simulate/population.h"

namespace crm::simulate {
namespace {

int SurnameIndex(const char* simp) {
  for (size_t i = 0; i < Surnames().size(); ++i)
    if (std::string(Surnames()[i].simp) == simp) return static_cast<int>(i);
  return -1;
}

int GivenIndex(const char* simp) {
  for (size_t i = 0; i < GivenChars().size(); ++i)
    if (std::string(GivenChars()[i].simp) == simp) return static_cast<int>(i);
  return -1;
}

TEST(Names, RendersSimplifiedTraditionalAndPinyin) {
  ChineseName n;
  n.surname = SurnameIndex("张");
  n.given = {GivenIndex("伟")};
  ASSERT_GE(n.surname, 0);
  ASSERT_GE(n.given[0], 0);
  EXPECT_EQ(Simplified(n), "张伟");
  EXPECT_EQ(Traditional(n), "張偉");
  EXPECT_EQ(PinyinFamily(n) + " " + PinyinGiven(n), "Zhang Wei");
  n.given = {GivenIndex("晓"), GivenIndex("明")};
  EXPECT_EQ(PinyinGiven(n), "Xiaoming");
  EXPECT_EQ(Traditional(n), "張曉明");
}

TEST(Names, TablesAreConsistent) {
  std::set<std::string> given;
  for (const auto& g : GivenChars()) {
    EXPECT_TRUE(given.insert(g.simp).second) << "duplicate given character " << g.simp;
    EXPECT_FALSE(std::string(g.pinyin).empty());
    EXPECT_FALSE(std::string(g.trad).empty());
  }
  std::set<std::string> surnames;
  for (const auto& s : Surnames()) EXPECT_TRUE(surnames.insert(s.simp).second) << s.simp;
  EXPECT_EQ(Surnames().size(), SurnameWeights().size());
}

TEST(Names, HomophoneTypoChangesOneCharacterAndKeepsPinyin) {
  Rng rng(9);
  ChineseName n;
  n.surname = SurnameIndex("王");
  n.given = {GivenIndex("伟")};
  int kept = 0;
  for (int i = 0; i < 50; ++i) {
    ChineseName t;
    ASSERT_TRUE(HomophoneTypo(n, rng, &t));
    EXPECT_NE(Simplified(t), Simplified(n));
    EXPECT_EQ(t.surname, n.surname);
    kept += PinyinGiven(t) == PinyinGiven(n);
  }
  EXPECT_EQ(kept, 50);  // 伟 has homophones (玮, 薇)
}

int EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

TEST(Names, OneEditTypoIsOneEdit) {
  Rng rng(4);
  for (const char* name : {"Michael Schmidt", "Zhang Wei", "Jürgen Müller", "Ivanov"}) {
    for (int i = 0; i < 100; ++i) {
      std::string t = OneEditTypo(name, rng);
      EXPECT_EQ(EditDistance(name, t), 1) << name << " -> " << t;
    }
  }
}

TEST(Names, CaseAndWidthVariants) {
  EXPECT_EQ(AsciiFold("Jürgen Müller"), "Juergen Mueller");
  EXPECT_EQ(FullWidth("138"), "１３８");
  EXPECT_EQ(EmailCaseVariant("zhang.wei@example.com"), "Zhang.Wei@Example.com");
  EXPECT_EQ(EmailCaseVariant("wzhang@huadong-auto.com.cn"), "Wzhang@Huadong-auto.com.cn");
}

TEST(Names, CompanyRenderings) {
  ChineseCompany c;
  for (size_t i = 0; i < Cities().size(); ++i)
    if (std::string(Cities()[i].name.simp) == "上海") c.city = static_cast<int>(i);
  c.brand = 0;     // 华东
  c.industry = 0;  // 汽车零部件
  c.suffix = 0;    // 有限公司
  EXPECT_EQ(CompanyChinese(c, true, true, false), "上海华东汽车零部件有限公司");
  EXPECT_EQ(CompanyChinese(c, false, true, false), "上海华东汽车零部件");
  EXPECT_EQ(CompanyChinese(c, true, true, true), "上海華東汽車零部件有限公司");
  EXPECT_EQ(CompanyEnglish(c, true, true), "Shanghai Huadong Auto Parts Co., Ltd.");
  LatinCompany l{"Acme", "Motion", "Co., Ltd."};
  EXPECT_EQ(LatinCompanyName(l, true), "Acme Motion Co., Ltd.");
  EXPECT_EQ(LatinCompanyName(l, false), "Acme Motion");
}

TEST(CivilTime, RoundTripsAndFormats) {
  int64_t d = DaysFromCivil({2026, 4, 23});
  CivilDate c = CivilFromDays(d);
  EXPECT_EQ(c.year, 2026);
  EXPECT_EQ(c.month, 4);
  EXPECT_EQ(c.day, 23);
  EXPECT_EQ(Weekday(d), 3);  // a Thursday
  int64_t t = d * kDay + 9 * 3600 + 15 * 60;
  EXPECT_EQ(FormatLocal(t), "2026-04-23 09:15:00");
  EXPECT_EQ(FormatRfc3339Offset(t), "2026-04-23T09:15:00+08:00");
  EXPECT_EQ(FormatRfc3339Utc(t), "2026-04-23T01:15:00Z");
  EXPECT_EQ(FormatLocalMinutes(t), "2026-04-23T09:15");
  EXPECT_EQ(EpochMillis(t), 1776906900000LL);
}

}  // namespace
}  // namespace crm::simulate
