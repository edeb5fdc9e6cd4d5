// Exhibitors' side of the sales-erp: booth assignment per edition, booth
// bookings (reserved, confirmed, cancelled), their payments, and sponsorship
// payments.

#include "tools/simulate/generator_internal.h"

#include <algorithm>

#include "tools/simulate/civil_time.h"

namespace crm::simulate::internal {

Json Simulation::ErpPerson(const Person& p, Rng& rng) const {
  Json j = Json::Object();
  if (rng.Chance(0.3)) {
    std::string fam, giv;
    pop_->SplitName(p, View::kErp, rng, &fam, &giv);
    j.Set("family_name", fam);
    j.Set("given_name", giv);
  } else {
    j.Set("full_name", pop_->RenderName(p, View::kErp, rng));
  }
  j.SetIfNotEmpty("company", pop_->RenderCompany(p, View::kErp, rng));
  j.SetIfNotEmpty("title", pop_->RenderTitle(p, View::kErp, rng));
  j.SetIfNotEmpty("email", pop_->RenderEmail(p, View::kErp, rng));
  j.SetIfNotEmpty("phone", pop_->RenderPhone(p, View::kErp, rng));
  j.SetIfNotEmpty("city", pop_->RenderCity(p, View::kErp, rng));
  if (!p.erp_contact.empty() && rng.Chance(0.9)) {
    Json ids = Json::Array();
    ids.Push(Json::Object().Set("system", "sales-erp").Set("id", p.erp_contact));
    j.Set("external_ids", std::move(ids));
  }
  return j;
}

// --- booths and bookings -------------------------------------------------------

void Simulation::AssignBooths() {
  const auto& companies = pop_->companies();
  booth_.assign(plan_.editions.size(), std::vector<std::string>(companies.size()));
  for (int e = 0; e < static_cast<int>(plan_.editions.size()); ++e) {
    std::vector<uint32_t> list;
    for (uint32_t ci : pop_->exhibitors())
      if (Participates(companies[ci].stages[e])) list.push_back(ci);
    std::sort(list.begin(), list.end(), [&](uint32_t a, uint32_t b) {
      if (companies[a].hall != companies[b].hall) return companies[a].hall < companies[b].hall;
      if (companies[a].area[e] != companies[b].area[e]) return companies[a].area[e] > companies[b].area[e];
      return a < b;
    });
    std::map<int, int> next;
    for (uint32_t ci : list) {
      int k = next[companies[ci].hall]++;
      booth_[e][ci] = StrCat("H", companies[ci].hall, "-", static_cast<char>('A' + k / 40 % 26), Pad(k % 40 + 1, 2));
    }
  }
}

void Simulation::Bookings(int e) {
  Rng rng(opt_.seed, "bookings", static_cast<uint64_t>(e));
  const auto& companies = pop_->companies();
  const auto& persons = pop_->persons();
  const int E = static_cast<int>(plan_.editions.size());
  const ShowEditionPlan& ed = Ed(e);
  auto office_time = [&](int64_t day) { return DayStart(day) + rng.Range(9 * 3600, 18 * 3600); };
  auto contact = [&](const Company& c) -> uint32_t {
    return c.staff.size() > 1 && rng.Chance(0.3) ? c.staff[1 + rng.Below(c.staff.size() - 1)] : c.staff[0];
  };
  auto price_of = [&](const Company& c, double area, bool rebooked) -> int64_t {
    int64_t a = static_cast<int64_t>(area);
    int64_t rate = c.leader ? 1280 : area < 36 ? 1980 : 1580;
    int64_t yuan = a * rate;
    if (rebooked) yuan = yuan * 95 / 100;
    return yuan * 100;
  };
  auto booking = [&](const Company& c, uint32_t person, int edition, int64_t t, const std::string& booking_id,
                     const std::string& booth, double area, int64_t price, const char* status) {
    const Person& p = persons[person];
    std::string id = NextId("sales-erp", "ERP");
    Json ev = Envelope("sales-erp", id, "", 0, edition, t, PickStyle(rng, {90, 10, 0, 0, 0}), "exhibitor");
    ev.Set("person", ErpPerson(p, rng));
    ev.Set("attributes", Json::Object().Set("erp_customer", c.erp_id));
    Json b = Json::Object();
    b.Set("booking_id", booking_id);
    b.Set("hall", booth.substr(0, booth.find('-')));
    b.Set("booth", booth);
    b.Set("area_sqm", area);
    b.Set("price_minor", static_cast<long long>(price));
    b.Set("currency", "CNY");
    b.Set("status", status);
    b.Set("stand_type", area < 36 ? "shell-scheme" : "raw-space");
    ev.Set("booth_booking", std::move(b));
    EmitSingle(Topic::kTicketing, "sales-erp", t,
               MakeDraft(std::move(ev), person, Kind::kBoothBooking, "sales-erp", "", 0, id), edition);
  };
  auto payment = [&](const Company& c, uint32_t person, int edition, int64_t t, int64_t amount, const char* purpose) {
    const Person& p = persons[person];
    std::string id = NextId("sales-erp", "ERP");
    Json ev = Envelope("sales-erp", id, "", 0, edition, t, PickStyle(rng, {90, 10, 0, 0, 0}),
                       c.role == CompanyRole::kSponsor ? "sponsor" : "exhibitor");
    ev.Set("person", ErpPerson(p, rng));
    ev.Set("attributes", Json::Object().Set("erp_customer", c.erp_id));
    Json pay = Json::Object();
    pay.Set("invoice_id", StrCat("INV", Yy(edition), "-", Pad(++counters_["invoice"], 6)));
    pay.Set("amount_minor", static_cast<long long>(amount));
    pay.Set("currency", "CNY");
    pay.Set("purpose", purpose);
    pay.Set("method", rng.Chance(0.9) ? "bank-transfer" : "card");
    ev.Set("payment", std::move(pay));
    EmitSingle(Topic::kTicketing, "sales-erp", t,
               MakeDraft(std::move(ev), person, Kind::kPayment, "sales-erp", "", 0, id), edition);
  };

  for (uint32_t ci : pop_->exhibitors()) {
    const Company& c = companies[ci];
    Stage s = c.stages[e];
    if (Participates(s)) {
      bool rebooked = e > 0 && (c.stages[e - 1] == Stage::kConfirmation || c.stages[e - 1] == Stage::kTrust);
      int64_t t0;
      if (rebooked) {
        const ShowEditionPlan& prev = Ed(e - 1);
        if (rng.Chance(0.3)) {
          t0 = DayStart(prev.close_day) + rng.Range(10 * 3600, 15 * 3600);  // rebooked on site
        } else {
          t0 = office_time(prev.close_day + 1 + rng.Range(0, prev.rebooking_deadline_day - prev.close_day - 1));
        }
      } else {
        int64_t span = std::max<int64_t>(1, ed.open_day - 45 - ed.sales_open_day);
        // Early in the sales window more often than late.
        double u = rng.Uniform();
        t0 = office_time(ed.sales_open_day + static_cast<int64_t>(static_cast<double>(span) * u * u));
      }
      std::string bid = StrCat("BK", Yy(e), "-", Pad(ci + 1, 5));
      double area = c.area[e];
      int64_t price = price_of(c, area, rebooked);
      uint32_t who = contact(c);
      booking(c, who, e, t0, bid, booth_[e][ci], area, price, "reserved");
      int64_t t1 = std::min(t0 + rng.Range(3, 21) * kDay, DayStart(ed.open_day - 10) + rng.Range(9 * 3600, 17 * 3600));
      t1 = std::max(t1, t0 + 3600);
      booking(c, contact(c), e, t1, bid, booth_[e][ci], area, price, "confirmed");
      int64_t deposit = price * 30 / 100;
      int64_t t2 = t1 + rng.Range(5, 20) * kDay;
      int64_t t3 = std::max(t2 + 7 * kDay, DayStart(ed.open_day - rng.Range(20, 60)) + rng.Range(9 * 3600, 17 * 3600));
      if (t2 >= DayStart(ed.open_day)) t2 = t1 + 3600, t3 = t1 + 2 * 3600;
      payment(c, c.staff[0], e, t2, deposit, "booth");
      payment(c, c.staff[0], e, t3, price - deposit, "booth");
    }
    // A reservation for the next edition that is cancelled later: the customer
    // leaves without the weakening signals (dissolution straight after trust).
    if (e + 1 < E && (s == Stage::kConfirmation || s == Stage::kTrust) && c.stages[e + 1] == Stage::kDissolution &&
        rng.Chance(0.5)) {
      std::string bid = StrCat("BK", Yy(e + 1), "-", Pad(ci + 1, 5));
      int64_t t0 = office_time(ed.close_day + 1 + rng.Range(0, ed.rebooking_deadline_day - ed.close_day - 1));
      int64_t t1 = office_time(Ed(e + 1).sales_open_day + rng.Range(10, 120));
      int64_t price = price_of(c, c.area[e], true);
      booking(c, contact(c), e + 1, t0, bid, booth_[e][ci], c.area[e], price, "reserved");
      booking(c, contact(c), e + 1, t1, bid, booth_[e][ci], c.area[e], price, "cancelled");
    }
  }
}

void Simulation::Sponsorships(int e) {
  Rng rng(opt_.seed, "sponsors", static_cast<uint64_t>(e));
  const auto& companies = pop_->companies();
  const auto& persons = pop_->persons();
  const ShowEditionPlan& ed = Ed(e);
  for (uint32_t ci : pop_->sponsors()) {
    const Company& c = companies[ci];
    if (!Participates(c.stages[e])) continue;
    uint32_t who = c.staff[0];
    int64_t t = DayStart(ed.sales_open_day + rng.Range(30, 200)) + rng.Range(9 * 3600, 18 * 3600);
    std::string id = NextId("sales-erp", "ERP");
    Json ev = Envelope("sales-erp", id, "", 0, e, t, PickStyle(rng, {90, 10, 0, 0, 0}), "sponsor");
    ev.Set("person", ErpPerson(persons[who], rng));
    ev.Set("attributes", Json::Object().Set("erp_customer", c.erp_id));
    int64_t amount = rng.Range(20, 200) * 10000 * 100;
    if (c.stages[e] == Stage::kWeakening) amount /= 2;
    Json pay = Json::Object();
    pay.Set("invoice_id", StrCat("INV", Yy(e), "-", Pad(++counters_["invoice"], 6)));
    pay.Set("amount_minor", static_cast<long long>(amount));
    pay.Set("currency", "CNY");
    pay.Set("purpose", "sponsorship");
    pay.Set("method", "bank-transfer");
    ev.Set("payment", std::move(pay));
    EmitSingle(Topic::kTicketing, "sales-erp", t, MakeDraft(std::move(ev), who, Kind::kPayment, "sales-erp", "", 0, id),
               e);
  }
}

}  // namespace crm::simulate::internal
