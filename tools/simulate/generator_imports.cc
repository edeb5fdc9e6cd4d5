// Department databases imported into the CRM: the old sales list, marketing
// leads, business cards and call-centre contacts, one import job each.

#include "tools/simulate/generator_internal.h"

#include "tools/simulate/civil_time.h"

namespace crm::simulate::internal {

void Simulation::ImportJob(int e, const std::string& department, const std::string& file, int64_t start,
                           std::vector<uint32_t> persons_in, View view, bool arrays, const char* record_prefix,
                           Rng& rng) {
  if (persons_in.empty()) return;
  const auto& persons = pop_->persons();
  // Department databases are messy: some people are in twice.
  std::vector<uint32_t> rows = persons_in;
  for (uint32_t pi : persons_in)
    if (rng.Chance(0.03)) rows.push_back(pi);
  rng.Shuffle(rows);
  std::string import_id = StrCat("IMP-", Ed(e).edition_id, "-", Pad(++counters_["import-job"], 3));
  std::vector<Draft> drafts;
  int64_t record_no = rng.Range(1000, 90000);
  int64_t last_t = start;
  for (size_t row = 0; row < rows.size(); ++row) {
    const Person& p = persons[rows[row]];
    int64_t t = start + static_cast<int64_t>(row) / 20;
    last_t = t;
    std::string id = StrCat(import_id, "-", Pad(static_cast<int64_t>(row + 1), 6));
    const char* ctype = nullptr;
    double ct = department == "sales-2019"    ? 0.8
                : department == "marketing"   ? 0.5
                : department == "call-centre" ? 0.3
                                              : 0;
    if (rng.Chance(ct)) ctype = CustomerTypeName(p.type);
    Json ev = Envelope("data-import", id, "", 0, e, t, PickStyle(rng, {80, 0, 0, 0, 20}), ctype);
    Json who = Json::Object();
    if (rng.Chance(0.2)) {
      std::string fam, giv;
      pop_->SplitName(p, View::kImport, rng, &fam, &giv);
      who.Set("family_name", fam);
      who.Set("given_name", giv);
    } else {
      std::string name = pop_->RenderName(p, view, rng);
      if (view != View::kImport || rng.Chance(0.94)) who.SetIfNotEmpty("full_name", name);
    }
    who.SetIfNotEmpty("company", pop_->RenderCompany(p, view, rng));
    if (rng.Chance(view == View::kBusinessCard ? 0.9 : 0.5))
      who.SetIfNotEmpty("title", pop_->RenderTitle(p, view, rng));
    std::string email = pop_->RenderEmail(p, view, rng);
    if (!email.empty() && view == View::kImport && rng.Chance(0.02)) email = " " + email;  // stray whitespace
    who.SetIfNotEmpty("email", email);
    who.SetIfNotEmpty("phone", pop_->RenderPhone(p, view, rng));
    who.SetIfNotEmpty("city", pop_->RenderCity(p, view, rng));
    if (rng.Chance(0.4)) who.SetIfNotEmpty("country", pop_->RenderCountry(p, view, rng));
    if (rng.Chance(0.3)) who.SetIfNotEmpty("industry", pop_->RenderIndustry(p, rng));
    if (department == "sales-2019" && !p.erp_contact.empty() && rng.Chance(0.3)) {
      who.Set("external_ids", Json::Array().Push(Json::Object().Set("system", "sales-erp").Set("id", p.erp_contact)));
    }
    bool identified = false;
    for (const char* k : {"full_name", "family_name", "email", "phone", "external_ids"})
      identified |= who.Find(k) != nullptr;
    if (!identified) who.Set("full_name", p.CanonicalName());
    ev.Set("person", std::move(who));
    Json pi = Json::Object();
    pi.Set("import_id", import_id);
    pi.Set("department", department);
    pi.Set("source_file", file);
    pi.Set("row_number", static_cast<long long>(row + 1));
    record_no += 1 + static_cast<int64_t>(rng.Below(4));
    pi.Set("record_id", StrCat(record_prefix, Pad(record_no, 6)));
    Json attrs = Json::Object();
    if (department == "sales-2019") {
      attrs.Set("customer_level", std::vector<const char*>{"A", "B", "C"}[rng.Weighted({20, 40, 40})]);
      attrs.Set("last_order_year", std::to_string(2016 + rng.Below(4)));
    } else if (department == "marketing") {
      attrs.Set("lead_source",
                std::vector<const char*>{"web-form", "trade-directory", "wechat", "partner-list"}[rng.Below(4)]);
    } else if (department == "call-centre") {
      attrs.Set("call_result",
                std::vector<const char*>{"interested", "no-answer", "call-back", "not-interested"}[rng.Below(4)]);
      attrs.Set("agent", StrCat("A", Pad(1 + rng.Below(40), 3)));
    } else {
      attrs.Set("collected_by", rng.Chance(0.5) ? "sales-team" : "service-desk");
    }
    pi.Set("attributes", std::move(attrs));
    ev.Set("profile_import", std::move(pi));
    Draft d = MakeDraft(std::move(ev), rows[row], Kind::kProfileImport, "data-import", "", 0, id);
    if (arrays) {
      drafts.push_back(std::move(d));
    } else {
      EmitSingle(Topic::kImports, "data-import", t, std::move(d), e);
    }
  }
  if (arrays) EmitBatches(Topic::kImports, "data-import", last_t + 1, drafts, e, 200, 0.0, rng);
  Progress(StrCat("crm-simulate: edition ", Ed(e).edition_id, ": import ", import_id, " (", department, ", ", file,
                  "): ", rows.size(), " rows"));
}

void Simulation::Imports(int e) {
  Rng rng(opt_.seed, "imports", static_cast<uint64_t>(e));
  const auto& persons = pop_->persons();
  const auto& companies = pop_->companies();
  const ShowEditionPlan& ed = Ed(e);
  const int year = opt_.start_year + e;
  auto at = [&](int64_t day) { return DayStart(day) + rng.Range(9 * 3600, 11 * 3600); };
  if (e == 0) {
    std::vector<uint32_t> rows;
    for (uint32_t ci : pop_->exhibitors()) {
      const Company& c = companies[ci];
      if (!c.in_sales_2019) continue;
      for (uint32_t pi : c.staff)
        if (pi == c.staff[0] || rng.Chance(0.8)) rows.push_back(pi);
    }
    ImportJob(e, "sales-2019", "sales_customers_2019.xlsx", at(ed.sales_open_day + 20), rows, View::kImport, true,
              "S19-", rng);
  }
  {
    std::vector<uint32_t> rows;
    for (uint32_t pi = 0; pi < persons.size(); ++pi) {
      const Person& p = persons[pi];
      bool staff = p.type == CustomerType::kExhibitor;
      if (p.import_edition == e && !(staff && companies[p.company].in_sales_2019)) {
        rows.push_back(pi);
      } else if (p.type == CustomerType::kProfessionalVisitor && Participates(p.stages[e]) &&
                 p.FirstParticipation() < e && rng.Chance(0.15)) {
        rows.push_back(pi);
      }
    }
    ImportJob(e, "marketing", StrCat("leads_", year, ".csv"), at(ed.sales_open_day + 60), rows, View::kImport, true,
              "MKT-", rng);
  }
  {
    std::vector<uint32_t> rows;
    for (uint32_t pi = 0; pi < persons.size(); ++pi) {
      const Person& p = persons[pi];
      if (!Participates(p.stages[e]) || reg_of_[pi] < 0) continue;
      if ((p.type == CustomerType::kProfessionalVisitor && rng.Chance(0.10)) ||
          (p.type == CustomerType::kExhibitor && rng.Chance(0.04)))
        rows.push_back(pi);
    }
    ImportJob(e, "business-cards", StrCat("cards_", year, ".csv"), at(ed.close_day + 10), rows, View::kBusinessCard,
              false, "BC-", rng);
  }
  {
    std::vector<uint32_t> rows;
    for (uint32_t pi = 0; pi < persons.size(); ++pi) {
      const Person& p = persons[pi];
      Stage s = p.stages[e];
      bool visitor = p.type == CustomerType::kProfessionalVisitor || p.type == CustomerType::kPublicVisitor;
      if ((Participates(s) && visitor && rng.Chance(0.08)) ||
          (Participates(s) && p.type == CustomerType::kExhibitor && rng.Chance(0.10)) ||
          (s == Stage::kCultivation && p.import_edition < e && rng.Chance(0.3)))
        rows.push_back(pi);
    }
    ImportJob(e, "call-centre", StrCat("cc_contacts_", year, ".csv"), at(ed.close_day + 40), rows, View::kCallCentre,
              false, "CC-", rng);
  }
}

}  // namespace crm::simulate::internal
