#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/normalize/time.h"
#include "services/ingest/event_rules.h"
#include "services/ingest/raw_decoder.h"

namespace crm::ingest {
namespace {

// 2026-04-23 10:00:00 Asia/Shanghai, during the 2026 edition.
constexpr int64_t kNow = 1776909600000LL;

shows::ShowRegistry& Registry() {
  static shows::ShowRegistry* r = [] {
    auto* reg = new shows::ShowRegistry();
    crm::v1::ShowSeries s;
    s.set_show_id("auto-expo");
    s.set_name("Auto Expo");
    s.set_country("CN");
    s.set_time_zone("Asia/Shanghai");
    s.set_version(1);
    for (auto [id, open, close] : {std::tuple{"2025", "2025-04-20", "2025-04-24"}, {"2026", "2026-04-20", "2026-04-24"}}) {
      auto* e = s.add_editions();
      e->set_edition_id(id);
      e->set_open_date(open);
      e->set_close_date(close);
    }
    EXPECT_TRUE(shows::ShowRegistry::Validate(s).ok());
    reg->Apply(s);
    return reg;
  }();
  return *r;
}

struct Outcome {
  std::optional<Problem> problem;
  crm::v1::Event event;
};

// Decodes one raw record holding one event and applies the rules.
Outcome Process(const std::string& json) {
  RawDecoder decoder;
  auto items = decoder.Decode(json);
  EXPECT_EQ(items.size(), 1u);
  Outcome out;
  if (items[0].problem) {
    out.problem = items[0].problem;
    return out;
  }
  auto& d = *items[0].decoded;
  EventContext ctx{d.local_occurred_ms, d.occurred_at_present, d.consent_granted_present};
  FakeClock clock(kNow);
  out.event = d.event;
  out.problem = ValidateAndNormalize(out.event, ctx, Registry(), clock);
  return out;
}

// A valid registration with the person fields given; `extra` is spliced in.
std::string Reg(const std::string& person, const std::string& extra = "") {
  return R"({"source":{"system":"ticketing-web"},"event_id":"r1","show_id":"auto-expo","edition_id":"2026",)"
         R"("occurred_at":"2026-04-01 09:30:00","customer_type":"professional_visitor",)"
         R"("person":{)" + person + R"(},"ticket_registration":{"ticket_id":"T1"})" + extra + "}";
}

TEST(RawDecoder, ValidRegistrationNormalizesIdentity) {
  auto o = Process(Reg(R"("full_name":"張偉","company":"上海華東汽車零部件（中國）有限公司","email":" Zhang.Wei@Example.COM ",)"
                   R"("phone":"１３８ １２３４ ５６７８","country":"中国","city":"上海")"));
  ASSERT_FALSE(o.problem) << o.problem->code << " " << o.problem->message;
  const auto& n = o.event.identity().normalized();
  EXPECT_EQ(o.event.identity().full_name(), "張偉");  // original kept
  EXPECT_EQ(n.full_name(), "張偉");
  EXPECT_EQ(n.name_key(), "zhang wei");
  EXPECT_EQ(n.company_key(), "上海华东汽车零部件");
  EXPECT_EQ(n.email(), "Zhang.Wei@example.com");
  EXPECT_EQ(n.phone_e164(), "+8613812345678");
  EXPECT_EQ(n.country(), "CN");
  EXPECT_EQ(o.event.customer_type(), crm::v1::CUSTOMER_TYPE_PROFESSIONAL_VISITOR);
  // Local time read in Asia/Shanghai: 09:30 +08:00 = 01:30Z.
  EXPECT_EQ(o.event.occurred_at().seconds() * 1000, normalize::ParseTimestamp("2026-04-01T01:30:00Z")->millis);
  EXPECT_EQ(o.event.received_at().seconds() * 1000, kNow);
}

TEST(RawDecoder, InternationalAndSplitNames) {
  auto o = Process(Reg(R"("given_name":"Anna","family_name":"Müller","phone":"+49 30 12345678","email":"anna@firma.de")"));
  ASSERT_FALSE(o.problem) << o.problem->message;
  EXPECT_EQ(o.event.identity().normalized().full_name(), "Anna Müller");
  EXPECT_EQ(o.event.identity().normalized().name_key(), "anna muller");
  EXPECT_EQ(o.event.identity().normalized().phone_e164(), "+493012345678");
  auto cn = Process(Reg(R"("given_name":"伟","family_name":"张","phone":"+852 2345 6789")"));
  ASSERT_FALSE(cn.problem) << cn.problem->message;
  EXPECT_EQ(cn.event.identity().normalized().full_name(), "张伟");  // family name first, no space
  EXPECT_EQ(cn.event.identity().normalized().phone_e164(), "+85223456789");
}

struct RejectCase {
  const char* name;
  std::string json;
  const char* code;
  const char* path;
};

TEST(RawDecoder, RejectsWithReasonAndFieldPath) {
  const std::string p = R"("full_name":"李娜","email":"li.na@example.com")";
  RejectCase cases[] = {
      {"malformed", "{\"source\": ", "MALFORMED_JSON", ""},
      {"not object", "42", "NOT_AN_OBJECT", ""},
      {"bad utf8", "{\"x\":\"\xff\"}", "INVALID_UTF8", ""},
      {"unknown top field", Reg(p, R"(,"colour":"red")"), "UNKNOWN_FIELD", "colour"},
      {"unknown person field", Reg(p + R"(,"nickname":"x")"), "UNKNOWN_FIELD", "person.nickname"},
      {"normalized is ours", Reg(p + R"(,"normalized":{})"), "UNKNOWN_FIELD", "person.normalized"},
      {"wrong type", Reg(R"("full_name":["a"])"), "WRONG_TYPE", "person.full_name"},
      {"no payload",
       R"({"source":{"system":"s"},"show_id":"auto-expo","edition_id":"2026","occurred_at":"2026-04-01 09:00:00","person":{"full_name":"x"}})",
       "NO_PAYLOAD", ""},
      {"two payloads", Reg(p, R"(,"payment":{"invoice_id":"i","amount_minor":1,"currency":"CNY"})"), "MULTIPLE_PAYLOADS",
       "payment"},
      {"bad email", Reg(R"("email":"foo@@bar.com")"), "INVALID_EMAIL", "person.email"},
      {"bad phone", Reg(R"("phone":"12345")"), "INVALID_PHONE", "person.phone"},
      {"no identifier", Reg(R"("city":"上海")"), "NO_IDENTIFIER", "person"},
      {"unknown enum", Reg(p, "").replace(Reg(p, "").find("professional_visitor"), 20, "alien"), "UNKNOWN_ENUM",
       "customer_type"},
      {"oversized name", Reg("\"full_name\":\"" + std::string(300, 'a') + "\""), "TOO_LARGE", "person.full_name"},
      {"oversized note",
       R"({"source":{"system":"s","device_id":"d","device_seq":1},"show_id":"auto-expo","edition_id":"2026","occurred_at":"2026-04-22 10:00:00","person":{"badge_id":"B1"},"booth_scan":{"booth":"A1","exhibitor_company":"X","note":")" +
           std::string(5000, 'n') + "\"}}",
       "TOO_LARGE", "booth_scan.note"},
  };
  for (const auto& c : cases) {
    auto o = Process(c.json);
    ASSERT_TRUE(o.problem) << c.name;
    EXPECT_EQ(o.problem->code, c.code) << c.name << ": " << o.problem->message;
    EXPECT_EQ(o.problem->field_path, c.path) << c.name;
    EXPECT_FALSE(o.problem->message.empty()) << c.name;
  }
}

TEST(RawDecoder, ShowEditionAndTimeRules) {
  auto with = [](const std::string& show, const std::string& edition, const std::string& when) {
    return R"({"source":{"system":"s"},"event_id":"e","show_id":")" + show + R"(","edition_id":")" + edition +
           R"(","occurred_at":)" + when + R"(,"person":{"full_name":"王芳"},"ticket_registration":{"ticket_id":"T"}})";
  };
  EXPECT_EQ(Process(with("boat-show", "2026", "\"2026-04-01 09:00:00\"")).problem->code, "UNKNOWN_SHOW");
  EXPECT_EQ(Process(with("auto-expo", "2031", "\"2026-04-01 09:00:00\"")).problem->code, "UNKNOWN_EDITION");
  EXPECT_EQ(Process(with("auto-expo", "2026", "\"2026-04-23 10:06:00\"")).problem->code, "TIME_IN_FUTURE");
  EXPECT_FALSE(Process(with("auto-expo", "2026", "\"2026-04-23 10:04:00\"")).problem);  // within 5 minutes
  // The first edition opened 2025-04-20; registrations are accepted from 365 days before.
  EXPECT_FALSE(Process(with("auto-expo", "2025", "\"2024-04-21 09:00:00\"")).problem);
  EXPECT_EQ(Process(with("auto-expo", "2025", "\"2024-04-19 09:00:00\"")).problem->code, "TIME_BEFORE_SERIES");
  EXPECT_EQ(Process(with("auto-expo", "2026", "\"yesterday\"")).problem->code, "INVALID_TIME");
  EXPECT_FALSE(Process(with("auto-expo", "2026", "\"2026-04-01T01:00:00Z\"")).problem);
  EXPECT_FALSE(Process(with("auto-expo", "2026", "1775000000000")).problem);  // epoch millis
}

