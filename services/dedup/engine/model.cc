#include "services/dedup/engine/model.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "common/normalize/contact.h"
#include "common/normalize/text.h"
#include "common/util/strings.h"

namespace crm::dedup {
namespace {

bool IsNamePart(FieldKind k) {
  return k == FieldKind::kName || k == FieldKind::kGivenName || k == FieldKind::kFamilyName;
}
// Kinds whose values are pooled and compared best against best.
bool IsPooled(FieldKind k) {
  return k == FieldKind::kEmail || k == FieldKind::kPhone || k == FieldKind::kIdentifier || k == FieldKind::kCompany;
}

int LevelsOf(FieldKind k) {
  switch (k) {
    case FieldKind::kName:
      return kNameLevels;
    case FieldKind::kCompany:
      return kCompanyLevels;
    case FieldKind::kCity:
    case FieldKind::kStreetNumber:
    case FieldKind::kState:
    case FieldKind::kCategory:
      return 3;
    default:
      return 4;
  }
}

uint64_t Hash(std::string_view s) { return std::hash<std::string_view>{}(s); }
uint64_t Mix(uint64_t tag, uint64_t h) { return (h ^ (tag * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull; }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string CityKey(std::string_view raw) {
  std::string s = normalize::ToSimplified(normalize::CleanText(raw));
  for (std::string_view suffix : {"市", "省"}) {
    if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) {
      s.resize(s.size() - suffix.size());
    }
  }
  std::string out;
  for (const auto& t : Split(normalize::NameKey(s), ' ', true)) {
    if (t != "city" && t != "shi") out += t;
  }
  return out;
}

std::string NormalizeSingle(FieldKind k, std::string_view raw) {
  switch (k) {
    case FieldKind::kCity:
      return CityKey(raw);
    case FieldKind::kPostcode: {
      std::string s;
      for (char c : normalize::CleanText(raw)) {
        if (c != ' ' && c != '-') s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      return s;
    }
    case FieldKind::kAddress:
    case FieldKind::kText:
    case FieldKind::kState:
      return normalize::NameKey(raw);
    case FieldKind::kDate:
      return NormalizeDate(raw);
    default:
      return Lower(normalize::CleanText(raw));
  }
}

}  // namespace

Layout::Layout(std::vector<FieldKind> columns) : columns_(std::move(columns)) {
  std::vector<int> seen(AllKinds().size(), 0);
  for (FieldKind k : columns_) {
    FieldKind as = IsNamePart(k) ? FieldKind::kName : k;
    int& n = seen[static_cast<int>(as)];
    if ((IsNamePart(k) || IsPooled(k)) && n > 0) continue;
    CompField f;
    f.kind = as;
    f.occurrence = n++;
    f.levels = LevelsOf(as);
    f.term_frequency = as == FieldKind::kName || as == FieldKind::kCompany || as == FieldKind::kCity ||
                       as == FieldKind::kPostcode || as == FieldKind::kState || as == FieldKind::kCategory ||
                       as == FieldKind::kDate;
    f.label = std::string(KindName(as));
    if (f.occurrence > 0) f.label = StrCat(f.label, "#", f.occurrence + 1);
    fields_.push_back(std::move(f));
  }
}

int Layout::FieldOf(FieldKind kind, int occurrence) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].kind == kind && fields_[i].occurrence == occurrence) return static_cast<int>(i);
  }
  return -1;
}

const Layout& IdentityLayout() {
  static const Layout layout({FieldKind::kName, FieldKind::kGivenName, FieldKind::kFamilyName, FieldKind::kCompany,
                              FieldKind::kEmail, FieldKind::kPhone, FieldKind::kCity, FieldKind::kCategory,
                              FieldKind::kIdentifier});
  return layout;
}

bool Prepared::Empty() const {
  if (!name.empty() || !company.empty() || !emails.empty() || !phones.empty() || !ids.empty()) return false;
  for (const auto& s : single) {
    if (!s.empty()) return false;
  }
  return true;
}

