#include "tools/simulate/population.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/util/strings.h"
#include "tools/simulate/civil_time.h"

namespace crm::simulate {

const char* CustomerTypeName(CustomerType t) {
  switch (t) {
    case CustomerType::kExhibitor: return "exhibitor";
    case CustomerType::kProfessionalVisitor: return "professional_visitor";
    case CustomerType::kPublicVisitor: return "public_visitor";
    case CustomerType::kSponsor: return "sponsor";
    case CustomerType::kMedia: return "media";
  }
  return "";
}

const char* StageName(Stage s) {
  switch (s) {
    case Stage::kCultivation: return "cultivation";
    case Stage::kConfirmation: return "confirmation";
    case Stage::kTrust: return "trust";
    case Stage::kWeakening: return "weakening";
    case Stage::kDissolution: return "dissolution";
    case Stage::kUnknown: break;
  }
  return "";
}

std::string Person::CanonicalName() const {
  switch (script) {
    case Script::kChinese: return Simplified(cn);
    case Script::kTraditional: return Traditional(cn);
    case Script::kLatin: return LatinFull(latin);
  }
  return "";
}

int Person::FirstParticipation() const {
  for (size_t e = 0; e < stages.size(); ++e)
    if (Participates(stages[e])) return static_cast<int>(e);
  return -1;
}

// --- Series ------------------------------------------------------------------

SeriesPlan MakeSeriesPlan(const std::string& show_id, int start_year, int editions, uint64_t seed) {
  SeriesPlan plan;
  plan.show_id = show_id;
  for (const auto& word : Split(show_id, '-', true)) {
    if (!plan.name.empty()) plan.name += ' ';
    plan.name += Capitalize(word);
  }
  plan.venue = "National Exhibition and Convention Center (Shanghai)";
  plan.city = "Shanghai";
  Rng rng(seed, "series");
  for (int i = 0; i < editions; ++i) {
    ShowEditionPlan e;
    int year = start_year + i;
    e.edition_id = std::to_string(year);
    e.name = StrCat(plan.name, " ", year);
    e.open_day = DaysFromCivil({year, 4, 16}) + rng.Range(0, 10);
    e.close_day = e.open_day + 3;
    e.rebooking_deadline_day = e.close_day + 60 + rng.Range(-3, 3);
    e.sales_open_day = e.open_day - 270 - rng.Range(0, 7);
    plan.editions.push_back(e);
  }
  return plan;
}

// --- Helpers -------------------------------------------------------------------

namespace {

std::string Pad(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", std::min(width, 20), static_cast<long long>(v));
  return buf;
}

// Lower-case ASCII letters and digits only (for e-mail local parts and domains).
std::string Slug(std::string_view s) {
  std::string folded = ToLowerAscii(AsciiFold(s));
  std::string out;
  for (char c : folded)
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(c);
  return out;
}

const char* CountryTld(const std::string& iso) {
  static const std::pair<const char*, const char*> kTlds[] = {
      {"DE", ".de"},    {"US", ".com"},    {"GB", ".co.uk"}, {"FR", ".fr"},     {"IT", ".it"},     {"JP", ".co.jp"},
      {"KR", ".co.kr"}, {"IN", ".in"},     {"RU", ".ru"},    {"ES", ".es"},     {"SG", ".com.sg"}, {"MY", ".com.my"},
      {"TH", ".co.th"}, {"BR", ".com.br"}, {"AE", ".ae"},    {"AU", ".com.au"}, {"HK", ".com.hk"}, {"TW", ".com.tw"},
  };
  for (const auto& [iso_code, tld] : kTlds)
    if (iso == iso_code) return tld;
  return ".com";
}

const char* LatinSuffixFor(const std::string& iso, Rng& rng) {
  if (iso == "DE") return rng.Chance(0.8) ? "GmbH" : "AG";
  if (iso == "US") return rng.Pick(std::vector<const char*>{"Inc.", "LLC", "Corp."});
  if (iso == "GB" || iso == "AU" || iso == "IN") return "Ltd.";
  if (iso == "IT") return "S.p.A.";
  if (iso == "FR") return "SAS";
  if (iso == "ES") return "S.L.";
  if (iso == "SG" || iso == "MY") return "Pte. Ltd.";
  if (iso == "RU") return "LLC";
  if (iso == "HK") return "Ltd.";
  return "Co., Ltd.";  // JP, KR, TH, TW, BR, AE
}

const Country* FindCountry(const std::string& iso) {
  for (const auto& c : ForeignCountries())
    if (iso == c.iso) return &c;
  return nullptr;
}

// Prefix sums of 1/sqrt(rank): a long-tailed employer size distribution
// (a few dealer groups send many buyers). sqrt is exactly rounded in IEEE 754,
// so the table is identical everywhere.
std::vector<double> SqrtZipfCumulative(size_t n) {
  std::vector<double> c(n);
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    total += 1.0 / std::sqrt(static_cast<double>(i + 1));
    c[i] = total;
  }
  return c;
}

const std::vector<const char*>& Interests() {
  static const std::vector<const char*> v = {"新能源汽车",   "智能驾驶", "汽车零部件",  "后市场",
                                             "充电设施",     "汽车电子", "轮胎",        "改装",
                                             "EV batteries", "ADAS",     "aftermarket", "OEM supply"};
  return v;
}

}  // namespace

// --- Construction --------------------------------------------------------------

Population::Population(const PopulationOptions& options, const PhoneValidator& validator)
    : options_(options), editions_(std::max(1, options.editions)), validator_(validator), phones_(validator) {
  Rng rng(options.seed, "population");
  BuildCompanies(rng);
  DrawTrajectories(rng);
  DrawAreas(rng);
  BuildPersons(rng);
  phone_draws_ = phones_.draws();
  phone_rejects_ = phones_.rejected();
}