TEST(RawDecoder, PayloadRequirements) {
  auto scan = [](const std::string& person, const std::string& body) {
    return R"({"source":{"system":"scanner-fleet","device_id":"D7","device_seq":12},"show_id":"auto-expo","edition_id":"2026","occurred_at":"2026-04-22 10:00:00","person":{)" +
           person + R"(},"booth_scan":{)" + body + "}}";
  };
  EXPECT_FALSE(Process(scan(R"("badge_id":"B1")", R"("booth":"E1-101","exhibitor_company":"ACME","lead_rating":4)")).problem);
  EXPECT_EQ(Process(scan(R"("full_name":"x")", R"("booth":"E1","exhibitor_company":"A")")).problem->field_path,
            "person.badge_id");
  EXPECT_EQ(Process(scan(R"("badge_id":"B1")", R"("booth":"E1")")).problem->field_path, "booth_scan.exhibitor_company");
  EXPECT_EQ(Process(scan(R"("badge_id":"B1")", R"("booth":"E1","exhibitor_company":"A","lead_rating":9)")).problem->code,
            "OUT_OF_RANGE");
  auto consent = [](const std::string& body) {
    return R"({"source":{"system":"web"},"event_id":"c","show_id":"auto-expo","edition_id":"2026","occurred_at":"2026-04-01 09:00:00","person":{"email":"a@b.cn"},"consent_change":{)" +
           body + "}}";
  };
  EXPECT_FALSE(Process(consent(R"("channel":"email","granted":false)")).problem);
  EXPECT_EQ(Process(consent(R"("channel":"email")")).problem->field_path, "consent_change.granted");
  auto referral = [](const std::string& body) {
    return R"({"source":{"system":"referral-portal"},"event_id":"r","show_id":"auto-expo","edition_id":"2026","occurred_at":"2026-04-01 09:00:00","person":{"email":"a@b.cn"},"referral":{)" +
           body + "}}";
  };
  auto referred = Process(referral(R"("referral_id":"RF1","referred":{"full_name":"Max Weber","email":" Max@Example.DE","phone":"+49 30 12345678"},"channel":"invitation-code")"));
  ASSERT_FALSE(referred.problem) << referred.problem->message;
  EXPECT_EQ(referred.event.referral().referred().normalized().email(), "Max@example.de");
  EXPECT_EQ(referred.event.referral().referred().normalized().phone_e164(), "+493012345678");
  EXPECT_EQ(Process(referral(R"("referred":{"full_name":"Max"})")).problem->field_path, "referral.referral_id");
  EXPECT_EQ(Process(referral(R"("referral_id":"RF1","referred":{"company":"ACME"})")).problem->field_path,
            "referral.referred");
  EXPECT_EQ(Process(referral(R"("referral_id":"RF1","referred":{"email":"x@@y"})")).problem->field_path,
            "referral.referred.email");
  auto booking = [](const std::string& body) {
    return R"({"source":{"system":"erp"},"event_id":"b","show_id":"auto-expo","edition_id":"2026","occurred_at":"2026-03-01 09:00:00","person":{"company":"ACME","full_name":"Li"},"booth_booking":{)" +
           body + "}}";
  };
  auto ok = Process(booking(R"("booking_id":"K1","booth":"W1-1","area_sqm":36,"status":"confirmed","price_minor":"1280000")"));
  ASSERT_FALSE(ok.problem) << ok.problem->message;
  EXPECT_EQ(ok.event.booth_booking().status(), crm::v1::BoothBooking::STATUS_CONFIRMED);
  EXPECT_EQ(ok.event.booth_booking().price_minor(), 1280000);
  EXPECT_EQ(Process(booking(R"("booking_id":"K1","booth":"W1-1","area_sqm":0,"status":"confirmed")")).problem->code,
            "OUT_OF_RANGE");
  auto bad_enum = Process(booking(R"("booking_id":"K1","booth":"W1-1","area_sqm":9,"status":"maybe")"));
  EXPECT_EQ(bad_enum.problem->code, "UNKNOWN_ENUM");
  EXPECT_NE(bad_enum.problem->message.find("reserved, confirmed, cancelled"), std::string::npos) << bad_enum.problem->message;
}

