// `crm-dedup batch` and `crm-dedup eval`: the identity engine over a CSV file.

#include "services/dedup/cli.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "common/util/strings.h"
#include "services/dedup/files/csv.h"
#include "services/dedup/files/eval.h"
#include "services/dedup/files/progress.h"
#include "services/dedup/files/schema.h"
#include "services/dedup/engine/record_set.h"

namespace crm::dedup {
namespace {

// --name value flags; a flag without a value or an unknown flag is an error.
struct Flags {
  std::map<std::string, std::string> values;
  std::string error;
};

Flags ParseFlagList(int argc, char** argv, const std::vector<std::string>& known) {
  Flags f;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      f.error = StrCat("unexpected argument '", a, "'");
      return f;
    }
    std::string name = a.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (name == "quiet" || name == "help") {
      value = "1";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      f.error = StrCat("--", name, " needs a value");
      return f;
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      f.error = StrCat("unknown flag --", name);
      return f;
    }
    f.values[name] = value;
  }
  return f;
}

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "crm-dedup: %s\n", message.c_str());
  return code;
}

bool ParseDouble(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end && *end == '\0' && !s.empty();
}

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* kBatchUsage =
    "usage: crm-dedup batch --input FILE.csv --schema SCHEMA.yaml --output clusters.csv\n"
    "                       [--review review.csv] [--model model.yaml] [--model-out model.yaml]\n"
    "                       [--upper 0.9999] [--lower 0.90] [--max-block 400] [--region CN] [--threads 2] [--quiet]\n"
    "Clusters the records of a person CSV (RFC 4180, header row, UTF-8). The schema names the id\n"
    "column and maps columns to field kinds; other columns are ignored. Writes record_id,cluster_id\n"
    "(cluster_id = the id of the cluster's first record). m/u probabilities are estimated from the\n"
    "file itself; --model overrides them, --model-out writes what was used.\n";

const char* kEvalUsage =
    "usage: crm-dedup eval --clusters clusters.csv --truth truth.csv\n"
    "Pairwise precision, recall, F1 and B-cubed of record_id,cluster_id against record_id,entity_id.\n";

}  // namespace