Company Population::MakeChineseCompany(Rng& rng, CompanyRole role) {
  Company c;
  c.role = role;
  c.chinese = true;
  int kind = role == CompanyRole::kExhibitor ? 0 : role == CompanyRole::kBuyer ? 1 : 2;
  std::vector<double> city_w;
  for (const auto& ct : Cities()) city_w.push_back(ct.weight);
  for (int attempt = 0;; ++attempt) {
    c.cn.kind = kind;
    c.cn.city = static_cast<int>(rng.Weighted(city_w));
    c.cn.brand = static_cast<int>(rng.Below(Brands().size()));
    c.cn.industry = static_cast<int>(rng.Below(Industries(kind).size()));
    c.cn.suffix = static_cast<int>(rng.Weighted({55, 25, 12, 8}));
    std::string key = StrCat(c.cn.city, "/", c.cn.brand, "/", c.cn.industry, "/", kind);
    if (company_keys_.insert(key).second) break;
    if (attempt > 200) {
      // Table exhausted: accept a same-name company in another legal form.
      if (company_keys_.insert(StrCat(key, "/", attempt)).second) break;
    }
  }
  c.canonical = CompanyChinese(c.cn, true, true, false);
  c.city = Cities()[c.cn.city].name.simp;
  c.area_code = Cities()[c.cn.city].area_code;
  c.industry = Industries(kind)[c.cn.industry].name.simp;
  const char* tlds[] = {".com.cn", ".com", ".cn", ".net"};
  std::string stem = CompanyDomainStem(c.cn);
  std::string domain = stem + tlds[rng.Below(4)];
  if (domains_.count(domain)) domain = StrCat(Cities()[c.cn.city].name.pinyin, stem, tlds[rng.Below(4)]);
  for (int n = 2; domains_.count(domain); ++n) domain = StrCat(stem, n, ".com");
  domains_.insert(domain);
  c.domain = domain;
  return c;
}

Company Population::MakeLatinCompany(Rng& rng, CompanyRole role, const std::string& country) {
  Company c;
  c.role = role;
  c.chinese = false;
  c.country = country;
  for (int attempt = 0;; ++attempt) {
    c.latin.brand = rng.Pick(LatinBrands());
    c.latin.industry = rng.Pick(LatinIndustries());
    std::string key = StrCat(c.latin.brand, "/", c.latin.industry, "/", country);
    if (company_keys_.insert(key).second) break;
    if (attempt > 200 && company_keys_.insert(StrCat(key, "/", attempt)).second) {
      c.latin.brand += " " + std::string(rng.Pick(LatinBrands()));
      break;
    }
  }
  c.latin.suffix = LatinSuffixFor(country, rng);
  c.canonical = LatinCompanyName(c.latin, true);
  if (country == "HK") {
    c.city = "Hong Kong";
  } else if (country == "TW") {
    c.city = "Taipei";
  } else if (const Country* ct = FindCountry(country)) {
    c.city = rng.Pick(ct->cities);
  }
  c.industry = c.latin.industry;
  std::string stem = StrCat(Slug(c.latin.brand), "-", Slug(c.latin.industry));
  std::string domain = stem + CountryTld(country);
  for (int n = 2; domains_.count(domain); ++n) domain = StrCat(stem, n, CountryTld(country));
  domains_.insert(domain);
  c.domain = domain;
  return c;
}

void Population::BuildCompanies(Rng& rng) {
  const int x = std::max(1, options_.exhibitors);
  const int v = std::max(1, options_.visitors);
  int64_t erp = 100000;
  // Exhibitors.
  static const std::vector<std::pair<const char*, double>> kExhibitorCountries = {
      {"DE", 25}, {"JP", 20}, {"KR", 15}, {"US", 15}, {"IT", 8}, {"FR", 6}, {"GB", 5}, {"ES", 3}, {"IN", 3}};
  std::vector<double> country_w;
  for (const auto& [iso, w] : kExhibitorCountries) country_w.push_back(w);
  for (int i = 0; i < x; ++i) {
    Company c = rng.Chance(0.85) ? MakeChineseCompany(rng, CompanyRole::kExhibitor)
                                 : MakeLatinCompany(rng, CompanyRole::kExhibitor,
                                                    kExhibitorCountries[rng.Weighted(country_w)].first);
    c.erp_id = StrCat("C", ++erp);
    c.leader = rng.Chance(0.02);
    c.size_class = c.leader ? 3 : static_cast<int>(rng.Weighted({60, 30, 10}));
    c.style = c.leader ? (rng.Chance(0.8) ? "rational" : "mainstream")
                       : std::vector<std::string>{"rational", "mainstream", "trial"}[rng.Weighted({30, 50, 20})];
    if (c.chinese) {
      c.hall = c.leader ? 1 + static_cast<int>(rng.Below(2)) : 3 + c.cn.industry % 6;
      if (rng.Chance(0.7)) {
        c.has_switchboard = true;
        c.switchboard = phones_.CnLandline(rng, c.area_code);
      }
    } else {
      c.hall = c.leader ? 1 + static_cast<int>(rng.Below(2)) : 9;  // international hall
    }
    c.shared_mailboxes = {"info@" + c.domain, "sales@" + c.domain};
    if (rng.Chance(0.5)) c.shared_mailboxes.push_back("service@" + c.domain);
    if (rng.Chance(0.3)) c.shared_mailboxes.push_back("market@" + c.domain);
    exhibitors_.push_back(static_cast<uint32_t>(companies_.size()));
    companies_.push_back(std::move(c));
  }
  bool any_leader = false;
  for (uint32_t ci : exhibitors_) any_leader |= companies_[ci].leader;
  if (!any_leader) {
    Company& c = companies_[exhibitors_[0]];
    c.leader = true;
    c.size_class = 3;
    c.hall = 1;
  }
  // Sponsors.
  int n_sponsors = std::max(2, x / 150);
  for (int i = 0; i < n_sponsors; ++i) {
    Company c = MakeChineseCompany(rng, CompanyRole::kSponsor);
    c.erp_id = StrCat("C", ++erp);
    c.style = "rational";
    c.shared_mailboxes = {"info@" + c.domain};
    sponsors_.push_back(static_cast<uint32_t>(companies_.size()));
    companies_.push_back(std::move(c));
  }
  // Media outlets.
  for (const auto& m : ChineseMediaOutlets()) {
    Company c;
    c.role = CompanyRole::kMedia;
    c.chinese = true;
    c.fixed_name = true;
    c.canonical = m.simp;
    c.canonical_trad = m.trad;
    c.city = rng.Chance(0.6) ? "北京" : "上海";
    c.domain = StrCat(Slug(m.pinyin), ".cn");
    domains_.insert(c.domain);
    media_.push_back(static_cast<uint32_t>(companies_.size()));
    companies_.push_back(std::move(c));
  }
  for (const char* m : MediaOutlets()) {
    Company c;
    c.role = CompanyRole::kMedia;
    c.chinese = false;
    c.fixed_name = true;
    c.canonical = m;
    c.country = rng.Chance(0.5) ? "GB" : "US";
    c.city = c.country == "GB" ? "London" : "New York";
    c.domain = StrCat(Slug(m), ".com");
    domains_.insert(c.domain);
    media_.push_back(static_cast<uint32_t>(companies_.size()));
    companies_.push_back(std::move(c));
  }
  // Buyer companies employing professional visitors: mainland, foreign, HK/TW.
  int n_buyers = std::max(10, static_cast<int>(v * 0.62 * 0.9 / 4));
  for (int i = 0; i < n_buyers; ++i) {
    buyers_.push_back(static_cast<uint32_t>(companies_.size()));
    companies_.push_back(MakeChineseCompany(rng, CompanyRole::kBuyer));
  }
  buyer_cumulative_ = SqrtZipfCumulative(buyers_.size());
  int n_foreign = std::max(5, static_cast<int>(v * 0.62 * 0.08 / 3));
  std::vector<double> fw;
  for (size_t i = 0; i < ForeignCountries().size(); ++i) fw.push_back(i < 6 ? 3.0 : 1.0);
  for (int i = 0; i < n_foreign; ++i) {
    foreign_buyers_.push_back(static_cast<uint32_t>(companies_.size()));
    companies_.push_back(MakeLatinCompany(rng, CompanyRole::kBuyer, ForeignCountries()[rng.Weighted(fw)].iso));
  }
  foreign_buyer_cumulative_ = SqrtZipfCumulative(foreign_buyers_.size());
  int n_hktw = std::max(2, static_cast<int>(v * 0.62 * 0.02 / 3));
  for (int i = 0; i < n_hktw; ++i) {
    hktw_buyers_.push_back(static_cast<uint32_t>(companies_.size()));
    companies_.push_back(MakeLatinCompany(rng, CompanyRole::kBuyer, rng.Chance(0.6) ? "HK" : "TW"));
  }
}

