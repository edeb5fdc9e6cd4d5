#pragma once

// The hidden truth of the simulation: companies, persons, their latent traits
// and their relationship trajectory across the editions of a show series,
// plus the ways each person's identity gets written down by different systems.

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "tools/simulate/names.h"
#include "tools/simulate/phones.h"
#include "tools/simulate/rng.h"

namespace crm::simulate {

enum class CustomerType : uint8_t { kExhibitor, kProfessionalVisitor, kPublicVisitor, kSponsor, kMedia };
const char* CustomerTypeName(CustomerType t);

// Relationship stage per person and series (DESIGN.md section 4).
enum class Stage : int8_t { kUnknown = -1, kCultivation, kConfirmation, kTrust, kWeakening, kDissolution };
const char* StageName(Stage s);
inline bool Participates(Stage s) { return s == Stage::kConfirmation || s == Stage::kTrust || s == Stage::kWeakening; }

struct ShowEditionPlan {
  std::string edition_id;  // "2025"
  std::string name;
  int64_t open_day = 0;  // days since epoch
  int64_t close_day = 0;
  int64_t rebooking_deadline_day = 0;
  int64_t sales_open_day = 0;
};

struct SeriesPlan {
  std::string show_id;
  std::string name;
  std::string venue;
  std::string city;
  std::string country = "CN";
  std::string time_zone = "Asia/Shanghai";
  std::vector<ShowEditionPlan> editions;
};

SeriesPlan MakeSeriesPlan(const std::string& show_id, int start_year, int editions, uint64_t seed);

enum class CompanyRole : uint8_t { kExhibitor, kBuyer, kSponsor, kMedia };

struct Company {
  CompanyRole role = CompanyRole::kExhibitor;
  bool chinese = true;
  ChineseCompany cn;
  LatinCompany latin;
  std::string country = "CN";  // ISO
  std::string city;            // canonical city name (Chinese for CN)
  std::string area_code;       // mainland switchboard area code
  std::string canonical;       // canonical legal name
  std::string domain;          // e-mail domain
  std::string industry;        // display industry (Chinese for CN)
  std::string erp_id;          // sales-erp customer number
  std::string canonical_trad;  // media outlets: Traditional form (else empty)
  bool fixed_name = false;     // media outlets: always written the same way
  bool has_switchboard = false;
  PhoneNumber switchboard;
  std::vector<std::string> shared_mailboxes;  // info@, sales@, service@
  std::vector<uint32_t> staff;                // persons

  // Exhibitors (and sponsors): company-level behaviour.
  bool leader = false;
  int size_class = 0;         // 0 small, 1 medium, 2 large, 3 industry leader
  std::string style;          // rational / mainstream / trial
  std::vector<Stage> stages;  // per edition
  std::vector<double> area;   // confirmed booth area per edition (0 when absent)
  int hall = 1;
  int import_edition = -1;  // first edition the sales database knew it (cultivation)
  bool in_sales_2019 = false;
};

struct Person {
  std::string id;  // "P000123"
  CustomerType type = CustomerType::kProfessionalVisitor;
  int32_t company = -1;
  int gender = 0;
  enum class Script : uint8_t { kChinese, kTraditional, kLatin } script = Script::kChinese;
  ChineseName cn;
  LatinName latin;
  std::string country = "CN";  // ISO
  std::string city;            // canonical city (Chinese for mainland)
  int city_index = -1;         // into Cities() for mainland persons
  int title = -1;              // into Titles()
  std::string style;
  // Contact data.
  std::string email;        // primary
  std::string email2;       // second address, may be empty
  int shared_mailbox = -1;  // index into the company's shared mailboxes, -1 none
  bool has_mobile = false;
  PhoneNumber mobile;
  std::vector<std::string> mobile_texts;  // habitual renderings, first most used; all validated
  bool has_landline = false;
  PhoneNumber landline;
  std::vector<std::string> landline_texts;
  std::string ticket_account;   // ticketing-web account, may be empty
  std::string ticket_account2;  // a second account opened later, may be empty
  int account2_from = -1;       // edition from which the second account is used
  std::string erp_contact;      // sales-erp contact id (exhibitor/sponsor contacts)
  std::vector<std::string> interests;
  // Lifecycle.
  std::vector<Stage> stages;  // per edition
  int import_edition = -1;    // edition whose imports first list the person, -1 none
  bool cultivation_only = false;

