#include "services/ingest/event_rules.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <openssl/evp.h>

#include <cctype>
#include <cstdio>
#include <map>

#include "common/normalize/contact.h"
#include "common/normalize/text.h"
#include "common/normalize/time.h"
#include "common/util/proto_time.h"
#include "common/util/strings.h"

namespace crm::ingest {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int64_t kFutureSlackMs = 5 * 60 * 1000;
constexpr size_t kMaxListItems = 50;

Problem Make(std::string code, std::string path, std::string message) {
  return Problem{std::move(code), std::move(path), std::move(message)};
}

Problem Missing(const std::string& path) { return Make("MISSING_FIELD", path, StrCat(path, " is required")); }

size_t LimitFor(const FieldDescriptor* f) {
  const std::string& n = f->name();
  if (n == "email") return 254;
  if (n == "phone") return 64;
  if (n == "note" || n == "comment" || n == "text" || n == "notes") return 4096;
  if (n == "id" || n == "system" || n.ends_with("_id") || n == "booth" || n == "hall" || n == "gate" ||
      n == "currency") {
    return 128;
  }
  return 256;
}

// Every string within size, every list within count, all text valid UTF-8;
// walks the message by reflection so new fields are covered automatically.
std::optional<Problem> CheckSizes(const Message& msg, const std::string& path) {
  const auto* refl = msg.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(msg, &fields);
  for (const auto* f : fields) {
    std::string p = path.empty() ? f->name() : StrCat(path, ".", f->name());
    if (f->is_map()) {
      int n = refl->FieldSize(msg, f);
      if (static_cast<size_t>(n) > kMaxListItems) return Make("TOO_LARGE", p, StrCat(p, " has more than 50 entries"));
      const auto* kf = f->message_type()->map_key();
      const auto* vf = f->message_type()->map_value();
      for (int i = 0; i < n; ++i) {
        const Message& entry = refl->GetRepeatedMessage(msg, f, i);
        std::string key = entry.GetReflection()->GetString(entry, kf);
        if (key.size() > 64) return Make("TOO_LARGE", p, StrCat(p, " has a key longer than 64 bytes"));
        if (!normalize::IsValidUtf8(key)) return Make("INVALID_UTF8", p, StrCat(p, " has a key that is not UTF-8"));
        if (vf->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          std::string v = entry.GetReflection()->GetString(entry, vf);
          if (v.size() > 1024) return Make("TOO_LARGE", StrCat(p, ".", key), StrCat(p, ".", key, " is longer than 1024 bytes"));
          if (!normalize::IsValidUtf8(v)) return Make("INVALID_UTF8", StrCat(p, ".", key), "value is not UTF-8");
        }
      }
      continue;
    }
    if (f->is_repeated()) {
      int n = refl->FieldSize(msg, f);
      if (static_cast<size_t>(n) > kMaxListItems) return Make("TOO_LARGE", p, StrCat(p, " has more than 50 items"));
      for (int i = 0; i < n; ++i) {
        std::string ip = StrCat(p, "[", i, "]");
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          std::string v = refl->GetRepeatedString(msg, f, i);
          if (v.size() > LimitFor(f)) return Make("TOO_LARGE", ip, StrCat(ip, " is longer than ", LimitFor(f), " bytes"));
          if (!normalize::IsValidUtf8(v)) return Make("INVALID_UTF8", ip, StrCat(ip, " is not UTF-8"));
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          if (auto pr = CheckSizes(refl->GetRepeatedMessage(msg, f, i), ip)) return pr;
        }
      }
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      const std::string& v = refl->GetStringReference(msg, f, nullptr);
      if (v.size() > LimitFor(f)) {
        return Make("TOO_LARGE", p, StrCat(p, " is ", v.size(), " bytes; the limit is ", LimitFor(f)));
      }
      if (!normalize::IsValidUtf8(v)) return Make("INVALID_UTF8", p, StrCat(p, " is not UTF-8"));
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (auto pr = CheckSizes(refl->GetMessage(msg, f), p)) return pr;
    }
  }
  return std::nullopt;
}

std::optional<Problem> OutOfRange(const std::string& path, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) return Make("OUT_OF_RANGE", path, StrCat(path, " must be ", lo, "-", hi, ", not ", v));
  return std::nullopt;
}

