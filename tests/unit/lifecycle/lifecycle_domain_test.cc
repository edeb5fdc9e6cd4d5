// The lifecycle's stages, rules, weakening signals and stage machine, on
// hand-made histories and a clock given as a day.

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "services/lifecycle/domain/machine.h"

namespace crm::lifecycle {
namespace {

// Four editions, 2023-2026: open on day 100 + 365 n, four show days, a
// rebooking deadline 60 days after the close.
std::vector<CalendarEdition> Calendar() {
  std::vector<CalendarEdition> c;
  for (int n = 0; n < 4; ++n) {
    const int64_t open = 100 + 365 * n;
    c.push_back({std::to_string(2023 + n), open, open + 3, open + 63});
  }
  return c;
}

EditionObservation Visit(uint32_t days = 2, uint32_t visits = 10) {
  EditionObservation o;
  o.took_part = true;
  o.days = days;
  o.booth_visits = visits;
  return o;
}

EditionObservation Exhibit(double sqm, std::optional<int64_t> booked_day = std::nullopt) {
  EditionObservation o;
  o.took_part = true;
  o.exhibited = true;
  o.booth_area_sqm = sqm;
  o.days = 4;
  o.first_booking_day = booked_day;
  return o;
}

CustomerHistory History(std::map<std::string, EditionObservation> editions, int64_t today = 5000) {
  CustomerHistory h;
  h.calendar = Calendar();
  h.editions = std::move(editions);
  h.known_day = 0;
  h.today = today;
  return h;
}

std::vector<Stage> Stages(const Evaluation& e) {
  std::vector<Stage> out;
  for (const auto& s : e.editions) out.push_back(s.stage);
  return out;
}

// The default rules without the visitors' registration point, which the
// histories of most tests (no registrations) would all trip; it has a test
// of its own with the defaults.
const LifecycleRules kRules = [] {
  LifecycleRules r;
  r.registration_point_days = 0;
  return r;
}();

TEST(Stage, NamesAliasesAndStrategies) {
  std::set<std::string_view> strategies;
  for (Stage s : {Stage::kCultivation, Stage::kConfirmation, Stage::kTrust, Stage::kWeakening, Stage::kDissolution}) {
    EXPECT_EQ(ParseStage(StageName(s)), s);
    strategies.insert(StrategyOf(s));
  }
  EXPECT_EQ(strategies.size(), 5u);
  EXPECT_FALSE(ParseStage("decline").has_value());
  EXPECT_EQ(Seed000Alias(Stage::kCultivation), "exploration");
  EXPECT_EQ(Seed000Alias(Stage::kConfirmation), "formation");
  EXPECT_EQ(Seed000Alias(Stage::kTrust), "stability");
  EXPECT_EQ(Seed000Alias(Stage::kWeakening), "decline");
  EXPECT_EQ(Seed000Alias(Stage::kDissolution), "decline");
  EXPECT_NE(StrategyOf(Stage::kWeakening).find("cause"), std::string_view::npos);
}

TEST(Rules, EveryFieldByNameAndValidation) {
  LifecycleRules r;
  for (const auto& name : RuleFields().names()) ASSERT_TRUE(RuleFields().Set(r, name, 1).ok()) << name;
  for (const auto& name : RuleFields().names()) EXPECT_EQ(RuleFields().Get(r, name), 1) << name;
  EXPECT_EQ(RuleFields().names().size(), 30u);
  EXPECT_TRUE(ValidateRules(LifecycleRules{}).ok());
  EXPECT_EQ(LifecycleRules{}.registration_point_days, 14u);
  r = LifecycleRules{};
  r.scans_drop = 1.5;
  EXPECT_NE(ValidateRules(r).message().find("scans_drop"), std::string::npos);
  r = LifecycleRules{};
  r.dissolution_missed = 0;
  EXPECT_FALSE(ValidateRules(r).ok());
  r = LifecycleRules{};
  r.w_unfair = -1;
  EXPECT_NE(ValidateRules(r).message().find("w_unfair"), std::string::npos);
  EXPECT_FALSE(RuleFields().Set(r, "scans_min", 2.5).ok());
  EXPECT_FALSE(RuleFields().Set(r, "no_such_rule", 1).ok());
}

// Each signal: fires on a change past its threshold, not on one short of it.
TEST(Signals, EachFiresPastItsThresholdAndNotShortOfIt) {
  struct Case {
    const char* signal;
    std::function<void(EditionObservation&, EditionObservation&)> fires, short_of;
  };
  const std::vector<Case> cases = {
      {"booth_area_smaller", [](auto& b, auto& n) { b = Exhibit(36), n = Exhibit(30); },
       [](auto& b, auto& n) { b = Exhibit(36), n = Exhibit(33); }},
      {"fewer_days", [](auto& b, auto& n) { b.days = 3, n.days = 2; }, [](auto& b, auto& n) { b.days = 2, n.days = 2; }},
      {"fewer_scans_made", [](auto& b, auto& n) { b.scans_made = 20, n.scans_made = 10; },
       [](auto& b, auto& n) { b.scans_made = 4, n.scans_made = 0; }},  // below scans_min before
      {"fewer_booth_visits", [](auto& b, auto& n) { b.booth_visits = 10, n.booth_visits = 5; },
       [](auto& b, auto& n) { b.booth_visits = 10, n.booth_visits = 8; }},
      {"shorter_dwell", [](auto& b, auto& n) { b.dwell_per_visit_s = 300, n.dwell_per_visit_s = 200; },
       [](auto& b, auto& n) { b.dwell_per_visit_s = 0, n.dwell_per_visit_s = 100; }},  // not measured before
      {"more_complaints", [](auto& b, auto& n) { b.complaints = 0, n.complaints = 1; },
       [](auto& b, auto& n) { b.complaints = 1, n.complaints = 1; }},
      {"unfair_treatment", [](auto&, auto& n) { n.unfair_complaints = 1; }, [](auto& b, auto&) { b.unfair_complaints = 1; }},
      {"lower_satisfaction", [](auto& b, auto& n) { b.satisfaction = 80, n.satisfaction = 65; },
       [](auto& b, auto& n) { b.satisfaction = 80, n.satisfaction = 75; }},
      {"lower_satisfaction", [](auto&, auto& n) { n.satisfaction = 45; }, [](auto&, auto& n) { n.satisfaction = 55; }},
      {"would_not_return", [](auto&, auto& n) { n.would_return = false; }, [](auto&, auto& n) { n.would_return = true; }},
      {"falling_retention", [](auto& b, auto& n) { b.retention_probability = 0.8, n.retention_probability = 0.6; },
       [](auto& b, auto& n) { b.retention_probability = 0.8, n.retention_probability = 0.7; }},
      {"less_contact", [](auto&, auto& n) { n.campaigns_sent = 3, n.campaigns_opened = 0; },
       [](auto&, auto& n) { n.campaigns_sent = 3, n.campaigns_opened = 1; }},
      {"less_contact", [](auto&, auto& n) { n.sales_contacts = 3, n.sales_unanswered = 2; },
       [](auto&, auto& n) { n.sales_contacts = 3, n.sales_unanswered = 1; }},
  };
  for (const auto& c : cases) {
    EditionObservation b, n;
    c.fires(b, n);
    auto got = WeakeningSignals(b, n, kRules);
    ASSERT_EQ(got.size(), 1u) << c.signal;
    EXPECT_EQ(got[0].signal, c.signal);
    EXPECT_GT(got[0].weight, 0) << c.signal;
    EditionObservation b2, n2;
    c.short_of(b2, n2);
    EXPECT_TRUE(WeakeningSignals(b2, n2, kRules).empty()) << c.signal;
  }
  // The evidence holds the values compared.
  auto area = WeakeningSignals(Exhibit(36), Exhibit(18), kRules);
  ASSERT_EQ(area.size(), 1u);
  EXPECT_EQ(area[0].before, 36);
  EXPECT_EQ(area[0].now, 18);
  EXPECT_EQ(WeakeningScore(area), kRules.w_booth_area);
}

TEST(Signals, BelowTheUsualLevelOfTheCustomersType) {
  std::vector<EditionObservation> visitors;
  for (uint32_t v = 1; v <= 21; ++v) visitors.push_back(Visit(2, v));  // median 11 visits, 2 days
  visitors.push_back(EditionObservation{});                             // did not take part: not counted
  std::vector<const EditionObservation*> ptrs;
  for (const auto& o : visitors) ptrs.push_back(&o);
  const UsualLevel u = UsualLevelOf(ptrs);
  EXPECT_EQ(u.customers, 21u);
  EXPECT_EQ(u.booth_visits, 11);
  EXPECT_EQ(u.days, 2);
  auto low = LevelSignals(Visit(2, 5), u, kRules);  // 5 < 0.5 x 11
  ASSERT_EQ(low.size(), 1u);
  EXPECT_EQ(low[0].signal, "below_usual_visits");
  EXPECT_EQ(low[0].before, 11);
  EXPECT_TRUE(LevelSignals(Visit(2, 6), u, kRules).empty());
  // Too few customers for a usual level: no signal.
  UsualLevel few = u;
  few.customers = 5;
  EXPECT_TRUE(LevelSignals(Visit(2, 0), few, kRules).empty());
  // In the machine, with a second signal, it makes weakening.
  auto h = History({{"2023", Visit(2, 12)}, {"2024", Visit(1, 5)}}, 100 + 365 + 5);
  EXPECT_EQ(Evaluate(h, kRules).current, Stage::kWeakening);  // fewer days + fewer visits (relative)
  auto h2 = History({{"2023", Visit(1, 5)}, {"2024", Visit(1, 5)}}, 100 + 365 + 5);
  EXPECT_EQ(Evaluate(h2, kRules).current, Stage::kTrust);  // the same low level as before: no drop
  h2.usual["2024"] = u;
  h2.usual["2024"].days = 3;  // 1 < 0.5 x 3 too
  auto e = Evaluate(h2, kRules);
  EXPECT_EQ(e.current, Stage::kWeakening);
  EXPECT_EQ(e.transitions.back().evidence.size(), 2u);
}

TEST(Machine, KnownButNeverTakingPartIsCultivation) {
  auto e = Evaluate(History({}), kRules);
  EXPECT_EQ(Stages(e), std::vector<Stage>(4, Stage::kCultivation));
  ASSERT_EQ(e.transitions.size(), 1u);
  EXPECT_EQ(e.transitions[0].rule, "known");
  EXPECT_FALSE(e.transitions[0].from.has_value());
  // Unknown: no stage at all; known from 2025 on: stages from 2025.
  auto h = History({});
  h.known_day = std::nullopt;
  EXPECT_TRUE(Evaluate(h, kRules).editions.empty());
  h.known_day = 100 + 365 * 2;
  EXPECT_EQ(Evaluate(h, kRules).editions.size(), 2u);
}

TEST(Machine, FirstParticipationConfirmsAndARepeatWithoutSignalsIsTrust) {
  auto e = Evaluate(History({{"2024", Visit()}, {"2025", Visit()}, {"2026", Visit()}}), kRules);
  EXPECT_EQ(Stages(e), (std::vector<Stage>{Stage::kCultivation, Stage::kConfirmation, Stage::kTrust, Stage::kTrust}));
  ASSERT_EQ(e.transitions.size(), 3u);
  EXPECT_EQ(e.transitions[1].rule, "first_participation");
  EXPECT_EQ(e.transitions[1].day, 100 + 365 + 3 + 1);  // the day after 2024 closed
  EXPECT_EQ(e.transitions[2].rule, "repeat_participation");
  EXPECT_EQ(e.current, Stage::kTrust);
}

TEST(Machine, AnExcellentFirstShowIsTrustAtOnce) {
  auto first = Visit();
  first.satisfaction = 98;
  auto e = Evaluate(History({{"2023", first}}), kRules);
  ASSERT_FALSE(e.transitions.empty());
  EXPECT_EQ(e.transitions[0].to, Stage::kTrust);
  EXPECT_EQ(e.transitions[0].rule, "excellent_first_show");
  first.satisfaction = 90;
  EXPECT_EQ(Evaluate(History({{"2023", first}}), kRules).transitions[0].to, Stage::kConfirmation);
}

TEST(Machine, SignalsMakeWeakeningWithTheirEvidenceAndItRecoversToTrust) {
  auto weak = Visit(1, 2);  // fewer days (2 -> 1) and far fewer booth visits (10 -> 2)
  auto e = Evaluate(History({{"2023", Visit()}, {"2024", Visit()}, {"2025", weak}, {"2026", Visit(1, 2)}}), kRules);
  EXPECT_EQ(Stages(e), (std::vector<Stage>{Stage::kConfirmation, Stage::kTrust, Stage::kWeakening, Stage::kTrust}));
  const Transition* w = nullptr;
  for (const auto& t : e.transitions)
    if (t.to == Stage::kWeakening) w = &t;
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->rule, "weakening_signals");
  EXPECT_EQ(w->edition_id, "2025");
  ASSERT_EQ(w->evidence.size(), 2u);
  EXPECT_EQ(w->evidence[0].signal, "fewer_days");
  EXPECT_EQ(w->evidence[1].signal, "fewer_booth_visits");
  EXPECT_EQ(w->evidence[1].before, 10);
  EXPECT_EQ(w->evidence[1].now, 2);
  EXPECT_TRUE(IsWarning(*w));
  // 2026 repeats 2025's level: no signal against 2025, so it recovers.
  EXPECT_EQ(e.transitions.back().rule, "recovered");
  // One signal alone weighs 1, under the score of 2: still trust.
  auto one = Evaluate(History({{"2023", Visit()}, {"2024", Visit(1, 10)}}, 100 + 365 + 5), kRules);
  EXPECT_EQ(one.current, Stage::kTrust);
}

TEST(Machine, MissedEditionsDissolveAndConfirmationMayGoStraightThere) {
  auto e = Evaluate(History({{"2023", Visit()}}), kRules);  // confirmation, then gone
  EXPECT_EQ(Stages(e),
            (std::vector<Stage>{Stage::kConfirmation, Stage::kDissolution, Stage::kDissolution, Stage::kDissolution}));
  ASSERT_EQ(e.transitions.size(), 2u);
  EXPECT_EQ(e.transitions[1].rule, "missed_editions");
  EXPECT_EQ(e.transitions[1].from, Stage::kConfirmation);
  // With two misses needed, the first is weakening.
  LifecycleRules two = kRules;
  two.dissolution_missed = 2;
  auto t = Evaluate(History({{"2023", Visit()}, {"2024", Visit()}}), two);
  EXPECT_EQ(Stages(t), (std::vector<Stage>{Stage::kConfirmation, Stage::kTrust, Stage::kWeakening,
                                           Stage::kDissolution}));
  EXPECT_EQ(t.transitions[2].rule, "missed_edition");
}

TEST(Machine, ADissolvedCustomerWhoReturnsIsConfirmedAgain) {
  auto e = Evaluate(History({{"2023", Visit()}, {"2025", Visit()}}), kRules);
  EXPECT_EQ(Stages(e), (std::vector<Stage>{Stage::kConfirmation, Stage::kDissolution, Stage::kConfirmation,
                                           Stage::kDissolution}));
  EXPECT_EQ(e.transitions[2].rule, "returned");
}

TEST(Machine, NoRebookingByTheDeadlineIsAWarningAtTheDeadline) {
  const int64_t deadline_2024 = 100 + 365 + 63;
  // Trust in 2024, 2025 booked only after 2024's deadline.
  auto late = History({{"2023", Exhibit(36)}, {"2024", Exhibit(36, 150)}, {"2025", Exhibit(36, deadline_2024 + 10)}});
  auto e = Evaluate(late, kRules);
  const Transition* w = nullptr;
  for (const auto& t : e.transitions)
    if (t.rule == "no_rebooking" && !w) w = &t;
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->from, Stage::kTrust);
  EXPECT_EQ(w->edition_id, "2024");
  EXPECT_EQ(w->day, deadline_2024 + 1);
  ASSERT_EQ(w->evidence.size(), 1u);
  EXPECT_EQ(w->evidence[0].now, deadline_2024 + 10);
  // It came anyway with the same booth: back to trust at 2025's close.
  EXPECT_EQ(Stages(e)[2], Stage::kTrust);
  // Booked by the deadline: no warning; a visitor has no booking to make.
  auto on_time = History({{"2023", Exhibit(36)}, {"2024", Exhibit(36, 150)}, {"2025", Exhibit(36, deadline_2024)}});
  for (const auto& t : Evaluate(on_time, kRules).transitions)
    EXPECT_FALSE(t.rule == "no_rebooking" && t.edition_id == "2024");
  for (const auto& t : Evaluate(History({{"2023", Visit()}, {"2024", Visit()}}), kRules).transitions)
    EXPECT_NE(t.rule, "no_rebooking");
}

