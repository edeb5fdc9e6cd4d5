#pragma once

// Small string helpers on std::string_view. Debian's abseil is built with its
// own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW=0), so absl's string
// functions do not accept std::string_view; these fill that gap.

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace crm {

inline void AppendPiece(std::string& out, std::string_view s) { out.append(s); }
inline void AppendPiece(std::string& out, const char* s) { out.append(s ? s : ""); }
inline void AppendPiece(std::string& out, const std::string& s) { out.append(s); }
inline void AppendPiece(std::string& out, absl::string_view s) { out.append(s.data(), s.size()); }
inline void AppendPiece(std::string& out, char c) { out.push_back(c); }
template <typename T>
  requires std::is_arithmetic_v<T>
void AppendPiece(std::string& out, T v) {
  out += std::to_string(v);
}

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (AppendPiece(out, args), ...);
  return out;
}

inline std::string_view StripWhitespace(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Splits on `sep`; empty pieces are kept unless skip_empty.
inline std::vector<std::string> Split(std::string_view s, char sep, bool skip_empty = false) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    std::string_view piece = s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    if (!skip_empty || !piece.empty()) out.emplace_back(piece);
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

inline std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

// absl::Status::message() as a std::string.
inline std::string ToStdString(absl::string_view m) { return std::string(m.data(), m.size()); }

}  // namespace crm