Prepared Prepare(const Layout& layout, const RawRecord& record, std::string_view region) {
  Prepared p;
  p.single.resize(layout.fields().size());
  p.tf.assign(layout.fields().size(), 0.0f);
  std::string_view full, given, family;
  std::vector<int> seen(AllKinds().size(), 0);
  for (const auto& [kind, raw] : record.fields) {
    int occurrence = seen[static_cast<int>(kind)]++;
    std::string_view value = raw;
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.empty()) continue;
    switch (kind) {
      case FieldKind::kName:
        if (full.empty()) full = value;
        break;
      case FieldKind::kGivenName:
        if (given.empty()) given = value;
        break;
      case FieldKind::kFamilyName:
        if (family.empty()) family = value;
        break;
      case FieldKind::kCompany:
        if (p.company.empty()) p.company = PrepareCompany(value);
        break;
      case FieldKind::kEmail: {
        auto e = normalize::NormalizeEmail(value);
        std::string key = e.ok() ? normalize::EmailKey(*e) : Lower(normalize::CleanText(value));
        if (std::find(p.emails.begin(), p.emails.end(), key) == p.emails.end()) p.emails.push_back(std::move(key));
        break;
      }
      case FieldKind::kPhone: {
        auto e = normalize::NormalizePhone(value, region);
        std::string v;
        if (e.ok()) {
          v = *e;
        } else {
          for (char c : normalize::CleanText(value)) {
            if (c >= '0' && c <= '9') v += c;
          }
          if (v.size() < 5) v.clear();
        }
        if (!v.empty() && std::find(p.phones.begin(), p.phones.end(), v) == p.phones.end()) p.phones.push_back(v);
        break;
      }
      case FieldKind::kIdentifier: {
        std::string v = normalize::CleanText(value);
        if (std::find(p.ids.begin(), p.ids.end(), v) == p.ids.end()) p.ids.push_back(std::move(v));
        break;
      }
      default: {
        int f = layout.FieldOf(kind, occurrence);
        if (f >= 0) p.single[f] = NormalizeSingle(kind, value);
      }
    }
  }
  if (!full.empty() || !given.empty() || !family.empty()) p.name = PrepareName(full, family, given);
  return p;
}

namespace {

template <typename F>
uint8_t BestOf(const std::vector<std::string>& a, const std::vector<std::string>& b, F compare) {
  uint8_t best = 0;
  for (const auto& x : a) {
    for (const auto& y : b) best = std::max(best, compare(x, y));
  }
  return best;
}

}  // namespace

void Compare(const Layout& layout, const Prepared& a, const Prepared& b, uint8_t* levels) {
  const auto& fields = layout.fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    switch (fields[i].kind) {
      case FieldKind::kName:
        levels[i] = CompareNames(a.name, b.name);
        break;
      case FieldKind::kCompany:
        levels[i] = CompareCompanies(a.company, b.company);
        break;
      case FieldKind::kEmail:
        levels[i] = BestOf(a.emails, b.emails, CompareEmails);
        break;
      case FieldKind::kPhone:
        levels[i] = BestOf(a.phones, b.phones, ComparePhones);
        break;
      case FieldKind::kIdentifier:
        levels[i] = BestOf(a.ids, b.ids, CompareCodes);
        break;
      case FieldKind::kPostcode:
        levels[i] = CompareCodes(a.single[i], b.single[i]);
        break;
      case FieldKind::kDate:
        levels[i] = CompareDates(a.single[i], b.single[i]);
        break;
      case FieldKind::kAddress:
      case FieldKind::kText:
        levels[i] = CompareText(a.single[i], b.single[i]);
        break;
      default:
        levels[i] = CompareExact(a.single[i], b.single[i]);
    }
  }
}

