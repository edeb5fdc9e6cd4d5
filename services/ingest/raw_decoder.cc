#include "services/ingest/raw_decoder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <cctype>
#include <charconv>
#include <limits>

#include "common/normalize/time.h"
#include "common/util/proto_time.h"
#include "common/util/strings.h"

namespace crm::ingest {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr size_t kMaxListItems = 50;

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : StrCat(path, ".", key);
}

Problem Make(std::string code, std::string path, std::string message) {
  return Problem{std::move(code), std::move(path), std::move(message)};
}

const char* TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64: return "an integer";
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "confirmed" matches STATUS_CONFIRMED, "professional_visitor" matches
// CUSTOMER_TYPE_PROFESSIONAL_VISITOR; the *_UNSPECIFIED value never matches.
const google::protobuf::EnumValueDescriptor* FindEnum(const google::protobuf::EnumDescriptor* e, std::string_view v) {
  std::string want = Lower(v);
  if (want.empty() || want == "unspecified") return nullptr;
  for (int i = 0; i < e->value_count(); ++i) {
    const auto* val = e->value(i);
    if (val->number() == 0) continue;
    std::string name = Lower(val->name());
    if (name == want || (name.size() > want.size() && name.ends_with(want) && name[name.size() - want.size() - 1] == '_')) {
      return val;
    }
  }
  return nullptr;
}

