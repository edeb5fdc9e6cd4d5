// The show floor of an edition: gate check-ins, session attendance, onsite
// complaints, and booth scans from the exhibitors' scanners with their
// double taps, offline spells and uploaded batches.

#include "tools/simulate/generator_internal.h"

#include <algorithm>
#include <cmath>

#include "tools/simulate/civil_time.h"

namespace crm::simulate::internal {

namespace {

const char* kScanNotes[] = {"需要报价",
                            "要样品",
                            "Interested in OEM supply",
                            "询问代理政策",
                            "Wants catalogue",
                            "重点客户，展后回访",
                            "Asked about lead times",
                            "对新品感兴趣",
                            "Follow up by email",
                            "已加微信"};

const char* kSessionTitles[] = {
    "新能源汽车产业链论坛", "Smart Cockpit Summit",           "智能驾驶技术研讨会", "Battery Supply Chain Forum",
    "汽车后市场发展大会",   "Global Sourcing Matchmaking",    "充电基础设施圆桌",   "Aftermarket Digitalisation",
    "汽车零部件出口峰会",   "Lightweight Materials Workshop", "车联网安全论坛",     "Dealer Network Strategy"};

}  // namespace

Json Simulation::PersonFrom(const Registration& r, int capture) const {
  Json p = Json::Object();
  if (capture >= 1) {
    p.SetIfNotEmpty("full_name", r.name);
    p.SetIfNotEmpty("company", r.company);
  }
  if (capture >= 2) {
    p.SetIfNotEmpty("title", r.title);
    p.SetIfNotEmpty("email", r.email);
    p.SetIfNotEmpty("phone", r.phone);
  }
  p.Set("badge_id", r.badge);
  return p;
}

// --- the show floor -----------------------------------------------------------

void Simulation::ShowFloor(int e) {
  Rng rng(opt_.seed, "floor", static_cast<uint64_t>(e));
  const auto& persons = pop_->persons();
  const auto& companies = pop_->companies();
  const ShowEditionPlan& ed = Ed(e);
  const int days = ShowDays(e);

  // Scanner devices rented to exhibitors for this edition.
  devices_.clear();
  std::vector<std::vector<uint32_t>> devices_of(companies.size());
  std::vector<uint32_t> targets;
  std::vector<double> cumulative;
  double total = 0;
  for (uint32_t ci : pop_->exhibitors()) {
    const Company& c = companies[ci];
    if (!Participates(c.stages[e])) continue;
    double area = c.area[e];
    int n = 1 + (area >= 36) + (area >= 108) + (c.leader ? 3 : 0);
    for (int k = 0; k < n; ++k) {
      Device d;
      d.id = StrCat("LR", Yy(e), "-", Pad(ci + 1, 5), "-", k + 1);
      d.company = ci;
      d.next_seq = rng.Range(1, 400);
      d.style = PickStyle(rng, {65, 25, 10, 0, 0});
      d.company_text = pop_->RenderCompanyOf(c, View::kRegistration, rng);
      if (d.company_text.empty()) d.company_text = c.canonical;
      d.capture = static_cast<int>(rng.Weighted({35, 45, 20}));
      d.measures_dwell = rng.Chance(0.7);
      devices_of[ci].push_back(static_cast<uint32_t>(devices_.size()));
      devices_.push_back(std::move(d));
    }
    targets.push_back(ci);
    // Bigger stands and industry leaders draw more visitors.
    total += std::sqrt(area) * (c.leader ? 3.0 : 1.0) * (c.stages[e] == Stage::kWeakening ? 0.7 : 1.0);
    cumulative.push_back(total);
  }

  // Conference programme: six sessions a day.
  sessions_.clear();
  for (int d = 0; d < days; ++d) {
    for (int k = 0; k < 6; ++k) {
      Session s;
      s.id = StrCat("S", Yy(e), "-", Pad(d * 6 + k + 1, 2));
      s.title = kSessionTitles[(d * 6 + k + e * 5) % 12];
      s.day = d;
      s.start =
          DayStart(ed.open_day + d) + (k < 3 ? 9 * 3600 + 30 * 60 + k * 5400 : 13 * 3600 + 30 * 60 + (k - 3) * 5400);
      s.minutes = 60 + 15 * static_cast<int>(rng.Below(3));
      sessions_.push_back(s);
    }
  }
  // Sponsors and some leaders' staff speak.
  std::vector<uint32_t> speaker(sessions_.size(), UINT32_MAX);

  static const char* kGates[] = {"N1", "N2", "E1", "E2", "S2", "W1"};
  int64_t gate_events = 0, sessions = 0;
  for (int d = 0; d < days; ++d) {
    std::vector<ScanPlan> plans;
    for (const Presence& pr : presences_) {
      if (pr.day != d) continue;
      const Person& p = persons[pr.person];
      const Registration& reg = regs_[static_cast<size_t>(pr.reg)];
      Stage st = p.stages[e];
      // Gate readers: entry, sometimes the exit.
      std::string gate = p.type == CustomerType::kExhibitor ? "S1" : kGates[rng.Below(6)];
      for (int leg = 0; leg < 2; ++leg) {
        if (leg == 1 && !rng.Chance(0.3)) break;
        int64_t t = leg == 0 ? pr.arrive : pr.leave;
        std::string id = NextId("gate-readers", "GR");
        Json ev = Envelope("gate-readers", id, "", 0, e, t, PickStyle(rng, {45, 0, 55, 0, 0}),
                           rng.Chance(0.4) ? CustomerTypeName(p.type) : nullptr);
        ev.Set("person", Json::Object().Set("badge_id", reg.badge));
        Json g = Json::Object();
        g.Set("gate", gate);
        if (rng.Chance(0.6)) g.Set("ticket_id", reg.ticket);
        if (leg == 1) g.Set("exit", true);
        ev.Set("gate_check_in", std::move(g));
        ev.Set("attributes", Json::Object().Set("reader", StrCat(gate, "-", Pad(1 + rng.Below(8), 2))));
        EmitSingle(Topic::kTicketing, "gate-readers", t + rng.Range(1, 5),
                   MakeDraft(std::move(ev), pr.person, Kind::kGateCheckIn, "gate-readers", "", 0, id), e);
        ++gate_events;
      }
      // Sessions.
      double sp = 0;
      std::string role = "attendee";
      if (p.type == CustomerType::kProfessionalVisitor) {
        sp = p.style == "quality-seeking" ? 0.30 : p.style == "exploring" ? 0.18 : p.style == "cautious" ? 0.14 : 0.10;
        if (st == Stage::kTrust) sp *= 1.3;
      } else if (p.type == CustomerType::kMedia) {
        sp = 0.6;
      } else if (p.type == CustomerType::kSponsor) {
        sp = 0.7;
        role = "speaker";
      } else if (p.type == CustomerType::kExhibitor && companies[p.company].leader &&
                 pr.person == companies[p.company].staff[0]) {
        sp = 0.3;
        role = "speaker";
      }
      if (sp > 0 && rng.Chance(sp)) {
        std::vector<size_t> fit;
        for (size_t k = 0; k < sessions_.size(); ++k)
          if (sessions_[k].day == d && sessions_[k].start >= pr.arrive && sessions_[k].start + 1800 <= pr.leave &&
              (role != "speaker" || speaker[k] == UINT32_MAX))
            fit.push_back(k);
        if (!fit.empty()) {
          size_t k = rng.Pick(fit);
          if (role == "speaker") speaker[k] = pr.person;
          const Session& s = sessions_[k];
          int64_t t = s.start + (role == "speaker" ? -rng.Range(300, 900) : rng.Range(-300, 900));
          std::string id = NextId("session-app", "SA");
          Json ev = Envelope("session-app", id, "", 0, e, t, PickStyle(rng, {40, 60, 0, 0, 0}), nullptr);
          Json who = Json::Object();
          if (rng.Chance(0.4)) who.SetIfNotEmpty("full_name", reg.name);
          who.Set("badge_id", reg.badge);
          ev.Set("person", std::move(who));
          Json sa = Json::Object();
          sa.Set("session_id", s.id);
          sa.Set("title", s.title);
          int minutes = role == "speaker" ? s.minutes : static_cast<int>(s.minutes * rng.Uniform(0.3, 1.0));
          sa.Set("minutes", std::max(5, minutes));
          sa.Set("role", role);
          ev.Set("session_attendance", std::move(sa));
          EmitSingle(Topic::kTicketing, "session-app", t + rng.Range(1, 60),
                     MakeDraft(std::move(ev), pr.person, Kind::kSessionAttendance, "session-app", "", 0, id), e);
          ++sessions;
        }
      }
      // Onsite complaints at the service desk.
      if (p.type != CustomerType::kExhibitor && rng.Chance(st == Stage::kWeakening ? 0.10 : 0.01)) {
        EmitComplaint(e, pr.person, pr.arrive + (pr.leave - pr.arrive) / 2, false, true, pr.reg, rng);
      } else if (p.type == CustomerType::kExhibitor && d == 0 && pr.person == companies[p.company].staff[0] &&
                 rng.Chance(st == Stage::kWeakening ? 0.20 : 0.02)) {
        EmitComplaint(e, pr.person, pr.arrive + rng.Range(3600, 5 * 3600), true, true, pr.reg, rng);
      }
      // Booth scans.
      if (targets.empty()) continue;
      double mean = 0;
      if (p.type == CustomerType::kProfessionalVisitor) {
        mean = p.style == "exploring" ? 8.0 : p.style == "quality-seeking" ? 4.5 : p.style == "cautious" ? 3.0 : 5.0;
      } else if (p.type == CustomerType::kPublicVisitor) {
        mean = 1.2;
      }
      if (mean == 0) continue;
      mean *= st == Stage::kTrust ? 1.2 : st == Stage::kWeakening ? 0.55 : 1.0;
      int64_t n = rng.Count(mean);
      int64_t lo = pr.arrive + 600, hi = std::max(lo + 60, pr.leave - 300);
      for (int64_t k = 0; k < n; ++k) {
        uint32_t ci = targets[rng.WeightedCumulative(cumulative)];
        const auto& devs = devices_of[ci];
        ScanPlan s;
        s.device = devs[rng.Below(devs.size())];
        s.t = rng.Range(lo, hi);
        s.person = pr.person;
        s.reg = pr.reg;
        double dwell_mean = p.type == CustomerType::kPublicVisitor ? 80
                            : p.style == "exploring"               ? 90
                            : p.style == "quality-seeking"         ? 420
                            : p.style == "cautious"                ? 300
                                                                   : 200;
        if (st == Stage::kWeakening) dwell_mean *= 0.6;
        s.dwell = static_cast<uint32_t>(rng.NormalInt(dwell_mean, dwell_mean * 0.5, 10, 1800));
        double rating = p.type == CustomerType::kPublicVisitor ? 1.2
                        : p.style == "quality-seeking"         ? 3.2
                        : p.style == "cautious"                ? 2.8
                        : p.style == "exploring"               ? 2.2
                                                               : 2.5;
        rating += st == Stage::kTrust ? 0.4 : st == Stage::kWeakening ? -0.6 : 0;
        s.rating = static_cast<uint32_t>(rng.NormalInt(rating, 1.1, 0, 5));
        s.note = rng.Chance(0.15) ? static_cast<int32_t>(rng.Below(sizeof kScanNotes / sizeof kScanNotes[0])) : -1;
        s.topics = rng.Chance(0.3) ? static_cast<uint8_t>(1 + rng.Below(7)) : 0;
        s.order = static_cast<uint32_t>(plans.size());
        plans.push_back(s);
      }
    }
    ProcessDeviceDay(e, plans, rng);
  }
  Progress(StrCat("crm-simulate: edition ", ed.edition_id, ": ", presences_.size(), " visits, ", gate_events,
                  " gate reads, ", sessions, " session attendances, ", devices_.size(), " scanners"));
}

void Simulation::ProcessDeviceDay(int e, std::vector<ScanPlan>& plans, Rng& rng) {
  const auto& persons = pop_->persons();
  std::sort(plans.begin(), plans.end(), [](const ScanPlan& a, const ScanPlan& b) {
    if (a.device != b.device) return a.device < b.device;
    if (a.t != b.t) return a.t < b.t;
    return a.order < b.order;
  });
  size_t i = 0;
  while (i < plans.size()) {
    size_t j = i;
    while (j < plans.size() && plans[j].device == plans[i].device) ++j;
    Device& dev = devices_[plans[i].device];
    // Double taps: the same badge again a few seconds later, with a new sequence number.
    std::vector<ScanPlan> scans;
    std::vector<int32_t> tap_of;
    for (size_t k = i; k < j; ++k) {
      scans.push_back(plans[k]);
      tap_of.push_back(-1);
      if (rng.Chance(0.03)) {
        ScanPlan tap = plans[k];
        tap.tap = true;
        tap.t = plans[k].t + rng.Range(1, 4);
        if (k + 1 < j) tap.t = std::min(tap.t, plans[k + 1].t);
        tap_of.push_back(static_cast<int32_t>(scans.size() - 1));
        scans.push_back(tap);
      }
    }
    std::vector<std::string> ids(scans.size());
    for (size_t k = 0; k < scans.size(); ++k) {
      scans[k].seq = dev.next_seq;
      dev.next_seq += rng.Chance(0.02) ? 2 : 1;  // a failed read leaves a gap
      ids[k] = DerivedEventId("scanner-fleet", dev.id, scans[k].seq, "");
      if (tap_of[k] >= 0) {
        taps_.emplace_back(ids[k], ids[static_cast<size_t>(tap_of[k])]);
        ++stats_.double_taps;
      }
    }
    // Connectivity: online, offline for a spell, or offline all day.
    int mode = static_cast<int>(rng.Weighted({70, 20, 10}));
    int64_t spell_from = 0, spell_to = -1;
    if (mode == 1) {
      int64_t first = scans.front().t, last = scans.back().t;
      spell_from =
          first + static_cast<int64_t>(rng.Uniform() * static_cast<double>(std::max<int64_t>(1, last - first)));
      spell_to = spell_from + rng.Range(30 * 60, 150 * 60);
    } else if (mode == 2) {
      spell_from = INT64_MIN;
      spell_to = INT64_MAX;
    }
    std::vector<Draft> buffered;
    int64_t buffered_last = 0;
    auto flush = [&](int64_t upload) {
      if (buffered.empty()) return;
      EmitBatches(Topic::kScans, dev.id, upload, buffered, e, 150, 0.15, rng);
      buffered.clear();
    };
    for (size_t k = 0; k < scans.size(); ++k) {
      const ScanPlan& s = scans[k];
      const Person& p = persons[s.person];
      const Registration& reg = regs_[static_cast<size_t>(s.reg)];
      Json ev = Envelope("scanner-fleet", "", dev.id, s.seq, e, s.t, dev.style, nullptr);
      ev.Set("person", PersonFrom(reg, dev.capture));
      Json b = Json::Object();
      b.Set("exhibitor_company", dev.company_text);
      const std::string& booth = booth_[e][dev.company];
      b.Set("hall", booth.substr(0, booth.find('-')));
      b.Set("booth", booth);
      if (dev.measures_dwell) b.Set("dwell_seconds", static_cast<long long>(s.tap ? rng.Range(0, 3) : s.dwell));
      b.Set("lead_rating", static_cast<long long>(s.rating));
      if (s.topics && !p.interests.empty()) {
        Json in = Json::Array();
        for (size_t q = 0; q < p.interests.size(); ++q)
          if (s.topics & (1u << q)) in.Push(p.interests[q]);
        if (in.size()) b.Set("interests", std::move(in));
      }
      if (s.note >= 0) b.Set("note", kScanNotes[s.note]);
      ev.Set("booth_scan", std::move(b));
      Draft d;
      d.json = std::move(ev);
      d.person = s.person;
      d.kind = Kind::kBoothScan;
      d.id = ids[k];
      bool offline = s.t >= spell_from && s.t <= spell_to;
      if (offline) {
        buffered.push_back(std::move(d));
        buffered_last = s.t;
      } else {
        if (!buffered.empty()) flush(std::max(buffered_last, spell_to) + rng.Range(60, 600));
        EmitSingle(Topic::kScans, dev.id, s.t + rng.Range(1, 20), std::move(d), e);
      }
    }
    if (!buffered.empty()) {
      int64_t upload;
      if (mode == 2) {
        // End of the day, or next morning (not after the last day).
        int64_t day_start = (buffered_last / kDay) * kDay;
        bool last_day = buffered_last / kDay == Ed(e).close_day;
        upload = !last_day && rng.Chance(0.3)
                     ? day_start + kDay + rng.Range(8 * 3600 + 30 * 60, 9 * 3600 + 30 * 60)
                     : std::max(buffered_last + 300, day_start + rng.Range(17 * 3600 + 900, 19 * 3600 + 1800));
      } else {
        upload = std::max(buffered_last, spell_to) + rng.Range(60, 600);
      }
      flush(upload);
    }
    i = j;
  }
}

}  // namespace crm::simulate::internal