std::vector<DeterministicKey> DeterministicKeys(const Prepared& p) {
  std::vector<DeterministicKey> keys;
  for (const auto& e : p.emails) {
    if (e.find('@') != std::string::npos && !IsGenericMailbox(e)) keys.push_back({'e', e});
  }
  for (const auto& ph : p.phones) keys.push_back({'p', ph});
  for (const auto& id : p.ids) keys.push_back({'i', id});
  return keys;
}

std::vector<uint64_t> BlockingKeys(const Layout& layout, const Prepared& p) {
  std::vector<uint64_t> keys;
  const auto& fields = layout.fields();
  const bool has_name = !p.name.empty();
  uint64_t longest = 0;
  if (has_name) {
    const std::string* l = &p.name.tokens.front();
    for (const auto& t : p.name.tokens) {
      if (t.size() > l->size()) l = &t;
    }
    longest = Hash(*l);
    keys.push_back(Mix(1, p.name.letters));
  }
  for (const auto& e : p.emails) {
    keys.push_back(Mix(2, Hash(e.substr(0, e.find('@')))));
  }
  for (const auto& ph : p.phones) {
    keys.push_back(Mix(3, Hash(std::string_view(ph).substr(ph.size() > 8 ? ph.size() - 8 : 0))));
  }
  for (const auto& id : p.ids) keys.push_back(Mix(4, Hash(id)));
  if (has_name && !p.company.empty()) {
    // Name with each of the company's first grams (keys differ in city prefixes and suffixes).
    for (size_t i = 0; i < p.company.grams.size() && i < 3; ++i) {
      keys.push_back(Mix(5, p.name.letters ^ p.company.grams[i]));
      keys.push_back(Mix(6, longest ^ p.company.grams[i]));
    }
  }
  for (size_t f = 0; f < fields.size(); ++f) {
    const std::string& v = p.single[f];
    if (v.empty()) continue;
    switch (fields[f].kind) {
      case FieldKind::kCity:
      case FieldKind::kState:
      case FieldKind::kCategory:
      case FieldKind::kStreetNumber:
        if (has_name) keys.push_back(Mix(10 + f, p.name.letters ^ Hash(v)));
        if (has_name) keys.push_back(Mix(40 + f, longest ^ Hash(v)));
        break;
      default:
        // Postcodes, dates, addresses, text: the value alone (oversized blocks are capped).
        keys.push_back(Mix(70 + f, Hash(v)));
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// ---- Model ----

Model::Model(const Layout& layout) : fields_(layout.fields()) {
  for (const auto& f : fields_) {
    std::vector<double> m(f.levels), u(f.levels);
    // Start: matches mostly agree, non-matches mostly disagree.
    for (int l = 1; l < f.levels; ++l) {
      double frac = static_cast<double>(l - 1) / (f.levels - 2 > 0 ? f.levels - 2 : 1);
      m[l] = 0.05 + 0.9 * frac;
      u[l] = 0.9 * (1.0 - frac) + 0.001;
    }
    m_.push_back(m);
    u_.push_back(u);
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    double sm = 0, su = 0;
    for (int l = 1; l < fields_[i].levels; ++l) sm += m_[i][l], su += u_[i][l];
    for (int l = 1; l < fields_[i].levels; ++l) m_[i][l] /= sm, u_[i][l] /= su;
  }
  RefreshWeights();
}

void Model::RefreshWeights() {
  w_.assign(fields_.size(), {});
  for (size_t i = 0; i < fields_.size(); ++i) {
    w_[i].assign(fields_[i].levels, 0.0);
    for (int l = 1; l < fields_[i].levels; ++l) {
      w_[i][l] = std::log2(std::max(m_[i][l], 1e-9) / std::max(u_[i][l], 1e-9));
    }
  }
}

double Model::Score(const uint8_t* levels, const Prepared& a) const {
  double s = 0;
  for (size_t i = 0; i < fields_.size(); ++i) {
    uint8_t l = levels[i];
    if (l == 0) continue;
    // Exact agreement (for names also same pinyin) on a common value is weaker evidence.
    const int tf_from = fields_[i].kind == FieldKind::kName ? kNameHomophone : fields_[i].levels - 1;
    if (fields_[i].term_frequency && l >= tf_from && a.tf[i] > u_[i][l]) {
      s += std::log2(std::max(m_[i][l], 1e-9) / a.tf[i]);
    } else {
      s += w_[i][l];
    }
  }
  return s;
}

double Model::Probability(double score) const {
  double prior_odds = prior_ / (1.0 - prior_);
  double odds = prior_odds * std::exp2(score);
  return odds / (1.0 + odds);
}

void Model::Estimate(const std::vector<uint8_t>& candidate_levels, const std::vector<uint8_t>& random_levels,
                     const std::vector<uint8_t>& anchor_levels, const std::vector<char>& anchor_kinds,
                     size_t records, int iterations) {
  const size_t nf = fields_.size();
  if (nf == 0) return;
  // m from anchor pairs, per field from keys of another kind.
  const size_t na = anchor_kinds.size();
  std::vector<bool> anchored(nf, false);
  for (size_t f = 0; f < nf; ++f) {
    char own = fields_[f].kind == FieldKind::kEmail ? 'e' : fields_[f].kind == FieldKind::kPhone ? 'p'
               : fields_[f].kind == FieldKind::kIdentifier ? 'i' : 0;
    std::vector<double> count(fields_[f].levels, 0.5);
    double seen = 0;
    for (size_t r = 0; r < na; ++r) {
      uint8_t l = anchor_levels[r * nf + f];
      if (l == 0 || anchor_kinds[r] == own) continue;
      count[l] += 1;
      seen += 1;
    }
    if (seen < 50) continue;  // too little evidence: keep the generic start
    double total = 0;
    for (int l = 1; l < fields_[f].levels; ++l) total += count[l];
    for (int l = 1; l < fields_[f].levels; ++l) m_[f][l] = count[l] / total;
    anchored[f] = true;
  }
  // u from random pairs: frequency of each level among non-missing comparisons,
  // with add-one smoothing so an unseen level never gets probability 0.
  const size_t nr = random_levels.size() / nf;
  for (size_t f = 0; f < nf; ++f) {
    std::vector<double> count(fields_[f].levels, 0.5);
    for (size_t r = 0; r < nr; ++r) {
      uint8_t l = random_levels[r * nf + f];
      if (l) count[l] += 1;
    }
    double total = 0;
    for (int l = 1; l < fields_[f].levels; ++l) total += count[l];
    for (int l = 1; l < fields_[f].levels; ++l) u_[f][l] = count[l] / total;
  }
  // EM for m and the share of matches among candidate pairs, u held fixed.
  const size_t nc = candidate_levels.size() / nf;
  if (nc == 0) {
    RefreshWeights();
    return;
  }
  // Fields the anchors left unmeasured: m from pseudo-anchors, candidate
  // pairs that the other fields alone make a sure match (posterior at least
  // 0.999 among all pairs of `records`, so a prior of 1/records). Leaving the
  // field out keeps it from grading itself; a few rounds let the weights
  // sharpen. EM alone, on data without keys, can settle on a class of pairs
  // that merely share a street or a town (candidate pairs agree on their
  // blocking fields, and u comes from random pairs).
  if (records >= 2 && std::find(anchored.begin(), anchored.end(), false) != anchored.end()) {
    const double sure = std::log2(static_cast<double>(records)) + std::log2(999.0);
    std::vector<bool> pseudo(nf, false);
    std::vector<double> total(nc);
    for (int round = 0; round < 3; ++round) {
      RefreshWeights();
      for (size_t r = 0; r < nc; ++r) {
        const uint8_t* lv = &candidate_levels[r * nf];
        double s = 0;
        for (size_t f = 0; f < nf; ++f) s += w_[f][lv[f]];
        total[r] = s;
      }
      for (size_t f = 0; f < nf; ++f) {
        if (anchored[f]) continue;
        std::vector<double> count(fields_[f].levels, 0.5);
        double seen = 0;
        for (size_t r = 0; r < nc; ++r) {
          uint8_t l = candidate_levels[r * nf + f];
          if (l == 0 || total[r] - w_[f][l] < sure) continue;
          count[l] += 1;
          seen += 1;
        }
        if (seen < 50) continue;
        double sum = 0;
        for (int l = 1; l < fields_[f].levels; ++l) sum += count[l];
        for (int l = 1; l < fields_[f].levels; ++l) m_[f][l] = count[l] / sum;
        pseudo[f] = true;
      }
    }
    for (size_t f = 0; f < nf; ++f) anchored[f] = anchored[f] || pseudo[f];
  }
  double lambda = 0.5;
  std::vector<std::vector<double>> acc(nf);
  for (int it = 0; it < iterations; ++it) {
    RefreshWeights();
    for (size_t f = 0; f < nf; ++f) acc[f].assign(fields_[f].levels, 0.0);
    double total_g = 0;
    const double log_prior = std::log2(lambda / (1 - lambda));
    for (size_t r = 0; r < nc; ++r) {
      const uint8_t* lv = &candidate_levels[r * nf];
      double s = log_prior;
      for (size_t f = 0; f < nf; ++f) s += w_[f][lv[f]];
      double g = 1.0 / (1.0 + std::exp2(-s));
      total_g += g;
      for (size_t f = 0; f < nf; ++f) acc[f][lv[f]] += g;
    }
    lambda = std::clamp(total_g / nc, 1e-6, 1 - 1e-6);
    prior_ = lambda;
    for (size_t f = 0; f < nf; ++f) {
      if (anchored[f]) continue;  // measured on anchor pairs; EM would let blocking bias it
      double sum = 0;
      for (int l = 1; l < fields_[f].levels; ++l) sum += acc[f][l] + 0.01;
      for (int l = 1; l < fields_[f].levels; ++l) m_[f][l] = (acc[f][l] + 0.01) / sum;
    }
  }
  RefreshWeights();
}

std::string Model::ToYaml() const {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "prior" << YAML::Value << prior_;
  out << YAML::Key << "fields" << YAML::Value << YAML::BeginMap;
  for (size_t f = 0; f < fields_.size(); ++f) {
    out << YAML::Key << fields_[f].label << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "m" << YAML::Value << YAML::Flow << std::vector<double>(m_[f].begin() + 1, m_[f].end());
    out << YAML::Key << "u" << YAML::Value << YAML::Flow << std::vector<double>(u_[f].begin() + 1, u_[f].end());
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return out.c_str();
}

absl::Status Model::ApplyYaml(const std::string& yaml_text) {
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (root["prior"]) prior_ = root["prior"].as<double>();
    if (root["fields"]) {
      for (const auto& it : root["fields"]) {
        std::string label = it.first.as<std::string>();
        auto pos = std::find_if(fields_.begin(), fields_.end(), [&](const CompField& f) { return f.label == label; });
        if (pos == fields_.end()) return absl::InvalidArgumentError(StrCat("model: no field '", label, "' in this layout"));
        size_t f = pos - fields_.begin();
        for (const char* which : {"m", "u"}) {
          if (!it.second[which]) continue;
          auto v = it.second[which].as<std::vector<double>>();
          if (static_cast<int>(v.size()) != fields_[f].levels - 1) {
            return absl::InvalidArgumentError(StrCat("model: ", label, ".", which, " needs ", fields_[f].levels - 1,
                                                     " probabilities, one per level above 'missing'"));
          }
          auto& target = which[0] == 'm' ? m_[f] : u_[f];
          for (size_t l = 0; l < v.size(); ++l) target[l + 1] = v[l];
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat("model: ", e.what()));
  }
  RefreshWeights();
  return absl::OkStatus();
}

}  // namespace crm::dedup