std::vector<Stage> Population::Trajectory(Rng& rng, int entry, int import_edition, bool cultivation_only,
                                          CustomerType type, const std::string& style, bool leader) {
  std::vector<Stage> st(static_cast<size_t>(editions_), Stage::kUnknown);
  if (cultivation_only) {
    for (int e = std::max(0, import_edition); e < editions_; ++e) st[e] = Stage::kCultivation;
    return st;
  }
  if (import_edition >= 0)
    for (int e = import_edition; e < entry; ++e) st[e] = Stage::kCultivation;
  st[entry] = Stage::kConfirmation;
  for (int e = entry + 1; e < editions_; ++e) {
    // Weights over {confirmation, trust, weakening, dissolution}.
    double w[4] = {0, 0, 0, 0};
    switch (st[e - 1]) {
      case Stage::kConfirmation: w[0] = 0.12, w[1] = 0.40, w[2] = 0.15, w[3] = 0.33; break;
      case Stage::kTrust: w[1] = 0.68, w[2] = 0.20, w[3] = 0.12; break;
      case Stage::kWeakening: w[1] = 0.30, w[2] = 0.20, w[3] = 0.50; break;
      default: w[3] = 1; break;
    }
    if (st[e - 1] != Stage::kDissolution) {
      if (type == CustomerType::kPublicVisitor) w[3] += 0.15;
      if (style == "exploring") w[3] += 0.08;
      if (style == "trial") w[3] += 0.15;
      if (style == "cautious" && st[e - 1] == Stage::kTrust) w[1] += 0.10;
      if (style == "rational") w[1] += 0.10, w[3] -= 0.05;
      if (style == "quality-seeking") w[2] += 0.05;
      if (leader) w[3] -= 0.25, w[1] += 0.1;
      for (double& x : w) x = std::max(x, 0.01);
      // A second "confirmation" only directly after the first participations.
      if (st[e - 1] != Stage::kConfirmation) w[0] = 0;
    }
    static const Stage kNext[4] = {Stage::kConfirmation, Stage::kTrust, Stage::kWeakening, Stage::kDissolution};
    st[e] = kNext[rng.Weighted({w[0], w[1], w[2], w[3]})];
  }
  return st;
}

void Population::DrawTrajectories(Rng& rng) {
  std::vector<double> entry_w;
  for (int e = 0; e < editions_; ++e) entry_w.push_back(e == 0 ? 1.6 : 1.0);
  for (uint32_t ci : exhibitors_) {
    Company& c = companies_[ci];
    bool prospect = !c.leader && rng.Chance(0.12);
    int entry = static_cast<int>(rng.Weighted(entry_w));
    if (prospect) {
      c.import_edition = static_cast<int>(rng.Below(static_cast<uint64_t>(editions_)));
      c.in_sales_2019 = c.import_edition == 0;
    } else if (rng.Chance(0.5)) {
      c.import_edition = 0;  // known from the old sales database
      c.in_sales_2019 = true;
    } else if (entry > 0 && rng.Chance(0.3)) {
      c.import_edition = static_cast<int>(rng.Below(static_cast<uint64_t>(entry)));  // a marketing lead first
    }
    c.stages = Trajectory(rng, entry, c.import_edition, prospect, CustomerType::kExhibitor, c.style, c.leader);
  }
  for (uint32_t ci : sponsors_) {
    Company& c = companies_[ci];
    int entry = static_cast<int>(rng.Weighted(entry_w));
    c.stages = Trajectory(rng, entry, -1, false, CustomerType::kSponsor, c.style, false);
  }
}

