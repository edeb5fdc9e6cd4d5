#include "services/dedup/stream/resolve_slice.h"

#include <chrono>
#include <map>
#include <set>

#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/util/strings.h"

namespace crm::dedup {
namespace {

using crm::v1::IdentityEvent;

// Counters by label, cached per thread: these are bumped for every event,
// and the registry lookup takes its lock.
metrics::Counter& Duplicates(const std::string& kind) {
  thread_local std::map<std::string, metrics::Counter*> cache;
  auto& c = cache[kind];
  if (!c) {
    c = &metrics::Registry::Default().GetCounter("crm_dedup_duplicates_total",
                                                 "Events dropped or folded as duplicates, by kind", {{"kind", kind}});
  }
  return *c;
}
metrics::Counter& Resolved(const std::string& rule) {
  thread_local std::map<std::string, metrics::Counter*> cache;
  auto& c = cache[rule];
  if (!c) {
    c = &metrics::Registry::Default().GetCounter("crm_dedup_resolved_total", "Events resolved to a customer, by rule",
                                                 {{"rule", rule}});
  }
  return *c;
}
metrics::Histogram& EventSeconds() {
  static metrics::Histogram& h = metrics::Registry::Default().GetHistogram(
      "crm_dedup_slice_seconds",
      "Time to check and resolve one worker's slice of a batch, Redis included (bounds each event's time in dedup)",
      metrics::LatencyBuckets());
  return h;
}

// Where a slice's time goes: the duplicate gate, known records, double taps,
// resolving new records.
metrics::Histogram& PhaseSeconds(const char* phase) {
  return metrics::Registry::Default().GetHistogram("crm_dedup_slice_phase_seconds",
                                                   "Time per slice phase: gate, known, taps, new",
                                                   metrics::LatencyBuckets(), {{"phase", phase}});
}

struct PhaseClock {
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  void Lap(metrics::Histogram& h) {
    auto now = std::chrono::steady_clock::now();
    h.Observe(std::chrono::duration<double>(now - last).count());
    last = now;
  }
};

}  // namespace

absl::Status ResolveSlice(redis::KeyValueStore& kv, const EventGate& gate, IdentityIndex& index,
                          const std::vector<const kafka::Message*>& slice,
                          std::vector<std::pair<std::string, std::string>>* resolved_out,
                          std::vector<IdentityEvent>* changes_out) {
  std::vector<crm::v1::Event> events(slice.size());
  std::vector<const crm::v1::Event*> ptrs;
  std::vector<std::string> positions;
  for (size_t i = 0; i < slice.size(); ++i) {
    if (!events[i].ParseFromString(slice[i]->value) || events[i].event_id().empty()) {
      // Ingest only publishes valid events; anything else is logged and counted, not resolved.
      Duplicates("unreadable").Inc();
      log::Warn("unreadable event skipped", {{"topic", slice[i]->topic},
                                             {"partition", static_cast<int>(slice[i]->partition)},
                                             {"offset", static_cast<long long>(slice[i]->offset)}});
      continue;
    }
    ptrs.push_back(&events[i]);
    positions.push_back(StrCat(slice[i]->topic, "/", slice[i]->partition, "/", slice[i]->offset));
  }
  auto t0 = std::chrono::steady_clock::now();
  static metrics::Histogram& admit_s = PhaseSeconds("admit");
  static metrics::Histogram& new_s = PhaseSeconds("new");
  PhaseClock clock;
  // One round trip for the whole slice: each event's admission (duplicate
  // check, double tap) and the customer of its record if seen before, with
  // the probe reads of records that look new (IdentityIndex::AskCommands).
  std::vector<std::string> record_ids;
  std::vector<size_t> admit_at(ptrs.size()), ask_of(ptrs.size());
  std::vector<IdentityIndex::Ask> asks;
  std::map<std::string, size_t> ask_by_record;
  std::vector<redis::Command> cmds;
  for (size_t k = 0; k < ptrs.size(); ++k) {
    record_ids.push_back(RecordIdOf(ptrs[k]->identity(), ptrs[k]->show_id(), ptrs[k]->edition_id()));
    admit_at[k] = gate.AdmitCommands(*ptrs[k], positions[k], &cmds);
    auto [it, fresh] = ask_by_record.emplace(record_ids[k], asks.size());
    ask_of[k] = it->second;
    if (fresh) asks.push_back(index.AskCommands(*ptrs[k], record_ids[k], &cmds));
  }
  auto replies = kv.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  std::vector<std::string> customers(asks.size());
  for (size_t a = 0; a < asks.size(); ++a) {
    auto customer = index.ParseKnown(asks[a], *replies);
    if (!customer.ok()) return customer.status();
    customers[a] = std::move(*customer);
  }
  std::vector<const crm::v1::Event*> live;
  std::vector<IdentityIndex::Ask*> live_asks;
  std::vector<EventGate::Admission> admitted;
  std::vector<std::string> live_ids, known;
  std::set<std::string> replayed;  // record ids of deliveries seen before (crash or failed batch)
  for (size_t k = 0; k < ptrs.size(); ++k) {
    auto admission = gate.ParseAdmit(*ptrs[k], positions[k], *replies, admit_at[k]);
    if (!admission.ok()) return admission.status();
    if (admission->fate == EventFate::kDuplicate) {
      Duplicates(ptrs[k]->event_id().rfind("dev:", 0) == 0 ? "reupload" : "event_id").Inc();
      continue;
    }
    live.push_back(ptrs[k]);
    live_asks.push_back(&asks[ask_of[k]]);
    live_ids.push_back(record_ids[k]);
    known.push_back(customers[ask_of[k]]);
    if (admission->fate == EventFate::kRedelivery) replayed.insert(record_ids[k]);
    admitted.push_back(std::move(*admission));
  }
  clock.Lap(admit_s);
  // A delivery replayed after a failure may have written its record to Redis
  // without its RecordAssigned, merges, shared keys or review items reaching
  // crm.identity.v1: publish them again (applying them twice changes
  // nothing), so the topic can still rebuild the index.
  if (!replayed.empty()) {
    std::vector<std::string> again;
    for (size_t k = 0; k < live.size(); ++k) {
      if (!known[k].empty() && replayed.count(live_ids[k])) again.push_back(live_ids[k]);
    }
    auto records = index.StoredRecords(again);
    if (!records.ok()) return records.status();
    auto decided = index.DecidedChanges(again);
    if (!decided.ok()) return decided.status();
    // A delivery interrupted after its records were assigned but before the
    // merges they called for: those merges are made now.
    if (auto st = index.CompleteReplayed(*records, &*decided); !st.ok()) return st;
    for (auto& ra : *records) {
      IdentityEvent ch;
      ch.set_at_ms(ra.occurred_ms());
      *ch.mutable_record_assigned() = std::move(ra);
      changes_out->push_back(std::move(ch));
    }
    for (auto& ch : *decided) changes_out->push_back(std::move(ch));
  }
  // The others in one batched resolution (a fixed number of round trips).
  std::vector<const crm::v1::Event*> unknown;
  std::vector<IdentityIndex::Ask*> unknown_asks;
  for (size_t k = 0; k < live.size(); ++k) {
    if (!known[k].empty()) continue;
    unknown.push_back(live[k]);
    unknown_asks.push_back(live_asks[k]);
  }
  std::vector<IdentityIndex::Resolution> resolved;
  if (!unknown.empty()) {
    auto r = index.ResolveMany(unknown, unknown_asks, changes_out);
    if (!r.ok()) return r.status();
    resolved = std::move(*r);
    clock.Lap(new_s);
  }
  size_t next_unknown = 0;
  for (size_t k = 0; k < live.size(); ++k) {
    const crm::v1::Event& ev = *live[k];
    crm::v1::ResolvedEvent out;
    if (admitted[k].scan) {
      const auto& lead = admitted[k].lead;
      out.set_lead_id(lead.lead_id);
      out.set_lead_dwell_seconds(lead.dwell_seconds);
      out.set_lead_update(lead.update);
      if (lead.update) Duplicates("double_tap").Inc();
    }
    IdentityIndex::Resolution res;
    if (!known[k].empty()) {
      res.customer_id = known[k];
      res.record_id = live_ids[k];
      res.match.set_rule("record");
      res.match.set_probability(1.0);
      res.match.set_matched_record_id(live_ids[k]);
    } else {
      res = std::move(resolved[next_unknown++]);
    }
    *out.mutable_event() = ev;
    out.set_customer_id(res.customer_id);
    out.set_record_id(res.record_id);
    *out.mutable_match() = res.match;
    Resolved(res.match.rule().substr(0, res.match.rule().find(':'))).Inc();
    resolved_out->emplace_back(res.customer_id, out.SerializeAsString());
  }
  if (!ptrs.empty()) EventSeconds().Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return absl::OkStatus();
}

}  // namespace crm::dedup