TEST(RawDecoder, BatchItemsStandAlone) {
  RawDecoder decoder;
  std::string good = Reg(R"("full_name":"赵敏")");
  auto items = decoder.Decode("[" + good + ",{\"nope\":1}," + good + "]");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[0].decoded);
  EXPECT_TRUE(items[1].problem);
  EXPECT_EQ(items[1].original, "{\"nope\":1}");
  EXPECT_TRUE(items[2].decoded);
  std::string big = "[";
  for (int i = 0; i < 1001; ++i) big += (i ? "," : "") + std::string("{}");
  auto over = decoder.Decode(big + "]");
  ASSERT_EQ(over.size(), 1u);
  EXPECT_EQ(over[0].problem->code, "TOO_LARGE");
  EXPECT_EQ(decoder.Decode(std::string(70 * 1024, ' '))[0].problem->code, "TOO_LARGE");
}

TEST(EventIds, StableAcrossResendsAndReuploads) {
  RawDecoder decoder;
  auto scan = R"({"source":{"system":"scanner-fleet","device_id":"D7","device_seq":12},"show_id":"auto-expo","edition_id":"2026","occurred_at":"2026-04-22 10:00:00","person":{"badge_id":"B1"},"booth_scan":{"booth":"A","exhibitor_company":"X"}})";
  auto a = decoder.Decode(scan);
  EXPECT_EQ(DeriveEventId(a[0].decoded->event, a[0].original), "dev:scanner-fleet:D7:12");
  auto reg = decoder.Decode(Reg(R"("full_name":"x")"));
  EXPECT_EQ(DeriveEventId(reg[0].decoded->event, reg[0].original), "ext:ticketing-web:r1");
  std::string anon = R"({"source":{"system":"s"},"show_id":"auto-expo","edition_id":"2026","occurred_at":"2026-04-01 09:00:00","person":{"full_name":"x"},"ticket_registration":{"ticket_id":"T"}})";
  auto h1 = decoder.Decode(anon);
  std::string id1 = DeriveEventId(h1[0].decoded->event, h1[0].original);
  auto h2 = decoder.Decode(anon);
  EXPECT_EQ(id1, DeriveEventId(h2[0].decoded->event, h2[0].original));
  EXPECT_EQ(id1.rfind("h:", 0), 0u);
  EXPECT_EQ(id1.size(), 34u);
  std::string other = anon;
  other.replace(other.find("\"T\""), 3, "\"U\"");
  auto h3 = decoder.Decode(other);
  EXPECT_NE(id1, DeriveEventId(h3[0].decoded->event, h3[0].original));
}

