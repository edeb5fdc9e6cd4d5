#include "services/lifecycle/engine.h"

#include <set>

#include "common/log/log.h"
#include "common/util/strings.h"

namespace crm::lifecycle {

namespace {

std::vector<std::string> SplitBars(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t bar; (bar = s.find('|', start)) != std::string::npos; start = bar + 1) out.push_back(s.substr(start, bar - start));
  out.push_back(s.substr(start));
  return out;
}

}  // namespace

absl::StatusOr<SeriesContext> LifecycleEngine::ContextOf(const std::string& show_id, const Calendars& calendars) {
  SeriesContext ctx;
  if (auto it = calendars.find(show_id); it != calendars.end()) ctx.calendar = it->second;
  auto usual = store_.Usual(show_id);
  if (!usual.ok()) return usual.status();
  ctx.usual = std::move(*usual);
  return ctx;
}

absl::StatusOr<size_t> LifecycleEngine::JudgeAndStore(std::map<RecordKey, crm::v1::LifecycleRecord> records,
                                                      const std::map<RecordKey, std::string>& before_raw,
                                                      const Calendars& calendars, int64_t today) {
  std::map<std::string, SeriesContext> contexts;
  std::vector<crm::v1::StageTransition> published;
  std::vector<crm::v1::LifecycleRecord> changed;
  std::map<RecordKey, crm::v1::LifecycleRecord> before;  // of the changed ones, for the indexes they leave
  for (auto& [key, rec] : records) {
    auto ctx = contexts.find(key.second);
    if (ctx == contexts.end()) {
      auto c = ContextOf(key.second, calendars);
      if (!c.ok()) return c.status();
      ctx = contexts.emplace(key.second, std::move(*c)).first;
    }
    Judged j = Judge(std::move(rec), ctx->second, today, options_.rules);
    for (auto& t : j.published) published.push_back(std::move(t));
    auto old = before_raw.find(key);
    if (old != before_raw.end()) {
      if (old->second == j.record.SerializeAsString()) continue;
      if (!before[key].ParseFromString(old->second)) return absl::DataLossError("unreadable lifecycle record of " + key.first);
    }
    changed.push_back(std::move(j.record));
  }
  if (!published.empty()) {
    if (auto st = publish_(published); !st.ok()) return st;
  }
  if (auto st = store_.Write(changed, before); !st.ok()) return st;
  return published.size();
}

absl::StatusOr<size_t> LifecycleEngine::Apply(const BatchInputs& inputs, const Calendars& calendars, int64_t today) {
  std::map<std::string, const crm::v1::Profile*> latest;
  for (const auto& p : inputs.profiles) latest[p.customer_id()] = &p;
  std::set<std::string> removed;
  for (const auto& id : inputs.merged)
    if (!latest.count(id)) removed.insert(id);
  for (const auto& [id, p] : latest)
    if (!p->merged_into().empty()) removed.insert(id);
  std::set<RecordKey> keys;
  for (const auto& id : removed) {
    auto series = store_.ReadCustomer(id);
    if (!series.ok()) return series.status();
    for (const auto& r : *series) keys.insert({id, r.show_id()});
  }
  for (const auto& [id, p] : latest) {
    if (!p->merged_into().empty()) continue;
    for (const auto& s : p->series()) keys.insert({id, s.show_id()});
  }
  for (const auto& r : inputs.retention)
    if (!removed.count(r.customer_id)) keys.insert({r.customer_id, r.show_id});
  auto before_raw = store_.ReadRaw(keys);
  if (!before_raw.ok()) return before_raw.status();
  std::map<RecordKey, crm::v1::LifecycleRecord> records;
  std::map<RecordKey, std::map<std::string, std::string>> was;  // edition aggregates as stored
  for (const auto& [key, bytes] : *before_raw) {
    auto& rec = records[key];
    if (!rec.ParseFromString(bytes)) return absl::DataLossError("unreadable lifecycle record of " + key.first);
    for (const auto& e : rec.input().editions()) was[key][e.edition_id()] = e.SerializeAsString();
  }
  // A merged customer's history goes with the survivor's profile: its own
  // transitions are withdrawn.
  for (auto& [key, rec] : records) {
    if (!removed.count(key.first)) continue;
    rec.set_merged(true);
    rec.clear_input();
    rec.clear_retention();
  }
  for (const auto& [id, p] : latest) {
    if (!p->merged_into().empty()) continue;
    for (const auto& s : p->series()) TakeProfile(records[{id, s.show_id()}], *p, s);
  }
  // Settled editions whose participants' aggregates changed get their usual
  // levels again once caught up (Resettle); marked before anything is
  // stored, so a crash in between cannot lose the mark.
  auto fired = store_.Fired();
  if (!fired.ok()) return fired.status();
  std::set<std::string> dirty;
  for (const auto& [key, rec] : records) {
    const auto& stored = was[key];
    for (const auto& e : rec.input().editions()) {
      if (!fired->count(StrCat(key.second, "|", e.edition_id(), "|settle"))) continue;
      auto w = stored.find(e.edition_id());
      if (w == stored.end() || w->second != e.SerializeAsString()) dirty.insert(StrCat(key.second, "|", e.edition_id()));
    }
  }
  if (auto st = store_.MarkDirty(dirty); !st.ok()) return st;
  for (const auto& r : inputs.retention) {
    auto it = records.find({r.customer_id, r.show_id});
    if (it == records.end()) continue;  // no profile yet: the profile brings its own later
    auto cal = calendars.find(r.show_id);
    if (cal != calendars.end()) TakeRetention(it->second, cal->second, r.probability, r.at_ms);
  }
  return JudgeAndStore(std::move(records), *before_raw, calendars, today);
}

