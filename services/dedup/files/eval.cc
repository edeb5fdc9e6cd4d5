#include "services/dedup/files/eval.h"

#include <fstream>
#include <vector>

#include "common/util/strings.h"
#include "services/dedup/files/csv.h"

namespace crm::dedup {
namespace {

int64_t Pairs(int64_t n) { return n * (n - 1) / 2; }

double F1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

// Dense ids for strings, so the contingency table is keyed by two ints.
class Interner {
 public:
  uint32_t Id(const std::string& s) {
    auto [it, inserted] = ids_.emplace(s, static_cast<uint32_t>(sizes_.size()));
    if (inserted) sizes_.push_back(0);
    return it->second;
  }
  std::vector<int64_t>& sizes() { return sizes_; }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<int64_t> sizes_;
};

}  // namespace

EvalResult Evaluate(const std::unordered_map<std::string, std::string>& clusters,
                    const std::unordered_map<std::string, std::string>& truth) {
  EvalResult r;
  Interner cluster_ids, entity_ids;
  std::unordered_map<uint64_t, int64_t> joint;  // (cluster << 32 | entity) -> records
  for (const auto& [record, cluster] : clusters) {
    auto t = truth.find(record);
    if (t == truth.end()) {
      ++r.missing_in_truth;
      continue;
    }
    uint32_t c = cluster_ids.Id(cluster);
    uint32_t e = entity_ids.Id(t->second);
    ++cluster_ids.sizes()[c];
    ++entity_ids.sizes()[e];
    ++joint[(uint64_t{c} << 32) | e];
    ++r.records;
  }
  r.missing_in_clusters = static_cast<int64_t>(truth.size()) - r.records;
  if (r.records == 0) return r;

  for (int64_t n : cluster_ids.sizes()) r.predicted_pairs += Pairs(n);
  for (int64_t n : entity_ids.sizes()) r.true_pairs += Pairs(n);
  // Every record in cell (c, e) has B-cubed precision n_ce/|c| and recall
  // n_ce/|e|, so each cell contributes n_ce^2/|c| and n_ce^2/|e|.
  double bp = 0, br = 0;
  for (const auto& [key, n] : joint) {
    r.correct_pairs += Pairs(n);
    double sq = static_cast<double>(n) * static_cast<double>(n);
    bp += sq / static_cast<double>(cluster_ids.sizes()[key >> 32]);
    br += sq / static_cast<double>(entity_ids.sizes()[key & 0xffffffffu]);
  }
  r.precision = r.predicted_pairs ? static_cast<double>(r.correct_pairs) / static_cast<double>(r.predicted_pairs) : 1.0;
  r.recall = r.true_pairs ? static_cast<double>(r.correct_pairs) / static_cast<double>(r.true_pairs) : 1.0;
  r.f1 = F1(r.precision, r.recall);
  r.bcubed_precision = bp / static_cast<double>(r.records);
  r.bcubed_recall = br / static_cast<double>(r.records);
  r.bcubed_f1 = F1(r.bcubed_precision, r.bcubed_recall);
  return r;
}

absl::StatusOr<std::unordered_map<std::string, std::string>> ReadTwoColumnCsv(const std::string& path,
                                                                               std::string_view first_header,
                                                                               std::string_view second_header) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat(path, ": cannot be opened"));
  csv::Reader reader(in);
  std::vector<std::string> row;
  auto err = [&](std::string_view what) {
    return absl::InvalidArgumentError(StrCat(path, ":", reader.record_line(), ": ", what));
  };
  std::string want_header = StrCat(first_header, ",", second_header);

  auto more = reader.Next(&row);
  if (!more.ok()) return absl::InvalidArgumentError(StrCat(path, ": ", ToStdString(more.status().message())));
  if (!*more) return absl::InvalidArgumentError(StrCat(path, ": empty file, expected header ", want_header));
  if (row.size() != 2 || StripWhitespace(row[0]) != first_header || StripWhitespace(row[1]) != second_header) {
    return err(StrCat("header is '", Join(row, ","), "', expected '", want_header, "'"));
  }

  std::unordered_map<std::string, std::string> out;
  while (true) {
    more = reader.Next(&row);
    if (!more.ok()) return absl::InvalidArgumentError(StrCat(path, ": ", ToStdString(more.status().message())));
    if (!*more) break;
    if (row.size() != 2) return err(StrCat("expected 2 columns (", want_header, "), got ", row.size()));
    if (row[0].empty() || row[1].empty()) return err(StrCat("empty ", row[0].empty() ? first_header : second_header));
    auto [it, inserted] = out.try_emplace(row[0], row[1]);
    if (!inserted) return err(StrCat(first_header, " '", row[0], "' appears twice"));
  }
  return out;
}

}  // namespace crm::dedup