TEST(EventIds, PartitionKeyPrefersStrongestIdentifier) {
  crm::v1::Event ev;
  ev.set_show_id("s");
  ev.set_edition_id("e");
  auto* id = ev.mutable_identity();
  id->mutable_normalized()->set_name_key("zhang wei");
  id->mutable_normalized()->set_company_key("acme");
  EXPECT_EQ(PartitionKey(ev), "name:zhang wei|acme");
  id->mutable_normalized()->set_phone_e164("+8613812345678");
  EXPECT_EQ(PartitionKey(ev), "phone:+8613812345678");
  id->mutable_normalized()->set_email("Zhang.Wei@example.com");
  EXPECT_EQ(PartitionKey(ev), "email:zhang.wei@example.com");
  id->set_badge_id("B9");
  EXPECT_EQ(PartitionKey(ev), "badge:s:e:B9");
}

TEST(ShowRegistry, ValidatesAndKeepsNewestVersion) {
  crm::v1::ShowSeries s;
  s.set_show_id("Bad Id");
  EXPECT_NE(shows::ShowRegistry::Validate(s).message().find("show_id"), std::string::npos);
  s.set_show_id("food-expo");
  s.set_name("Food Expo");
  s.set_country("CN");
  s.set_time_zone("Asia/Nowhere");
  EXPECT_NE(shows::ShowRegistry::Validate(s).message().find("time_zone"), std::string::npos);
  s.set_time_zone("Asia/Shanghai");
  auto* e = s.add_editions();
  e->set_edition_id("2026");
  e->set_open_date("2026-05-10");
  e->set_close_date("2026-05-08");
  EXPECT_NE(shows::ShowRegistry::Validate(s).message().find("close_date"), std::string::npos);
  e->set_close_date("2026-05-12");
  EXPECT_TRUE(shows::ShowRegistry::Validate(s).ok());
  shows::ShowRegistry reg;
  s.set_version(2);
  EXPECT_TRUE(reg.Apply(s));
  s.set_version(1);
  s.set_name("stale");
  EXPECT_FALSE(reg.Apply(s));
  EXPECT_EQ(reg.Find("food-expo")->series.name(), "Food Expo");
}

}  // namespace
}  // namespace crm::ingest

