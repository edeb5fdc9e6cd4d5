// Ticketing-web registrations of an edition: who comes on which days,
// second registrations, badge and ticket numbers, registration events and
// ticket payments.

#include "tools/simulate/generator_internal.h"

#include <algorithm>
#include <cmath>

#include "tools/simulate/civil_time.h"

namespace crm::simulate::internal {

void Simulation::Registrations(int e) {
  Rng rng(opt_.seed, "registrations", static_cast<uint64_t>(e));
  const auto& persons = pop_->persons();
  const auto& companies = pop_->companies();
  const ShowEditionPlan& ed = Ed(e);
  const int days = ShowDays(e);
  regs_.clear();
  presences_.clear();
  reg_of_.assign(persons.size(), -1);
  reg2_of_.assign(persons.size(), -1);

  std::vector<double> public_day_w;
  for (int d = 0; d < days; ++d) public_day_w.push_back(Weekday(ed.open_day + d) >= 5 ? 3.0 : 1.0);

  auto fill_identity = [&](Registration& r, const Person& p, bool second) {
    View v = View::kRegistration;
    r.name = pop_->RenderName(p, v, rng);
    if (second && rng.Chance(0.5)) r.name = pop_->RenderName(p, View::kImport, rng);
    r.company = pop_->RenderCompany(p, v, rng);
    r.title = pop_->RenderTitle(p, v, rng);
    if (second) {
      // Registering again: usually another address, or the same one typed differently.
      r.email = !p.email2.empty() && rng.Chance(0.6)  ? p.email2
                : rng.Chance(0.5) && !p.email.empty() ? EmailCaseVariant(p.email)
                                                      : "";
    } else {
      r.email = pop_->RenderEmail(p, v, rng);
    }
    r.phone = pop_->RenderPhone(p, v, rng);
    r.city = pop_->RenderCity(p, v, rng);
    r.country = pop_->RenderCountry(p, v, rng);
    if (rng.Chance(0.35)) r.industry = pop_->RenderIndustry(p, rng);
    if (!second) {
      if (!p.ticket_account2.empty() && e >= p.account2_from) {
        r.account = p.ticket_account2;
      } else {
        r.account = p.ticket_account;
      }
    }
    if (r.name.empty() && r.email.empty() && r.phone.empty()) r.name = p.CanonicalName();
  };

  for (uint32_t pi = 0; pi < persons.size(); ++pi) {
    const Person& p = persons[pi];
    Stage s = p.stages[e];
    if (!Participates(s)) continue;
    // Who comes on which days.
    std::vector<int> day_list;
    switch (p.type) {
      case CustomerType::kExhibitor: {
        const Company& c = companies[p.company];
        if (pi != c.staff[0] && !rng.Chance(0.92)) continue;  // stays at the office
        for (int d = 0; d < days; ++d)
          if (rng.Chance(0.85)) day_list.push_back(d);
        if (day_list.empty()) day_list.push_back(0);
        break;
      }
      case CustomerType::kPublicVisitor: day_list.push_back(static_cast<int>(rng.Weighted(public_day_w))); break;
      case CustomerType::kProfessionalVisitor: {
        int n = s == Stage::kTrust          ? 1 + static_cast<int>(rng.Weighted({20, 50, 30}))
                : s == Stage::kConfirmation ? 1 + static_cast<int>(rng.Weighted({55, 35, 10}))
                                            : 1 + static_cast<int>(rng.Weighted({85, 15}));
        std::vector<int> all;
        for (int d = 0; d < days; ++d) all.push_back(d);
        rng.Shuffle(all);
        day_list.assign(all.begin(), all.begin() + std::min<int>(n, days));
        std::sort(day_list.begin(), day_list.end());
        break;
      }
      default: {
        int n = 1 + static_cast<int>(rng.Below(2));
        for (int d = 0; d < days && static_cast<int>(day_list.size()) < n; ++d)
          if (rng.Chance(0.6) || days - d <= n - static_cast<int>(day_list.size())) day_list.push_back(d);
        break;
      }
    }
    // Arrival and departure per day.
    std::vector<Presence> mine;
    for (int d : day_list) {
      int64_t day0 = DayStart(ed.open_day + d);
      int64_t close = day0 + (d == days - 1 ? 15 : 17) * 3600;
      int64_t arrive, leave;
      if (p.type == CustomerType::kExhibitor) {
        arrive = day0 + rng.Range(8 * 3600, 9 * 3600);
        leave = close + rng.Range(0, 40 * 60);
      } else {
        double h = 10.2 + std::abs(rng.Normal(0, 1.0));
        arrive = std::min(day0 + static_cast<int64_t>(h * 3600) - 3600 + rng.Range(0, 59), close - 3600);
        arrive = std::max(arrive, day0 + 8 * 3600 + 45 * 60);
        double stay = std::max(1.0, rng.Normal(s == Stage::kWeakening ? 2.5 : 4.0, 1.3));
        leave = std::min(arrive + static_cast<int64_t>(stay * 3600), close + rng.Range(0, 10 * 60));
      }
      mine.push_back({pi, d, arrive, leave, -1});
    }
    // The registration.
    Registration r;
    r.person = pi;
    double pre = 1.0;
    switch (p.type) {
      case CustomerType::kProfessionalVisitor:
        pre = s == Stage::kTrust ? 0.85 : s == Stage::kConfirmation ? 0.65 : 0.6;
        r.ticket_class = "trade";
        break;
      case CustomerType::kPublicVisitor:
        pre = 0.7;
        r.ticket_class = "public";
        r.valid_day = day_list[0];
        break;
      case CustomerType::kMedia:
        pre = 0.95;
        r.ticket_class = "media";
        break;
      case CustomerType::kSponsor: r.ticket_class = "vip"; break;
      case CustomerType::kExhibitor: r.ticket_class = "exhibitor-staff"; break;
    }
    r.onsite = !rng.Chance(pre);
    if (r.onsite) {
      r.time = mine[0].arrive - rng.Range(3 * 60, 15 * 60);
      r.channel = "onsite";
    } else {
      double u = rng.Uniform();
      int64_t days_before =
          p.type == CustomerType::kExhibitor ? rng.Range(7, 45) : 1 + static_cast<int64_t>(60 * u * u);
      r.time = DayStart(ed.open_day - days_before) + rng.Range(8 * 3600, 23 * 3600);
      r.channel = p.type == CustomerType::kExhibitor ? "exhibitor-portal"
                  : p.type == CustomerType::kSponsor ? "partner"
                                                     : "online";
    }
    if (r.ticket_class == "public")
      r.price_minor = r.onsite ? 15000 : (ed.open_day * kDay - r.time > 14 * kDay ? 8000 : 10000);
    fill_identity(r, p, false);
    reg_of_[pi] = static_cast<int32_t>(regs_.size());
    regs_.push_back(r);
    // Some people register twice (forgot, new e-mail, colleague registered them).
    bool twice = !r.onsite &&
                 (p.type == CustomerType::kProfessionalVisitor || p.type == CustomerType::kPublicVisitor) &&
                 rng.Chance(0.02);
    if (twice) {
      Registration r2 = r;
      r2.second = true;
      r2.time = std::min(r.time + rng.Range(3600, 10 * kDay), DayStart(ed.open_day) - rng.Range(600, 6 * 3600));
      r2.time = std::max(r2.time, r.time + 60);
      fill_identity(r2, p, true);
      reg2_of_[pi] = static_cast<int32_t>(regs_.size());
      regs_.push_back(r2);
    }
    int32_t worn = reg_of_[pi];
    if (reg2_of_[pi] >= 0 && rng.Chance(0.3)) worn = reg2_of_[pi];
    for (auto& m : mine) {
      m.reg = worn;
      presences_.push_back(m);
    }
  }

  // Badges and tickets are numbered in registration order.
  std::vector<uint32_t> order(regs_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (regs_[a].time != regs_[b].time) return regs_[a].time < regs_[b].time;
    return a < b;
  });
  std::map<char, int64_t> badge_no;
  int64_t ticket_no = rng.Range(100000, 400000);
  for (uint32_t i : order) {
    Registration& r = regs_[i];
    const Person& p = persons[r.person];
    char letter = p.type == CustomerType::kExhibitor ? 'E'
                  : p.type == CustomerType::kMedia   ? 'M'
                  : p.type == CustomerType::kSponsor ? 'S'
                                                     : 'V';
    int64_t& n = badge_no[letter];
    n += 1 + static_cast<int64_t>(rng.Below(3));
    r.badge = StrCat(Yy(e), "-", letter, Pad(n, 6));
    ticket_no += 1 + static_cast<int64_t>(rng.Below(5));
    r.ticket = StrCat("T", Yy(e), Pad(ticket_no, 7));
  }

