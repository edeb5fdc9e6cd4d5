// The population's vocabulary (customer types, stages, a person's canonical
// name), the series plan, the helpers shared by the population_*.cc files, and
// the constructor that builds companies, trajectories, areas and persons in
// that order.

#include "tools/simulate/population.h"

#include <algorithm>
#include <string_view>

#include "common/util/strings.h"
#include "tools/simulate/civil_time.h"
#include "tools/simulate/population_internal.h"

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

// --- Helpers shared by the population_*.cc files ------------------------------

namespace internal {

std::string Slug(std::string_view s) {
  std::string folded = ToLowerAscii(AsciiFold(s));
  std::string out;
  for (char c : folded)
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(c);
  return out;
}

const Country* FindCountry(const std::string& iso) {
  for (const auto& c : ForeignCountries())
    if (iso == c.iso) return &c;
  return nullptr;
}

}  // namespace internal

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

}  // namespace crm::simulate