namespace crm::ingest {
namespace {

// docs/examples must stay valid input: each file decodes and passes the rules.
TEST(DocsExamples, EveryExampleIsAcceptedAsDocumented) {
  shows::ShowRegistry reg;
  crm::v1::ShowSeries s;
  s.set_show_id("auto-shanghai");
  s.set_name("Auto Shanghai");
  s.set_country("CN");
  s.set_time_zone("Asia/Shanghai");
  s.set_version(1);
  auto* e = s.add_editions();
  e->set_edition_id("2026");
  e->set_open_date("2026-04-23");
  e->set_close_date("2026-04-30");
  reg.Apply(s);
  FakeClock clock(normalize::ParseTimestamp("2026-05-10T00:00:00Z")->millis);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(CRM_SOURCE_DIR "/docs/examples")) {
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    RawDecoder decoder;
    auto items = decoder.Decode(ss.str());
    ASSERT_FALSE(items.empty());
    for (auto& item : items) {
      ASSERT_TRUE(item.decoded) << entry.path() << ": " << item.problem->code << " " << item.problem->message;
      EventContext ctx{item.decoded->local_occurred_ms, item.decoded->occurred_at_present,
                       item.decoded->consent_granted_present};
      auto p = ValidateAndNormalize(item.decoded->event, ctx, reg, clock);
      EXPECT_FALSE(p) << entry.path() << ": " << p->code << " " << p->message;
    }
    ++files;
  }
  EXPECT_GE(files, 6);
}

}  // namespace
}  // namespace crm::ingest
