// After the show: complaints (also the onsite ones), satisfaction surveys,
// and referrals of new customers for the next edition.

#include "tools/simulate/generator_internal.h"

#include "tools/simulate/civil_time.h"

namespace crm::simulate::internal {

namespace {

struct ComplaintText {
  const char* category;
  const char* text;
};
const ComplaintText kExhibitorComplaints[] = {
    {"booth-location", "展位位置太偏，人流很少"},
    {"booth-location", "Our booth was next to the loading area, almost no visitors."},
    {"visitor-quality", "专业观众太少，大部分是普通观众"},
    {"visitor-quality", "Too few qualified buyers this year."},
    {"unfair-treatment", "同样面积的展位，我们的价格比别人高"},
    {"unfair-treatment", "Larger exhibitors got better locations at the same price."},
    {"billing", "发票金额与合同不符"},
    {"logistics", "布展时货车进不了场，耽误了半天"},
    {"logistics", "Shipment arrived late, stand not ready on day one."},
};
const ComplaintText kVisitorComplaints[] = {
    {"crowding", "入口排队超过一个小时"},
    {"ticketing", "电子门票无法核验"},
    {"ticketing", "Pre-registration badge was not ready at the counter."},
    {"exhibitor-quality", "展商数量比去年少很多"},
    {"signage", "场馆指示牌不清楚，找不到会议室"},
    {"catering", "餐饮太贵而且排队"},
    {"transport", "地铁站到展馆的接驳车太少"},
};

const char* kPositiveComments[] = {"组织得很好，明年还来", "Great show, very professional.", "观众质量高",
                                   "收获很多新客户"};
const char* kNeutralComments[] = {"总体还可以", "OK overall, signage could be better.", "希望增加论坛场次"};
const char* kNegativeComments[] = {"效果不如去年", "Not worth the cost this year.", "展位费太贵，效果一般",
                                   "观众太少，考虑明年不参加了"};

}  // namespace

void Simulation::EmitComplaint(int e, uint32_t person, int64_t t, bool exhibitor, bool onsite, int32_t reg, Rng& rng) {
  const Person& p = pop_->persons()[person];
  const ComplaintText& ct =
      exhibitor ? kExhibitorComplaints[rng.Below(sizeof kExhibitorComplaints / sizeof kExhibitorComplaints[0])]
                : kVisitorComplaints[rng.Below(sizeof kVisitorComplaints / sizeof kVisitorComplaints[0])];
  Stage st = p.stages[e];
  uint32_t severity = static_cast<uint32_t>(rng.NormalInt(st == Stage::kWeakening ? 3.4 : 2.2, 1.0, 1, 5));
  std::string cid = StrCat("CP", Yy(e), "-", Pad(++counters_["complaint"], 6));
  auto person_json = [&]() {
    Json who = Json::Object();
    who.SetIfNotEmpty("full_name", pop_->RenderName(p, View::kComplaint, rng));
    if (exhibitor) who.SetIfNotEmpty("company", pop_->RenderCompany(p, View::kComplaint, rng));
    who.SetIfNotEmpty("phone", pop_->RenderPhone(p, View::kComplaint, rng));
    who.SetIfNotEmpty("email", pop_->RenderEmail(p, View::kComplaint, rng));
    if (onsite && reg >= 0 && rng.Chance(0.7)) who.Set("badge_id", regs_[static_cast<size_t>(reg)].badge);
    return who;
  };
  for (int leg = 0; leg < 2; ++leg) {
    if (leg == 1 && !rng.Chance(0.6)) break;
    int64_t when = leg == 0 ? t : t + rng.Range(2, 20) * kDay + rng.Range(0, 8 * 3600);
    std::string id = NextId("service-desk", "SD");
    Json ev = Envelope("service-desk", id, "", 0, e, when, TimeStyle::kLocal,
                       rng.Chance(0.5) ? CustomerTypeName(p.type) : nullptr);
    ev.Set("person", person_json());
    Json c = Json::Object();
    c.Set("complaint_id", cid);
    c.Set("category", ct.category);
    c.Set("severity", static_cast<long long>(severity));
    c.Set("text", leg == 0 ? std::string(ct.text) : StrCat("已处理 / resolved: ", ct.text));
    if (leg == 1) c.Set("resolved", true);
    ev.Set("complaint", std::move(c));
    EmitSingle(Topic::kTicketing, "service-desk", when + rng.Range(1, 30),
               MakeDraft(std::move(ev), person, Kind::kComplaint, "service-desk", "", 0, id), e);
  }
}

// --- after the show --------------------------------------------------------------

Json Simulation::EmailOrPhone(const Person& p, View email_view, double phone_p, Rng& rng) const {
  Json who = Json::Object();
  std::string email = pop_->RenderEmail(p, email_view, rng);
  who.SetIfNotEmpty("email", email);
  if (email.empty() || rng.Chance(phone_p)) who.SetIfNotEmpty("phone", pop_->RenderPhone(p, View::kRegistration, rng));
  return who;
}

void Simulation::PostShow(int e) {
  Rng rng(opt_.seed, "post", static_cast<uint64_t>(e));
  const auto& persons = pop_->persons();
  const auto& companies = pop_->companies();
  const ShowEditionPlan& ed = Ed(e);
  auto survey = [&](uint32_t pi, bool exhibitor) {
    const Person& p = persons[pi];
    Stage st = p.stages[e];
    double sat = st == Stage::kTrust ? 8.4 : st == Stage::kWeakening ? 4.6 : 7.0;
    double sd = st == Stage::kTrust ? 0.9 : st == Stage::kWeakening ? 1.4 : 1.3;
    double ret = st == Stage::kTrust ? 0.95 : st == Stage::kWeakening ? 0.25 : 0.72;
    if (p.style == "quality-seeking") sat -= 0.3;
    if (p.style == "cautious") sat += 0.1;
    int64_t t = DayStart(ed.close_day + rng.Range(1, 21)) + rng.Range(8 * 3600, 23 * 3600);
    std::string id = NextId("survey-tool", "SV");
    Json ev = Envelope("survey-tool", id, "", 0, e, t, PickStyle(rng, {0, 40, 0, 60, 0}), CustomerTypeName(p.type));
    Json who = EmailOrPhone(p, View::kSurvey, 0.1, rng);
    if (rng.Chance(0.4) || who.size() == 0) who.Set("full_name", pop_->RenderName(p, View::kSurvey, rng));
    if (exhibitor && rng.Chance(0.5)) who.SetIfNotEmpty("company", pop_->RenderCompany(p, View::kSurvey, rng));
    ev.Set("person", std::move(who));
    Json a = Json::Object();
    a.Set("survey_id", StrCat("SV-", ed.edition_id, exhibitor ? "-E" : "-V"));
    a.Set("expectation", static_cast<long long>(rng.NormalInt(7.5, 1.2, 0, 10)));
    a.Set("perceived_quality", static_cast<long long>(rng.NormalInt(sat + 0.2, 1.0, 0, 10)));
    a.Set("perceived_value", static_cast<long long>(rng.NormalInt(sat - 0.3, 1.1, 0, 10)));
    int64_t satisfaction = rng.NormalInt(sat, sd, 0, 10);
    a.Set("satisfaction", static_cast<long long>(satisfaction));
    a.Set("would_return", rng.Chance(ret));
    a.Set("would_recommend", static_cast<long long>(rng.NormalInt(sat + 0.3, 1.4, 0, 10)));
    Json items = Json::Object();
    static const char* kExhibitorItems[] = {"visitor_quality", "booth_location", "logistics", "organizer_service"};
    static const char* kVisitorItems[] = {"exhibitor_quality", "transport", "catering", "signage"};
    for (int k = 0; k < 4; ++k)
      items.Set(exhibitor ? kExhibitorItems[k] : kVisitorItems[k],
                static_cast<long long>(rng.NormalInt(sat, 1.5, 0, 10)));
    a.Set("items", std::move(items));
    if (rng.Chance(0.25)) {
      if (satisfaction >= 8)
        a.Set("comment", kPositiveComments[rng.Below(4)]);
      else if (satisfaction >= 6)
        a.Set("comment", kNeutralComments[rng.Below(3)]);
      else
        a.Set("comment", kNegativeComments[rng.Below(4)]);
    }
    ev.Set("survey_answer", std::move(a));
    EmitSingle(Topic::kTicketing, "survey-tool", t + rng.Range(1, 10),
               MakeDraft(std::move(ev), pi, Kind::kSurveyAnswer, "survey-tool", "", 0, id), e);
  };

  // Exhibitors: one survey per company, complaints when weakening.
  for (uint32_t ci : pop_->exhibitors()) {
    const Company& c = companies[ci];
    Stage st = c.stages[e];
    if (!Participates(st)) continue;
    if (rng.Chance(0.7)) survey(c.staff[rng.Chance(0.8) ? 0 : rng.Below(c.staff.size())], true);
    if (rng.Chance(st == Stage::kWeakening ? 0.5 : 0.05)) {
      int64_t t = DayStart(ed.close_day + rng.Range(1, 30)) + rng.Range(9 * 3600, 18 * 3600);
      EmitComplaint(e, c.staff[0], t, true, false, -1, rng);
    }
  }
  // Visitors, media, sponsors.
  for (uint32_t pi = 0; pi < persons.size(); ++pi) {
    const Person& p = persons[pi];
    Stage st = p.stages[e];
    if (!Participates(st) || p.type == CustomerType::kExhibitor) continue;
    if (reg_of_[pi] < 0) continue;
    double rp = st == Stage::kTrust ? 0.45 : st == Stage::kWeakening ? 0.35 : 0.30;
    if (rng.Chance(rp)) survey(pi, false);
    if (p.type != CustomerType::kSponsor && rng.Chance(st == Stage::kWeakening ? 0.10 : 0.005)) {
      int64_t t = DayStart(ed.close_day + rng.Range(1, 14)) + rng.Range(9 * 3600, 20 * 3600);
      EmitComplaint(e, pi, t, false, false, -1, rng);
    }
  }
}

// Referrals after the show: customers who took part recommend the show to
// someone else, trusting (loyal, satisfied) ones far more often than
// weakening ones. Most referred persons take part for the first time at the
// next edition; the rest never come. Own random stream, so the other records
// do not depend on it.
void Simulation::Referrals(int e) {
  Rng rng(opt_.seed, "referral", static_cast<uint64_t>(e));
  const auto& persons = pop_->persons();
  const ShowEditionPlan& ed = Ed(e);
  const int last = static_cast<int>(plan_.editions.size()) - 1;
  std::vector<uint32_t> newcomers, never;
  for (uint32_t pi = 0; pi < persons.size(); ++pi) {
    const Person& p = persons[pi];
    if (e < last && p.FirstParticipation() == e + 1) newcomers.push_back(pi);
    if (p.cultivation_only) never.push_back(pi);
  }
  if (newcomers.empty() && never.empty()) return;
  for (uint32_t pi = 0; pi < persons.size(); ++pi) {
    const Person& p = persons[pi];
    const Stage st = p.stages[e];
    if (!Participates(st)) continue;
    double rate = st == Stage::kTrust ? 0.12 : st == Stage::kWeakening ? 0.01 : 0.04;
    if (p.type == CustomerType::kExhibitor || p.type == CustomerType::kSponsor) rate *= 1.5;
    if (!rng.Chance(rate)) continue;
    const bool joins = !newcomers.empty() && (never.empty() || rng.Chance(0.7));
    const uint32_t referred = joins ? newcomers[rng.Below(newcomers.size())] : never[rng.Below(never.size())];
    const Person& r = persons[referred];
    int64_t t = DayStart(ed.close_day + rng.Range(3, 90)) + rng.Range(9 * 3600, 21 * 3600);
    std::string id = NextId("referral-portal", "RF");
    Json ev = Envelope("referral-portal", id, "", 0, e, t, PickStyle(rng, {0, 50, 0, 50, 0}), CustomerTypeName(p.type));
    Json who = EmailOrPhone(p, View::kRegistration, 0.3, rng);
    who.Set("full_name", pop_->RenderName(p, View::kRegistration, rng));
    ev.Set("person", std::move(who));
    Json ref = Json::Object();
    ref.Set("referral_id", StrCat("RF-", ed.edition_id, "-", Pad(counters_["referral-code"]++, 6)));
    Json whom = Json::Object();
    whom.Set("full_name", pop_->RenderName(r, View::kRegistration, rng));
    whom.SetIfNotEmpty("email", pop_->RenderEmail(r, View::kRegistration, rng));
    whom.SetIfNotEmpty("company", pop_->RenderCompany(r, View::kRegistration, rng));
    ref.Set("referred", std::move(whom));
    if (e < last) ref.Set("for_edition_id", Ed(e + 1).edition_id);
    ref.Set("channel", rng.Chance(0.5) ? "invitation-code" : "forwarded-email");
    ref.Set("referred_type", CustomerTypeName(r.type));
    ev.Set("referral", std::move(ref));
    Draft d = MakeDraft(std::move(ev), pi, Kind::kReferral, "referral-portal", "", 0, id);
    referrals_ += StrCat(d.id, ",", p.id, ",", r.id, ",", ed.edition_id, ",", joins ? 1 : 0, "\n");
    EmitSingle(Topic::kTicketing, "referral-portal", t + rng.Range(1, 10), std::move(d), e);
  }
}

}  // namespace crm::simulate::internal
