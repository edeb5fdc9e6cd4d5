#include "common/log/log.h"

#include "common/util/json_escape.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace crm::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mu;
std::string g_service;  // guarded by g_mu

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void AppendTimestamp(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  out += buf;
}

}  // namespace

Value::Value(double v) : quoted_(false) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  text_ = buf;
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }

void SetService(std::string_view service) {
  std::lock_guard lock(g_mu);
  g_service = service;
}

bool ParseLevel(std::string_view text, Level* out) {
  if (text == "debug") *out = Level::kDebug;
  else if (text == "info") *out = Level::kInfo;
  else if (text == "warn" || text == "warning") *out = Level::kWarn;
  else if (text == "error") *out = Level::kError;
  else return false;
  return true;
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void AppendJsonEscaped(std::string& out, std::string_view s) { crm::AppendJsonEscaped(out, s); }

void Write(Level level, std::string_view msg, Fields fields) {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(128);
  line += "{\"ts\":\"";
  AppendTimestamp(line);
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\"";
  {
    std::lock_guard lock(g_mu);
    if (!g_service.empty()) {
      line += ",\"svc\":\"";
      AppendJsonEscaped(line, g_service);
      line += "\"";
    }
  }
  line += ",\"msg\":\"";
  AppendJsonEscaped(line, msg);
  line += "\"";
  for (const auto& [key, value] : fields) {
    line += ",\"";
    AppendJsonEscaped(line, key);
    line += "\":";
    if (value.quoted()) {
      line += "\"";
      AppendJsonEscaped(line, value.text());
      line += "\"";
    } else {
      line += value.text();
    }
  }
  line += "}\n";
  // One fwrite per line keeps lines whole when threads log at once.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace crm::log