namespace {

double RoundArea(double a) {
  if (a < 36) return std::max(3.0, static_cast<double>(static_cast<int64_t>(a / 3 + 0.5) * 3));
  if (a < 300) return static_cast<double>(static_cast<int64_t>(a / 9 + 0.5) * 9);
  return static_cast<double>(static_cast<int64_t>(a / 50 + 0.5) * 50);
}

double AreaStep(double a) { return a <= 36 ? 3 : a <= 300 ? 9 : 50; }

}  // namespace

void Population::DrawAreas(Rng& rng) {
  for (uint32_t ci : exhibitors_) {
    Company& c = companies_[ci];
    c.area.assign(static_cast<size_t>(editions_), 0.0);
    double base;
    switch (c.size_class) {
      case 0: base = rng.Chance(0.7) ? 9 : 18; break;
      case 1: base = 9.0 * static_cast<double>(rng.Range(4, 12)); break;
      case 2: base = 9.0 * static_cast<double>(rng.Range(12, 33)); break;
      default: base = 50.0 * static_cast<double>(rng.Range(8, 30)); break;
    }
    double prev = 0;
    Stage prev_stage = Stage::kUnknown;
    for (int e = 0; e < editions_; ++e) {
      Stage s = c.stages[e];
      if (!Participates(s)) {
        if (s == Stage::kDissolution) prev_stage = s;
        continue;
      }
      double a;
      if (prev == 0) {
        a = base;
      } else if (s == Stage::kWeakening) {
        a = RoundArea(prev * rng.Uniform(0.5, 0.85));
        if (a >= prev) a = prev - AreaStep(prev);
        if (a < 3) {
          // Cannot shrink a 3 sqm table-top any further: the relationship ends.
          for (int k = e; k < editions_; ++k) c.stages[k] = Stage::kDissolution;
          break;
        }
      } else if (s == Stage::kTrust) {
        a = RoundArea(prev * (prev_stage == Stage::kWeakening ? rng.Uniform(1.1, 1.5) : rng.Uniform(1.0, 1.25)));
        if (a < prev) a = prev;
      } else {
        a = RoundArea(prev * rng.Uniform(0.9, 1.2));
      }
      c.area[e] = a;
      prev = a;
      prev_stage = s;
    }
  }
}