int RunBatch(int argc, char** argv) {
  Flags f = ParseFlagList(argc, argv, {"input", "schema", "output", "review", "model", "model-out", "upper", "lower",
                                       "max-block", "region", "threads", "quiet", "help"});
  if (f.values.count("help")) {
    std::fputs(kBatchUsage, stdout);
    return 0;
  }
  if (!f.error.empty()) return Fail(StrCat(f.error, "\n", kBatchUsage), 2);
  for (const char* required : {"input", "schema", "output"}) {
    if (!f.values.count(required)) return Fail(StrCat("--", required, " is required\n", kBatchUsage), 2);
  }
  RecordSetOptions opt;
  const bool quiet = f.values.count("quiet") > 0;
  if (f.values.count("upper") && !ParseDouble(f.values["upper"], &opt.upper)) return Fail("--upper: not a number", 2);
  if (f.values.count("lower") && !ParseDouble(f.values["lower"], &opt.lower)) return Fail("--lower: not a number", 2);
  if (!(opt.lower > 0 && opt.lower <= opt.upper && opt.upper < 1)) {
    return Fail("thresholds must satisfy 0 < --lower <= --upper < 1", 2);
  }
  if (f.values.count("max-block")) opt.max_block = std::strtoul(f.values["max-block"].c_str(), nullptr, 10);
  if (opt.max_block < 2) return Fail("--max-block must be at least 2", 2);
  if (f.values.count("threads")) opt.threads = std::atoi(f.values["threads"].c_str());
  if (opt.threads < 1 || opt.threads > 64) return Fail("--threads must be 1..64", 2);
  if (f.values.count("region")) opt.region = f.values["region"];

  auto schema = LoadSchema(f.values["schema"]);
  if (!schema.ok()) return Fail(std::string(schema.status().message()));
  std::vector<FieldKind> kinds;
  for (const auto& [column, kind] : schema->fields) kinds.push_back(kind);
  Layout layout(kinds);
  if (f.values.count("model")) {
    bool ok;
    opt.model_yaml = ReadFile(f.values["model"], &ok);
    if (!ok) return Fail(StrCat("cannot read ", f.values["model"]));
    Model probe(layout);
    if (auto s = probe.ApplyYaml(opt.model_yaml); !s.ok()) return Fail(std::string(s.message()));
  }

  // Read the records.
  std::ifstream in(f.values["input"], std::ios::binary);
  if (!in) return Fail(StrCat("cannot open ", f.values["input"]));
  in.seekg(0, std::ios::end);
  int64_t file_size = in.tellg();
  in.seekg(0);
  csv::Reader reader(in);
  std::vector<std::string> row;
  auto first = reader.Next(&row);
  if (!first.ok()) return Fail(StrCat(f.values["input"], ": ", first.status().message()));
  if (!*first) return Fail(StrCat(f.values["input"], ": empty file (a header row is required)"));
  auto bound = Bind(*schema, row);
  if (!bound.ok()) return Fail(StrCat(f.values["input"], ": ", bound.status().message()));
  std::vector<RawRecord> records;
  std::unordered_map<std::string, int64_t> seen_ids;
  {
    std::unique_ptr<Progress> bar;
    if (!quiet) bar = std::make_unique<Progress>("read", file_size);
    while (true) {
      auto more = reader.Next(&row);
      if (!more.ok()) return Fail(StrCat(f.values["input"], ": ", more.status().message()));
      if (!*more) break;
      if (row.size() == 1 && row[0].empty()) continue;  // blank line
      if (static_cast<int>(row.size()) <= bound->id_index) {
        return Fail(StrCat(f.values["input"], ": line ", reader.record_line(), ": ", row.size(),
                           " columns, the id column is number ", bound->id_index + 1));
      }
      RawRecord r;
      r.id = row[bound->id_index];
      if (r.id.empty()) return Fail(StrCat(f.values["input"], ": line ", reader.record_line(), ": empty id"));
      auto [it, fresh] = seen_ids.emplace(r.id, reader.record_line());
      if (!fresh) {
        return Fail(StrCat(f.values["input"], ": line ", reader.record_line(), ": id '", r.id,
                           "' already used on line ", it->second));
      }
      for (const auto& [index, kind] : bound->columns) {
        r.fields.emplace_back(kind, index < static_cast<int>(row.size()) ? std::move(row[index]) : std::string());
      }
      records.push_back(std::move(r));
      if (bar && (records.size() & 1023) == 0) bar->Update(reader.bytes_read());
    }
    if (bar) bar->Update(file_size), bar->Finish();
  }

  std::map<std::string, std::unique_ptr<Progress>> bars;
  if (!quiet) {
    opt.progress = [&](std::string_view phase, int64_t done, int64_t total) {
      auto& bar = bars[std::string(phase)];
      if (!bar) bar = std::make_unique<Progress>(std::string(phase), total);
      bar->Update(done);
      if (done >= total) bar->Finish();
    };
  }
  RecordSetResult result = ResolveRecordSet(layout, records, opt);
  bars.clear();

  // Write the clusters (and the review queue) atomically.
  const std::string out_path = f.values["output"];
  {
    std::ofstream out(out_path + ".tmp", std::ios::binary);
    if (!out) return Fail(StrCat("cannot write ", out_path));
    csv::Writer w(out);
    w.Write(std::vector<std::string_view>{"record_id", "cluster_id"});
    for (size_t i = 0; i < records.size(); ++i) {
      w.Write(std::vector<std::string_view>{records[i].id, records[result.cluster[i]].id});
    }
    out.close();
    if (!out || std::rename((out_path + ".tmp").c_str(), out_path.c_str()) != 0) {
      return Fail(StrCat("cannot write ", out_path));
    }
  }
  if (f.values.count("review")) {
    std::ofstream out(f.values["review"], std::ios::binary);
    csv::Writer w(out);
    w.Write(std::vector<std::string_view>{"record_a", "record_b", "probability"});
    for (const auto& r : result.review) {
      w.Write(std::vector<std::string>{records[r.a].id, records[r.b].id, std::to_string(r.probability)});
    }
    if (!out) return Fail(StrCat("cannot write ", f.values["review"]));
  }
  if (f.values.count("model-out")) {
    std::ofstream out(f.values["model-out"]);
    out << result.model.ToYaml() << "\n";
    if (!out) return Fail(StrCat("cannot write ", f.values["model-out"]));
  }

  const auto& s = result.stats;
  std::fprintf(stderr,
               "crm-dedup batch: %lld records, %lld distinct profiles -> %lld clusters\n"
               "  deterministic keys %lld (shared, not used: %lld), joins %lld\n"
               "  blocks %lld, oversized and skipped %lld, candidate pairs %lld, comparisons %lld\n"
               "  automatic merges %lld, review queue %lld pairs, prior %.4f\n"
               "  time: prepare %.1fs keys %.1fs blocking %.1fs estimate %.1fs scoring %.1fs total %.1fs "
               "(%.2fM comparisons/s)\n",
               (long long)s.records, (long long)s.profiles, (long long)s.clusters, (long long)s.deterministic_keys,
               (long long)s.shared_keys, (long long)s.deterministic_joins, (long long)s.blocks,
               (long long)s.oversized_blocks, (long long)s.candidate_pairs, (long long)s.comparisons,
               (long long)s.auto_merges, (long long)s.review_pairs, result.model.prior(), s.prepare_s, s.keys_s,
               s.blocking_s, s.estimate_s, s.scoring_s, s.total_s,
               s.scoring_s > 0 ? s.candidate_pairs / s.scoring_s / 1e6 : 0.0);
  for (const auto& o : result.oversized) {
    std::fprintf(stderr, "  oversized block: %zu profiles (e.g. record %s)\n", o.size, o.example.c_str());
  }
  return 0;
}

