#include "services/lifecycle/domain/record.h"

#include <set>

#include "common/normalize/time.h"
#include "common/util/strings.h"

namespace crm::lifecycle {

namespace {

constexpr int64_t kDayMs = 86'400'000;

crm::v1::StageTransition ProtoOf(const Transition& t, const std::string& customer_id, const std::string& show_id) {
  crm::v1::StageTransition out;
  out.set_transition_id(TransitionId(customer_id, show_id, t.day));
  out.set_customer_id(customer_id);
  out.set_show_id(show_id);
  out.set_edition_id(t.edition_id);
  if (t.from) {
    out.set_from(ToProto(*t.from));
    out.set_from_alias(std::string(Seed000Alias(*t.from)));
  }
  out.set_to(ToProto(t.to));
  out.set_to_alias(std::string(Seed000Alias(t.to)));
  out.set_rule(t.rule);
  for (const auto& e : t.evidence) {
    auto* pe = out.add_evidence();
    pe->set_signal(e.signal);
    pe->set_before(e.before);
    pe->set_now(e.now);
    pe->set_weight(e.weight);
  }
  out.set_strategy(std::string(StrategyOf(t.to)));
  out.set_event_time_ms(t.day * kDayMs);
  return out;
}

// The same judgement, whatever its revision (serialization is
// deterministic for these messages: no maps, no unknown fields).
bool SameJudgement(const crm::v1::StageTransition& a, const crm::v1::StageTransition& b) {
  if (a.revision() == b.revision()) return a.SerializeAsString() == b.SerializeAsString();
  crm::v1::StageTransition b_at_a = b;
  b_at_a.set_revision(a.revision());
  return a.SerializeAsString() == b_at_a.SerializeAsString();
}

}  // namespace

crm::v1::LifecycleStage ToProto(Stage s) {
  switch (s) {
    case Stage::kCultivation: return crm::v1::LIFECYCLE_STAGE_CULTIVATION;
    case Stage::kConfirmation: return crm::v1::LIFECYCLE_STAGE_CONFIRMATION;
    case Stage::kTrust: return crm::v1::LIFECYCLE_STAGE_TRUST;
    case Stage::kWeakening: return crm::v1::LIFECYCLE_STAGE_WEAKENING;
    case Stage::kDissolution: return crm::v1::LIFECYCLE_STAGE_DISSOLUTION;
  }
  return crm::v1::LIFECYCLE_STAGE_UNSPECIFIED;
}

std::optional<Stage> FromProto(crm::v1::LifecycleStage s) {
  switch (s) {
    case crm::v1::LIFECYCLE_STAGE_CULTIVATION: return Stage::kCultivation;
    case crm::v1::LIFECYCLE_STAGE_CONFIRMATION: return Stage::kConfirmation;
    case crm::v1::LIFECYCLE_STAGE_TRUST: return Stage::kTrust;
    case crm::v1::LIFECYCLE_STAGE_WEAKENING: return Stage::kWeakening;
    case crm::v1::LIFECYCLE_STAGE_DISSOLUTION: return Stage::kDissolution;
    default: return std::nullopt;
  }
}

std::string TransitionId(const std::string& customer_id, const std::string& show_id, int64_t day) {
  return StrCat(customer_id, "|", show_id, "|", std::to_string(day));
}

CustomerHistory HistoryOfRecord(const crm::v1::LifecycleRecord& record, const SeriesContext& series, int64_t today) {
  CustomerHistory h = HistoryOf(record.input(), series.calendar, today);
  for (const auto& r : record.retention()) {
    if (auto it = h.editions.find(r.edition_id()); it != h.editions.end()) it->second.retention_probability = r.probability();
  }
  for (const auto& ed : h.calendar) {
    if (auto u = series.usual.find({ed.edition_id, record.customer_type()}); u != series.usual.end())
      h.usual[ed.edition_id] = u->second;
  }
  return h;
}

Judged Judge(crm::v1::LifecycleRecord record, const SeriesContext& series, int64_t today, const LifecycleRules& rules) {
  Judged out;
  const Evaluation ev = Evaluate(HistoryOfRecord(record, series, today), rules);
  std::map<std::string, crm::v1::StageTransition> before;  // by id, withdrawn ones included
  for (auto& t : *record.mutable_transitions()) before[t.transition_id()] = std::move(t);
  record.clear_transitions();
  std::set<std::string> now_ids;
  for (const auto& t : ev.transitions) {
    crm::v1::StageTransition pt = ProtoOf(t, record.customer_id(), record.show_id());
    now_ids.insert(pt.transition_id());
    if (auto it = before.find(pt.transition_id()); it != before.end()) {
      if (SameJudgement(it->second, pt)) {
        *record.add_transitions() = it->second;
        continue;
      }
      pt.set_revision(it->second.revision() + 1);
    }
    out.published.push_back(pt);
    *record.add_transitions() = std::move(pt);
  }
  for (auto& [id, t] : before) {
    if (now_ids.count(id)) continue;
    if (!t.withdrawn()) {
      t.set_withdrawn(true);
      t.set_revision(t.revision() + 1);
      out.published.push_back(t);
    }
    *record.add_transitions() = std::move(t);  // kept, so a later revision numbers on
  }
  record.clear_editions();
  for (const auto& es : ev.editions) {
    auto* e = record.add_editions();
    e->set_edition_id(es.edition_id);
    e->set_stage(ToProto(es.stage));
  }
  record.set_stage(ev.current ? ToProto(*ev.current) : crm::v1::LIFECYCLE_STAGE_UNSPECIFIED);
  out.record = std::move(record);
  return out;
}

void TakeProfile(crm::v1::LifecycleRecord& record, const crm::v1::Profile& profile,
                 const crm::v1::SeriesProfile& series) {
  record.set_customer_id(profile.customer_id());
  record.set_show_id(series.show_id());
  record.set_customer_type(profile.summary().customer_type());
  record.set_value(series.indicators().value());
  record.set_contribution_minor(series.indicators().contribution_lifetime().minor());
  record.set_currency(series.indicators().contribution_lifetime().currency());
  record.set_last_event_ms(profile.last_event_ms());
  record.set_merged(false);
  *record.mutable_input() = series;
  record.mutable_input()->clear_indicators();
  record.mutable_input()->clear_standing();
}

bool TakeRetention(crm::v1::LifecycleRecord& record, const std::vector<CalendarEdition>& calendar, double probability,
                   int64_t at_ms) {
  const int64_t day = normalize::UtcDayOfMillis(at_ms);
  const CalendarEdition* as_of = nullptr;  // the first edition whose close point is after the change
  for (const auto& ed : calendar) {
    if (day < ed.close_day + 1) {
      as_of = &ed;
      break;
    }
  }
  if (!as_of) return false;
  for (auto& r : *record.mutable_retention()) {
    if (r.edition_id() != as_of->edition_id) continue;
    if (at_ms < r.at_ms() || (at_ms == r.at_ms() && probability <= r.probability())) return false;
    r.set_probability(probability);
    r.set_at_ms(at_ms);
    return true;
  }
  auto* r = record.add_retention();
  r->set_edition_id(as_of->edition_id);
  r->set_probability(probability);
  r->set_at_ms(at_ms);
  return true;
}

void UsualLevelAccumulator::Add(const crm::v1::LifecycleRecord& record) {
  const SeriesContext bare{calendar_, {}};
  CustomerHistory h = HistoryOfRecord(record, bare, 0);
  if (auto it = h.editions.find(edition_id_); it != h.editions.end() && it->second.took_part)
    by_type_[record.customer_type()].push_back(it->second);
}

UsualLevels UsualLevelAccumulator::Finish() const {
  UsualLevels out;
  for (const auto& [type, obs] : by_type_) {
    std::vector<const EditionObservation*> ptrs;
    ptrs.reserve(obs.size());
    for (const auto& o : obs) ptrs.push_back(&o);
    out[{edition_id_, type}] = UsualLevelOf(ptrs);
  }
  return out;
}

}  // namespace crm::lifecycle