  std::string CanonicalName() const;
  int FirstParticipation() const;
};

// Where an identity is being written down; each source has its own habits.
enum class View : uint8_t {
  kRegistration,  // ticketing-web form, typed by the person
  kBadge,         // data printed on / encoded in the badge
  kErp,           // sales-erp contact of an exhibitor or sponsor
  kSurvey,
  kComplaint,
  kImport,  // department databases
  kBusinessCard,
  kCallCentre,
};

struct PopulationOptions {
  int visitors = 50000;
  int exhibitors = 2000;
  int editions = 3;
  uint64_t seed = 7;
};

class Population {
 public:
  Population(const PopulationOptions& options, const PhoneValidator& validator);

  const std::vector<Person>& persons() const { return persons_; }
  const std::vector<Company>& companies() const { return companies_; }
  const std::vector<uint32_t>& exhibitors() const { return exhibitors_; }  // company indices
  const std::vector<uint32_t>& sponsors() const { return sponsors_; }      // company indices
  int editions() const { return editions_; }
  size_t phone_draws() const { return phone_draws_; }
  size_t phone_rejects() const { return phone_rejects_; }

  // Renderings of identity fields, drawn per call with the habits of `view`.
  std::string RenderName(const Person& p, View view, Rng& rng) const;
  std::string RenderCompany(const Person& p, View view, Rng& rng) const;
  std::string RenderCompanyOf(const Company& c, View view, Rng& rng) const;
  std::string RenderEmail(const Person& p, View view, Rng& rng) const;
  std::string RenderPhone(const Person& p, View view, Rng& rng) const;
  std::string RenderCity(const Person& p, View view, Rng& rng) const;
  std::string RenderCountry(const Person& p, View view, Rng& rng) const;
  std::string RenderTitle(const Person& p, View view, Rng& rng) const;
  std::string RenderIndustry(const Person& p, Rng& rng) const;
  // Family and given name as separate fields (for sources that split them).
  void SplitName(const Person& p, View view, Rng& rng, std::string* family, std::string* given) const;
  // Canonical company name of a person ("" for none).
  std::string CompanyName(const Person& p) const;

 private:
  void BuildCompanies(Rng& rng);
  void BuildPersons(Rng& rng);
  void DrawTrajectories(Rng& rng);
  void DrawAreas(Rng& rng);
  uint32_t NewPerson(CustomerType type, int32_t company, Rng& rng);
  void AssignIdentity(Person& p, Rng& rng);
  std::string UniqueEmail(std::string local, const std::string& domain);
  std::vector<Stage> Trajectory(Rng& rng, int entry, int import_edition, bool cultivation_only, CustomerType type,
                                const std::string& style, bool leader);
  Company MakeChineseCompany(Rng& rng, CompanyRole role);
  Company MakeLatinCompany(Rng& rng, CompanyRole role, const std::string& country);

  PopulationOptions options_;
  int editions_;
  const PhoneValidator& validator_;
  PhoneFactory phones_;
  std::vector<Company> companies_;
  std::vector<Person> persons_;
  std::vector<uint32_t> exhibitors_;
  std::vector<uint32_t> sponsors_;
  std::vector<uint32_t> buyers_;          // buyer companies (visitor employers)
  std::vector<double> buyer_cumulative_;  // Zipf weights for employer choice
  std::vector<uint32_t> media_;
  std::vector<uint32_t> foreign_buyers_;
  std::vector<double> foreign_buyer_cumulative_;
  std::vector<uint32_t> hktw_buyers_;
  std::unordered_set<std::string> emails_;  // lower-case addresses handed out
  std::unordered_set<std::string> company_keys_;
  std::unordered_set<std::string> domains_;
  int64_t next_account_ = 0;
  int64_t next_contact_ = 0;
  size_t phone_draws_ = 0;
  size_t phone_rejects_ = 0;
};

// "Zhang.Wei@Huadong-auto.com" style variant of an address.
std::string EmailCaseVariant(const std::string& email);

}  // namespace crm::simulate