  // Registration events (and ticket payments).
  for (uint32_t i : order) {
    const Registration& r = regs_[i];
    const Person& p = persons[r.person];
    std::string id = NextId("ticketing-web", "TW");
    Json ev =
        Envelope("ticketing-web", id, "", 0, e, r.time, PickStyle(rng, {85, 10, 0, 5, 0}), CustomerTypeName(p.type));
    Json person = Json::Object();
    if (!r.name.empty() && rng.Chance(0.1) && !r.second) {
      std::string fam, giv;
      pop_->SplitName(p, View::kRegistration, rng, &fam, &giv);
      person.Set("family_name", fam);
      person.Set("given_name", giv);
    } else {
      person.SetIfNotEmpty("full_name", r.name);
    }
    person.SetIfNotEmpty("company", r.company);
    person.SetIfNotEmpty("title", r.title);
    person.SetIfNotEmpty("email", r.email);
    person.SetIfNotEmpty("phone", r.phone);
    person.SetIfNotEmpty("country", r.country);
    person.SetIfNotEmpty("city", r.city);
    person.SetIfNotEmpty("industry", r.industry);
    person.Set("badge_id", r.badge);
    if (!r.account.empty()) {
      Json ids = Json::Array();
      ids.Push(Json::Object().Set("system", "ticketing-web").Set("id", r.account));
      person.Set("external_ids", std::move(ids));
    }
    ev.Set("person", std::move(person));
    if (rng.Chance(0.5)) {
      static const char* kRef[] = {"wechat", "email-invite", "search", "partner", "exhibitor-invite", "sms"};
      ev.Set("attributes", Json::Object().Set("referrer", kRef[rng.Below(6)]));
    }
    Json t = Json::Object();
    t.Set("ticket_id", r.ticket);
    t.Set("ticket_class", r.ticket_class);
    t.Set("channel", r.channel);
    t.Set("price_minor", static_cast<long long>(r.price_minor));
    t.Set("currency", "CNY");
    if (r.valid_day >= 0) t.Set("valid_days", Json::Array().Push(FormatDate(ed.open_day + r.valid_day)));
    if (!p.interests.empty() && rng.Chance(0.7)) {
      Json in = Json::Array();
      for (const auto& it : p.interests) in.Push(it);
      t.Set("interests", std::move(in));
    }
    ev.Set("ticket_registration", std::move(t));
    EmitSingle(Topic::kTicketing, "ticketing-web", r.time + rng.Range(0, 5),
               MakeDraft(std::move(ev), r.person, Kind::kTicketRegistration, "ticketing-web", "", 0, id), e);
    if (r.price_minor > 0) {
      int64_t tp = r.time + rng.Range(5, 90);
      std::string pid = NextId("ticketing-web", "TW");
      Json pe = Envelope("ticketing-web", pid, "", 0, e, tp, PickStyle(rng, {85, 10, 0, 5, 0}), nullptr);
      Json who = Json::Object();
      who.SetIfNotEmpty("email", r.email);
      who.SetIfNotEmpty("phone", r.phone);
      if (!r.account.empty()) {
        who.Set("external_ids", Json::Array().Push(Json::Object().Set("system", "ticketing-web").Set("id", r.account)));
      }
      who.Set("badge_id", r.badge);
      pe.Set("person", std::move(who));
      Json pay = Json::Object();
      pay.Set("invoice_id", StrCat("TKT", Yy(e), "-", Pad(++counters_["ticket-invoice"], 7)));
      pay.Set("amount_minor", static_cast<long long>(r.price_minor));
      pay.Set("currency", "CNY");
      pay.Set("purpose", "ticket");
      pay.Set("method", std::vector<const char*>{"wechat-pay", "alipay", "card"}[rng.Weighted({50, 40, 10})]);
      pe.Set("payment", std::move(pay));
      EmitSingle(Topic::kTicketing, "ticketing-web", tp,
                 MakeDraft(std::move(pe), r.person, Kind::kPayment, "ticketing-web", "", 0, pid), e);
    }
  }
}

}  // namespace crm::simulate::internal
