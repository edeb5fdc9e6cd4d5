#include "tools/simulate/generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <unordered_set>
#include <vector>

#include "common/util/strings.h"
#include "tools/simulate/civil_time.h"
#include "tools/simulate/json.h"

namespace crm::simulate {

const char* TopicName(Topic t) {
  switch (t) {
    case Topic::kTicketing: return "crm.raw.ticketing.v1";
    case Topic::kScans: return "crm.raw.scans.v1";
    case Topic::kImports: return "crm.raw.imports.v1";
  }
  return "";
}

std::string DerivedEventId(std::string_view system, std::string_view device_id, int64_t device_seq,
                           std::string_view event_id) {
  if (!device_id.empty()) return StrCat("dev:", system, ":", device_id, ":", device_seq);
  return StrCat("ext:", system, ":", event_id);
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string ValidateOptions(const GeneratorOptions& o) {
  if (o.visitors < 1 || o.visitors > 5'000'000) return "--visitors must be between 1 and 5000000";
  if (o.exhibitors < 1 || o.exhibitors > 200'000) return "--exhibitors must be between 1 and 200000";
  if (o.editions < 1 || o.editions > 20) return "--editions must be between 1 and 20";
  if (!(o.invalid_rate >= 0.0 && o.invalid_rate <= 1.0)) return "--invalid-rate must be between 0 and 1";
  if (o.start_year < 2000 || o.start_year > 2090) return "--start-year must be between 2000 and 2090";
  if (o.show_id.empty() || o.show_id.size() > 64) return "--show-id must be 1 to 64 characters";
  for (char c : o.show_id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return "--show-id may contain only lower-case letters, digits and '-'";
  return "";
}

Generator::Generator(GeneratorOptions options)
    : options_(std::move(options)),
      series_(MakeSeriesPlan(options_.show_id, options_.start_year, options_.editions, options_.seed)) {}

namespace {

enum class Kind : uint8_t {
  kTicketRegistration,
  kGateCheckIn,
  kBoothScan,
  kSessionAttendance,
  kBoothBooking,
  kPayment,
  kSurveyAnswer,
  kComplaint,
  kProfileImport,
  kReferral,
};

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

enum class Reason : uint8_t {
  kMissingField,
  kInvalidEmail,
  kInvalidPhone,
  kUnknownShow,
  kUnknownEdition,
  kTimeInFuture,
  kUnknownField,
  kMalformedJson,
  kTooLarge,
  kOutOfRange,
};

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

enum class TimeStyle : uint8_t { kLocal, kOffset, kEpochMillis, kUtc, kLocalMinutes };

// Weights over local / +08:00 / epoch millis / Z / local without seconds.
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

std::string Pad(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", std::min(width, 20), static_cast<long long>(v));
  return buf;
}

struct Draft {
  Json json;
  uint32_t person = 0;
  Kind kind = Kind::kTicketRegistration;
  std::string id;  // derived event id
};

inline constexpr uint32_t kNoRow = UINT32_MAX;

struct TruthEntry {
  std::string id;
  uint32_t person;
  Kind kind;
  uint8_t edition;
  bool valid;
  uint32_t dedup_row;  // index in Simulation::dedup_rows_ (kNoRow for an invalid single object)
};

// Append-only text store for the dedup_records.csv rows: big blocks instead of
// one heap string per event (the default run has over 800,000 of them).
class RowStore {
 public:
  uint32_t Add(std::string_view s) {
    if (blocks_.empty() || blocks_.back().capacity() - blocks_.back().size() < s.size()) {
      blocks_.emplace_back();
      blocks_.back().reserve(std::max(kBlockBytes, s.size()));
    }
    std::string& b = blocks_.back();
    refs_.push_back({static_cast<uint32_t>(blocks_.size() - 1), static_cast<uint32_t>(b.size()),
                     static_cast<uint32_t>(s.size())});
    b.append(s);
    return static_cast<uint32_t>(refs_.size() - 1);
  }
  std::string_view Get(uint32_t i) const {
    const Ref& r = refs_[i];
    return std::string_view(blocks_[r.block]).substr(r.offset, r.size);
  }

 private:
  static constexpr size_t kBlockBytes = size_t{4} << 20;
  struct Ref {
    uint32_t block, offset, size;
  };
  std::vector<std::string> blocks_;
  std::vector<Ref> refs_;
};

// The dedup_records.csv columns after record_id, each preceded by a comma,
// taken from the event's `person` object exactly as written in the raw JSON.
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

struct Pending {
  int64_t emit = 0;    // local seconds at which the record reaches the topic
  uint64_t order = 0;  // generation order, tie-break
  Topic topic = Topic::kTicketing;
  int8_t reason = -1;
  int32_t element = -1;
  std::string key;
  std::string value;
  uint32_t first_entry = 0;
  uint32_t n_entries = 0;
};

// A registration as typed into the form; the badge carries the same data.
struct Registration {
  uint32_t person = 0;
  int64_t time = 0;
  bool onsite = false;
  bool second = false;  // a duplicate registration by the same person
  std::string ticket_class, channel;
  int64_t price_minor = 0;
  int valid_day = -1;
  std::string badge, ticket;
  std::string name, company, email, phone, title, city, country, industry, account;
};

struct Presence {
  uint32_t person;
  int day;
  int64_t arrive, leave;
  int32_t reg;  // registration whose badge is worn
};

struct Device {
  std::string id;
  uint32_t company = 0;
  int64_t next_seq = 1;
  TimeStyle style = TimeStyle::kLocal;
  std::string company_text;
  int capture = 0;  // 0 badge only, 1 + name and company, 2 + contact data
  bool measures_dwell = true;
};

struct ScanPlan {
  uint32_t device;
  int64_t t;
  uint32_t person;
  int32_t reg;
  uint32_t dwell;
  uint32_t rating;
  int32_t note;    // -1 none
  uint8_t topics;  // bit mask over the visitor's interests
  bool tap = false;
  int64_t seq = 0;
  uint32_t order = 0;  // generation order: a total sort order on every standard library
};

struct Session {
  std::string id, title;
  int day;
  int64_t start;
  int minutes;
};

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

class Simulation {
 public:
  Simulation(const GeneratorOptions& o, const SeriesPlan& plan, const std::function<void(const std::string&)>& progress)
      : opt_(o), plan_(plan), progress_(progress), invalid_rng_(o.seed, "invalid") {}

  GeneratorStats Run(OutputSink& sink);

 private:
  // --- building blocks ---
  std::string NextId(const std::string& system, const char* prefix) {
    return StrCat(prefix, Pad(++counters_[system], 9));
  }
  const ShowEditionPlan& Ed(int e) const { return plan_.editions[static_cast<size_t>(e)]; }
  int64_t DayStart(int64_t day) const { return day * kDay; }
  int ShowDays(int e) const { return static_cast<int>(Ed(e).close_day - Ed(e).open_day + 1); }
  int Yy(int e) const { return (opt_.start_year + e) % 100; }

  Json Envelope(std::string_view system, const std::string& event_id, const std::string& device, int64_t seq, int e,
                int64_t t, TimeStyle ts, const char* ctype) const {
    Json j = Json::Object();
    if (!event_id.empty()) j.Set("event_id", event_id);
    Json src = Json::Object();
    src.Set("system", system);
    if (!device.empty()) {
      src.Set("device_id", device);
      src.Set("device_seq", static_cast<long long>(seq));
    }
    j.Set("source", std::move(src));
    j.Set("show_id", plan_.show_id);
    j.Set("edition_id", Ed(e).edition_id);
    j.Set("occurred_at", OccurredAt(t, ts));
    if (ctype) j.Set("customer_type", ctype);
    return j;
  }

  Draft MakeDraft(Json json, uint32_t person, Kind kind, std::string_view system, const std::string& device,
                  int64_t seq, const std::string& event_id) {
    Draft d;
    d.json = std::move(json);
    d.person = person;
    d.kind = kind;
    d.id = DerivedEventId(system, device, seq, event_id);
    return d;
  }

  Reason Invalidate(Json& ev, Kind kind, bool allow_malformed, bool* malformed);
  void Corrupt(std::string& value);
  void EmitSingle(Topic topic, const std::string& key, int64_t emit, Draft d, int edition);
  // Emits drafts as JSON arrays (chunked to stay under the record limits); each
  // array is uploaded again with probability `reupload_p`.
  void EmitBatches(Topic topic, const std::string& key, int64_t emit, std::vector<Draft>& drafts, int edition,
                   size_t max_items, double reupload_p, Rng& rng);

  Json PersonFrom(const Registration& r, int capture) const;
  Json ErpPerson(const Person& p, Rng& rng) const;

  // --- phases ---
  void AssignBooths();
  void Bookings(int e);
  void Sponsorships(int e);
  void Registrations(int e);
  void ShowFloor(int e);
  void ProcessDeviceDay(int e, std::vector<ScanPlan>& plans, Rng& rng);
  void PostShow(int e);
  void Referrals(int e);
  void Imports(int e);
  void ImportJob(int e, const std::string& department, const std::string& file, int64_t start,
                 std::vector<uint32_t> persons, View view, bool arrays, const char* record_prefix, Rng& rng);
  void EmitComplaint(int e, uint32_t person, int64_t t, bool exhibitor, bool onsite, int32_t reg, Rng& rng);

  void Finish(OutputSink& sink);
  void Progress(const std::string& line) {
    if (progress_) progress_(line);
  }

  const GeneratorOptions& opt_;
  const SeriesPlan& plan_;
  const std::function<void(const std::string&)>& progress_;
  Rng invalid_rng_;
  std::unique_ptr<PhoneValidator> validator_;
  std::unique_ptr<Population> pop_;

  std::map<std::string, int64_t> counters_;
  // truth_referrals.csv rows: event_id,referrer,referred,edition_id,referred_joins_next.
  std::string referrals_;
  std::vector<Pending> pending_;
  std::vector<TruthEntry> entries_;
  RowStore dedup_rows_;  // dedup_records.csv rows (without record_id) of the emitted events
  uint64_t order_ = 0;
  std::vector<std::pair<std::string, std::string>> taps_;  // (tap id, original id)
  GeneratorStats stats_;

  // Per edition: booth code and hall per company ("" when not exhibiting).
  std::vector<std::vector<std::string>> booth_;
  // Current edition.
  std::vector<Registration> regs_;
  std::vector<int32_t> reg_of_;   // person -> primary registration
  std::vector<int32_t> reg2_of_;  // person -> duplicate registration
  std::vector<Presence> presences_;
  std::vector<Session> sessions_;
  std::vector<Device> devices_;
};

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

void Simulation::EmitSingle(Topic topic, const std::string& key, int64_t emit, Draft d, int edition) {
  Pending p;
  p.emit = emit;
  p.order = order_++;
  p.topic = topic;
  p.key = key;
  p.first_entry = static_cast<uint32_t>(entries_.size());
  p.n_entries = 1;
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
      Pending p;
      p.emit = when;
      p.order = order_++;
      p.topic = topic;
      p.key = key;
      p.first_entry = static_cast<uint32_t>(entries_.size());
      p.n_entries = static_cast<uint32_t>(j - i);
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

// --- registrations and attendance ----------------------------------------------

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
    Json who = Json::Object();
    std::string email = pop_->RenderEmail(p, View::kSurvey, rng);
    who.SetIfNotEmpty("email", email);
    if (email.empty() || rng.Chance(0.1)) who.SetIfNotEmpty("phone", pop_->RenderPhone(p, View::kRegistration, rng));
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
    Json who = Json::Object();
    std::string email = pop_->RenderEmail(p, View::kRegistration, rng);
    who.SetIfNotEmpty("email", email);
    if (email.empty() || rng.Chance(0.3)) who.SetIfNotEmpty("phone", pop_->RenderPhone(p, View::kRegistration, rng));
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

// --- imports ----------------------------------------------------------------------

void Simulation::ImportJob(int e, const std::string& department, const std::string& file, int64_t start,
                           std::vector<uint32_t> persons_in, View view, bool arrays, const char* record_prefix,
                           Rng& rng) {
  if (persons_in.empty()) return;
  const auto& persons = pop_->persons();
  // Department databases are messy: some people are in twice.
  std::vector<uint32_t> rows = persons_in;
  for (uint32_t pi : persons_in)
    if (rng.Chance(0.03)) rows.push_back(pi);
  rng.Shuffle(rows);
  std::string import_id = StrCat("IMP-", Ed(e).edition_id, "-", Pad(++counters_["import-job"], 3));
  std::vector<Draft> drafts;
  int64_t record_no = rng.Range(1000, 90000);
  int64_t last_t = start;
  for (size_t row = 0; row < rows.size(); ++row) {
    const Person& p = persons[rows[row]];
    int64_t t = start + static_cast<int64_t>(row) / 20;
    last_t = t;
    std::string id = StrCat(import_id, "-", Pad(static_cast<int64_t>(row + 1), 6));
    const char* ctype = nullptr;
    double ct = department == "sales-2019"    ? 0.8
                : department == "marketing"   ? 0.5
                : department == "call-centre" ? 0.3
                                              : 0;
    if (rng.Chance(ct)) ctype = CustomerTypeName(p.type);
    Json ev = Envelope("data-import", id, "", 0, e, t, PickStyle(rng, {80, 0, 0, 0, 20}), ctype);
    Json who = Json::Object();
    if (rng.Chance(0.2)) {
      std::string fam, giv;
      pop_->SplitName(p, View::kImport, rng, &fam, &giv);
      who.Set("family_name", fam);
      who.Set("given_name", giv);
    } else {
      std::string name = pop_->RenderName(p, view, rng);
      if (view != View::kImport || rng.Chance(0.94)) who.SetIfNotEmpty("full_name", name);
    }
    who.SetIfNotEmpty("company", pop_->RenderCompany(p, view, rng));
    if (rng.Chance(view == View::kBusinessCard ? 0.9 : 0.5))
      who.SetIfNotEmpty("title", pop_->RenderTitle(p, view, rng));
    std::string email = pop_->RenderEmail(p, view, rng);
    if (!email.empty() && view == View::kImport && rng.Chance(0.02)) email = " " + email;  // stray whitespace
    who.SetIfNotEmpty("email", email);
    who.SetIfNotEmpty("phone", pop_->RenderPhone(p, view, rng));
    who.SetIfNotEmpty("city", pop_->RenderCity(p, view, rng));
    if (rng.Chance(0.4)) who.SetIfNotEmpty("country", pop_->RenderCountry(p, view, rng));
    if (rng.Chance(0.3)) who.SetIfNotEmpty("industry", pop_->RenderIndustry(p, rng));
    if (department == "sales-2019" && !p.erp_contact.empty() && rng.Chance(0.3)) {
      who.Set("external_ids", Json::Array().Push(Json::Object().Set("system", "sales-erp").Set("id", p.erp_contact)));
    }
    bool identified = false;
    for (const char* k : {"full_name", "family_name", "email", "phone", "external_ids"})
      identified |= who.Find(k) != nullptr;
    if (!identified) who.Set("full_name", p.CanonicalName());
    ev.Set("person", std::move(who));
    Json pi = Json::Object();
    pi.Set("import_id", import_id);
    pi.Set("department", department);
    pi.Set("source_file", file);
    pi.Set("row_number", static_cast<long long>(row + 1));
    record_no += 1 + static_cast<int64_t>(rng.Below(4));
    pi.Set("record_id", StrCat(record_prefix, Pad(record_no, 6)));
    Json attrs = Json::Object();
    if (department == "sales-2019") {
      attrs.Set("customer_level", std::vector<const char*>{"A", "B", "C"}[rng.Weighted({20, 40, 40})]);
      attrs.Set("last_order_year", std::to_string(2016 + rng.Below(4)));
    } else if (department == "marketing") {
      attrs.Set("lead_source",
                std::vector<const char*>{"web-form", "trade-directory", "wechat", "partner-list"}[rng.Below(4)]);
    } else if (department == "call-centre") {
      attrs.Set("call_result",
                std::vector<const char*>{"interested", "no-answer", "call-back", "not-interested"}[rng.Below(4)]);
      attrs.Set("agent", StrCat("A", Pad(1 + rng.Below(40), 3)));
    } else {
      attrs.Set("collected_by", rng.Chance(0.5) ? "sales-team" : "service-desk");
    }
    pi.Set("attributes", std::move(attrs));
    ev.Set("profile_import", std::move(pi));
    Draft d = MakeDraft(std::move(ev), rows[row], Kind::kProfileImport, "data-import", "", 0, id);
    if (arrays) {
      drafts.push_back(std::move(d));
    } else {
      EmitSingle(Topic::kImports, "data-import", t, std::move(d), e);
    }
  }
  if (arrays) EmitBatches(Topic::kImports, "data-import", last_t + 1, drafts, e, 200, 0.0, rng);
  Progress(StrCat("crm-simulate: edition ", Ed(e).edition_id, ": import ", import_id, " (", department, ", ", file,
                  "): ", rows.size(), " rows"));
}

void Simulation::Imports(int e) {
  Rng rng(opt_.seed, "imports", static_cast<uint64_t>(e));
  const auto& persons = pop_->persons();
  const auto& companies = pop_->companies();
  const ShowEditionPlan& ed = Ed(e);
  const int year = opt_.start_year + e;
  auto at = [&](int64_t day) { return DayStart(day) + rng.Range(9 * 3600, 11 * 3600); };
  if (e == 0) {
    std::vector<uint32_t> rows;
    for (uint32_t ci : pop_->exhibitors()) {
      const Company& c = companies[ci];
      if (!c.in_sales_2019) continue;
      for (uint32_t pi : c.staff)
        if (pi == c.staff[0] || rng.Chance(0.8)) rows.push_back(pi);
    }
    ImportJob(e, "sales-2019", "sales_customers_2019.xlsx", at(ed.sales_open_day + 20), rows, View::kImport, true,
              "S19-", rng);
  }
  {
    std::vector<uint32_t> rows;
    for (uint32_t pi = 0; pi < persons.size(); ++pi) {
      const Person& p = persons[pi];
      bool staff = p.type == CustomerType::kExhibitor;
      if (p.import_edition == e && !(staff && companies[p.company].in_sales_2019)) {
        rows.push_back(pi);
      } else if (p.type == CustomerType::kProfessionalVisitor && Participates(p.stages[e]) &&
                 p.FirstParticipation() < e && rng.Chance(0.15)) {
        rows.push_back(pi);
      }
    }
    ImportJob(e, "marketing", StrCat("leads_", year, ".csv"), at(ed.sales_open_day + 60), rows, View::kImport, true,
              "MKT-", rng);
  }
  {
    std::vector<uint32_t> rows;
    for (uint32_t pi = 0; pi < persons.size(); ++pi) {
      const Person& p = persons[pi];
      if (!Participates(p.stages[e]) || reg_of_[pi] < 0) continue;
      if ((p.type == CustomerType::kProfessionalVisitor && rng.Chance(0.10)) ||
          (p.type == CustomerType::kExhibitor && rng.Chance(0.04)))
        rows.push_back(pi);
    }
    ImportJob(e, "business-cards", StrCat("cards_", year, ".csv"), at(ed.close_day + 10), rows, View::kBusinessCard,
              false, "BC-", rng);
  }
  {
    std::vector<uint32_t> rows;
    for (uint32_t pi = 0; pi < persons.size(); ++pi) {
      const Person& p = persons[pi];
      Stage s = p.stages[e];
      bool visitor = p.type == CustomerType::kProfessionalVisitor || p.type == CustomerType::kPublicVisitor;
      if ((Participates(s) && visitor && rng.Chance(0.08)) ||
          (Participates(s) && p.type == CustomerType::kExhibitor && rng.Chance(0.10)) ||
          (s == Stage::kCultivation && p.import_edition < e && rng.Chance(0.3)))
        rows.push_back(pi);
    }
    ImportJob(e, "call-centre", StrCat("cc_contacts_", year, ".csv"), at(ed.close_day + 40), rows, View::kCallCentre,
              false, "CC-", rng);
  }
}

// --- output ------------------------------------------------------------------------

void Simulation::Finish(OutputSink& sink) {
  const auto& persons = pop_->persons();
  std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
    if (a.topic != b.topic) return a.topic < b.topic;
    if (a.emit != b.emit) return a.emit < b.emit;
    return a.order < b.order;
  });
  std::string rejects = "topic,line,reason_code,element,event_id\n";
  std::string records = "event_id,person_id,topic,kind\n";
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
          StrCat(CsvField(en.id), ",", persons[en.person].id, ",", TopicName(p.topic), ",", KindName(en.kind), "\n");
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
  Json kinds = Json::Object();
  for (const auto& [k, n] : stats_.events_by_kind) kinds.Set(k, static_cast<long long>(n));
  s.Set("unique_events_by_kind", std::move(kinds));
  s.Set("persons_generated", static_cast<long long>(stats_.persons_generated));
  s.Set("persons_known", static_cast<long long>(stats_.persons_known));
  s.Set("companies", static_cast<long long>(pop_->companies().size()));
  s.Set("invalid_records", static_cast<long long>(stats_.invalid));
  Json reasons = Json::Object();
  for (const auto& [k, n] : stats_.invalid_by_reason) reasons.Set(k, static_cast<long long>(n));
  s.Set("invalid_by_reason", std::move(reasons));
  s.Set("double_taps", static_cast<long long>(stats_.double_taps));
  s.Set("scan_batches", static_cast<long long>(stats_.scan_batches));
  s.Set("reuploaded_scan_batches", static_cast<long long>(stats_.reuploaded_batches));
  s.Set("phone_numbers_drawn", static_cast<long long>(pop_->phone_draws()));
  s.Set("phone_numbers_rejected", static_cast<long long>(pop_->phone_rejects()));
  Json stages = Json::Object();
  for (const auto& [ed, counts] : stage_counts) {
    Json c = Json::Object();
    for (const auto& [name, n] : counts) c.Set(name, static_cast<long long>(n));
    stages.Set(ed, std::move(c));
  }
  s.Set("stages", std::move(stages));
  sink.File("summary.json", s.Dump() + "\n");
}

GeneratorStats Simulation::Run(OutputSink& sink) {
  validator_ = std::make_unique<PhoneValidator>();
  PopulationOptions po;
  po.visitors = opt_.visitors;
  po.exhibitors = opt_.exhibitors;
  po.editions = opt_.editions;
  po.seed = opt_.seed;
  pop_ = std::make_unique<Population>(po, *validator_);
  Progress(StrCat("crm-simulate: population: ", pop_->persons().size(), " persons, ", pop_->companies().size(),
                  " companies, ", pop_->phone_draws(), " phone numbers drawn (", pop_->phone_rejects(),
                  " rejected by libphonenumber)"));
  AssignBooths();
  for (int e = 0; e < static_cast<int>(plan_.editions.size()); ++e) {
    size_t before = pending_.size();
    Bookings(e);
    Sponsorships(e);
    Registrations(e);
    ShowFloor(e);
    PostShow(e);
    Referrals(e);
    Imports(e);
    Progress(StrCat("crm-simulate: edition ", Ed(e).edition_id, ": ", regs_.size(), " registrations, ",
                    pending_.size() - before, " records"));
  }
  Progress(StrCat("crm-simulate: writing ", pending_.size(), " records"));
  Finish(sink);
  return stats_;
}

}  // namespace

GeneratorStats Generator::Run(OutputSink& sink, const std::function<void(const std::string&)>& progress) {
  Simulation sim(options_, series_, progress);
  return sim.Run(sink);
}

}  // namespace crm::simulate