std::optional<Problem> CheckPayload(const crm::v1::Event& ev, const EventContext& ctx) {
  using E = crm::v1::Event;
  const auto& id = ev.identity();
  switch (ev.payload_case()) {
    case E::kTicketRegistration:
      if (ev.ticket_registration().ticket_id().empty()) return Missing("ticket_registration.ticket_id");
      return std::nullopt;
    case E::kGateCheckIn:
      if (ev.gate_check_in().gate().empty()) return Missing("gate_check_in.gate");
      if (ev.gate_check_in().ticket_id().empty() && id.badge_id().empty()) {
        return Make("MISSING_FIELD", "gate_check_in.ticket_id", "a gate check-in needs a ticket_id or person.badge_id");
      }
      return std::nullopt;
    case E::kBoothScan: {
      const auto& s = ev.booth_scan();
      if (id.badge_id().empty()) return Missing("person.badge_id");
      if (s.booth().empty()) return Missing("booth_scan.booth");
      if (s.exhibitor_company().empty() && s.exhibitor_customer_id().empty()) {
        return Make("MISSING_FIELD", "booth_scan.exhibitor_company",
                    "a booth scan needs exhibitor_company or exhibitor_customer_id");
      }
      return OutOfRange("booth_scan.lead_rating", s.lead_rating(), 0, 5);
    }
    case E::kSessionAttendance:
      if (ev.session_attendance().session_id().empty()) return Missing("session_attendance.session_id");
      return std::nullopt;
    case E::kBoothBooking: {
      const auto& b = ev.booth_booking();
      if (b.booking_id().empty()) return Missing("booth_booking.booking_id");
      if (b.booth().empty()) return Missing("booth_booking.booth");
      if (!(b.area_sqm() > 0) || b.area_sqm() > 1e6) {
        return Make("OUT_OF_RANGE", "booth_booking.area_sqm", "booth_booking.area_sqm must be above 0");
      }
      if (b.status() == crm::v1::BoothBooking::STATUS_UNSPECIFIED) return Missing("booth_booking.status");
      if (b.price_minor() < 0) return Make("OUT_OF_RANGE", "booth_booking.price_minor", "price cannot be negative");
      return std::nullopt;
    }
    case E::kPayment:
      if (ev.payment().invoice_id().empty()) return Missing("payment.invoice_id");
      if (ev.payment().amount_minor() == 0) return Missing("payment.amount_minor");
      if (ev.payment().currency().empty()) return Missing("payment.currency");
      return std::nullopt;
    case E::kSurveyAnswer: {
      const auto& s = ev.survey_answer();
      if (s.survey_id().empty()) return Missing("survey_answer.survey_id");
      for (auto [name, v] : {std::pair{"expectation", s.expectation()}, {"perceived_quality", s.perceived_quality()},
                             {"perceived_value", s.perceived_value()}, {"satisfaction", s.satisfaction()},
                             {"would_recommend", s.would_recommend()}}) {
        if (auto p = OutOfRange(StrCat("survey_answer.", name), v, 0, 10)) return p;
      }
      for (const auto& [item, v] : s.items()) {
        if (auto p = OutOfRange(StrCat("survey_answer.items.", item), v, 0, 10)) return p;
      }
      return std::nullopt;
    }
    case E::kComplaint:
      if (ev.complaint().complaint_id().empty()) return Missing("complaint.complaint_id");
      if (ev.complaint().category().empty()) return Missing("complaint.category");
      if (ev.complaint().severity() != 0) return OutOfRange("complaint.severity", ev.complaint().severity(), 1, 5);
      return std::nullopt;
    case E::kSalesContact:
      if (ev.sales_contact().contact_id().empty()) return Missing("sales_contact.contact_id");
      if (ev.sales_contact().channel().empty()) return Missing("sales_contact.channel");
      return std::nullopt;
    case E::kCampaignInteraction:
      if (ev.campaign_interaction().campaign_id().empty()) return Missing("campaign_interaction.campaign_id");
      if (ev.campaign_interaction().dispatch_id().empty()) return Missing("campaign_interaction.dispatch_id");
      if (ev.campaign_interaction().action() == crm::v1::CampaignInteraction::ACTION_UNSPECIFIED) {
        return Missing("campaign_interaction.action");
      }
      return std::nullopt;
    case E::kConsentChange:
      if (ev.consent_change().channel().empty()) return Missing("consent_change.channel");
      if (!ctx.consent_granted_present) return Missing("consent_change.granted");
      return std::nullopt;
    case E::kProfileImport:
      if (ev.profile_import().import_id().empty()) return Missing("profile_import.import_id");
      if (ev.profile_import().record_id().empty()) return Missing("profile_import.record_id");
      return std::nullopt;
    case E::kReferral: {
      const auto& r = ev.referral();
      if (r.referral_id().empty()) return Missing("referral.referral_id");
      const auto& p = r.referred();
      if (p.full_name().empty() && p.family_name().empty() && p.email().empty() && p.phone().empty()) {
        return Make("MISSING_FIELD", "referral.referred", "a referral needs the referred person's name, email or phone");
      }
      return std::nullopt;
    }
    case E::PAYLOAD_NOT_SET:
      return Make("NO_PAYLOAD", "", "an event needs one payload");
  }
  return std::nullopt;
}