// "reserved, confirmed, cancelled" for BoothBooking.Status: value names
// without the prefix their *_UNSPECIFIED value shows.
std::string EnumChoices(const google::protobuf::EnumDescriptor* e) {
  std::string prefix = Lower(e->value(0)->name());
  auto p = prefix.rfind("unspecified");
  prefix = p == std::string::npos ? "" : prefix.substr(0, p);
  std::string out;
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() == 0) continue;
    std::string name = Lower(e->value(i)->name());
    if (!prefix.empty() && name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

class Decoder {
 public:
  // Sets one scalar (or enum, or message) value; `repeated` adds instead.
  std::optional<Problem> SetValue(Message* msg, const FieldDescriptor* f, element v, const std::string& path) {
    const Reflection* r = msg->GetReflection();
    bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string s;
        if (v.type() == element_type::STRING) {
          s = std::string(std::string_view(v.get_string().value_unsafe()));
        } else if (v.type() == element_type::INT64 || v.type() == element_type::UINT64) {
          // Numeric ids and phone numbers sent as JSON numbers convert losslessly.
          s = v.type() == element_type::INT64 ? std::to_string(int64_t(v.get_int64().value_unsafe()))
                                              : std::to_string(uint64_t(v.get_uint64().value_unsafe()));
        } else {
          return Make("WRONG_TYPE", path, StrCat(path, " must be a string, not ", TypeName(v.type())));
        }
        rep ? r->AddString(msg, f, std::move(s)) : r->SetString(msg, f, std::move(s));
        return std::nullopt;
      }
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64: {
        bool is_signed = f->cpp_type() == FieldDescriptor::CPPTYPE_INT32 || f->cpp_type() == FieldDescriptor::CPPTYPE_INT64;
        bool is_64 = f->cpp_type() == FieldDescriptor::CPPTYPE_INT64 || f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
        __int128 n = 0;
        if (v.type() == element_type::INT64) {
          n = int64_t(v.get_int64().value_unsafe());
        } else if (v.type() == element_type::UINT64) {
          n = uint64_t(v.get_uint64().value_unsafe());
        } else if (v.type() == element_type::STRING) {
          // Proto JSON writes 64-bit integers as strings; accept that too.
          std::string_view sv = v.get_string().value_unsafe();
          int64_t parsed = 0;
          auto [p, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), parsed);
          if (ec != std::errc() || p != sv.data() + sv.size()) {
            return Make("WRONG_TYPE", path, StrCat(path, " must be an integer"));
          }
          n = parsed;
        } else {
          return Make("WRONG_TYPE", path, StrCat(path, " must be an integer, not ", TypeName(v.type())));
        }
        __int128 lo = is_signed ? (is_64 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int32_t>::min()) : 0;
        __int128 hi = is_signed ? (is_64 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int32_t>::max())
                                : (is_64 ? static_cast<__int128>(std::numeric_limits<uint64_t>::max())
                                         : std::numeric_limits<uint32_t>::max());
        if (n < lo || n > hi) return Make("OUT_OF_RANGE", path, StrCat(path, " is out of range"));
        switch (f->cpp_type()) {
          case FieldDescriptor::CPPTYPE_INT32:
            rep ? r->AddInt32(msg, f, int32_t(n)) : r->SetInt32(msg, f, int32_t(n));
            break;
          case FieldDescriptor::CPPTYPE_INT64:
            rep ? r->AddInt64(msg, f, int64_t(n)) : r->SetInt64(msg, f, int64_t(n));
            break;
          case FieldDescriptor::CPPTYPE_UINT32:
            rep ? r->AddUInt32(msg, f, uint32_t(n)) : r->SetUInt32(msg, f, uint32_t(n));
            break;
          default:
            rep ? r->AddUInt64(msg, f, uint64_t(n)) : r->SetUInt64(msg, f, uint64_t(n));
        }
        return std::nullopt;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double d;
        if (v.type() == element_type::DOUBLE) d = v.get_double().value_unsafe();
        else if (v.type() == element_type::INT64) d = double(int64_t(v.get_int64().value_unsafe()));
        else if (v.type() == element_type::UINT64) d = double(uint64_t(v.get_uint64().value_unsafe()));
        else return Make("WRONG_TYPE", path, StrCat(path, " must be a number, not ", TypeName(v.type())));
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          rep ? r->AddDouble(msg, f, d) : r->SetDouble(msg, f, d);
        } else {
          rep ? r->AddFloat(msg, f, float(d)) : r->SetFloat(msg, f, float(d));
        }
        return std::nullopt;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        if (v.type() != element_type::BOOL) {
          return Make("WRONG_TYPE", path, StrCat(path, " must be true or false, not ", TypeName(v.type())));
        }
        bool b = v.get_bool().value_unsafe();
        rep ? r->AddBool(msg, f, b) : r->SetBool(msg, f, b);
        return std::nullopt;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (v.type() != element_type::STRING) {
          return Make("WRONG_TYPE", path, StrCat(path, " must be a string, not ", TypeName(v.type())));
        }
        const auto* ev = FindEnum(f->enum_type(), v.get_string().value_unsafe());
        if (!ev) {
          return Make("UNKNOWN_ENUM", path,
                      StrCat(path, ": '", std::string_view(v.get_string().value_unsafe()), "' is not one of ",
                             EnumChoices(f->enum_type())));
        }
        rep ? r->AddEnum(msg, f, ev) : r->SetEnum(msg, f, ev);
        return std::nullopt;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (v.type() != element_type::OBJECT) {
          return Make("WRONG_TYPE", path, StrCat(path, " must be an object, not ", TypeName(v.type())));
        }
        Message* sub = rep ? r->AddMessage(msg, f) : r->MutableMessage(msg, f);
        return FillMessage(sub, v, path);
      }
    }
    return Make("WRONG_TYPE", path, StrCat(path, " has an unsupported type"));
  }

  std::optional<Problem> SetField(Message* msg, const FieldDescriptor* f, element v, const std::string& path) {
    if (v.type() == element_type::NULL_VALUE) return std::nullopt;  // null = absent
    if (f->is_map()) {
      if (v.type() != element_type::OBJECT) {
        return Make("WRONG_TYPE", path, StrCat(path, " must be an object, not ", TypeName(v.type())));
      }
      simdjson::dom::object obj = v.get_object().value_unsafe();
      if (obj.size() > kMaxListItems) {
        return Make("TOO_LARGE", path, StrCat(path, " has more than ", kMaxListItems, " entries"));
      }
      const auto* key_f = f->message_type()->map_key();
      const auto* val_f = f->message_type()->map_value();
      for (auto kv : obj) {
        std::string key(kv.key);
        Message* entry = msg->GetReflection()->AddMessage(msg, f);
        entry->GetReflection()->SetString(entry, key_f, key);
        if (auto p = SetValue(entry, val_f, kv.value, Join(path, key))) return p;
      }
      return std::nullopt;
    }
    if (f->is_repeated()) {
      if (v.type() != element_type::ARRAY) {
        return Make("WRONG_TYPE", path, StrCat(path, " must be an array, not ", TypeName(v.type())));
      }
      simdjson::dom::array arr = v.get_array().value_unsafe();
      if (arr.size() > kMaxListItems) {
        return Make("TOO_LARGE", path, StrCat(path, " has more than ", kMaxListItems, " items"));
      }
      size_t i = 0;
      for (element item : arr) {
        if (auto p = SetValue(msg, f, item, StrCat(path, "[", i++, "]"))) return p;
      }
      return std::nullopt;
    }
    return SetValue(msg, f, v, path);
  }

  // Fills `msg` from a JSON object; every key must be a field of `msg`.
  std::optional<Problem> FillMessage(Message* msg, element v, const std::string& path) {
    const auto* desc = msg->GetDescriptor();
    simdjson::dom::object obj = v.get_object().value_unsafe();
    for (auto kv : obj) {
      std::string key_path = Join(path, kv.key);
      const FieldDescriptor* f = desc->FindFieldByName(std::string(kv.key));
      if (!f || !Allowed(desc, f)) {
        return Make("UNKNOWN_FIELD", key_path, StrCat("unknown field ", key_path));
      }
      if (desc == crm::v1::ConsentChange::descriptor() && kv.key == "granted") consent_granted_present_ = true;
      if (auto p = SetField(msg, f, kv.value, key_path)) return p;
    }
    return std::nullopt;
  }

  // Fields outside systems may not set: ingest and dedup own them.
  static bool Allowed(const google::protobuf::Descriptor* desc, const FieldDescriptor* f) {
    if (desc == crm::v1::Identity::descriptor() && f->name() == "normalized") return false;
    if (desc == crm::v1::Source::descriptor() && (f->name() == "kind" || f->name() == "raw_topic")) return false;
    return true;
  }

  std::optional<Problem> DecodeEvent(element v, DecodedEvent* out) {
    if (v.type() != element_type::OBJECT) {
      return Make("NOT_AN_OBJECT", "", StrCat("an event must be a JSON object, not ", TypeName(v.type())));
    }
    consent_granted_present_ = false;
    crm::v1::Event& ev = out->event;
    const auto* payload_oneof = crm::v1::Event::descriptor()->FindOneofByName("payload");
    const FieldDescriptor* payload_field = nullptr;
    simdjson::dom::object obj = v.get_object().value_unsafe();
    for (auto kv : obj) {
      std::string_view key = kv.key;
      std::string path(key);
      element val = kv.value;
      if (key == "person") {
        if (val.type() != element_type::OBJECT) {
          return Make("WRONG_TYPE", path, StrCat("person must be an object, not ", TypeName(val.type())));
        }
        if (auto p = FillMessage(ev.mutable_identity(), val, "person")) return p;
      } else if (key == "occurred_at") {
        if (auto p = DecodeTime(val, out)) return p;
      } else if (key == "event_id" || key == "show_id" || key == "edition_id" || key == "source" ||
                 key == "customer_type" || key == "attributes") {
        const FieldDescriptor* f = crm::v1::Event::descriptor()->FindFieldByName(std::string(key));
        if (auto p = SetField(&ev, f, val, path)) return p;
      } else {
        const FieldDescriptor* f = crm::v1::Event::descriptor()->FindFieldByName(std::string(key));
        if (!f || f->containing_oneof() != payload_oneof) {
          return Make("UNKNOWN_FIELD", path, StrCat("unknown field ", path));
        }
        if (val.type() == element_type::NULL_VALUE) continue;
        if (payload_field) {
          return Make("MULTIPLE_PAYLOADS", path,
                      StrCat("an event has exactly one payload; found ", payload_field->name(), " and ", key));
        }
        payload_field = f;
        if (auto p = SetField(&ev, f, val, path)) return p;
      }
    }
    if (!payload_field) {
      return Make("NO_PAYLOAD", "", "an event needs one payload object, e.g. ticket_registration or booth_scan");
    }
    out->consent_granted_present = consent_granted_present_;
    return std::nullopt;
  }

  std::optional<Problem> DecodeTime(element v, DecodedEvent* out) {
    out->occurred_at_present = true;
    int64_t utc_ms;
    if (v.type() == element_type::INT64 || v.type() == element_type::UINT64) {
      if (v.type() == element_type::UINT64) return Make("INVALID_TIME", "occurred_at", "occurred_at is out of range");
      utc_ms = v.get_int64().value_unsafe();
    } else if (v.type() == element_type::STRING) {
      auto t = normalize::ParseTimestamp(v.get_string().value_unsafe());
      if (!t.ok()) return Make("INVALID_TIME", "occurred_at", ToStdString(t.status().message()));
      if (!t->has_offset) {
        out->local_occurred_ms = t->millis;
        return std::nullopt;
      }
      utc_ms = t->millis;
    } else {
      return Make("WRONG_TYPE", "occurred_at",
                  StrCat("occurred_at must be a time string or epoch milliseconds, not ", TypeName(v.type())));
    }
    // Bounded so the seconds fit a protobuf Timestamp (years 1..9999).
    if (utc_ms < -62135596800000LL || utc_ms > 253402300799000LL) {
      return Make("INVALID_TIME", "occurred_at", "occurred_at is out of range");
    }
    SetTimestampMillis(out->event.mutable_occurred_at(), utc_ms);
    return std::nullopt;
  }

 private:
  bool consent_granted_present_ = false;
};

}  // namespace

