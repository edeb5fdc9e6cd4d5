#pragma once

// Prepared records, comparison vectors and the Fellegi-Sunter model.
//
// A Layout says which comparison fields a data set has: names (full, given
// and family columns together), company, email/phone/identifier (all values
// of the kind compared best-against-best), and one field per column for the
// other kinds. Prepare() normalizes a RawRecord once; Compare() fills one
// level per field; Model turns levels into a log2 Bayes factor with m and u
// probabilities estimated by EM from the data itself (or set in config).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/dedup/engine/comparators.h"
#include "services/dedup/engine/record.h"

namespace crm::dedup {

struct CompField {
  FieldKind kind;
  int occurrence = 0;  // which column of this kind (per-column kinds only)
  int levels = 0;      // including level 0 = missing
  bool term_frequency = false;  // exact agreement weighted by how common the value is
  std::string label;   // "name", "email", "city", "category#2", ...
};

class Layout {
 public:
  // `columns`: the kind of every column a RawRecord fills, in order.
  explicit Layout(std::vector<FieldKind> columns);
  const std::vector<CompField>& fields() const { return fields_; }
  int FieldOf(FieldKind kind, int occurrence = 0) const;  // -1 when absent
  const std::vector<FieldKind>& columns() const { return columns_; }

 private:
  std::vector<FieldKind> columns_;
  std::vector<CompField> fields_;
};

// The layout streaming uses for an event's identity (crm.v1.Identity).
const Layout& IdentityLayout();

struct Prepared {
  NameValue name;
  CompanyValue company;
  std::vector<std::string> emails;  // EmailKey form
  std::vector<std::string> phones;  // E.164, or the digits when unparseable
  std::vector<std::string> ids;     // identifiers as written (trimmed)
  std::vector<std::string> single;  // per field: the normalized value of single-valued fields
  std::vector<float> tf;            // per field: frequency of this record's value (0 = unknown)
  bool Empty() const;
};

// `region` is the default phone region for numbers without a country code.
Prepared Prepare(const Layout& layout, const RawRecord& record, std::string_view region);

// One level per field of the layout into `levels` (size = fields().size()).
void Compare(const Layout& layout, const Prepared& a, const Prepared& b, uint8_t* levels);

// Keys that identify a person on their own: emails that are not generic
// mailboxes, phones, identifiers. Tagged by type so values never collide.
struct DeterministicKey {
  char type;  // 'e' email, 'p' phone, 'i' identifier
  std::string value;
};
std::vector<DeterministicKey> DeterministicKeys(const Prepared& p);

// Blocking keys: records sharing one are compared. Hashes, tagged by rule.
std::vector<uint64_t> BlockingKeys(const Layout& layout, const Prepared& p);

class Model {
 public:
  Model() = default;
  explicit Model(const Layout& layout);

  // log2 Bayes factor of a comparison vector; `a` supplies term frequencies
  // for exact agreements on term-frequency fields.
  double Score(const uint8_t* levels, const Prepared& a) const;
  // Posterior match probability of a score under the prior.
  double Probability(double score) const;

  // EM over comparison vectors of candidate pairs (m and prior), with u
  // taken from vectors of random pairs (almost all non-matches). EM starts
  // from m measured on `anchor_levels`: pairs joined by a deterministic key,
  // each field's m taken only from pairs whose key is of another kind
  // (`anchor_kinds[i]`: 'e', 'p' or 'i'), so no field grades itself. Fields
  // with enough anchor evidence keep that m (candidate pairs agree on their
  // blocking fields by construction, which EM would mistake for matching).
  // Fields without that evidence take m from pseudo-anchors when `records`
  // (the size of the population the pairs come from) is given: candidate
  // pairs whose other fields alone make them a sure match. EM estimates the
  // rest and the prior.
  void Estimate(const std::vector<uint8_t>& candidate_levels, const std::vector<uint8_t>& random_levels,
                const std::vector<uint8_t>& anchor_levels = {}, const std::vector<char>& anchor_kinds = {},
                size_t records = 0, int iterations = 25);

  std::vector<std::vector<double>>& m() { return m_; }
  std::vector<std::vector<double>>& u() { return u_; }
  const std::vector<std::vector<double>>& m() const { return m_; }
  const std::vector<std::vector<double>>& u() const { return u_; }
  double prior() const { return prior_; }
  void set_prior(double p) { prior_ = p; }
  const std::vector<CompField>& fields() const { return fields_; }

  // YAML: {prior: p, fields: {name: {m: [...], u: [...]}, ...}} (level 0 omitted).
  std::string ToYaml() const;
  // Overrides the fields named in the YAML text; others keep their values.
  absl::Status ApplyYaml(const std::string& yaml_text);

 private:
  void RefreshWeights();
  std::vector<CompField> fields_;
  std::vector<std::vector<double>> m_, u_, w_;
  double prior_ = 1e-4;
};

}  // namespace crm::dedup