absl::Status LifecycleEngine::Schedule(const Calendars& calendars) {
  std::vector<std::pair<std::string, int64_t>> timers;
  for (const auto& [show, cal] : calendars) {
    for (const auto& p : EvaluationPoints(cal, options_.rules))
      timers.emplace_back(StrCat(show, "|", cal[p.edition].edition_id, "|", PointKindName(p.kind)), p.day);
    for (const auto& ed : cal)
      timers.emplace_back(StrCat(show, "|", ed.edition_id, "|settle"), ed.close_day + options_.settle_days);
  }
  return store_.Schedule(timers);
}

absl::Status LifecycleEngine::Settle(const std::string& show_id, const std::string& edition_id,
                                     const std::vector<CalendarEdition>& cal) {
  UsualLevelAccumulator acc(edition_id, cal);
  auto st = store_.ForEachRecord(show_id, options_.pass_chunk, [&](const crm::v1::LifecycleRecord& r) {
    acc.Add(r);
    return true;
  });
  if (!st.ok()) return st;
  return store_.StoreUsual(show_id, acc.Finish());
}

absl::Status LifecycleEngine::JudgeAll(const std::string& show, const Calendars& calendars, int64_t today,
                                       std::string cursor, const std::string& timer, PassStats& stats,
                                       std::chrono::steady_clock::time_point started,
                                       const std::function<void(const PassStats&)>& progress) {
  do {
    auto step = store_.ScanRecords(show, cursor, options_.pass_chunk);
    if (!step.ok()) return step.status();
    const size_t judged = step->records.size();
    auto published = JudgeAndStore(std::move(step->records), step->raw, calendars, today);
    if (!published.ok()) return published.status();
    stats.judged += judged;
    stats.published += *published;
    cursor = step->cursor;
    if (!timer.empty() && cursor != "0") {
      if (auto st = store_.SetProgress(timer, "j:" + cursor); !st.ok()) return st;
    }
    stats.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (progress) progress(stats);
  } while (cursor != "0");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PassStats>> LifecycleEngine::Resettle(const Calendars& calendars, int64_t today) {
  auto dirty = store_.Dirty();
  if (!dirty.ok()) return dirty.status();
  std::vector<PassStats> out;
  for (const auto& [edition, marks] : *dirty) {
    const auto started = std::chrono::steady_clock::now();
    const size_t bar = edition.find('|');
    const std::string show = edition.substr(0, bar);
    auto cal = calendars.find(show);
    if (bar == std::string::npos || cal == calendars.end()) continue;
    if (auto st = Settle(show, edition.substr(bar + 1), cal->second); !st.ok()) return st;
    PassStats stats{edition + "|resettle"};
    if (auto st = JudgeAll(show, calendars, today, "0", "", stats, started, nullptr); !st.ok()) return st;
    // After the pass, so a crash redoes it; kept if marked again meanwhile.
    if (auto st = store_.ClearDirty(edition, marks); !st.ok()) return st;
    log::Info("lifecycle usual levels computed again", {{"edition", edition},
                                                        {"judged", static_cast<long long>(stats.judged)},
                                                        {"published", static_cast<long long>(stats.published)},
                                                        {"ms", static_cast<long long>(stats.took.count())}});
    out.push_back(std::move(stats));
  }
  return out;
}

absl::StatusOr<std::vector<PassStats>> LifecycleEngine::RunDue(const Calendars& calendars, int64_t today,
                                                               const std::function<void(const PassStats&)>& progress) {
  auto due = store_.DueTimers(today);
  if (!due.ok()) return due.status();
  std::vector<PassStats> out;
  for (const auto& [timer, day] : *due) {
    const auto started = std::chrono::steady_clock::now();
    const std::vector<std::string> parts = SplitBars(timer);
    if (parts.size() != 3) {
      log::Warn("malformed lifecycle timer dropped", {{"timer", timer}});
      if (auto st = store_.CompleteTimer(timer); !st.ok()) return st;
      continue;
    }
    const std::string& show = parts[0];
    auto cal = calendars.find(show);
    if (cal == calendars.end()) continue;  // the series is not in the registry (yet)
    auto prog = store_.Progress(timer);
    if (!prog.ok()) return prog.status();
    // "u:0": the settle point's levels first; "j:<cursor>": judging from the cursor.
    std::string progress_text = prog->empty() ? (parts[2] == "settle" ? "u:0" : "j:0") : *prog;
    if (progress_text.rfind("u:", 0) == 0) {
      if (auto st = Settle(show, parts[1], cal->second); !st.ok()) return st;
      progress_text = "j:0";
      if (auto st = store_.SetProgress(timer, progress_text); !st.ok()) return st;
    }
    PassStats stats{timer};
    if (auto st = JudgeAll(show, calendars, today, progress_text.substr(2), timer, stats, started, progress); !st.ok())
      return st;
    if (auto st = store_.CompleteTimer(timer); !st.ok()) return st;
    log::Info("lifecycle timer fired", {{"timer", timer},
                                        {"day", static_cast<long long>(day)},
                                        {"judged", static_cast<long long>(stats.judged)},
                                        {"published", static_cast<long long>(stats.published)},
                                        {"ms", static_cast<long long>(stats.took.count())}});
    out.push_back(std::move(stats));
  }
  return out;
}

}  // namespace crm::lifecycle
