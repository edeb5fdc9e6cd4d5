#pragma once

// A small ordered JSON value: objects keep insertion order, so serialization is
// byte-for-byte deterministic. Strings must be valid UTF-8; they are written
// with the escapes JSON requires and non-ASCII characters kept as they are.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crm::simulate {

class Json {
 public:
  enum class Type : uint8_t { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

  Json() = default;
  Json(bool b) : type_(Type::kBool), int_(b ? 1 : 0) {}
  Json(int v) : type_(Type::kInt), int_(v) {}
  Json(long v) : type_(Type::kInt), int_(v) {}
  Json(long long v) : type_(Type::kInt), int_(v) {}
  Json(unsigned v) : type_(Type::kInt), int_(v) {}
  Json(unsigned long v) : type_(Type::kInt), int_(static_cast<int64_t>(v)) {}
  Json(unsigned long long v) : type_(Type::kInt), int_(static_cast<int64_t>(v)) {}
  Json(double v) : type_(Type::kDouble), double_(v) {}
  Json(const char* s) : type_(Type::kString), str_(s) {}
  Json(std::string s) : type_(Type::kString), str_(std::move(s)) {}
  Json(std::string_view s) : type_(Type::kString), str_(s) {}

  static Json Object() {
    Json j;
    j.type_ = Type::kObject;
    return j;
  }
  static Json Array() {
    Json j;
    j.type_ = Type::kArray;
    return j;
  }

  Type type() const { return type_; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_array() const { return type_ == Type::kArray; }
  const std::string& str() const { return str_; }
  int64_t as_int() const { return type_ == Type::kDouble ? static_cast<int64_t>(double_) : int_; }
  double as_double() const { return type_ == Type::kInt ? static_cast<double>(int_) : double_; }
  bool as_bool() const { return type_ == Type::kBool && int_ != 0; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_number() const { return type_ == Type::kInt || type_ == Type::kDouble; }

  // Object: sets `key` (replacing an existing value in place), returns *this.
  Json& Set(std::string_view key, Json value);
  // Object: sets only when `value` is a non-empty string.
  Json& SetIfNotEmpty(std::string_view key, std::string_view value);
  // Object: removes `key`; false when absent.
  bool Erase(std::string_view key);
  // Object: the value under `key`, or nullptr.
  Json* Find(std::string_view key);
  const Json* Find(std::string_view key) const;
  // Array: appends.
  Json& Push(Json value);

  size_t size() const { return items_.size(); }
  Json& at(size_t i) { return items_[i]; }
  const Json& at(size_t i) const { return items_[i]; }
  const std::vector<std::string>& keys() const { return keys_; }

  void AppendTo(std::string& out) const;
  std::string Dump() const {
    std::string s;
    AppendTo(s);
    return s;
  }

 private:
  Type type_ = Type::kNull;
  int64_t int_ = 0;
  double double_ = 0;
  std::string str_;
  std::vector<std::string> keys_;  // objects only, parallel to items_
  std::vector<Json> items_;
};

// Appends `s` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view s);
// Formats a double with at most two decimals, trailing zeros removed ("36", "54.5").
std::string FormatDecimal(double v);

// A strict JSON parser (RFC 8259 grammar, UTF-8 validated, no trailing
// bytes). Integers without fraction or exponent become kInt, other numbers
// kDouble. Used by the tests to read the simulator's output back.
bool ParseJson(std::string_view text, Json* out, std::string* error = nullptr);
// ParseJson without building the value.
bool IsValidJson(std::string_view text, std::string* error = nullptr);

}  // namespace crm::simulate
