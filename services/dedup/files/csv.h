#pragma once

// RFC 4180 CSV for batch dedup: a streaming reader that never holds more than
// one chunk and one record in memory (inputs are multi-GB), and a writer that
// quotes only when it must.

#include <cstddef>
#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crm::dedup::csv {

// Reads records one at a time. Accepts quoted fields with "" escapes and
// embedded commas, CR and LF; CRLF, LF or a lone CR as record ends; a UTF-8
// BOM at the very start; a last record without a line end. Lines with no
// characters at all are skipped (a trailing blank line is not a record).
// Errors are INVALID_ARGUMENT naming the 1-based record and physical line;
// after an error the reader stays failed.
class Reader {
 public:
  static constexpr size_t kDefaultChunkSize = size_t{1} << 20;

  // `chunk_size` is the read size from `in`; tests use tiny ones to exercise
  // records split across reads.
  explicit Reader(std::istream& in, size_t chunk_size = kDefaultChunkSize);

  // Fills `row` with the next record's fields and returns true, or returns
  // false at end of input. Reuses the strings already in `row`.
  absl::StatusOr<bool> Next(std::vector<std::string>* row);

  // Bytes consumed from the stream so far (including the BOM), for progress.
  int64_t bytes_read() const { return bytes_read_; }
  // Records returned so far.
  int64_t records() const { return records_; }
  // Physical line the reader is on (1-based).
  int64_t line() const { return line_; }
  // Physical line where the record last returned by Next began.
  int64_t record_line() const { return record_line_; }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };

  // Reads the next chunk; false at end of input or on a stream error (status_ set).
  bool Refill();
  // Finishes the current field (UTF-8 check) and starts the next one.
  bool EndField();
  // EndField, then past the delimiter (',' or a line end); `record_ends`
  // for a line end.
  bool CloseField(char delimiter, bool* record_ends);
  std::string* NewField(std::vector<std::string>* row);
  absl::Status Error(std::string_view what) const;

  std::istream& in_;
  size_t chunk_size_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool started_ = false;
  bool prev_cr_ = false;  // the last byte consumed was a CR (so an LF after it is not a new line)
  int64_t bytes_read_ = 0;
  int64_t records_ = 0;
  int64_t line_ = 1;
  int64_t record_line_ = 0;
  int64_t quote_line_ = 0;  // line where the open quoted field began
  absl::Status status_;

  // Per-record parse state; survives refills.
  State state_ = State::kFieldStart;
  size_t nfields_ = 0;
  std::string* field_ = nullptr;
};

// Writes records; a field is quoted only when it holds a comma, quote, CR or LF.
// Lines end with LF.
class Writer {
 public:
  explicit Writer(std::ostream& out) : out_(out) {}

  void Write(const std::vector<std::string>& row);
  void Write(const std::vector<std::string_view>& row);
  // True while the underlying stream is good.
  bool ok() const { return out_.good(); }

 private:
  void WriteField(std::string_view field);
  template <typename Row>
  void WriteRow(const Row& row);

  std::ostream& out_;
  std::string line_;
};

}  // namespace crm::dedup::csv