bool IsCjk(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0xE0) return true;  // 3-byte UTF-8 sequences: CJK and other BMP scripts
  return false;
}

std::optional<Problem> NormalizeIdentity(crm::v1::Identity& id, const std::string& default_region) {
  auto* n = id.mutable_normalized();
  n->Clear();
  if (!id.email().empty()) {
    auto email = normalize::NormalizeEmail(id.email());
    if (!email.ok()) return Make("INVALID_EMAIL", "person.email", ToStdString(email.status().message()));
    n->set_email(*email);
  }
  if (!id.phone().empty()) {
    auto phone = normalize::NormalizePhone(id.phone(), default_region);
    if (!phone.ok()) return Make("INVALID_PHONE", "person.phone", ToStdString(phone.status().message()));
    n->set_phone_e164(*phone);
  }
  std::string full = normalize::CleanText(id.full_name());
  if (full.empty() && (!id.family_name().empty() || !id.given_name().empty())) {
    std::string family = normalize::CleanText(id.family_name()), given = normalize::CleanText(id.given_name());
    // Chinese names are written family name first without a space.
    full = IsCjk(family) || IsCjk(given) ? family + given
                                         : normalize::CleanText(StrCat(given, " ", family));
  }
  n->set_full_name(full);
  if (!full.empty()) n->set_name_key(normalize::NameKey(full));
  if (!id.company().empty()) n->set_company_key(normalize::CompanyKey(id.company()));
  n->set_country(CountryCode(id.country()));
  if (!id.city().empty()) n->set_city(normalize::CleanText(id.city()));
  for (int i = 0; i < id.external_ids_size(); ++i) {
    const auto& x = id.external_ids(i);
    if (x.system().empty() || x.id().empty()) {
      return Make("MISSING_FIELD", StrCat("person.external_ids[", i, "]"), "external ids need a system and an id");
    }
  }
  if (n->email().empty() && n->phone_e164().empty() && id.badge_id().empty() && id.external_ids_size() == 0 &&
      full.empty()) {
    return Make("NO_IDENTIFIER", "person",
                "a person needs an email, phone, badge_id, external id or name to be recognised");
  }
  return std::nullopt;
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string CountryCode(std::string_view country) {
  std::string c = normalize::CleanText(country);
  if (c.size() == 2 && std::isalpha(static_cast<unsigned char>(c[0])) && std::isalpha(static_cast<unsigned char>(c[1]))) {
    for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return c;
  }
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"china", "CN"}, {"中国", "CN"}, {"中國", "CN"}, {"prc", "CN"}, {"people's republic of china", "CN"},
      {"hong kong", "HK"}, {"香港", "HK"}, {"macau", "MO"}, {"macao", "MO"}, {"澳门", "MO"}, {"澳門", "MO"},
      {"taiwan", "TW"}, {"台湾", "TW"}, {"台灣", "TW"}, {"japan", "JP"}, {"日本", "JP"}, {"korea", "KR"},
      {"south korea", "KR"}, {"韩国", "KR"}, {"singapore", "SG"}, {"新加坡", "SG"}, {"germany", "DE"},
      {"deutschland", "DE"}, {"德国", "DE"}, {"france", "FR"}, {"法国", "FR"}, {"italy", "IT"}, {"意大利", "IT"},
      {"united kingdom", "GB"}, {"uk", "GB"}, {"英国", "GB"}, {"united states", "US"}, {"usa", "US"},
      {"美国", "US"}, {"india", "IN"}, {"印度", "IN"}, {"thailand", "TH"}, {"泰国", "TH"}, {"vietnam", "VN"},
      {"越南", "VN"}, {"malaysia", "MY"}, {"马来西亚", "MY"}, {"australia", "AU"}, {"澳大利亚", "AU"},
      {"russia", "RU"}, {"俄罗斯", "RU"}, {"brazil", "BR"}, {"巴西", "BR"}, {"canada", "CA"}, {"加拿大", "CA"},
      {"spain", "ES"}, {"西班牙", "ES"}, {"netherlands", "NL"}, {"荷兰", "NL"}};
  std::string lower = c;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto it = kNames.find(lower);
  return it == kNames.end() ? "" : it->second;
}