TEST(Machine, AVisitorNotRegisteredBeforeTheNextOpeningIsAWarning) {
  const LifecycleRules defaults;
  const int64_t open_2025 = 100 + 365 * 2;
  auto registered = [](int64_t day) {
    auto v = Visit();
    v.first_registration_day = day;
    return v;
  };
  // Trust in 2024 (registered for it in time), nothing for 2025 by 14 days before it opens.
  auto h = History({{"2023", Visit()}, {"2024", registered(100 + 365 - 30)}}, open_2025 - 1);
  auto e = Evaluate(h, defaults);
  ASSERT_EQ(e.current, Stage::kWeakening);
  EXPECT_EQ(e.transitions.back().rule, "no_registration");
  EXPECT_EQ(e.transitions.back().edition_id, "2024");
  EXPECT_EQ(e.transitions.back().day, open_2025 - 14);
  // Registered before the point: no warning; an exhibitor has the rebooking deadline instead.
  h.editions["2025"] = registered(open_2025 - 20);
  EXPECT_EQ(Evaluate(h, defaults).current, Stage::kTrust);
  h.editions["2025"] = registered(open_2025 - 14);  // on the point's day: too late
  EXPECT_EQ(Evaluate(h, defaults).current, Stage::kWeakening);
  auto ex = History({{"2023", Exhibit(36)}, {"2024", Exhibit(36, 150)}, {"2025", Exhibit(36, 100 + 365 + 30)}},
                    open_2025 - 1);
  for (const auto& t : Evaluate(ex, defaults).transitions) EXPECT_NE(t.rule, "no_registration");
  // Without the point (0 days), no warning.
  EXPECT_EQ(Evaluate(History({{"2023", Visit()}, {"2024", Visit()}}, open_2025 - 1), kRules).current, Stage::kTrust);
}

