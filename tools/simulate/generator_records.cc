// How drafted events become topic records: the names of kinds and reject
// reasons, occurred_at styles, the deliberately invalid records, and single
// records and batched arrays with the dedup row of each valid event.

#include "tools/simulate/generator_internal.h"

#include <algorithm>

#include "tools/simulate/civil_time.h"

namespace crm::simulate::internal {

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kTicketRegistration: return "ticket_registration";
    case Kind::kGateCheckIn: return "gate_check_in";
    case Kind::kBoothScan: return "booth_scan";
    case Kind::kSessionAttendance: return "session_attendance";
    case Kind::kBoothBooking: return "booth_booking";
    case Kind::kPayment: return "payment";
    case Kind::kSurveyAnswer: return "survey_answer";
    case Kind::kComplaint: return "complaint";
    case Kind::kProfileImport: return "profile_import";
    case Kind::kReferral: return "referral";
  }
  return "";
}

const char* ReasonName(Reason r) {
  switch (r) {
    case Reason::kMissingField: return "MISSING_FIELD";
    case Reason::kInvalidEmail: return "INVALID_EMAIL";
    case Reason::kInvalidPhone: return "INVALID_PHONE";
    case Reason::kUnknownShow: return "UNKNOWN_SHOW";
    case Reason::kUnknownEdition: return "UNKNOWN_EDITION";
    case Reason::kTimeInFuture: return "TIME_IN_FUTURE";
    case Reason::kUnknownField: return "UNKNOWN_FIELD";
    case Reason::kMalformedJson: return "MALFORMED_JSON";
    case Reason::kTooLarge: return "TOO_LARGE";
    case Reason::kOutOfRange: return "OUT_OF_RANGE";
  }
  return "";
}

TimeStyle PickStyle(Rng& rng, std::vector<double> w) { return static_cast<TimeStyle>(rng.Weighted(w)); }

Json OccurredAt(int64_t t, TimeStyle s) {
  switch (s) {
    case TimeStyle::kLocal: return Json(FormatLocal(t));
    case TimeStyle::kOffset: return Json(FormatRfc3339Offset(t));
    case TimeStyle::kEpochMillis: return Json(static_cast<long long>(EpochMillis(t)));
    case TimeStyle::kUtc: return Json(FormatRfc3339Utc(t));
    case TimeStyle::kLocalMinutes: return Json(FormatLocalMinutes(t));
  }
  return Json(FormatLocal(t));
}

std::string DedupRow(const Json& ev) {
  const Json* person = ev.Find("person");
  auto str = [](const Json* obj, std::string_view key) -> std::string_view {
    const Json* v = obj ? obj->Find(key) : nullptr;
    return v && v->is_string() ? std::string_view(v->str()) : std::string_view();
  };
  std::string row;
  for (const char* key : {"full_name", "given_name", "family_name", "company", "email", "phone", "city", "country"}) {
    row.push_back(',');
    row += CsvField(str(person, key));
  }
  // Badges are unique within an edition only.
  std::string_view badge = str(person, "badge_id");
  row.push_back(',');
  if (!badge.empty()) row += CsvField(StrCat(str(&ev, "show_id"), "/", str(&ev, "edition_id"), "/", badge));
  const Json* ids = person ? person->Find("external_ids") : nullptr;
  for (size_t k = 0; k < 2; ++k) {
    row.push_back(',');
    if (ids && ids->is_array() && k < ids->size())
      row += CsvField(StrCat(str(&ids->at(k), "system"), ":", str(&ids->at(k), "id")));
  }
  return row;
}

// --- invalid records -----------------------------------------------------------