void Population::BuildPersons(Rng& rng) {
  const int v = std::max(1, options_.visitors);
  // Exhibitor staff.
  for (uint32_t ci : exhibitors_) {
    const Company& c = companies_[ci];
    int n;
    switch (c.size_class) {
      case 0: n = 1 + static_cast<int>(rng.Weighted({50, 35, 15})); break;
      case 1: n = 2 + static_cast<int>(rng.Weighted({55, 45})); break;
      case 2: n = 3 + static_cast<int>(rng.Weighted({50, 50})); break;
      default: n = 4; break;
    }
    for (int k = 0; k < n; ++k) {
      uint32_t pi = NewPerson(CustomerType::kExhibitor, static_cast<int32_t>(ci), rng);
      Person& p = persons_[pi];
      p.stages = c.stages;
      p.import_edition = c.import_edition;
      p.cultivation_only = std::none_of(c.stages.begin(), c.stages.end(), Participates);
      p.style = c.style;
      companies_[ci].staff.push_back(pi);
    }
  }
  // Sponsor contacts.
  for (uint32_t ci : sponsors_) {
    int n = 1 + static_cast<int>(rng.Below(2));
    for (int k = 0; k < n; ++k) {
      uint32_t pi = NewPerson(CustomerType::kSponsor, static_cast<int32_t>(ci), rng);
      persons_[pi].stages = companies_[ci].stages;
      persons_[pi].style = "";
      companies_[ci].staff.push_back(pi);
    }
  }
  // Media.
  std::vector<double> entry_w;
  for (int e = 0; e < editions_; ++e) entry_w.push_back(e == 0 ? 1.6 : 1.0);
  int n_media = std::max(4, v / 400);
  for (int i = 0; i < n_media; ++i) {
    uint32_t ci = media_[rng.Below(media_.size())];
    uint32_t pi = NewPerson(CustomerType::kMedia, static_cast<int32_t>(ci), rng);
    Person& p = persons_[pi];
    p.stages = Trajectory(rng, static_cast<int>(rng.Weighted(entry_w)), -1, false, p.type, "", false);
    companies_[ci].staff.push_back(pi);
  }
  // Visitors.
  static const std::vector<std::string> kVisitorStyles = {"exploring", "quality-seeking", "cautious", "average"};
  for (int i = 0; i < v; ++i) {
    bool professional = rng.Chance(0.62);
    CustomerType type = professional ? CustomerType::kProfessionalVisitor : CustomerType::kPublicVisitor;
    int32_t company = -1;
    if (professional) {
      double r = rng.Uniform();
      if (r < 0.08) {
        company = static_cast<int32_t>(foreign_buyers_[rng.WeightedCumulative(foreign_buyer_cumulative_)]);
      } else if (r < 0.10) {
        company = static_cast<int32_t>(hktw_buyers_[rng.Below(hktw_buyers_.size())]);
      } else {
        company = static_cast<int32_t>(buyers_[rng.WeightedCumulative(buyer_cumulative_)]);
      }
    }
    std::string style = kVisitorStyles[rng.Weighted({25, 25, 20, 30})];
    bool cult = rng.Chance(0.10);
    int entry = static_cast<int>(rng.Weighted(entry_w));
    int import_edition = -1;
    if (cult) {
      import_edition = static_cast<int>(rng.Below(static_cast<uint64_t>(editions_)));
    } else if (entry > 0 && rng.Chance(0.2)) {
      import_edition = static_cast<int>(rng.Below(static_cast<uint64_t>(entry)));
    }
    uint32_t pi = NewPerson(type, company, rng);
    Person& p = persons_[pi];
    p.style = style;
    p.import_edition = import_edition;
    p.cultivation_only = cult;
    p.stages = Trajectory(rng, entry, import_edition, cult, type, style, false);
    if (company >= 0) companies_[company].staff.push_back(pi);
  }
  // Identities, in creation order, then shuffled person ids.
  for (auto& p : persons_) AssignIdentity(p, rng);
  std::vector<uint32_t> perm(persons_.size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<uint32_t>(i + 1);
  rng.Shuffle(perm);
  int width = std::max(6, static_cast<int>(std::to_string(persons_.size()).size()));
  for (size_t i = 0; i < persons_.size(); ++i) persons_[i].id = "P" + Pad(perm[i], width);
}

uint32_t Population::NewPerson(CustomerType type, int32_t company, Rng& rng) {
  Person p;
  p.type = type;
  p.company = company;
  p.gender = static_cast<int>(rng.Below(2));
  persons_.push_back(std::move(p));
  return static_cast<uint32_t>(persons_.size() - 1);
}

std::string Population::UniqueEmail(std::string local, const std::string& domain) {
  std::string addr = local + "@" + domain;
  for (int n = 2; emails_.count(addr); ++n) addr = StrCat(local, n, "@", domain);
  emails_.insert(addr);
  return addr;
}

void Population::AssignIdentity(Person& p, Rng& rng) {
  const Company* co = p.company >= 0 ? &companies_[p.company] : nullptr;
  // Script and origin.
  bool foreign_company = co && !co->chinese && co->role != CompanyRole::kMedia;
  if (co && (co->country == "HK" || co->country == "TW")) {
    p.script = Person::Script::kTraditional;
    p.country = co->country;
  } else if (foreign_company) {
    bool local_staff = p.type == CustomerType::kExhibitor && rng.Chance(0.5);  // China office
    p.script = local_staff ? Person::Script::kChinese : Person::Script::kLatin;
    p.country = local_staff ? "CN" : co->country;
  } else if (co && co->role == CompanyRole::kMedia && !co->chinese) {
    p.script = rng.Chance(0.5) ? Person::Script::kLatin : Person::Script::kChinese;
    p.country = p.script == Person::Script::kLatin ? co->country : "CN";
  } else {
    p.script = rng.Chance(p.type == CustomerType::kPublicVisitor ? 0.02 : 0.015) ? Person::Script::kLatin
                                                                                 : Person::Script::kChinese;
    p.country = "CN";
  }
  if (p.script == Person::Script::kLatin) {
    const Country* ct = FindCountry(p.country);
    if (!ct) ct = &ForeignCountries()[rng.Below(ForeignCountries().size())];
    p.latin = RandomLatinName(rng, ct->name_group);
  } else {
    p.cn = RandomChineseName(rng, p.gender);
  }
  // City.
  std::vector<double> city_w;
  for (const auto& ct : Cities()) city_w.push_back(ct.weight);
  if (p.country == "CN") {
    if (co && co->chinese && co->role != CompanyRole::kMedia && rng.Chance(0.8)) {
      p.city_index = co->cn.city;
    } else if (p.type == CustomerType::kPublicVisitor) {
      static const int kNear[] = {0, 0, 0, 0, 0, 0, 4, 5, 6, 7, 20, 26};  // Shanghai-heavy, Yangtze delta
      p.city_index = rng.Chance(0.85) ? rng.Pick(kNear) : static_cast<int>(rng.Weighted(city_w));
    } else {
      p.city_index = static_cast<int>(rng.Weighted(city_w));
    }
    p.city = Cities()[p.city_index].name.simp;
  } else if (co) {
    p.city = co->city;
  } else if (const Country* ct = FindCountry(p.country)) {
    p.city = rng.Pick(ct->cities);
  }
  // Title.
  switch (p.type) {
    case CustomerType::kExhibitor:
    case CustomerType::kSponsor: {
      static const int kStaffTitles[] = {0, 0, 0, 1, 2, 6, 6, 8, 10, 11, 14, 15};
      p.title = rng.Pick(kStaffTitles);
      break;
    }
    case CustomerType::kProfessionalVisitor: {
      static const int kBuyerTitles[] = {3, 3, 3, 9, 9, 2, 4, 5, 5, 8, 10};
      p.title = rng.Pick(kBuyerTitles);
      break;
    }
    case CustomerType::kMedia: p.title = rng.Chance(0.7) ? 12 : 13; break;
    default: p.title = -1;
  }
  // Interests.
  if (p.type == CustomerType::kProfessionalVisitor || p.type == CustomerType::kPublicVisitor) {
    int n = 1 + static_cast<int>(rng.Below(3));
    for (int k = 0; k < n; ++k) {
      std::string it = rng.Pick(Interests());
      if (std::find(p.interests.begin(), p.interests.end(), it) == p.interests.end()) p.interests.push_back(it);
    }
  }
  // E-mail addresses.
  std::string fam, giv, fi, gi;
  if (p.script == Person::Script::kLatin) {
    fam = Slug(p.latin.last);
    giv = Slug(p.latin.first);
  } else {
    fam = Slug(Surnames()[p.cn.surname].pinyin);
    giv.clear();
    for (int g : p.cn.given) giv += GivenChars()[g].pinyin;
  }
  fi = fam.substr(0, 1);
  gi = giv.substr(0, 1);
  auto company_local = [&]() -> std::string {
    switch (rng.Weighted({35, 20, 20, 15, 10})) {
      case 0: return giv + "." + fam;
      case 1: return fam + "." + giv;
      case 2: return fam + giv;
      case 3: return gi + fam;
      default: return fam + gi;
    }
  };
  auto personal = [&]() -> std::string {
    bool chinese = p.script != Person::Script::kLatin && p.country == "CN";
    if (chinese && rng.Chance(0.35)) {
      // QQ mailbox: the QQ number.
      std::string qq = std::to_string(rng.Range(10000000, 2999999999LL));
      return UniqueEmail(qq, "qq.com");
    }
    static const char* kCn[] = {"163.com",   "126.com",     "sina.com",    "foxmail.com", "139.com",
                                "gmail.com", "outlook.com", "hotmail.com", "yeah.net",    "sohu.com"};
    static const char* kIntl[] = {"gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com"};
    std::string domain = chinese ? kCn[rng.Below(10)] : kIntl[rng.Below(5)];
    std::string local;
    switch (rng.Weighted({30, 25, 20, 25})) {
      case 0: local = fam + giv; break;
      case 1: local = giv + "." + fam; break;
      case 2: local = fam + "_" + giv; break;
      default: local = fam + giv + std::to_string(rng.Range(70, 99) + (rng.Chance(0.5) ? 1900 : 0)); break;
    }
    return UniqueEmail(local, domain);
  };
  bool has_company_domain = co != nullptr;
  switch (p.type) {
    case CustomerType::kExhibitor:
    case CustomerType::kSponsor:
    case CustomerType::kMedia:
      p.email = rng.Chance(0.88) ? UniqueEmail(company_local(), co->domain) : personal();
      if (rng.Chance(0.3)) p.email2 = personal();
      if (p.type == CustomerType::kExhibitor && !co->shared_mailboxes.empty() && rng.Chance(0.6))
        p.shared_mailbox = static_cast<int>(rng.Below(co->shared_mailboxes.size()));
      break;
    case CustomerType::kProfessionalVisitor:
      if (has_company_domain && rng.Chance(0.65)) {
        p.email = UniqueEmail(company_local(), co->domain);
        if (rng.Chance(0.35)) p.email2 = personal();
      } else {
        p.email = personal();
        if (has_company_domain && rng.Chance(0.3)) p.email2 = UniqueEmail(company_local(), co->domain);
      }
      break;
    case CustomerType::kPublicVisitor:
      if (rng.Chance(0.93)) p.email = personal();
      if (rng.Chance(0.1)) p.email2 = personal();
      break;
  }
  // Phones.
  auto habitual = [&](const PhoneNumber& n, std::vector<std::string>* out) {
    const auto& formats = FormatsFor(n.kind);
    std::vector<double> w;
    for (size_t i = 0; i < formats.size(); ++i) w.push_back(formats.size() - static_cast<double>(i) * 0.8 + 1);
    // Full-width digits come from Chinese input methods only.
    for (size_t i = 0; i < formats.size(); ++i)
      if (formats[i] == PhoneFormat::kFullWidth) w[i] = p.script == Person::Script::kChinese ? 1.5 : 0;
    std::string e164 = n.E164();
    for (int k = 0; k < 3; ++k) {
      std::string text = FormatPhone(n, formats[rng.Weighted(w)]);
      if (std::find(out->begin(), out->end(), text) != out->end()) continue;
      if (validator_.Matches(text, e164)) out->push_back(text);
    }
    if (out->empty()) out->push_back(e164);  // E.164 itself was validated when drawn
  };
  if (p.country == "CN") {
    if (rng.Chance(p.type == CustomerType::kPublicVisitor ? 0.9 : 0.95)) {
      p.has_mobile = true;
      p.mobile = phones_.CnMobile(rng);
    }
    if (p.type == CustomerType::kExhibitor && co->has_switchboard && rng.Chance(0.6)) {
      p.has_landline = true;
      // A quarter give the switchboard itself, shared with colleagues.
      p.landline = rng.Chance(0.35) ? co->switchboard : phones_.Extension(rng, co->switchboard);
    } else if (p.type == CustomerType::kProfessionalVisitor && rng.Chance(0.2) && p.city_index >= 0) {
      p.has_landline = true;
      p.landline = phones_.CnLandline(rng, Cities()[p.city_index].area_code);
    }
  } else if (p.country == "HK") {
    p.has_mobile = true;
    p.mobile = phones_.HongKong(rng);
  } else if (p.country == "TW") {
    p.has_mobile = true;
    p.mobile = phones_.Taiwan(rng);
  } else if (rng.Chance(0.85)) {
    p.has_mobile = true;
    p.mobile = phones_.Foreign(rng, p.country);
  }
  if (p.has_mobile) habitual(p.mobile, &p.mobile_texts);
  if (p.has_landline) habitual(p.landline, &p.landline_texts);
  // Accounts and ids.
  if (!p.cultivation_only && rng.Chance(0.55)) {
    next_account_ += 1 + static_cast<int64_t>(rng.Below(13));
    p.ticket_account = StrCat("U", 1000000 + next_account_);
    int first = p.FirstParticipation();
    if (first >= 0 && first + 1 < editions_ && rng.Chance(0.08)) {
      next_account_ += 1 + static_cast<int64_t>(rng.Below(13));
      p.ticket_account2 = StrCat("U", 1000000 + next_account_);
      p.account2_from = first + 1 + static_cast<int>(rng.Below(static_cast<uint64_t>(editions_ - first - 1)));
    }
  }
  if (p.type == CustomerType::kExhibitor || p.type == CustomerType::kSponsor)
    p.erp_contact = StrCat("CT", 200000 + ++next_contact_);
}

// --- Renderings ----------------------------------------------------------------

std::string EmailCaseVariant(const std::string& email) {
  std::string out = email;
  size_t at = out.find('@');
  bool start = true;
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (c == '.' || c == '_' || c == '@' || c == '-') {
      start = true;
      if (c == '@' || i > at) start = (c == '@');  // only the first domain label
      continue;
    }
    if (start && c >= 'a' && c <= 'z') out[i] = static_cast<char>(c - 'a' + 'A');
    start = false;
  }
  return out;
}

