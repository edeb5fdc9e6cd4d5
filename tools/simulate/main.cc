// crm-simulate: a seeded generator of an exhibition show series. Writes the raw
// records for crm.raw.{ticketing,scans,imports}.v1 as JSON lines, show.json and
// the ground truth (truth_*.csv, dedup_*, summary.json) to --out-dir, and with --brokers
// also publishes every line to its topic. See docs/SIMULATOR.md.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/kafka/producer.h"
#include "common/util/strings.h"
#include "tools/simulate/civil_time.h"
#include "tools/simulate/generator.h"
#include "tools/simulate/show.h"

namespace {

using crm::simulate::GeneratorOptions;

// absl::string_view (Debian's abseil does not alias std::string_view) to std::string.
std::string Str(absl::string_view s) { return std::string(s.data(), s.size()); }
using crm::simulate::Topic;

constexpr const char* kUsage =
    "usage: crm-simulate --out-dir DIR [--brokers LIST] [--visitors 50000] [--exhibitors 2000]\n"
    "                    [--editions 3] [--seed 7] [--show-id auto-expo] [--invalid-rate 0.0]\n"
    "                    [--start-year 2024]\n";

[[noreturn]] void BadFlags(const std::string& message) {
  std::fprintf(stderr, "crm-simulate: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

bool ParseInt(const std::string& s, long long* out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

bool ParseUint(const std::string& s, unsigned long long* out) {
  if (s.empty() || s[0] == '-') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

bool ParseDouble(const std::string& s, double* out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

struct Flags {
  std::string out_dir;
  std::string brokers;
  GeneratorOptions gen;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  std::map<std::string, std::string> seen;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a.rfind("--", 0) != 0) BadFlags("unexpected argument '" + a + "'");
    std::string key = a.substr(2), value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else {
      if (i + 1 >= argc) BadFlags("--" + key + " needs a value");
      value = argv[++i];
    }
    if (seen.count(key)) BadFlags("--" + key + " given twice");
    seen[key] = value;
  }
  for (const auto& [key, value] : seen) {
    long long n = 0;
    if (key == "out-dir") {
      f.out_dir = value;
    } else if (key == "brokers") {
      f.brokers = value;
    } else if (key == "visitors" || key == "exhibitors" || key == "editions" || key == "start-year") {
      if (!ParseInt(value, &n) || n < INT32_MIN || n > INT32_MAX)
        BadFlags("--" + key + ": '" + value + "' is not an integer");
      int v = static_cast<int>(n);
      if (key == "visitors") f.gen.visitors = v;
      if (key == "exhibitors") f.gen.exhibitors = v;
      if (key == "editions") f.gen.editions = v;
      if (key == "start-year") f.gen.start_year = v;
    } else if (key == "seed") {
      unsigned long long s = 0;
      if (!ParseUint(value, &s)) BadFlags("--seed: '" + value + "' is not an unsigned integer");
      f.gen.seed = s;
    } else if (key == "show-id") {
      f.gen.show_id = value;
    } else if (key == "invalid-rate") {
      if (!ParseDouble(value, &f.gen.invalid_rate)) BadFlags("--invalid-rate: '" + value + "' is not a number");
    } else {
      BadFlags("unknown flag --" + key);
    }
  }
  if (f.out_dir.empty()) BadFlags("--out-dir is required");
  if (std::string err = crm::simulate::ValidateOptions(f.gen); !err.empty()) BadFlags(err);
  return f;
}

// Writes topic lines and truth files under the output directory and, when a
// producer is given, publishes every line to its topic.
class DirectorySink : public crm::simulate::OutputSink {
 public:
  DirectorySink(std::filesystem::path dir, crm::kafka::Producer* producer)
      : dir_(std::move(dir)), producer_(producer) {}
  ~DirectorySink() override { Close(); }

  void Record(Topic topic, std::string_view key, std::string_view value) override {
    FILE* f = Open(std::string(crm::simulate::TopicName(topic)) + ".jsonl");
    if (f) {
      std::fwrite(value.data(), 1, value.size(), f);
      std::fputc('\n', f);
    }
    if (producer_ && publish_error_.empty()) Publish(crm::simulate::TopicName(topic), key, value);
  }

  void File(std::string_view name, std::string_view text) override {
    FILE* f = Open(std::string(name));
    if (f) std::fwrite(text.data(), 1, text.size(), f);
  }

  // Closes every file; false (with `error`) when a write failed.
  bool Close() {
    for (auto& [name, f] : files_) {
      if (!f) continue;
      if (std::ferror(f) || std::fclose(f) != 0) {
        if (error_.empty()) error_ = "writing " + (dir_ / name).string() + " failed";
      }
      f = nullptr;
    }
    return error_.empty();
  }
  const std::string& error() const { return error_; }

  int64_t published() const { return published_; }
  int64_t acked() const { return acked_.load(); }
  int64_t failed() const { return failed_.load(); }
  const std::string& publish_error() const { return publish_error_; }
  std::string first_delivery_error() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_delivery_error_;
  }

 private:
  FILE* Open(const std::string& name) {
    auto it = files_.find(name);
    if (it != files_.end()) return it->second;
    std::string path = (dir_ / name).string();
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) {
      if (error_.empty()) error_ = "cannot open " + path + ": " + std::strerror(errno);
    } else {
      std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
    }
    files_[name] = f;
    return f;
  }

  void Publish(const char* topic, std::string_view key, std::string_view value) {
    for (int attempt = 0;; ++attempt) {
      absl::Status st = producer_->Publish(topic, key, value, [this](const crm::kafka::Delivery& d) {
        if (d.status.ok()) {
          acked_.fetch_add(1);
        } else {
          failed_.fetch_add(1);
          std::lock_guard<std::mutex> lock(mu_);
          if (first_delivery_error_.empty())
            first_delivery_error_ = crm::StrCat(d.topic, ": ", Str(d.status.message()));
        }
      });
      if (st.ok()) {
        ++published_;
        return;
      }
      // Back-pressure: the local queue is full; give the broker time.
      if (absl::IsResourceExhausted(st) && attempt < 12) continue;
      publish_error_ = crm::StrCat("publishing to ", topic, " failed: ", Str(st.message()));
      return;
    }
  }

  std::filesystem::path dir_;
  crm::kafka::Producer* producer_;
  std::map<std::string, FILE*> files_;
  std::string error_;
  int64_t published_ = 0;
  std::atomic<int64_t> acked_{0};
  std::atomic<int64_t> failed_{0};
  std::string publish_error_;
  std::mutex mu_;
  std::string first_delivery_error_;
};

}  // namespace

int main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);
  auto t0 = std::chrono::steady_clock::now();

  std::error_code ec;
  std::filesystem::create_directories(flags.out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "crm-simulate: cannot create %s: %s\n", flags.out_dir.c_str(), ec.message().c_str());
    return 1;
  }

  std::unique_ptr<crm::kafka::Producer> producer;
  if (!flags.brokers.empty()) {
    crm::kafka::ProducerOptions options;
    options.brokers = flags.brokers;
    options.client_id = "crm-simulate";
    auto p = crm::kafka::Producer::Create(options);
    if (!p.ok()) {
      std::fprintf(stderr, "crm-simulate: cannot create the Kafka producer for %s: %s\n", flags.brokers.c_str(),
                   Str(p.status().message()).c_str());
      return 1;
    }
    producer = std::move(*p);
  }

  crm::simulate::Generator gen(flags.gen);
  {
    // The output never depends on the clock, but ingest rejects events more
    // than 5 minutes in the future: say so when the series is not over yet.
    const auto& last = gen.series().editions.back();
    int64_t today =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() /
        86400;
    if (last.rebooking_deadline_day > today)
      std::fprintf(stderr,
                   "crm-simulate: warning: edition %s runs until %s, after today; ingest will reject its later "
                   "events as TIME_IN_FUTURE (choose an earlier --start-year)\n",
                   last.edition_id.c_str(), crm::simulate::FormatDate(last.rebooking_deadline_day).c_str());
  }
  std::string show = crm::simulate::ShowSeriesJson(gen.series());
  if (show.empty()) {
    std::fprintf(stderr, "crm-simulate: cannot serialize show.json\n");
    return 1;
  }
  DirectorySink sink(flags.out_dir, producer.get());
  sink.File("show.json", show + "\n");

  auto progress = [&](const std::string& line) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "%s (%.1f s)\n", line.c_str(), s);
  };
  crm::simulate::GeneratorStats stats;
  try {
    stats = gen.Run(sink, progress);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "crm-simulate: %s\n", ex.what());
    return 1;
  }
  if (!sink.Close()) {
    std::fprintf(stderr, "crm-simulate: %s\n", sink.error().c_str());
    return 1;
  }

  int rc = 0;
  if (producer) {
    if (!sink.publish_error().empty()) {
      std::fprintf(stderr, "crm-simulate: %s\n", sink.publish_error().c_str());
      rc = 1;
    }
    progress(crm::StrCat("crm-simulate: waiting for ", sink.published(), " broker acknowledgements"));
    absl::Status st = producer->Flush(std::chrono::minutes(5));
    if (!st.ok() || sink.failed() > 0 || sink.acked() != sink.published()) {
      std::string why = sink.first_delivery_error();
      std::fprintf(stderr, "crm-simulate: %lld of %lld records were not acknowledged by %s%s%s\n",
                   static_cast<long long>(sink.published() - sink.acked()), static_cast<long long>(sink.published()),
                   flags.brokers.c_str(), why.empty() ? "" : "; first error: ", why.c_str());
      if (!st.ok()) std::fprintf(stderr, "crm-simulate: flush: %s\n", Str(st.message()).c_str());
      rc = 1;
    }
  }

  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "crm-simulate: done in %.1f s -> %s\n", secs, flags.out_dir.c_str());
  for (int t = 0; t < crm::simulate::kTopicCount; ++t) {
    std::fprintf(stderr, "  %-22s %9lld records %9lld events\n", crm::simulate::TopicName(static_cast<Topic>(t)),
                 static_cast<long long>(stats.records[t]), static_cast<long long>(stats.events[t]));
  }
  std::fprintf(stderr,
               "  unique event ids %lld, persons %lld (of %lld generated), invalid records %lld, double taps %lld, "
               "scan batches %lld (%lld uploaded twice)\n",
               static_cast<long long>(stats.unique_event_ids), static_cast<long long>(stats.persons_known),
               static_cast<long long>(stats.persons_generated), static_cast<long long>(stats.invalid),
               static_cast<long long>(stats.double_taps), static_cast<long long>(stats.scan_batches),
               static_cast<long long>(stats.reuploaded_batches));
  if (producer && rc == 0)
    std::fprintf(stderr, "  published %lld records to %s, all acknowledged\n", static_cast<long long>(sink.published()),
                 flags.brokers.c_str());
  return rc;
}
