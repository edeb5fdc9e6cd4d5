// Output: the records in topic order, the ground-truth CSVs, the dedup
// evaluation files and summary.json.

#include "tools/simulate/generator_internal.h"

#include <algorithm>
#include <map>
#include <unordered_set>

namespace crm::simulate::internal {

namespace {

const char kDedupSchema[] =
    "# Schema of dedup_records.csv for `crm-dedup batch` (see docs/SIMULATOR.md).\n"
    "id: record_id\n"
    "fields:\n"
    "  full_name: name\n"
    "  given_name: given_name\n"
    "  family_name: family_name\n"
    "  company: company\n"
    "  email: email\n"
    "  phone: phone\n"
    "  city: city\n"
    "  country: category\n"
    "  badge: identifier\n"
    "  external_id: identifier\n"
    "  external_id2: identifier\n";

// {"name": count, ...} in the map's order.
Json CountsJson(const std::map<std::string, int64_t>& counts) {
  Json j = Json::Object();
  for (const auto& [name, n] : counts) j.Set(name, static_cast<long long>(n));
  return j;
}

}  // namespace

void Simulation::Finish(OutputSink& sink) {
  const auto& persons = pop_->persons();
  std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
    if (a.topic != b.topic) return a.topic < b.topic;
    if (a.emit != b.emit) return a.emit < b.emit;
    return a.order < b.order;
  });
  std::string rejects = "topic,line,reason_code,element,event_id\n";
  std::string records = "event_id,person_id,topic,kind,edition_id\n";
  // The same records for the deduplication evaluator (crm-dedup batch / eval).
  std::string dedup_records =
      "record_id,full_name,given_name,family_name,company,email,phone,city,country,badge,external_id,external_id2\n";
  std::string dedup_truth = "record_id,entity_id\n";
  std::unordered_set<std::string> seen;
  seen.reserve(entries_.size());
  std::vector<int> first_known(persons.size(), INT32_MAX);
  int64_t line[kTopicCount] = {0, 0, 0};
  std::string out;
  for (const Pending& p : pending_) {
    int ti = static_cast<int>(p.topic);
    ++line[ti];
    ++stats_.records[ti];
    stats_.events[ti] += p.n_entries;
    sink.Record(p.topic, p.key, p.value);
    if (p.reason >= 0) {
      const char* reason = ReasonName(static_cast<Reason>(p.reason));
      ++stats_.invalid;
      ++stats_.invalid_by_reason[reason];
      const TruthEntry& bad = entries_[p.first_entry + static_cast<uint32_t>(std::max(0, p.element))];
      rejects += StrCat(TopicName(p.topic), ",", line[ti], ",", reason, ",",
                        p.element >= 0 ? std::to_string(p.element) : std::string(), ",", CsvField(bad.id), "\n");
    }
    for (uint32_t k = 0; k < p.n_entries; ++k) {
      const TruthEntry& en = entries_[p.first_entry + k];
      if (!en.valid) continue;
      first_known[en.person] = std::min<int>(first_known[en.person], en.edition);
      if (!seen.insert(en.id).second) continue;
      ++stats_.events_by_kind[KindName(en.kind)];
      records +=
          StrCat(CsvField(en.id), ",", persons[en.person].id, ",", TopicName(p.topic), ",", KindName(en.kind), ",",
                         Ed(en.edition).edition_id, "\n");
      dedup_records += CsvField(en.id);
      dedup_records += dedup_rows_.Get(en.dedup_row);
      dedup_records.push_back('\n');
      dedup_truth += StrCat(CsvField(en.id), ",", persons[en.person].id, "\n");
    }
    if (records.size() > (1 << 22)) {
      sink.File("truth_records.csv", records);
      records.clear();
    }
    if (dedup_records.size() > (1 << 22)) {
      sink.File("dedup_records.csv", dedup_records);
      dedup_records.clear();
    }
    if (dedup_truth.size() > (1 << 22)) {
      sink.File("dedup_truth.csv", dedup_truth);
      dedup_truth.clear();
    }
  }
  stats_.unique_event_ids = static_cast<int64_t>(seen.size());
  sink.File("truth_records.csv", records);
  sink.File("dedup_records.csv", dedup_records);
  sink.File("dedup_truth.csv", dedup_truth);
  sink.File("dedup_schema.yaml", kDedupSchema);
  sink.File("truth_rejects.csv", rejects);

  std::string taps = "event_id,duplicate_of\n";
  for (const auto& [tap, orig] : taps_) taps += StrCat(tap, ",", orig, "\n");
  sink.File("truth_double_taps.csv", taps);
  sink.File("truth_referrals.csv", "event_id,referrer_person_id,referred_person_id,edition_id,referred_joins_next\n" + referrals_);

  // Persons known to the system (at least one valid record), by person id.
  std::vector<uint32_t> known;
  for (uint32_t i = 0; i < persons.size(); ++i)
    if (first_known[i] != INT32_MAX) known.push_back(i);
  std::sort(known.begin(), known.end(), [&](uint32_t a, uint32_t b) { return persons[a].id < persons[b].id; });
  stats_.persons_generated = static_cast<int64_t>(persons.size());
  stats_.persons_known = static_cast<int64_t>(known.size());
  std::string tp = "person_id,customer_type,canonical_name,company,city,style\n";
  std::string ts = "person_id,show_id,edition_id,stage\n";
  std::map<std::string, std::map<std::string, int64_t>> stage_counts;
  for (uint32_t i : known) {
    const Person& p = persons[i];
    tp += StrCat(p.id, ",", CustomerTypeName(p.type), ",", CsvField(p.CanonicalName()), ",",
                 CsvField(pop_->CompanyName(p)), ",", CsvField(p.city), ",", CsvField(p.style), "\n");
    for (int e = first_known[i]; e < static_cast<int>(plan_.editions.size()); ++e) {
      Stage s = p.stages[e] == Stage::kUnknown ? Stage::kCultivation : p.stages[e];
      ts += StrCat(p.id, ",", plan_.show_id, ",", Ed(e).edition_id, ",", StageName(s), "\n");
      ++stage_counts[Ed(e).edition_id][StageName(s)];
    }
    if (ts.size() > (1 << 22)) {
      sink.File("truth_stages.csv", ts);
      ts.clear();
    }
  }
  sink.File("truth_persons.csv", tp);
  sink.File("truth_stages.csv", ts);

  // summary.json: counts only, so that it is byte-identical across runs.
  Json s = Json::Object();
  s.Set("seed", static_cast<long long>(opt_.seed));
  s.Set("show_id", plan_.show_id);
  Json eds = Json::Array();
  for (const auto& ed : plan_.editions) eds.Push(ed.edition_id);
  s.Set("editions", std::move(eds));
  s.Set("visitors", opt_.visitors);
  s.Set("exhibitors", opt_.exhibitors);
  s.Set("invalid_rate", opt_.invalid_rate);
  Json rec = Json::Object(), evs = Json::Object();
  for (int t = 0; t < kTopicCount; ++t) {
    rec.Set(TopicName(static_cast<Topic>(t)), static_cast<long long>(stats_.records[t]));
    evs.Set(TopicName(static_cast<Topic>(t)), static_cast<long long>(stats_.events[t]));
  }
  s.Set("records", std::move(rec));
  s.Set("events", std::move(evs));
  s.Set("unique_event_ids", static_cast<long long>(stats_.unique_event_ids));
  s.Set("unique_events_by_kind", CountsJson(stats_.events_by_kind));
  s.Set("persons_generated", static_cast<long long>(stats_.persons_generated));
  s.Set("persons_known", static_cast<long long>(stats_.persons_known));
  s.Set("companies", static_cast<long long>(pop_->companies().size()));
  s.Set("invalid_records", static_cast<long long>(stats_.invalid));
  s.Set("invalid_by_reason", CountsJson(stats_.invalid_by_reason));
  s.Set("double_taps", static_cast<long long>(stats_.double_taps));
  s.Set("scan_batches", static_cast<long long>(stats_.scan_batches));
  s.Set("reuploaded_scan_batches", static_cast<long long>(stats_.reuploaded_batches));
  s.Set("phone_numbers_drawn", static_cast<long long>(pop_->phone_draws()));
  s.Set("phone_numbers_rejected", static_cast<long long>(pop_->phone_rejects()));
  Json stages = Json::Object();
  for (const auto& [ed, counts] : stage_counts) stages.Set(ed, CountsJson(counts));
  s.Set("stages", std::move(stages));
  sink.File("summary.json", s.Dump() + "\n");
}

}  // namespace crm::simulate::internal
