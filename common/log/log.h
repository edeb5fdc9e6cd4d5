#pragma once

// Structured logging: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-22T16:40:01.123Z","level":"info","svc":"ingest","msg":"started","grpc":"127.0.0.1:4001"}
// Fields are key/value pairs so log processors never parse prose.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace crm::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// A field value printed as a JSON string or number.
class Value {
 public:
  Value(std::string_view s) : text_(s), quoted_(true) {}
  Value(const std::string& s) : text_(s), quoted_(true) {}
  Value(const char* s) : text_(s ? s : ""), quoted_(true) {}
  Value(bool b) : text_(b ? "true" : "false"), quoted_(false) {}
  Value(int v) : text_(std::to_string(v)), quoted_(false) {}
  Value(long v) : text_(std::to_string(v)), quoted_(false) {}
  Value(long long v) : text_(std::to_string(v)), quoted_(false) {}
  Value(unsigned v) : text_(std::to_string(v)), quoted_(false) {}
  Value(unsigned long v) : text_(std::to_string(v)), quoted_(false) {}
  Value(unsigned long long v) : text_(std::to_string(v)), quoted_(false) {}
  Value(double v);

  const std::string& text() const { return text_; }
  bool quoted() const { return quoted_; }

 private:
  std::string text_;
  bool quoted_;
};

using Field = std::pair<std::string_view, Value>;
using Fields = std::initializer_list<Field>;

// Process-wide settings; set once at start-up.
void SetLevel(Level level);
void SetService(std::string_view service);
// Parses "debug", "info", "warn", "error"; false when unknown.
bool ParseLevel(std::string_view text, Level* out);
bool Enabled(Level level);

void Write(Level level, std::string_view msg, Fields fields = {});

inline void Debug(std::string_view msg, Fields f = {}) { Write(Level::kDebug, msg, f); }
inline void Info(std::string_view msg, Fields f = {}) { Write(Level::kInfo, msg, f); }
inline void Warn(std::string_view msg, Fields f = {}) { Write(Level::kWarn, msg, f); }
inline void Error(std::string_view msg, Fields f = {}) { Write(Level::kError, msg, f); }

// Appends `s` to `out` as the inside of a JSON string literal.
void AppendJsonEscaped(std::string& out, std::string_view s);

}  // namespace crm::log