std::string Population::RenderName(const Person& p, View view, Rng& rng) const {
  if (p.script == Person::Script::kLatin) {
    const LatinName& n = p.latin;
    std::vector<double> w;  // canonical, "Last, First", "LAST First", "First LAST", typo, fold, initial, lower
    switch (view) {
      case View::kImport: w = {55, 8, 8, 5, 8, 6, 5, 5}; break;
      case View::kBusinessCard: w = {80, 0, 8, 8, 0, 0, 4, 0}; break;
      case View::kCallCentre: w = {70, 5, 0, 0, 20, 5, 0, 0}; break;
      default: w = {84, 3, 3, 3, 3, 2, 1, 1}; break;
    }
    std::string first = n.first, last = n.last;
    switch (rng.Weighted(w)) {
      case 0: return LatinFull(n);
      case 1: return last + ", " + first;
      case 2: return ToUpperAscii(last) + " " + first;
      case 3: return first + " " + ToUpperAscii(last);
      case 4: return OneEditTypo(LatinFull(n), rng);
      case 5: return AsciiFold(LatinFull(n));
      case 6: return first.substr(0, 1) + ". " + last;
      default: return ToLowerAscii(LatinFull(n));
    }
  }
  const ChineseName& n = p.cn;
  const bool trad_person = p.script == Person::Script::kTraditional;
  // canonical, typo, traditional/simplified, "Zhang Wei", "Wei Zhang", "ZHANG Wei", "ZHANG WEI",
  // "张 伟", "Zhangwei", "zhang wei"
  std::vector<double> w;
  switch (view) {
    case View::kRegistration:
    case View::kBadge: w = {82, 4, 3, 5, 2, 2, 0, 2, 0, 0}; break;
    case View::kErp: w = {88, 3, 1, 4, 0, 2, 0, 2, 0, 0}; break;
    case View::kSurvey: w = {75, 4, 0, 12, 5, 0, 0, 0, 0, 4}; break;
    case View::kComplaint: w = {80, 8, 0, 8, 0, 0, 0, 4, 0, 0}; break;
    case View::kImport: w = {50, 8, 8, 14, 8, 4, 4, 2, 2, 0}; break;
    case View::kBusinessCard: w = {25, 0, 0, 45, 20, 10, 0, 0, 0, 0}; break;
    case View::kCallCentre: w = {70, 15, 0, 10, 0, 0, 0, 5, 0, 0}; break;
  }
  auto han = [&](const ChineseName& x, bool trad) { return trad ? Traditional(x) : Simplified(x); };
  switch (rng.Weighted(w)) {
    case 0: return han(n, trad_person);
    case 1: {
      ChineseName t;
      if (HomophoneTypo(n, rng, &t)) return han(t, trad_person);
      return han(n, trad_person);
    }
    case 2: return han(n, !trad_person);
    case 3: return PinyinFamily(n) + " " + PinyinGiven(n);
    case 4: return PinyinGiven(n) + " " + PinyinFamily(n);
    case 5: return ToUpperAscii(PinyinFamily(n)) + " " + PinyinGiven(n);
    case 6: return ToUpperAscii(PinyinFamily(n) + " " + PinyinGiven(n));
    case 7: {
      std::string fam = trad_person ? Surnames()[n.surname].trad : Surnames()[n.surname].simp;
      std::string giv;
      for (int g : n.given) giv += trad_person ? GivenChars()[g].trad : GivenChars()[g].simp;
      return fam + " " + giv;
    }
    case 8: return PinyinFamily(n) + ToLowerAscii(PinyinGiven(n));
    default: return ToLowerAscii(PinyinFamily(n) + " " + PinyinGiven(n));
  }
}

