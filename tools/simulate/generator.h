#pragma once

// The show-series simulator: turns a Population into the raw JSON records the
// ingest service reads (docs/RAW_EVENTS.md) plus the ground truth needed to
// evaluate deduplication and lifecycle staging. No Kafka here: output goes to
// an OutputSink (files in crm-simulate, memory in tests).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "tools/simulate/population.h"

namespace crm::simulate {

enum class Topic : uint8_t { kTicketing = 0, kScans = 1, kImports = 2 };
inline constexpr int kTopicCount = 3;
// "crm.raw.ticketing.v1", "crm.raw.scans.v1", "crm.raw.imports.v1".
const char* TopicName(Topic t);

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // One Kafka record value (one line of the topic's .jsonl file, without the
  // newline), in file order. `key` is the Kafka record key.
  virtual void Record(Topic topic, std::string_view key, std::string_view value) = 0;
  // Appends `text` to the named file of the output directory (truth CSVs,
  // summary.json). Called several times per file, in order.
  virtual void File(std::string_view name, std::string_view text) = 0;
};

struct GeneratorOptions {
  std::string show_id = "auto-expo";
  int visitors = 50000;
  int exhibitors = 2000;
  int editions = 3;
  uint64_t seed = 7;
  double invalid_rate = 0.0;
  int start_year = 2024;
};

struct GeneratorStats {
  int64_t records[kTopicCount] = {0, 0, 0};  // lines per topic
  int64_t events[kTopicCount] = {0, 0, 0};   // event objects per topic (array elements counted)
  int64_t unique_event_ids = 0;
  int64_t persons_generated = 0;
  int64_t persons_known = 0;  // rows of truth_persons.csv
  int64_t invalid = 0;        // rows of truth_rejects.csv
  int64_t double_taps = 0;
  int64_t scan_batches = 0;
  int64_t reuploaded_batches = 0;
  std::map<std::string, int64_t> events_by_kind;
  std::map<std::string, int64_t> invalid_by_reason;
};

// Checks flag values; returns an error message or "" when fine.
std::string ValidateOptions(const GeneratorOptions& options);

class Generator {
 public:
  explicit Generator(GeneratorOptions options);

  const GeneratorOptions& options() const { return options_; }
  const SeriesPlan& series() const { return series_; }

  // Simulates the whole series and writes every record and truth file to
  // `sink`. `progress` (optional) receives one human-readable line per phase.
  GeneratorStats Run(OutputSink& sink, const std::function<void(const std::string&)>& progress = {});

 private:
  GeneratorOptions options_;
  SeriesPlan series_;
};

// The id ingest derives for an event (docs/RAW_EVENTS.md "Event ids").
std::string DerivedEventId(std::string_view system, std::string_view device_id, int64_t device_seq,
                           std::string_view event_id);

// RFC 4180 field quoting (only when needed).
std::string CsvField(std::string_view s);

}  // namespace crm::simulate