TEST(Machine, TheClockDecidesWhichPointsHaveCome) {
  const int64_t deadline_2024 = 100 + 365 + 63;
  auto h = History({{"2023", Exhibit(36)}, {"2024", Exhibit(36)}}, deadline_2024);
  auto before = Evaluate(h, kRules);
  EXPECT_EQ(before.current, Stage::kTrust);  // the deadline's day itself: still time to book
  h.today = deadline_2024 + 1;
  auto after = Evaluate(h, kRules);
  EXPECT_EQ(after.current, Stage::kWeakening);
  EXPECT_EQ(after.transitions.back().day, deadline_2024 + 1);
  // Before 2024 closed, only 2023 is judged.
  h.today = 100 + 365 + 3;
  EXPECT_EQ(Evaluate(h, kRules).editions.size(), 1u);
}

TEST(Machine, ALateEventChangesTheEditionItBelongsTo) {
  // 2024 judged with few booth visits (weakening); the next morning's upload
  // of an offline scanner brings them to the 2023 level.
  auto h = History({{"2023", Visit()}, {"2024", Visit(1, 2)}}, 100 + 365 + 5);
  EXPECT_EQ(Evaluate(h, kRules).current, Stage::kWeakening);
  h.editions["2024"].booth_visits = 10;
  h.editions["2024"].days = 2;
  auto again = Evaluate(h, kRules);
  EXPECT_EQ(again.current, Stage::kTrust);
  EXPECT_EQ(again.transitions.back().rule, "repeat_participation");
  // The same history evaluated twice gives the same transitions.
  auto twice = Evaluate(h, kRules);
  ASSERT_EQ(twice.transitions.size(), again.transitions.size());
  for (size_t i = 0; i < twice.transitions.size(); ++i) {
    EXPECT_EQ(twice.transitions[i].rule, again.transitions[i].rule);
    EXPECT_EQ(twice.transitions[i].day, again.transitions[i].day);
  }
}

}  // namespace
}  // namespace crm::lifecycle