std::optional<Problem> ValidateAndNormalize(crm::v1::Event& ev, const EventContext& ctx,
                                            const shows::ShowRegistry& registry, const Clock& clock) {
  if (auto p = CheckSizes(ev, "")) {
    // Paths of identity fields are spelled as in the raw JSON.
    if (p->field_path.rfind("identity", 0) == 0) p->field_path.replace(0, 8, "person");
    return p;
  }
  if (ev.source().system().empty()) return Missing("source.system");
  if (ev.show_id().empty()) return Missing("show_id");
  if (ev.edition_id().empty()) return Missing("edition_id");
  auto series = registry.Find(ev.show_id());
  if (!series) return Make("UNKNOWN_SHOW", "show_id", StrCat("show '", ev.show_id(), "' is not in the show registry"));
  if (!series->FindEdition(ev.edition_id())) {
    return Make("UNKNOWN_EDITION", "edition_id",
                StrCat("show '", ev.show_id(), "' has no edition '", ev.edition_id(), "'"));
  }
  if (!ev.has_identity()) return Make("NO_IDENTIFIER", "person", "person is required");
  if (auto p = CheckPayload(ev, ctx)) return p;

  // Times.
  int64_t occurred_ms;
  if (ctx.local_occurred_ms) {
    auto utc = normalize::LocalToUtc(*ctx.local_occurred_ms, series->series.time_zone());
    if (!utc.ok()) return Make("INVALID_TIME", "occurred_at", ToStdString(utc.status().message()));
    occurred_ms = *utc;
    SetTimestampMillis(ev.mutable_occurred_at(), occurred_ms);
  } else if (!ctx.occurred_at_present || !ev.has_occurred_at()) {
    return Missing("occurred_at");
  } else {
    occurred_ms = TimestampMillis(ev.occurred_at());
  }
  int64_t now = clock.NowMillis();
  if (occurred_ms > now + kFutureSlackMs) {
    return Make("TIME_IN_FUTURE", "occurred_at", "occurred_at is more than 5 minutes in the future");
  }
  if (occurred_ms < series->earliest_event_ms) {
    return Make("TIME_BEFORE_SERIES", "occurred_at",
                StrCat("occurred_at is before show '", ev.show_id(), "' accepted its first registrations"));
  }
  SetTimestampMillis(ev.mutable_received_at(), now);

  if (auto p = NormalizeIdentity(*ev.mutable_identity(), series->series.country())) return p;
  if (ev.has_referral()) {
    if (auto p = NormalizeIdentity(*ev.mutable_referral()->mutable_referred(), series->series.country())) {
      p->field_path = StrCat("referral.referred.", p->field_path.substr(p->field_path.find('.') + 1));
      return p;
    }
  }
  return std::nullopt;
}

std::string DeriveEventId(const crm::v1::Event& ev, std::string_view content) {
  const auto& src = ev.source();
  if (!src.device_id().empty() && (src.device_seq() > 0 || ev.event_id().empty())) {
    return StrCat("dev:", src.system(), ":", src.device_id(), ":", src.device_seq());
  }
  if (!ev.event_id().empty()) return StrCat("ext:", src.system(), ":", ev.event_id());
  std::string input = StrCat(src.system(), "\n", content);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  return StrCat("h:", Hex(digest, 16));
}

std::string PartitionKey(const crm::v1::Event& ev) {
  const auto& id = ev.identity();
  const auto& n = id.normalized();
  if (!id.badge_id().empty()) return StrCat("badge:", ev.show_id(), ":", ev.edition_id(), ":", id.badge_id());
  if (!n.email().empty()) return StrCat("email:", normalize::EmailKey(n.email()));
  if (!n.phone_e164().empty()) return StrCat("phone:", n.phone_e164());
  if (id.external_ids_size() > 0) return StrCat("ext:", id.external_ids(0).system(), ":", id.external_ids(0).id());
  return StrCat("name:", n.name_key(), "|", n.company_key());
}

}  // namespace crm::ingest
