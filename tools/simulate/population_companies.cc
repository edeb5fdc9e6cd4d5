// The companies of a series: exhibitors (with their hall, size and style),
// sponsors, media outlets and the buyer companies that employ visitors,
// mainland, foreign and from Hong Kong and Taiwan.

#include "tools/simulate/population.h"

#include <algorithm>
#include <cmath>

#include "common/util/strings.h"
#include "tools/simulate/population_internal.h"

namespace crm::simulate {

using internal::FindCountry;
using internal::Slug;

namespace {

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

}  // namespace

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

}  // namespace crm::simulate
