#include "tools/simulate/json.h"

#include "common/util/json_escape.h"

#include <cstdio>
#include <cstdlib>

namespace crm::simulate {

Json& Json::Set(std::string_view key, Json value) {
  type_ = Type::kObject;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      items_[i] = std::move(value);
      return *this;
    }
  }
  keys_.emplace_back(key);
  items_.push_back(std::move(value));
  return *this;
}

Json& Json::SetIfNotEmpty(std::string_view key, std::string_view value) {
  if (!value.empty()) Set(key, Json(value));
  return *this;
}

bool Json::Erase(std::string_view key) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(i));
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  return false;
}

Json* Json::Find(std::string_view key) {
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &items_[i];
  return nullptr;
}

const Json* Json::Find(std::string_view key) const {
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &items_[i];
  return nullptr;
}

Json& Json::Push(Json value) {
  type_ = Type::kArray;
  items_.push_back(std::move(value));
  return *this;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  AppendJsonEscaped(out, s);
  out.push_back('"');
}

std::string FormatDecimal(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

void Json::AppendTo(std::string& out) const {
  switch (type_) {
    case Type::kNull: out += "null"; break;
    case Type::kBool: out += int_ ? "true" : "false"; break;
    case Type::kInt: out += std::to_string(int_); break;
    case Type::kDouble: out += FormatDecimal(double_); break;
    case Type::kString: AppendJsonString(out, str_); break;
    case Type::kArray:
      out.push_back('[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out.push_back(',');
        items_[i].AppendTo(out);
      }
      out.push_back(']');
      break;
    case Type::kObject:
      out.push_back('{');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out.push_back(',');
        AppendJsonString(out, keys_[i]);
        out.push_back(':');
        items_[i].AppendTo(out);
      }
      out.push_back('}');
      break;
  }
}

namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Strict RFC 8259 parser; builds the value when `out` is given.
class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  bool Run(Json* out, std::string* error) {
    Ws();
    bool ok = Value(0, out);
    Ws();
    if (ok && pos_ != t_.size()) ok = Fail("trailing bytes");
    if (!ok && error) *error = err_ + " at byte " + std::to_string(pos_);
    return ok;
  }

 private:
  bool Fail(const char* why) {
    if (err_.empty()) err_ = why;
    return false;
  }
  void Ws() {
    while (pos_ < t_.size() && (t_[pos_] == ' ' || t_[pos_] == '\t' || t_[pos_] == '\n' || t_[pos_] == '\r')) ++pos_;
  }
  bool Lit(std::string_view w) {
    if (t_.substr(pos_, w.size()) != w) return Fail("bad literal");
    pos_ += w.size();
    return true;
  }
  bool Value(int depth, Json* out) {
    if (depth > 64) return Fail("too deep");
    if (pos_ >= t_.size()) return Fail("unexpected end");
    char c = t_[pos_];
    if (c == '{') return Object(depth, out);
    if (c == '[') return Array(depth, out);
    if (c == '"') {
      std::string s;
      if (!String(out ? &s : nullptr)) return false;
      if (out) *out = Json(std::move(s));
      return true;
    }
    if (c == 't') {
      if (out) *out = Json(true);
      return Lit("true");
    }
    if (c == 'f') {
      if (out) *out = Json(false);
      return Lit("false");
    }
    if (c == 'n') {
      if (out) *out = Json();
      return Lit("null");
    }
    if (c == '-' || (c >= '0' && c <= '9')) return Number(out);
    return Fail("unexpected character");
  }
  bool Object(int depth, Json* out) {
    ++pos_;
    if (out) *out = Json::Object();
    Ws();
    if (pos_ < t_.size() && t_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      Ws();
      if (pos_ >= t_.size() || t_[pos_] != '"') return Fail("expected key");
      std::string key;
      if (!String(out ? &key : nullptr)) return false;
      Ws();
      if (pos_ >= t_.size() || t_[pos_] != ':') return Fail("expected ':'");
      ++pos_;
      Ws();
      Json v;
      if (!Value(depth + 1, out ? &v : nullptr)) return false;
      if (out) out->Set(key, std::move(v));
      Ws();
      if (pos_ >= t_.size()) return Fail("unterminated object");
      if (t_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (t_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }
  bool Array(int depth, Json* out) {
    ++pos_;
    if (out) *out = Json::Array();
    Ws();
    if (pos_ < t_.size() && t_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      Ws();
      Json v;
      if (!Value(depth + 1, out ? &v : nullptr)) return false;
      if (out) out->Push(std::move(v));
      Ws();
      if (pos_ >= t_.size()) return Fail("unterminated array");
      if (t_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (t_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }
  bool Number(Json* out) {
    size_t start = pos_;
    bool integral = true;
    if (t_[pos_] == '-') ++pos_;
    if (pos_ >= t_.size()) return Fail("bad number");
    if (t_[pos_] == '0') {
      ++pos_;
    } else if (t_[pos_] >= '1' && t_[pos_] <= '9') {
      while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
    } else {
      return Fail("bad number");
    }
    if (pos_ < t_.size() && t_[pos_] == '.') {
      integral = false;
      ++pos_;
      size_t d = pos_;
      while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
      if (pos_ == d) return Fail("bad fraction");
    }
    if (pos_ < t_.size() && (t_[pos_] == 'e' || t_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < t_.size() && (t_[pos_] == '+' || t_[pos_] == '-')) ++pos_;
      size_t d = pos_;
      while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
      if (pos_ == d) return Fail("bad exponent");
    }
    if (out) {
      std::string num(t_.substr(start, pos_ - start));
      if (integral && num.size() < 19) {
        *out = Json(static_cast<long long>(std::strtoll(num.c_str(), nullptr, 10)));
      } else {
        *out = Json(std::strtod(num.c_str(), nullptr));
      }
    }
    return true;
  }
  bool Hex4(uint32_t* v) {
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      if (pos_ >= t_.size()) return Fail("bad \\u escape");
      char c = t_[pos_++];
      uint32_t d;
      if (c >= '0' && c <= '9')
        d = static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = static_cast<uint32_t>(c - 'A' + 10);
      else
        return Fail("bad \\u escape");
      *v = *v * 16 + d;
    }
    return true;
  }
  bool String(std::string* out) {
    ++pos_;
    while (pos_ < t_.size()) {
      unsigned char c = static_cast<unsigned char>(t_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("control character in string");
      if (c == '\\') {
        ++pos_;
        if (pos_ >= t_.size()) return Fail("bad escape");
        char e = t_[pos_++];
        switch (e) {
          case '"':
            if (out) out->push_back('"');
            break;
          case '\\':
            if (out) out->push_back('\\');
            break;
          case '/':
            if (out) out->push_back('/');
            break;
          case 'b':
            if (out) out->push_back('\b');
            break;
          case 'f':
            if (out) out->push_back('\f');
            break;
          case 'n':
            if (out) out->push_back('\n');
            break;
          case 'r':
            if (out) out->push_back('\r');
            break;
          case 't':
            if (out) out->push_back('\t');
            break;
          case 'u': {
            uint32_t cp;
            if (!Hex4(&cp)) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              uint32_t lo;
              if (t_.substr(pos_, 2) != "\\u") return Fail("lone surrogate");
              pos_ += 2;
              if (!Hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return Fail("bad surrogate pair");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              return Fail("lone surrogate");
            }
            if (out) AppendUtf8(*out, cp);
            break;
          }
          default: return Fail("bad escape");
        }
        continue;
      }
      if (c < 0x80) {
        if (out) out->push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      // UTF-8 sequence: reject overlong forms, surrogates and > U+10FFFF.
      int len;
      uint32_t cp;
      if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
      } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
      } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
      } else {
        return Fail("invalid UTF-8");
      }
      if (pos_ + static_cast<size_t>(len) > t_.size()) return Fail("truncated UTF-8");
      for (int i = 1; i < len; ++i) {
        unsigned char cc = static_cast<unsigned char>(t_[pos_ + static_cast<size_t>(i)]);
        if ((cc & 0xC0) != 0x80) return Fail("invalid UTF-8");
        cp = (cp << 6) | (cc & 0x3F);
      }
      if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
          (cp >= 0xD800 && cp <= 0xDFFF))
        return Fail("invalid UTF-8");
      if (out) out->append(t_.substr(pos_, static_cast<size_t>(len)));
      pos_ += static_cast<size_t>(len);
    }
    return Fail("unterminated string");
  }

  std::string_view t_;
  size_t pos_ = 0;
  std::string err_;
};

}  // namespace

bool ParseJson(std::string_view text, Json* out, std::string* error) { return Parser(text).Run(out, error); }

bool IsValidJson(std::string_view text, std::string* error) { return Parser(text).Run(nullptr, error); }

}  // namespace crm::simulate