void Population::SplitName(const Person& p, View view, Rng& rng, std::string* family, std::string* given) const {
  if (p.script == Person::Script::kLatin) {
    *family = p.latin.last;
    *given = p.latin.first;
    if (view == View::kImport && rng.Chance(0.1)) *family = ToUpperAscii(*family);
    return;
  }
  bool trad = p.script == Person::Script::kTraditional;
  if (rng.Chance(view == View::kImport ? 0.25 : 0.08)) {
    *family = PinyinFamily(p.cn);
    *given = PinyinGiven(p.cn);
    return;
  }
  *family = trad ? Surnames()[p.cn.surname].trad : Surnames()[p.cn.surname].simp;
  given->clear();
  for (int g : p.cn.given) *given += trad ? GivenChars()[g].trad : GivenChars()[g].simp;
}

std::string Population::CompanyName(const Person& p) const {
  return p.company >= 0 ? companies_[p.company].canonical : "";
}

std::string Population::RenderCompanyOf(const Company& c, View view, Rng& rng) const {
  if (c.fixed_name) {
    if (!c.canonical_trad.empty() && view == View::kImport && rng.Chance(0.05)) return c.canonical_trad;
    return c.canonical;
  }
  if (!c.chinese) {
    // canonical, no suffix, "ACME", "ACME MOTION", brand only, missing
    std::vector<double> w;
    switch (view) {
      case View::kErp: w = {92, 8, 0, 0, 0, 0}; break;
      case View::kImport: w = {45, 20, 10, 10, 10, 5}; break;
      case View::kCallCentre: w = {30, 30, 0, 0, 30, 10}; break;
      default: w = {65, 20, 3, 5, 5, 2}; break;
    }
    switch (rng.Weighted(w)) {
      case 0: return c.canonical;
      case 1: return LatinCompanyName(c.latin, false);
      case 2: return ToUpperAscii(c.latin.brand);
      case 3: return ToUpperAscii(LatinCompanyName(c.latin, false));
      case 4: return c.latin.brand;
      default: return "";
    }
  }
  // canonical, no suffix, no city, short, English, English short, traditional, upper English short, missing
  std::vector<double> w;
  switch (view) {
    case View::kErp: w = {95, 5, 0, 0, 0, 0, 0, 0, 0}; break;
    case View::kImport: w = {40, 15, 8, 12, 8, 5, 4, 3, 5}; break;
    case View::kBusinessCard: w = {35, 10, 0, 0, 35, 10, 0, 10, 0}; break;
    case View::kCallCentre: w = {30, 20, 0, 40, 0, 0, 0, 0, 10}; break;
    case View::kSurvey:
    case View::kComplaint: w = {60, 20, 0, 20, 0, 0, 0, 0, 0}; break;
    default: w = {60, 12, 8, 8, 6, 3, 1, 0, 2}; break;
  }
  switch (rng.Weighted(w)) {
    case 0: return c.canonical;
    case 1: return CompanyChinese(c.cn, false, true, false);
    case 2: return CompanyChinese(c.cn, true, false, false);
    case 3: return CompanyChinese(c.cn, false, false, false);
    case 4: return CompanyEnglish(c.cn, true, true);
    case 5: return CompanyEnglish(c.cn, false, false);
    case 6: return CompanyChinese(c.cn, true, true, true);
    case 7: return ToUpperAscii(CompanyEnglish(c.cn, false, false));
    default: return "";
  }
}