std::vector<DecodeItem> RawDecoder::Decode(std::string_view record) {
  std::vector<DecodeItem> out;
  auto fail = [&](std::string code, std::string message) {
    DecodeItem item;
    item.problem = Problem{std::move(code), "", std::move(message)};
    item.original = std::string(record);
    out.push_back(std::move(item));
    return out;
  };
  if (record.size() > kMaxRecordBytes) {
    return fail("TOO_LARGE", StrCat("record is ", record.size(), " bytes; the limit is ", kMaxRecordBytes));
  }
  element doc;
  auto err = parser_.parse(record.data(), record.size(), /*realloc_if_needed=*/true).get(doc);
  if (err) {
    return fail(err == simdjson::UTF8_ERROR ? "INVALID_UTF8" : "MALFORMED_JSON",
                StrCat("not valid JSON: ", simdjson::error_message(err)));
  }
  Decoder decoder;
  auto decode_one = [&](element v, std::string original) {
    DecodeItem item;
    item.original = std::move(original);
    DecodedEvent decoded;
    if (auto p = decoder.DecodeEvent(v, &decoded)) {
      item.problem = std::move(*p);
    } else {
      item.decoded = std::move(decoded);
    }
    out.push_back(std::move(item));
  };
  if (doc.type() == element_type::ARRAY) {
    simdjson::dom::array arr = doc.get_array().value_unsafe();
    if (arr.size() > kMaxBatchEvents) {
      return fail("TOO_LARGE", StrCat("batch has ", arr.size(), " events; the limit is ", kMaxBatchEvents));
    }
    if (arr.size() == 0) return fail("NO_PAYLOAD", "empty batch");
    for (element v : arr) decode_one(v, simdjson::minify(v));
  } else {
    decode_one(doc, std::string(record));
  }
  return out;
}

}  // namespace crm::ingest