int RunEval(int argc, char** argv) {
  Flags f = ParseFlagList(argc, argv, {"clusters", "truth", "help"});
  if (f.values.count("help")) {
    std::fputs(kEvalUsage, stdout);
    return 0;
  }
  if (!f.error.empty()) return Fail(StrCat(f.error, "\n", kEvalUsage), 2);
  for (const char* required : {"clusters", "truth"}) {
    if (!f.values.count(required)) return Fail(StrCat("--", required, " is required\n", kEvalUsage), 2);
  }
  auto clusters = ReadTwoColumnCsv(f.values["clusters"], "record_id", "cluster_id");
  if (!clusters.ok()) return Fail(StrCat(f.values["clusters"], ": ", clusters.status().message()));
  auto truth = ReadTwoColumnCsv(f.values["truth"], "record_id", "entity_id");
  if (!truth.ok()) return Fail(StrCat(f.values["truth"], ": ", truth.status().message()));
  EvalResult r = Evaluate(*clusters, *truth);
  std::printf(
      "records            %lld\n"
      "true pairs         %lld\n"
      "predicted pairs    %lld\n"
      "correct pairs      %lld\n"
      "pairwise precision %.6f\n"
      "pairwise recall    %.6f\n"
      "pairwise F1        %.6f\n"
      "B-cubed precision  %.6f\n"
      "B-cubed recall     %.6f\n"
      "B-cubed F1         %.6f\n",
      (long long)r.records, (long long)r.true_pairs, (long long)r.predicted_pairs, (long long)r.correct_pairs,
      r.precision, r.recall, r.f1, r.bcubed_precision, r.bcubed_recall, r.bcubed_f1);
  if (r.missing_in_clusters || r.missing_in_truth) {
    std::printf("not scored: %lld truth records missing from clusters, %lld clustered records missing from truth\n",
                (long long)r.missing_in_clusters, (long long)r.missing_in_truth);
  }
  return 0;
}

}  // namespace crm::dedup