std::string Population::RenderCompany(const Person& p, View view, Rng& rng) const {
  if (p.company < 0) return "";
  return RenderCompanyOf(companies_[p.company], view, rng);
}

std::string Population::RenderEmail(const Person& p, View view, Rng& rng) const {
  const bool staff = p.type == CustomerType::kExhibitor && p.shared_mailbox >= 0;
  // primary, secondary, case variant, shared mailbox, missing
  std::vector<double> w;
  switch (view) {
    case View::kRegistration: w = {75, 12, 5, staff ? 6.0 : 0.0, 8}; break;
    case View::kErp: w = {60, 5, 2, staff ? 30.0 : 0.0, 3}; break;
    case View::kSurvey: w = {80, 15, 5, 0, 0}; break;
    case View::kImport: w = {55, 15, 8, staff ? 15.0 : 0.0, 14}; break;
    case View::kBusinessCard: w = {80, 5, 5, staff ? 10.0 : 0.0, 5}; break;
    case View::kCallCentre: w = {40, 0, 0, 0, 60}; break;
    case View::kComplaint: w = {50, 0, 0, 0, 50}; break;
    case View::kBadge: w = {90, 10, 0, 0, 0}; break;
  }
  if (p.email2.empty()) w[1] = 0;
  if (p.email.empty()) w[0] = w[2] = 0;
  double total = 0;
  for (double x : w) total += x;
  if (total <= 0) return "";
  switch (rng.Weighted(w)) {
    case 0: return p.email;
    case 1: return p.email2;
    case 2: return rng.Chance(0.8) ? EmailCaseVariant(p.email) : ToUpperAscii(p.email);
    case 3: return companies_[p.company].shared_mailboxes[p.shared_mailbox];
    default: return "";
  }
}

std::string Population::RenderPhone(const Person& p, View view, Rng& rng) const {
  // mobile, landline, missing
  std::vector<double> w;
  switch (view) {
    case View::kRegistration: w = {88, 2, 10}; break;
    case View::kErp: w = {50, 45, 5}; break;
    case View::kImport: w = {65, 15, 20}; break;
    case View::kBusinessCard: w = {70, 25, 5}; break;
    case View::kCallCentre: w = {85, 15, 0}; break;
    case View::kSurvey: w = {30, 0, 70}; break;
    case View::kComplaint: w = {70, 5, 25}; break;
    case View::kBadge: w = {100, 0, 0}; break;
  }
  if (!p.has_mobile) w[0] = 0;
  if (!p.has_landline) w[1] = 0;
  if (w[0] + w[1] <= 0) return "";
  auto pick = [&](const std::vector<std::string>& texts) -> std::string {
    size_t i = rng.Weighted({70, 20, 10});
    return texts[std::min(i, texts.size() - 1)];
  };
  switch (rng.Weighted(w)) {
    case 0: return pick(p.mobile_texts);
    case 1: return pick(p.landline_texts);
    default: return "";
  }
}

std::string Population::RenderCity(const Person& p, View view, Rng& rng) const {
  if (p.city.empty()) return "";
  if (p.city_index < 0) return rng.Chance(0.9) ? p.city : ToUpperAscii(p.city);
  const City& c = Cities()[p.city_index];
  // simplified, with 市, pinyin, PINYIN, traditional, missing
  std::vector<double> w = view == View::kImport         ? std::vector<double>{55, 15, 12, 5, 5, 8}
                          : view == View::kBusinessCard ? std::vector<double>{30, 10, 50, 10, 0, 0}
                                                        : std::vector<double>{70, 15, 9, 0, 2, 4};
  switch (rng.Weighted(w)) {
    case 0: return c.name.simp;
    case 1: return StrCat(c.name.simp, "市");
    case 2: return Capitalize(c.name.pinyin);
    case 3: return ToUpperAscii(c.name.pinyin);
    case 4: return c.name.trad;
    default: return "";
  }
}

std::string Population::RenderCountry(const Person& p, View view, Rng& rng) const {
  if (p.country == "CN") {
    switch (rng.Weighted({50, 20, 22, 3, 5})) {
      case 0: return "CN";
      case 1: return "China";
      case 2: return "中国";
      case 3: return "PRC";
      default: return "";
    }
  }
  if (p.country == "HK") return rng.Chance(0.5) ? "HK" : rng.Chance(0.5) ? "Hong Kong" : "中国香港";
  if (p.country == "TW") return rng.Chance(0.5) ? "TW" : rng.Chance(0.5) ? "Taiwan" : "中国台湾";
  const Country* ct = FindCountry(p.country);
  if (!ct) return p.country;
  switch (rng.Weighted({50, 35, 10, 5})) {
    case 0: return ct->iso;
    case 1: return ct->name_en;
    case 2: return ct->name_zh;
    default: return "";
  }
}

std::string Population::RenderTitle(const Person& p, View view, Rng& rng) const {
  if (p.title < 0) return "";
  const Han& t = Titles()[p.title];
  bool english = p.script == Person::Script::kLatin || view == View::kBusinessCard ? rng.Chance(0.8) : rng.Chance(0.1);
  if (english) return t.pinyin;
  return p.script == Person::Script::kTraditional ? t.trad : t.simp;
}

std::string Population::RenderIndustry(const Person& p, Rng& rng) const {
  if (p.company < 0) return "";
  const Company& c = companies_[p.company];
  if (c.chinese && c.role != CompanyRole::kMedia && rng.Chance(0.15))
    return Industries(c.cn.kind)[c.cn.industry].english;
  return c.industry;
}

}  // namespace crm::simulate
