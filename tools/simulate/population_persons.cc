// The persons of a series: exhibitor staff, sponsor contacts, journalists and
// visitors, each with an identity: script and name, city, title, interests,
// e-mail addresses, phone numbers and accounts.

#include "tools/simulate/population.h"

#include <algorithm>
#include <cstdio>

#include "common/util/strings.h"
#include "tools/simulate/population_internal.h"

namespace crm::simulate {

using internal::FindCountry;
using internal::Slug;

namespace {

std::string Pad(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", std::min(width, 20), static_cast<long long>(v));
  return buf;
}

const std::vector<const char*>& Interests() {
  static const std::vector<const char*> v = {"新能源汽车",   "智能驾驶", "汽车零部件",  "后市场",
                                             "充电设施",     "汽车电子", "轮胎",        "改装",
                                             "EV batteries", "ADAS",     "aftermarket", "OEM supply"};
  return v;
}

}  // namespace

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

}  // namespace crm::simulate
