#include "services/dedup/files/csv.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/normalize/text.h"
#include "common/util/strings.h"

namespace crm::dedup::csv {
namespace {

// Bytes that end a run of plain characters, per state.
using ByteSet = std::array<bool, 256>;

constexpr ByteSet MakeSet(std::string_view chars) {
  ByteSet s{};
  for (char c : chars) s[static_cast<unsigned char>(c)] = true;
  return s;
}

constexpr ByteSet kUnquotedStop = MakeSet(",\"\r\n");
constexpr ByteSet kQuotedStop = MakeSet("\"\r\n");

const char* ScanTo(const char* p, const char* e, const ByteSet& stop) {
  while (p < e && !stop[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

// Most fields are ASCII; only others need the full UTF-8 check.
bool IsAscii(const std::string& s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* e = p + s.size();
  for (; e - p >= 8; p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if (w & 0x8080808080808080ull) return false;
  }
  for (; p < e; ++p) {
    if (*p & 0x80) return false;
  }
  return true;
}

}  // namespace

Reader::Reader(std::istream& in, size_t chunk_size)
    : in_(in), chunk_size_(std::max<size_t>(chunk_size, 1)), buf_(std::max<size_t>(chunk_size_, 3)) {}

bool Reader::Refill() {
  if (pos_ == end_) pos_ = end_ = 0;
  if (eof_) return false;
  size_t want = std::min(chunk_size_, buf_.size() - end_);
  in_.read(buf_.data() + end_, static_cast<std::streamsize>(want));
  size_t got = static_cast<size_t>(in_.gcount());
  if (got < want) {
    eof_ = true;
    if (in_.bad()) {
      status_ = absl::DataLossError(StrCat("csv: read error after ", bytes_read_ + static_cast<int64_t>(got),
                                           " bytes (line ", line_, ")"));
      return false;
    }
  }
  end_ += got;
  bytes_read_ += static_cast<int64_t>(got);
  return got > 0;
}

absl::Status Reader::Error(std::string_view what) const {
  return absl::InvalidArgumentError(StrCat("csv: record ", records_ + 1, ", line ", line_, ": ", what));
}

std::string* Reader::NewField(std::vector<std::string>* row) {
  if (nfields_ < row->size()) {
    field_ = &(*row)[nfields_];
    field_->clear();
  } else {
    field_ = &row->emplace_back();
  }
  if (nfields_ == 0) record_line_ = line_;
  ++nfields_;
  return field_;
}

bool Reader::EndField() {
  if (!IsAscii(*field_) && !normalize::IsValidUtf8(*field_)) {
    status_ = Error(StrCat("invalid UTF-8 in field ", nfields_));
    return false;
  }
  field_ = nullptr;
  return true;
}

absl::StatusOr<bool> Reader::Next(std::vector<std::string>* row) {
  if (!status_.ok()) return status_;
  if (!started_) {
    started_ = true;
    while (end_ < 3 && Refill()) {
    }
    if (!status_.ok()) return status_;
    if (end_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  }

  state_ = State::kFieldStart;
  nfields_ = 0;
  field_ = nullptr;
  auto finish = [&]() {
    row->resize(nfields_);
    ++records_;
    return true;
  };

  while (true) {
    if (pos_ == end_ && !Refill()) {
      if (!status_.ok()) return status_;
      switch (state_) {
        case State::kQuoted:
          status_ = Error(StrCat("unterminated quoted field opened on line ", quote_line_));
          return status_;
        case State::kFieldStart:
          if (nfields_ == 0) return false;
          NewField(row);  // after a trailing comma
          break;
        case State::kUnquoted:
        case State::kQuoteInQuoted:
          break;
      }
      if (!EndField()) return status_;
      return finish();
    }

    const char* base = buf_.data();
    const char* p = base + pos_;
    const char* e = base + end_;
    switch (state_) {
      case State::kFieldStart: {
        char c = *p;
        if (nfields_ == 0 && (c == '\r' || c == '\n')) {
          // Blank line, or the LF of a CRLF that ended the previous record.
          if (c == '\r' || !prev_cr_) ++line_;
          prev_cr_ = c == '\r';
          ++pos_;
          continue;
        }
        NewField(row);
        if (c == '"') {
          state_ = State::kQuoted;
          quote_line_ = line_;
          prev_cr_ = false;
          ++pos_;
        } else if (c == ',') {
          if (!EndField()) return status_;
          ++pos_;
        } else if (c == '\r' || c == '\n') {
          // Empty last field after a trailing comma.
          if (!EndField()) return status_;
          ++line_;
          prev_cr_ = c == '\r';
          ++pos_;
          return finish();
        } else {
          state_ = State::kUnquoted;
        }
        break;
      }
      case State::kUnquoted: {
        const char* q = ScanTo(p, e, kUnquotedStop);
        field_->append(p, static_cast<size_t>(q - p));
        pos_ = static_cast<size_t>(q - base);
        if (q == e) break;
        char c = *q;
        ++pos_;
        if (c == '"') {
          status_ = Error(StrCat("quote character inside unquoted field ", nfields_));
          return status_;
        }
        bool record_ends = false;
        if (!CloseField(c, &record_ends)) return status_;
        if (!record_ends) break;
        return finish();
      }
      case State::kQuoted: {
        const char* q = ScanTo(p, e, kQuotedStop);
        if (q != p) {
          field_->append(p, static_cast<size_t>(q - p));
          prev_cr_ = false;
        }
        pos_ = static_cast<size_t>(q - base);
        if (q == e) break;
        char c = *q;
        ++pos_;
        if (c == '"') {
          state_ = State::kQuoteInQuoted;
        } else {
          field_->push_back(c);
          if (c == '\r' || !prev_cr_) ++line_;
          prev_cr_ = c == '\r';
        }
        break;
      }
      case State::kQuoteInQuoted: {
        char c = *p;
        ++pos_;
        if (c == '"') {  // "" escape
          field_->push_back('"');
          prev_cr_ = false;
          state_ = State::kQuoted;
          break;
        }
        if (c != ',' && c != '\r' && c != '\n') {
          status_ = Error(StrCat("unexpected character after closing quote of field ", nfields_));
          return status_;
        }
        bool record_ends = false;
        if (!CloseField(c, &record_ends)) return status_;
        if (!record_ends) break;
        return finish();
      }
    }
  }
}

bool Reader::CloseField(char delimiter, bool* record_ends) {
  if (!EndField()) return false;
  state_ = State::kFieldStart;
  *record_ends = delimiter != ',';
  if (*record_ends) {
    ++line_;
    prev_cr_ = delimiter == '\r';
  }
  return true;
}

void Writer::WriteField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    line_.append(field);
    return;
  }
  line_.push_back('"');
  for (char c : field) {
    if (c == '"') line_.push_back('"');
    line_.push_back(c);
  }
  line_.push_back('"');
}

template <typename Row>
void Writer::WriteRow(const Row& row) {
  line_.clear();
  // A lone empty field would be a blank line, which readers skip.
  if (row.size() == 1 && row[0].empty()) {
    line_ = "\"\"";
  } else {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) line_.push_back(',');
      WriteField(row[i]);
    }
  }
  line_.push_back('\n');
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
}

void Writer::Write(const std::vector<std::string>& row) { WriteRow(row); }
void Writer::Write(const std::vector<std::string_view>& row) { WriteRow(row); }

}  // namespace crm::dedup::csv