Reason Simulation::Invalidate(Json& ev, Kind kind, bool allow_malformed, bool* malformed) {
  Rng& r = invalid_rng_;
  *malformed = false;
  std::vector<Reason> reasons = {Reason::kMissingField, Reason::kInvalidEmail,   Reason::kInvalidPhone,
                                 Reason::kUnknownShow,  Reason::kUnknownEdition, Reason::kTimeInFuture,
                                 Reason::kUnknownField, Reason::kTooLarge};
  if (allow_malformed) reasons.push_back(Reason::kMalformedJson);
  if (kind == Kind::kBoothScan || kind == Kind::kSurveyAnswer || kind == Kind::kComplaint)
    reasons.push_back(Reason::kOutOfRange);
  Reason reason = r.Pick(reasons);
  const char* payload_key = KindName(kind);
  Json* payload = ev.Find(payload_key);
  Json* person = ev.Find("person");
  switch (reason) {
    case Reason::kMissingField: {
      // Required envelope fields or the payload's required field.
      static const std::pair<Kind, const char*> kRequired[] = {{Kind::kTicketRegistration, "ticket_id"},
                                                               {Kind::kGateCheckIn, "gate"},
                                                               {Kind::kBoothScan, "booth"},
                                                               {Kind::kSessionAttendance, "session_id"},
                                                               {Kind::kBoothBooking, "booking_id"},
                                                               {Kind::kPayment, "invoice_id"},
                                                               {Kind::kSurveyAnswer, "survey_id"},
                                                               {Kind::kComplaint, "complaint_id"},
                                                               {Kind::kProfileImport, "record_id"},
                                                               {Kind::kReferral, "referral_id"}};
      switch (r.Below(4)) {
        case 0: ev.Erase("show_id"); break;
        case 1: ev.Erase("occurred_at"); break;
        case 2: ev.Erase("edition_id"); break;
        default:
          for (const auto& [k, field] : kRequired)
            if (k == kind && payload) payload->Erase(field);
          break;
      }
      break;
    }
    case Reason::kInvalidEmail: {
      const Json* email = person ? person->Find("email") : nullptr;
      std::string bad = "foo@@bar";
      if (email && email->str().find('@') != std::string::npos) {
        bad = email->str();
        bad.insert(bad.find('@'), "@");
      }
      person->Set("email", bad);
      break;
    }
    case Reason::kInvalidPhone: person->Set("phone", r.Chance(0.7) ? "12345" : "138-1234"); break;
    case Reason::kUnknownShow: {
      std::vector<std::string> shows = {plan_.show_id + "-old", "food-expo", plan_.show_id + "-2019"};
      if (plan_.show_id == "food-expo") shows[1] = "moto-expo";
      ev.Set("show_id", r.Pick(shows));
      break;
    }
    case Reason::kUnknownEdition:
      ev.Set("edition_id", std::to_string(opt_.start_year - 1 - static_cast<int>(r.Below(5))));
      break;
    case Reason::kTimeInFuture: {
      int64_t t =
          DayStart(DaysFromCivil({2099, 1 + static_cast<int>(r.Below(12)), 1 + static_cast<int>(r.Below(28))})) +
          r.Range(8 * 3600, 18 * 3600);
      ev.Set("occurred_at", r.Chance(0.7) ? Json(FormatLocal(t)) : Json(FormatRfc3339Offset(t)));
      break;
    }
    case Reason::kUnknownField:
      switch (r.Below(3)) {
        case 0: ev.Set("colour", "blue"); break;
        case 1: person->Set("nickname", "小王"); break;
        default:
          if (payload)
            payload->Set("priority", "high");
          else
            ev.Set("priority", "high");
          break;
      }
      break;
    case Reason::kTooLarge: {
      const Json* name = person->Find("full_name");
      std::string base = name && !name->str().empty() ? name->str() : std::string("Unknown Visitor");
      std::string big;
      while (big.size() <= 300) big += base + " ";
      person->Set("full_name", big);
      break;
    }
    case Reason::kOutOfRange:
      if (kind == Kind::kBoothScan) {
        payload->Set("lead_rating", static_cast<int>(6 + r.Below(4)));
      } else if (kind == Kind::kSurveyAnswer) {
        payload->Set("satisfaction", static_cast<int>(11 + r.Below(5)));
      } else {
        // Not 0: proto3 cannot tell a 0 severity from an absent one.
        payload->Set("severity", static_cast<int>(6 + r.Below(4)));
      }
      break;
    case Reason::kMalformedJson: *malformed = true; break;
  }
  return reason;
}

