#pragma once

// Internal to the generator*.cc files (generator.h is the public interface):
// event kinds and reject reasons, the records in flight, and the Simulation
// that runs a show series phase by phase. Each phase, one family of events,
// is defined in its own generator_*.cc.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/util/strings.h"
#include "tools/simulate/civil_time.h"
#include "tools/simulate/generator.h"
#include "tools/simulate/json.h"
#include "tools/simulate/population.h"

namespace crm::simulate::internal {

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

const char* KindName(Kind k);

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

const char* ReasonName(Reason r);

enum class TimeStyle : uint8_t { kLocal, kOffset, kEpochMillis, kUtc, kLocalMinutes };

// Weights over local / +08:00 / epoch millis / Z / local without seconds.
TimeStyle PickStyle(Rng& rng, std::vector<double> w);
Json OccurredAt(int64_t t, TimeStyle s);

// Zero-padded decimal of at least `width` digits.
std::string Pad(int64_t v, int width);

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
std::string DedupRow(const Json& ev);

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
  // The next record in generation order, due at `emit`; its `n_entries` truth
  // entries are the ones appended next.
  Pending NewPending(Topic topic, const std::string& key, int64_t emit, uint32_t n_entries);
  void EmitSingle(Topic topic, const std::string& key, int64_t emit, Draft d, int edition);
  // Emits drafts as JSON arrays (chunked to stay under the record limits); each
  // array is uploaded again with probability `reupload_p`.
  void EmitBatches(Topic topic, const std::string& key, int64_t emit, std::vector<Draft>& drafts, int edition,
                   size_t max_items, double reupload_p, Rng& rng);

  Json PersonFrom(const Registration& r, int capture) const;
  Json ErpPerson(const Person& p, Rng& rng) const;
  // A `person` object with the e-mail as `email_view` writes it, plus the phone
  // when there is no e-mail or else with probability `phone_p`.
  Json EmailOrPhone(const Person& p, View email_view, double phone_p, Rng& rng) const;

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

}  // namespace crm::simulate::internal