void Simulation::Corrupt(std::string& value) {
  if (invalid_rng_.Chance(0.3) && value.size() > 2 && value.back() == '}') {
    value.insert(value.size() - 1, ",");  // trailing comma
    return;
  }
  // Truncate at an ASCII byte so the remaining bytes are still valid UTF-8.
  size_t cut = value.size() - 1 - invalid_rng_.Below(std::min<size_t>(40, value.size() / 2));
  while (cut > 1 && static_cast<unsigned char>(value[cut]) >= 0x80) --cut;
  value.resize(cut);
}

Pending Simulation::NewPending(Topic topic, const std::string& key, int64_t emit, uint32_t n_entries) {
  Pending p;
  p.emit = emit;
  p.order = order_++;
  p.topic = topic;
  p.key = key;
  p.first_entry = static_cast<uint32_t>(entries_.size());
  p.n_entries = n_entries;
  return p;
}

void Simulation::EmitSingle(Topic topic, const std::string& key, int64_t emit, Draft d, int edition) {
  Pending p = NewPending(topic, key, emit, 1);
  entries_.push_back({std::move(d.id), d.person, d.kind, static_cast<uint8_t>(edition), true, kNoRow});
  bool malformed = false;
  if (invalid_rng_.Uniform() < opt_.invalid_rate) {
    p.reason = static_cast<int8_t>(Invalidate(d.json, d.kind, true, &malformed));
    entries_.back().valid = false;
  } else {
    entries_.back().dedup_row = dedup_rows_.Add(DedupRow(d.json));
  }
  p.value = d.json.Dump();
  if (malformed) Corrupt(p.value);
  pending_.push_back(std::move(p));
}

void Simulation::EmitBatches(Topic topic, const std::string& key, int64_t emit, std::vector<Draft>& drafts, int edition,
                             size_t max_items, double reupload_p, Rng& rng) {
  constexpr size_t kMaxBytes = 60'000;  // below the 64 KiB record limit, with room for a bad element
  std::vector<std::string> dumps;
  std::vector<uint32_t> rows;  // shared by both copies of a re-uploaded array
  dumps.reserve(drafts.size());
  rows.reserve(drafts.size());
  for (const auto& d : drafts) {
    dumps.push_back(d.json.Dump());
    rows.push_back(dedup_rows_.Add(DedupRow(d.json)));
  }
  size_t i = 0;
  while (i < drafts.size()) {
    size_t j = i, bytes = 2;
    while (j < drafts.size() && j - i < max_items && bytes + dumps[j].size() + 1 <= kMaxBytes)
      bytes += dumps[j++].size() + 1;
    if (j == i) j = i + 1;
    int copies = rng.Chance(reupload_p) ? 2 : 1;
    int64_t when = emit;
    if (topic == Topic::kScans) {
      ++stats_.scan_batches;
      if (copies == 2) ++stats_.reuploaded_batches;
    }
    for (int copy = 0; copy < copies; ++copy) {
      Pending p = NewPending(topic, key, when, static_cast<uint32_t>(j - i));
      for (size_t k = i; k < j; ++k)
        entries_.push_back(
            {drafts[k].id, drafts[k].person, drafts[k].kind, static_cast<uint8_t>(edition), true, rows[k]});
      int32_t bad = -1;
      std::string bad_dump;
      if (invalid_rng_.Uniform() < opt_.invalid_rate) {
        bad = static_cast<int32_t>(invalid_rng_.Below(j - i));
        Json copy_json = drafts[i + static_cast<size_t>(bad)].json;
        bool malformed = false;
        p.reason =
            static_cast<int8_t>(Invalidate(copy_json, drafts[i + static_cast<size_t>(bad)].kind, false, &malformed));
        p.element = bad;
        bad_dump = copy_json.Dump();
        entries_[p.first_entry + static_cast<uint32_t>(bad)].valid = false;
      }
      p.value.reserve(bytes + bad_dump.size());
      p.value.push_back('[');
      for (size_t k = i; k < j; ++k) {
        if (k > i) p.value.push_back(',');
        p.value += static_cast<int32_t>(k - i) == bad ? bad_dump : dumps[k];
      }
      p.value.push_back(']');
      pending_.push_back(std::move(p));
      when += rng.Range(120, 90 * 60);  // the re-upload comes minutes later
    }
    i = j;
  }
}

}  // namespace crm::simulate::internal
