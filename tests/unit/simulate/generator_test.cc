// End-to-end checks of the simulator's output: a small series is generated
// into memory and read back (with the simulator's own strict JSON parser)
// against docs/RAW_EVENTS.md and the ground-truth files.

#include "tools/simulate/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "tools/simulate/civil_time.h"
#include "tools/simulate/json.h"
#include "tools/simulate/phones.h"
#include "tools/simulate/show.h"

namespace crm::simulate {
namespace {

class MemorySink : public OutputSink {
 public:
  void Record(Topic topic, std::string_view key, std::string_view value) override {
    lines[static_cast<int>(topic)].emplace_back(value);
    keys[static_cast<int>(topic)].emplace_back(key);
  }
  void File(std::string_view name, std::string_view text) override { files[std::string(name)] += text; }

  std::vector<std::string> lines[kTopicCount];
  std::vector<std::string> keys[kTopicCount];
  std::map<std::string, std::string> files;
};

std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else {
      field.push_back(c);
      any = true;
    }
  }
  if (any) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

// occurred_at in any of the accepted forms -> local seconds (UTC+8).
int64_t LocalSeconds(const Json& v) {
  if (v.is_number()) return v.as_int() / 1000 + kLocalUtcOffsetSeconds;
  const std::string& s = v.str();
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  int n = std::sscanf(s.c_str(), "%d-%d-%d%*c%d:%d:%d", &y, &mo, &d, &h, &mi, &se);
  EXPECT_GE(n, 5) << s;
  int64_t t = DaysFromCivil({y, mo, d}) * kDay + h * 3600 + mi * 60 + (n >= 6 ? se : 0);
  if (!s.empty() && s.back() == 'Z') t += kLocalUtcOffsetSeconds;
  return t;
}

struct Event {
  int topic;
  int line;     // 1-based
  int element;  // -1 for a plain object
  Json json;
  std::string id;
  std::string person_id;  // from truth_records
};

struct Output {
  GeneratorOptions options;
  GeneratorStats stats;
  MemorySink sink;
  SeriesPlan series;
  std::set<std::pair<int, int>> rejected_lines;                        // (topic, line)
  std::map<std::pair<int, int>, std::pair<int, std::string>> rejects;  // -> (element, reason)
  std::vector<Event> valid;                                            // every valid event
  std::vector<Event> invalid;                // rejected array elements and parseable rejected objects
  std::map<std::string, std::string> truth;  // event id -> person id
  std::map<std::string, std::string> person_company, person_type, person_style;
  std::map<std::pair<std::string, std::string>, std::string> stage;  // (person, edition) -> stage
};

int TopicIndex(const std::string& name) {
  for (int t = 0; t < kTopicCount; ++t)
    if (name == TopicName(static_cast<Topic>(t))) return t;
  return -1;
}

std::string IdOf(const Json& ev) {
  const Json* src = ev.Find("source");
  if (!src) return "";
  const Json* dev = src->Find("device_id");
  if (dev) return DerivedEventId(src->Find("system")->str(), dev->str(), src->Find("device_seq")->as_int(), "");
  const Json* id = ev.Find("event_id");
  return DerivedEventId(src->Find("system")->str(), "", 0, id ? id->str() : "");
}

std::unique_ptr<Output> Generate(const GeneratorOptions& options) {
  auto out = std::make_unique<Output>();
  out->options = options;
  Generator gen(options);
  out->series = gen.series();
  out->stats = gen.Run(out->sink);
  return out;
}

void Index(Output& o) {
  for (const auto& row : ParseCsv(o.sink.files["truth_rejects.csv"])) {
    if (row[0] == "topic") continue;
    int t = TopicIndex(row[0]);
    int line = std::stoi(row[1]);
    o.rejected_lines.insert({t, line});
    o.rejects[{t, line}] = {row[3].empty() ? -1 : std::stoi(row[3]), row[2]};
  }
  for (const auto& row : ParseCsv(o.sink.files["truth_records.csv"])) {
    if (row[0] == "event_id") continue;
    o.truth[row[0]] = row[1];
  }
  for (const auto& row : ParseCsv(o.sink.files["truth_persons.csv"])) {
    if (row[0] == "person_id") continue;
    o.person_type[row[0]] = row[1];
    o.person_company[row[0]] = row[3];
    o.person_style[row[0]] = row[5];
  }
  for (const auto& row : ParseCsv(o.sink.files["truth_stages.csv"])) {
    if (row[0] == "person_id") continue;
    o.stage[{row[0], row[2]}] = row[3];
  }
  for (int t = 0; t < kTopicCount; ++t) {
    for (size_t i = 0; i < o.sink.lines[t].size(); ++i) {
      int line = static_cast<int>(i + 1);
      Json v;
      if (!ParseJson(o.sink.lines[t][i], &v)) continue;  // checked by a test
      auto rj = o.rejects.find({t, line});
      auto add = [&](Json ev, int element) {
        Event e{t, line, element, std::move(ev), "", ""};
        e.id = IdOf(e.json);
        bool bad = rj != o.rejects.end() && rj->second.first == element;
        if (bad) {
          o.invalid.push_back(std::move(e));
        } else {
          auto it = o.truth.find(e.id);
          if (it != o.truth.end()) e.person_id = it->second;
          o.valid.push_back(std::move(e));
        }
      };
      if (v.is_array()) {
        for (size_t k = 0; k < v.size(); ++k) add(v.at(k), static_cast<int>(k));
      } else {
        add(std::move(v), -1);
      }
    }
  }
}

const GeneratorOptions& SmallOptions() {
  static GeneratorOptions o = [] {
    GeneratorOptions x;
    x.visitors = 4000;
    x.exhibitors = 250;
    x.editions = 3;
    x.seed = 11;
    x.invalid_rate = 0.03;
    x.start_year = 2024;
    return x;
  }();
  return o;
}

// One generated series shared by the tests below.
Output& Small() {
  static Output* out = [] {
    auto o = Generate(SmallOptions());
    Index(*o);
    return o.release();
  }();
  return *out;
}

const Json* PersonOf(const Event& e) { return e.json.Find("person"); }
std::string Str(const Json* j, const char* key) {
  const Json* v = j ? j->Find(key) : nullptr;
  return v && v->is_string() ? v->str() : "";
}
std::string KindOf(const Json& ev) {
  static const char* kKinds[] = {"ticket_registration",  "gate_check_in",  "booth_scan",
                                 "session_attendance",   "booth_booking",  "payment",
                                 "survey_answer",        "complaint",      "sales_contact",
                                 "campaign_interaction", "consent_change", "profile_import",
                                 "referral"};
  for (const char* k : kKinds)
    if (ev.Find(k)) return k;
  return "";
}

// --- determinism ------------------------------------------------------------------

TEST(Generator, SameSeedGivesIdenticalBytesAndOtherSeedsDiffer) {
  GeneratorOptions o;
  o.visitors = 1500;
  o.exhibitors = 80;
  o.editions = 2;
  o.seed = 3;
  o.invalid_rate = 0.02;
  auto a = Generate(o), b = Generate(o);
  for (int t = 0; t < kTopicCount; ++t) {
    ASSERT_EQ(a->sink.lines[t].size(), b->sink.lines[t].size());
    EXPECT_TRUE(a->sink.lines[t] == b->sink.lines[t]) << TopicName(static_cast<Topic>(t));
    EXPECT_TRUE(a->sink.keys[t] == b->sink.keys[t]);
  }
  EXPECT_EQ(a->sink.files, b->sink.files);
  EXPECT_EQ(ShowSeriesJson(a->series), ShowSeriesJson(b->series));

  o.seed = 4;
  auto c = Generate(o);
  EXPECT_NE(a->sink.lines[0], c->sink.lines[0]);
  EXPECT_NE(a->sink.lines[1], c->sink.lines[1]);
  EXPECT_NE(a->sink.files["truth_persons.csv"], c->sink.files["truth_persons.csv"]);
}

TEST(Generator, InvalidRateDoesNotChangeTheValidData) {
  // The invalid records come from their own random stream: with and without
  // them the persons and stages are the same.
  GeneratorOptions o;
  o.visitors = 800;
  o.exhibitors = 40;
  o.editions = 2;
  auto clean = Generate(o);
  o.invalid_rate = 0.05;
  auto dirty = Generate(o);
  EXPECT_EQ(clean->sink.files["truth_double_taps.csv"], dirty->sink.files["truth_double_taps.csv"]);
  for (int t = 0; t < kTopicCount; ++t) {
    EXPECT_EQ(clean->sink.lines[t].size(), dirty->sink.lines[t].size());
  }
}

// --- the record contract -------------------------------------------------------------

TEST(Generator, EveryLineIsJsonUnlessDeliberatelyMalformed) {
  Output& o = Small();
  int64_t malformed = 0;
  for (int t = 0; t < kTopicCount; ++t) {
    ASSERT_FALSE(o.sink.lines[t].empty());
    for (size_t i = 0; i < o.sink.lines[t].size(); ++i) {
      const std::string& line = o.sink.lines[t][i];
      auto rj = o.rejects.find({t, static_cast<int>(i + 1)});
      bool want_malformed = rj != o.rejects.end() && rj->second.second == "MALFORMED_JSON";
      std::string err;
      EXPECT_EQ(IsValidJson(line, &err), !want_malformed)
          << TopicName(static_cast<Topic>(t)) << ":" << i + 1 << " " << err;
      malformed += want_malformed;
      EXPECT_LE(line.size(), 64u * 1024) << "record over 64 KiB";
      EXPECT_EQ(line.find('\n'), std::string::npos);
    }
  }
  EXPECT_GT(malformed, 0);
}

TEST(Generator, ValidEventsFollowTheRawEventContract) {
  Output& o = Small();
  std::set<std::string> editions;
  for (const auto& e : o.series.editions) editions.insert(e.edition_id);
  int64_t earliest = o.series.editions[0].sales_open_day * kDay;
  int64_t latest = (o.series.editions.back().close_day + 365) * kDay;
  static const std::set<std::string> kTop = {"event_id",      "source",        "show_id",
                                             "edition_id",    "occurred_at",   "customer_type",
                                             "person",        "attributes",    "ticket_registration",
                                             "gate_check_in", "booth_scan",    "session_attendance",
                                             "booth_booking", "payment",       "survey_answer",
                                             "complaint",     "profile_import", "referral"};
  static const std::set<std::string> kPerson = {"full_name", "given_name", "family_name", "company",
                                                "title",     "email",      "phone",       "country",
                                                "city",      "industry",   "badge_id",    "external_ids"};
  static const std::set<std::string> kTypes = {"exhibitor", "professional_visitor", "public_visitor", "sponsor",
                                               "media"};
  PhoneValidator phones;
  for (const Event& e : o.valid) {
    const Json& ev = e.json;
    ASSERT_TRUE(ev.is_object());
    for (const auto& k : ev.keys()) {
      EXPECT_TRUE(kTop.count(k)) << "unknown field " << k;
    }
    EXPECT_EQ(Str(&ev, "show_id"), o.series.show_id);
    EXPECT_TRUE(editions.count(Str(&ev, "edition_id")));
    ASSERT_NE(ev.Find("occurred_at"), nullptr);
    int64_t t = LocalSeconds(*ev.Find("occurred_at"));
    EXPECT_GE(t, earliest);
    EXPECT_LT(t, latest);
    const Json* src = ev.Find("source");
    ASSERT_NE(src, nullptr);
    EXPECT_FALSE(Str(src, "system").empty());
    // The simulator always gives a device id + sequence or an event id.
    EXPECT_TRUE(src->Find("device_id") || ev.Find("event_id"));
    if (ev.Find("event_id")) {
      EXPECT_LE(Str(&ev, "event_id").size(), 128u);
    }
    if (ev.Find("customer_type")) {
      EXPECT_TRUE(kTypes.count(Str(&ev, "customer_type")));
    }
    std::string kind = KindOf(ev);
    ASSERT_FALSE(kind.empty());
    const Json* person = ev.Find("person");
    ASSERT_NE(person, nullptr);
    bool identifier = false;
    for (const auto& k : person->keys()) {
      EXPECT_TRUE(kPerson.count(k)) << "unknown person field " << k;
      if (k != "external_ids") {
        const std::string& v = person->Find(k)->str();
        EXPECT_FALSE(v.empty()) << k;
        EXPECT_LE(v.size(), k == "email" ? 254u : k == "phone" ? 64u : k == "badge_id" ? 128u : 256u) << k;
      }
      if (k == "email" || k == "phone" || k == "badge_id" || k == "external_ids" || k == "full_name" ||
          k == "given_name" || k == "family_name")
        identifier = true;
    }
    EXPECT_TRUE(identifier) << ev.Dump();
    if (person->Find("email")) {
      std::string email = Str(person, "email");
      email.erase(std::remove(email.begin(), email.end(), ' '), email.end());
      EXPECT_EQ(std::count(email.begin(), email.end(), '@'), 1) << email;
    }
    if (person->Find("phone")) {
      EXPECT_TRUE(phones.IsValid(Str(person, "phone"))) << Str(person, "phone");
    }
    const Json* p = ev.Find(kind);
    if (kind == "ticket_registration") {
      EXPECT_FALSE(Str(p, "ticket_id").empty());
    }
    if (kind == "gate_check_in") {
      EXPECT_FALSE(Str(p, "gate").empty());
      EXPECT_TRUE(p->Find("ticket_id") || person->Find("badge_id"));
    }
    if (kind == "booth_scan") {
      EXPECT_FALSE(Str(person, "badge_id").empty());
      EXPECT_FALSE(Str(p, "booth").empty());
      EXPECT_FALSE(Str(p, "exhibitor_company").empty());
      int64_t r = p->Find("lead_rating")->as_int();
      EXPECT_TRUE(r >= 0 && r <= 5);
    }
    if (kind == "session_attendance") {
      EXPECT_FALSE(Str(p, "session_id").empty());
    }
    if (kind == "booth_booking") {
      EXPECT_FALSE(Str(p, "booking_id").empty());
      EXPECT_FALSE(Str(p, "booth").empty());
      EXPECT_GT(p->Find("area_sqm")->as_double(), 0);
      std::string st = Str(p, "status");
      EXPECT_TRUE(st == "reserved" || st == "confirmed" || st == "cancelled") << st;
    }
    if (kind == "payment") {
      EXPECT_FALSE(Str(p, "invoice_id").empty());
      EXPECT_NE(p->Find("amount_minor")->as_int(), 0);
      EXPECT_EQ(Str(p, "currency"), "CNY");
    }
    if (kind == "survey_answer") {
      EXPECT_FALSE(Str(p, "survey_id").empty());
      for (const char* k : {"expectation", "perceived_quality", "perceived_value", "satisfaction", "would_recommend"}) {
        int64_t s = p->Find(k)->as_int();
        EXPECT_TRUE(s >= 0 && s <= 10) << k << "=" << s;
      }
    }
    if (kind == "complaint") {
      EXPECT_FALSE(Str(p, "complaint_id").empty());
      EXPECT_FALSE(Str(p, "category").empty());
      int64_t s = p->Find("severity")->as_int();
      EXPECT_TRUE(s >= 1 && s <= 5);
    }
    if (kind == "referral") {
      EXPECT_FALSE(Str(p, "referral_id").empty());
      const Json* whom = p->Find("referred");
      ASSERT_NE(whom, nullptr);
      EXPECT_FALSE(Str(whom, "full_name").empty());
    }
    if (kind == "profile_import") {
      EXPECT_FALSE(Str(p, "import_id").empty());
      EXPECT_FALSE(Str(p, "record_id").empty());
      EXPECT_FALSE(Str(p, "department").empty());
      EXPECT_GT(p->Find("row_number")->as_int(), 0);
    }
  }
}

TEST(Generator, BatchesAreArraysOfAtMostAThousandEvents) {
  Output& o = Small();
  int arrays = 0;
  for (int t = 0; t < kTopicCount; ++t)
    for (const auto& line : o.sink.lines[t]) {
      if (line.empty() || line[0] != '[') continue;
      Json v;
      if (!ParseJson(line, &v)) continue;
      ++arrays;
      EXPECT_GE(v.size(), 1u);
      EXPECT_LE(v.size(), 1000u);
    }
  EXPECT_GT(arrays, 0);
}

// --- ground truth -----------------------------------------------------------------------

TEST(Generator, TruthRecordsHaveOneRowPerUniqueDerivedIdOfValidEvents) {
  Output& o = Small();
  auto rows = ParseCsv(o.sink.files["truth_records.csv"]);
  ASSERT_EQ(rows[0], (std::vector<std::string>{"event_id", "person_id", "topic", "kind", "edition_id"}));
  std::set<std::string> ids;
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_TRUE(ids.insert(rows[i][0]).second) << "row twice: " << rows[i][0];
  }
  std::set<std::string> derived;
  for (const Event& e : o.valid) {
    derived.insert(e.id);
    EXPECT_FALSE(e.person_id.empty()) << "valid event without a truth row: " << e.id;
  }
  EXPECT_EQ(ids, derived);
  EXPECT_EQ(static_cast<int64_t>(ids.size()), o.stats.unique_event_ids);
  // Kinds and editions match the events.
  std::map<std::string, std::string> kind_of, edition_of;
  for (size_t i = 1; i < rows.size(); ++i) {
    kind_of[rows[i][0]] = rows[i][3];
    edition_of[rows[i][0]] = rows[i][4];
  }
  for (const Event& e : o.valid) {
    EXPECT_EQ(kind_of[e.id], KindOf(e.json));
    EXPECT_EQ(edition_of[e.id], Str(&e.json, "edition_id")) << e.id;
  }
}

TEST(Generator, ShowJsonIsTheSeries) {
  Output& o = Small();
  std::string text = ShowSeriesJson(o.series);
  Json show;
  ASSERT_TRUE(ParseJson(text, &show)) << text;
  EXPECT_EQ(Str(&show, "show_id"), "auto-expo");
  EXPECT_EQ(Str(&show, "country"), "CN");
  EXPECT_EQ(Str(&show, "time_zone"), "Asia/Shanghai");
  const Json* eds = show.Find("editions");
  ASSERT_NE(eds, nullptr);
  ASSERT_EQ(eds->size(), 3u);
  for (size_t i = 0; i < eds->size(); ++i) {
    const Json& e = eds->at(i);
    EXPECT_EQ(Str(&e, "edition_id"), std::to_string(2024 + i));
    std::string open = Str(&e, "open_date"), close = Str(&e, "close_date");
    EXPECT_LT(Str(&e, "sales_open_date"), open);
    EXPECT_LT(open, close);
    EXPECT_LT(close, Str(&e, "rebooking_deadline"));
    EXPECT_EQ(open.substr(5, 2), "04");  // spring
  }
  EXPECT_NE(o.sink.files.find("summary.json"), o.sink.files.end());
  EXPECT_TRUE(IsValidJson(o.sink.files["summary.json"]));
}

TEST(Generator, DuplicatesOfOnePersonShareThePersonId) {
  Output& o = Small();
  // A badge belongs to one person within an edition (registration, gate, scans, sessions).
  std::map<std::pair<std::string, std::string>, std::set<std::string>> badge;
  // A personal or company address belongs to one person; only shared mailboxes are shared.
  std::map<std::string, std::set<std::string>> email;
  std::map<std::string, std::set<std::string>> names_of_person, persons_of_name;
  for (const Event& e : o.valid) {
    const Json* p = PersonOf(e);
    std::string b = Str(p, "badge_id");
    if (!b.empty()) badge[{Str(&e.json, "edition_id"), b}].insert(e.person_id);
    std::string m = Str(p, "email");
    if (!m.empty()) {
      std::string lower;
      for (char c : m)
        if (c != ' ') lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      email[lower].insert(e.person_id);
    }
    std::string n = Str(p, "full_name");
    if (!n.empty()) {
      names_of_person[e.person_id].insert(n);
      persons_of_name[n].insert(e.person_id);
    }
  }
  for (const auto& [k, persons] : badge) {
    EXPECT_EQ(persons.size(), 1u) << "badge " << k.second << " in " << k.first;
  }
  int shared = 0;
  for (const auto& [addr, persons] : email) {
    if (persons.size() == 1) continue;
    ++shared;
    std::string local = addr.substr(0, addr.find('@'));
    EXPECT_TRUE(local == "info" || local == "sales" || local == "service" || local == "market")
        << addr << " used by " << persons.size() << " persons";
  }
  EXPECT_GT(shared, 0) << "no shared company mailbox used by several persons";
  // Name variants: many persons appear under several names, among them
  // Traditional characters, pinyin and swapped order.
  int multi = 0, traditional = 0, pinyin = 0;
  for (const auto& [pid, names] : names_of_person) {
    if (names.size() < 2) continue;
    ++multi;
    bool han = false, latin = false, trad = false;
    for (const auto& n : names) {
      if (static_cast<unsigned char>(n[0]) >= 0x80)
        han = true;
      else
        latin = true;
      for (const char* t : {"張", "陳", "劉", "楊", "黃", "趙", "吳", "孫", "偉", "麗", "靜", "華", "國"})
        if (n.find(t) != std::string::npos) trad = true;
    }
    pinyin += han && latin;
    traditional += trad;
  }
  EXPECT_GT(multi, 100);
  EXPECT_GT(pinyin, 20);
  EXPECT_GT(traditional, 5);
  // Look-alikes: the same common name used by several different persons.
  size_t most = 0;
  for (const auto& [n, persons] : persons_of_name) most = std::max(most, persons.size());
  EXPECT_GE(most, 3u);
}

TEST(Generator, EveryPhoneIsValidAndPersonsKeepTheirNumbers) {
  Output& o = Small();
  PhoneValidator v;
  std::map<std::string, std::set<std::string>> numbers_of_person, texts_of_number;
  int64_t checked = 0;
  for (const Event& e : o.valid) {
    std::string phone = Str(PersonOf(e), "phone");
    if (phone.empty()) continue;
    std::string e164 = v.ToE164(phone);
    ASSERT_FALSE(e164.empty()) << "invalid phone " << phone;
    numbers_of_person[e.person_id].insert(e164);
    texts_of_number[e164].insert(phone);
    ++checked;
  }
  EXPECT_GT(checked, 1000);
  for (const auto& [pid, nums] : numbers_of_person) {
    EXPECT_LE(nums.size(), 2u) << pid;  // mobile + landline
  }
  size_t formats = 0;
  for (const auto& [n, texts] : texts_of_number) formats = std::max(formats, texts.size());
  EXPECT_GE(formats, 3u) << "the same number should appear in several formats";
}

TEST(Generator, DoubleTapsAndReuploadsAtTheExpectedRates) {
  Output& o = Small();
  std::map<std::string, const Event*> scans;
  int64_t scan_events = 0;
  for (const Event& e : o.valid)
    if (e.topic == static_cast<int>(Topic::kScans)) {
      scans[e.id] = &e;
      ++scan_events;
    }
  auto taps = ParseCsv(o.sink.files["truth_double_taps.csv"]);
  ASSERT_GT(taps.size(), 1u);
  int64_t n_taps = static_cast<int64_t>(taps.size()) - 1;
  double rate = static_cast<double>(n_taps) / static_cast<double>(o.stats.events[1] - n_taps);
  EXPECT_GT(rate, 0.02);
  EXPECT_LT(rate, 0.04);
  int compared = 0;
  for (size_t i = 1; i < taps.size(); ++i) {
    auto a = scans.find(taps[i][0]), b = scans.find(taps[i][1]);
    if (a == scans.end() || b == scans.end()) continue;  // one of them made invalid
    const Json &ta = a->second->json, &tb = b->second->json;
    EXPECT_EQ(Str(PersonOf(*a->second), "badge_id"), Str(PersonOf(*b->second), "badge_id"));
    EXPECT_EQ(Str(ta.Find("booth_scan"), "booth"), Str(tb.Find("booth_scan"), "booth"));
    EXPECT_EQ(Str(ta.Find("source"), "device_id"), Str(tb.Find("source"), "device_id"));
    EXPECT_GT(ta.Find("source")->Find("device_seq")->as_int(), tb.Find("source")->Find("device_seq")->as_int());
    int64_t dt = LocalSeconds(*ta.Find("occurred_at")) - LocalSeconds(*tb.Find("occurred_at"));
    EXPECT_GE(dt, 0);
    EXPECT_LE(dt, 4);
    ++compared;
  }
  EXPECT_GT(compared, 0);
  // Offline re-uploads: whole arrays sent twice, byte for byte.
  std::map<std::string, int> arrays;
  for (size_t i = 0; i < o.sink.lines[1].size(); ++i) {
    const std::string& line = o.sink.lines[1][i];
    if (!line.empty() && line[0] == '[' && !o.rejected_lines.count({1, static_cast<int>(i + 1)})) ++arrays[line];
  }
  int twice = 0;
  for (const auto& [line, n] : arrays) {
    EXPECT_LE(n, 2);
    twice += n == 2;
  }
  ASSERT_GT(arrays.size(), 50u);
  double reup = static_cast<double>(o.stats.reuploaded_batches) / static_cast<double>(o.stats.scan_batches);
  EXPECT_GT(reup, 0.08);
  EXPECT_LT(reup, 0.22);
  EXPECT_GT(twice, 0);
  EXPECT_LT(scan_events - o.stats.unique_event_ids, scan_events);
}

TEST(Generator, DeviceSequencesIncreaseWithTime) {
  Output& o = Small();
  std::map<std::string, std::map<int64_t, std::pair<int64_t, std::string>>> by_device;
  for (const Event& e : o.valid) {
    if (e.topic != static_cast<int>(Topic::kScans)) continue;
    const Json* src = e.json.Find("source");
    int64_t seq = src->Find("device_seq")->as_int();
    std::string body = e.json.Dump();
    auto& m = by_device[Str(src, "device_id")];
    auto it = m.find(seq);
    if (it != m.end()) {
      EXPECT_EQ(it->second.second, body) << "same device_seq, different content";  // only re-uploads repeat
      continue;
    }
    m[seq] = {LocalSeconds(*e.json.Find("occurred_at")), body};
  }
  EXPECT_GT(by_device.size(), 20u);
  for (const auto& [dev, m] : by_device) {
    int64_t last = INT64_MIN;
    for (const auto& [seq, v] : m) {
      EXPECT_GE(v.first, last) << dev << " seq " << seq;
      last = v.first;
    }
  }
}

// --- deduplication ground truth ---------------------------------------------------------

const std::vector<std::string> kDedupHeader = {"record_id", "full_name", "given_name", "family_name",
                                               "company",   "email",     "phone",      "city",
                                               "country",   "badge",     "external_id", "external_id2"};

TEST(Generator, DedupRecordsAreTheTruthRecordsInTheSameOrder) {
  Output& o = Small();
  auto truth = ParseCsv(o.sink.files["truth_records.csv"]);
  auto records = ParseCsv(o.sink.files["dedup_records.csv"]);
  auto entities = ParseCsv(o.sink.files["dedup_truth.csv"]);
  ASSERT_FALSE(records.empty());
  ASSERT_FALSE(entities.empty());
  EXPECT_EQ(records[0], kDedupHeader);
  EXPECT_EQ(entities[0], (std::vector<std::string>{"record_id", "entity_id"}));
  ASSERT_GT(truth.size(), 1000u);
  ASSERT_EQ(records.size(), truth.size());
  ASSERT_EQ(entities.size(), truth.size());
  for (size_t i = 1; i < truth.size(); ++i) {
    ASSERT_EQ(records[i].size(), kDedupHeader.size()) << "row " << i;
    EXPECT_EQ(records[i][0], truth[i][0]) << "row " << i;
    EXPECT_EQ(entities[i][0], truth[i][0]) << "row " << i;
    EXPECT_EQ(entities[i][1], truth[i][1]) << "row " << i;
  }
}

TEST(Generator, DedupRecordsCopyThePersonOfTheRawEvent) {
  Output& o = Small();
  std::map<std::string, std::vector<std::string>> row_of;
  for (auto& row : ParseCsv(o.sink.files["dedup_records.csv"])) {
    if (row[0] != "record_id") row_of[row[0]] = row;
  }
  int64_t checked = 0, badge_only = 0;
  for (const Event& e : o.valid) {
    auto it = row_of.find(e.id);
    ASSERT_NE(it, row_of.end()) << "valid event without a dedup row: " << e.id;
    const auto& row = it->second;
    const Json* p = PersonOf(e);
    // Exactly as written in the raw JSON, not normalized.
    for (size_t c = 1; c <= 8; ++c) {
      EXPECT_EQ(row[c], Str(p, kDedupHeader[c].c_str())) << e.id << " " << kDedupHeader[c];
    }
    std::string badge = Str(p, "badge_id");
    EXPECT_EQ(row[9], badge.empty() ? "" : Str(&e.json, "show_id") + "/" + Str(&e.json, "edition_id") + "/" + badge)
        << e.id;
    const Json* ids = p ? p->Find("external_ids") : nullptr;
    for (size_t k = 0; k < 2; ++k) {
      std::string want;
      if (ids && k < ids->size()) want = Str(&ids->at(k), "system") + ":" + Str(&ids->at(k), "id");
      EXPECT_EQ(row[10 + k], want) << e.id;
    }
    bool only_badge = !row[9].empty();
    for (size_t c = 1; c <= 8; ++c) only_badge &= row[c].empty();
    badge_only += only_badge && row[10].empty();
    ++checked;
  }
  EXPECT_GT(checked, 1000);
  EXPECT_GT(badge_only, 100) << "gate reads carry only the badge and must still be rows";
  // Rejected events are not there unless the same id is also delivered valid.
  std::set<std::string> valid_ids;
  for (const Event& e : o.valid) valid_ids.insert(e.id);
  for (const auto& [id, row] : row_of) EXPECT_TRUE(valid_ids.count(id)) << id;
}

TEST(Generator, DedupBadgeIsUniquePerEntity) {
  Output& o = Small();
  auto records = ParseCsv(o.sink.files["dedup_records.csv"]);
  auto entities = ParseCsv(o.sink.files["dedup_truth.csv"]);
  ASSERT_EQ(records.size(), entities.size());
  std::map<std::string, std::set<std::string>> by_badge, by_external;
  for (size_t i = 1; i < records.size(); ++i) {
    if (!records[i][9].empty()) by_badge[records[i][9]].insert(entities[i][1]);
    for (size_t c : {10, 11})
      if (!records[i][c].empty()) by_external[records[i][c]].insert(entities[i][1]);
  }
  ASSERT_GT(by_badge.size(), 1000u);
  for (const auto& [badge, persons] : by_badge) EXPECT_EQ(persons.size(), 1u) << badge;
  EXPECT_GT(by_external.size(), 100u);
  for (const auto& [id, persons] : by_external) EXPECT_EQ(persons.size(), 1u) << id;
  // Badges repeat across editions (numbering restarts), so the edition is part of the value.
  std::set<std::string> editions;
  for (const auto& [badge, persons] : by_badge) editions.insert(badge.substr(0, badge.rfind('/')));
  EXPECT_EQ(editions.size(), o.series.editions.size());
}

TEST(Generator, DedupRecordsKeepTheRawForms) {
  Output& o = Small();
  auto records = ParseCsv(o.sink.files["dedup_records.csv"]);
  int upper = 0, leading_space = 0, full_width = 0, split_names = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    const auto& r = records[i];
    const std::string& email = r[5];
    upper += std::any_of(email.begin(), email.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    leading_space += !email.empty() && email[0] == ' ';
    full_width += r[6].find("\xEF\xBC\x91") != std::string::npos ||  // U+FF11 FULLWIDTH DIGIT ONE
                  r[6].find("\xEF\xBC\x98") != std::string::npos;    // U+FF18 FULLWIDTH DIGIT EIGHT
    split_names += r[1].empty() && !r[3].empty() && !r[2].empty();
  }
  EXPECT_GT(upper, 0) << "no e-mail with upper case";
  EXPECT_GT(leading_space, 0) << "no e-mail with a leading space";
  EXPECT_GT(full_width, 0) << "no full-width phone";
  EXPECT_GT(split_names, 0) << "no split family_name/given_name";
}

TEST(Generator, DedupSchemaIsTheBatchSchema) {
  Output& o = Small();
  EXPECT_EQ(o.sink.files["dedup_schema.yaml"],
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
            "  external_id2: identifier\n");
}

// --- lifecycle ------------------------------------------------------------------------

TEST(Generator, StagesCoverKnownPersonsAndFollowTheLifecycle) {
  Output& o = Small();
  std::set<std::string> edition_ids;
  for (const auto& e : o.series.editions) edition_ids.insert(e.edition_id);
  std::map<std::string, std::vector<std::string>> seq;  // person -> stages in edition order
  for (const auto& [k, s] : o.stage) seq[k.first].push_back(s);
  std::map<std::string, int> count;
  for (const auto& [pid, type] : o.person_type) {
    auto it = seq.find(pid);
    ASSERT_NE(it, seq.end()) << pid << " has no stage rows";
    const auto& st = it->second;
    for (size_t i = 0; i < st.size(); ++i) {
      ++count[st[i]];
      if (i == 0) continue;
      if (st[i] == "weakening" || st[i] == "trust") {
        EXPECT_TRUE(st[i - 1] == "confirmation" || st[i - 1] == "trust" || st[i - 1] == "weakening") << pid;
      }
      if (st[i - 1] == "dissolution") {
        EXPECT_EQ(st[i], "dissolution") << pid;
      }
    }
  }
  for (const char* s : {"cultivation", "confirmation", "trust", "weakening", "dissolution"}) {
    EXPECT_GT(count[s], 0) << s;
  }
  // Styles are the latent traits of the design brief.
  static const std::set<std::string> kExhibitor = {"rational", "mainstream", "trial"};
  static const std::set<std::string> kVisitor = {"exploring", "quality-seeking", "cautious", "average"};
  for (const auto& [pid, type] : o.person_type) {
    if (type == "exhibitor") {
      EXPECT_TRUE(kExhibitor.count(o.person_style[pid])) << pid;
    }
    if (type == "professional_visitor" || type == "public_visitor") {
      EXPECT_TRUE(kVisitor.count(o.person_style[pid])) << pid;
    }
  }
}

// Every referral event is in truth_referrals.csv with its referrer, and
// trusting customers refer far more often per participation than weakening ones.
TEST(Generator, ReferralsComeMostlyFromTrustingCustomers) {
  Output& o = Small();
  std::map<std::string, std::vector<std::string>> truth;  // event id -> row
  auto rows = ParseCsv(o.sink.files["truth_referrals.csv"]);
  ASSERT_GT(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"event_id", "referrer_person_id", "referred_person_id", "edition_id",
                                               "referred_joins_next"}));
  for (size_t i = 1; i < rows.size(); ++i) truth[rows[i][0]] = rows[i];
  std::map<std::string, int> participations, referrals;  // by stage
  std::set<std::pair<std::string, std::string>> took_part;  // (person, edition)
  size_t seen = 0;
  for (const Event& e : o.valid) {
    const std::string edition = Str(&e.json, "edition_id");
    const std::string kind = KindOf(e.json);
    const std::string& stage = o.stage.at({e.person_id, edition});
    if (kind == "referral") {
      ++seen;
      auto it = truth.find(e.id);
      ASSERT_NE(it, truth.end()) << e.id;
      EXPECT_EQ(it->second[1], e.person_id);
      EXPECT_EQ(it->second[3], edition);
      ++referrals[stage];
    } else if (kind != "profile_import" && took_part.insert({e.person_id, edition}).second) {
      ++participations[stage];
    }
  }
  // The rest were made invalid on purpose.
  std::set<std::string> invalid;
  for (const auto& row : ParseCsv(o.sink.files["truth_rejects.csv"])) invalid.insert(row.back());
  size_t rejected = 0;
  for (const auto& [id, row] : truth) rejected += invalid.count(id);
  EXPECT_EQ(seen + rejected, truth.size());
  ASSERT_GT(participations["trust"], 0);
  ASSERT_GT(participations["weakening"], 0);
  const double trust = 1.0 * referrals["trust"] / participations["trust"];
  const double weakening = 1.0 * referrals["weakening"] / participations["weakening"];
  EXPECT_GT(trust, 3 * weakening) << "trust " << trust << " weakening " << weakening;
}

TEST(Generator, BehaviourMatchesTheStage) {
  Output& o = Small();
  int cultivation = 0, dissolved = 0;
  for (const Event& e : o.valid) {
    auto it = o.stage.find({e.person_id, Str(&e.json, "edition_id")});
    ASSERT_NE(it, o.stage.end()) << e.person_id << " has an event before being known";
    std::string kind = KindOf(e.json);
    if (it->second == "cultivation") {
      EXPECT_EQ(kind, "profile_import") << e.person_id << " participated while in cultivation";
      ++cultivation;
    }
    if (it->second == "dissolution") {
      // Only the cancellation of an earlier reservation can still mention a lost customer.
      EXPECT_EQ(kind, "booth_booking") << e.person_id;
      if (kind == "booth_booking") {
        EXPECT_NE(Str(e.json.Find("booth_booking"), "status"), "confirmed");
      }
      ++dissolved;
    }
  }
  EXPECT_GT(cultivation, 0);
}

TEST(Generator, WeakeningExhibitorsBookLessAndDoNotRebookByTheDeadline) {
  Output& o = Small();
  std::map<std::string, int> edition_index;
  for (size_t i = 0; i < o.series.editions.size(); ++i)
    edition_index[o.series.editions[i].edition_id] = static_cast<int>(i);
  // company -> edition -> confirmed area; company -> edition -> first reservation time.
  std::map<std::string, std::map<int, double>> area;
  std::map<std::string, std::map<int, int64_t>> reserved_at;
  std::map<std::string, std::map<int, std::string>> stage_of;
  std::map<std::string, std::map<int, std::string>> person_stages;
  for (const auto& [k, s] : o.stage) person_stages[k.first][edition_index[k.second]] = s;
  for (const Event& e : o.valid) {
    const Json* b = e.json.Find("booth_booking");
    if (!b) continue;
    std::string company = o.person_company[e.person_id];
    int ed = edition_index[Str(&e.json, "edition_id")];
    std::string status = Str(b, "status");
    if (status == "confirmed") area[company][ed] = b->Find("area_sqm")->as_double();
    if (status == "reserved") {
      int64_t t = LocalSeconds(*e.json.Find("occurred_at"));
      auto& r = reserved_at[company];
      if (!r.count(ed) || t < r[ed]) r[ed] = t;
    }
    for (const auto& [ed_i, s] : person_stages[e.person_id]) stage_of[company][ed_i] = s;
  }
  auto participates = [](const std::string& s) { return s == "confirmation" || s == "trust" || s == "weakening"; };
  int weakening = 0, rebooked_on_time = 0, unknown = 0;
  for (const auto& [company, eds] : stage_of) {
    for (const auto& [ed, s] : eds) {
      if (s == "weakening") {
        // The previous participation (weakening always follows one).
        int prev = ed - 1;
        while (prev >= 0 && !participates(eds.count(prev) ? eds.at(prev) : "")) --prev;
        ASSERT_GE(prev, 0) << company;
        if (!area[company].count(ed) || !area[company].count(prev)) {
          ++unknown;  // a confirmation was one of the deliberately invalid records
          continue;
        }
        EXPECT_LT(area[company][ed], area[company][prev]) << company << " edition " << ed;
        ++weakening;
        // No rebooking for the next edition by this edition's deadline.
        if (ed + 1 < static_cast<int>(o.series.editions.size()) && reserved_at[company].count(ed + 1)) {
          int64_t deadline = (o.series.editions[ed].rebooking_deadline_day + 1) * kDay;
          EXPECT_GT(reserved_at[company][ed + 1], deadline) << company;
        }
      }
      if ((s == "trust" || s == "confirmation") && ed + 1 < static_cast<int>(o.series.editions.size()) &&
          reserved_at[company].count(ed + 1) &&
          reserved_at[company][ed + 1] < (o.series.editions[ed].rebooking_deadline_day + 1) * kDay)
        ++rebooked_on_time;
    }
  }
  EXPECT_GT(weakening, 3);
  EXPECT_LE(unknown, weakening / 5 + 1);
  EXPECT_GT(rebooked_on_time, 10);
}

TEST(Generator, TrustMeansBetterSurveysThanWeakening) {
  Output& o = Small();
  std::map<std::string, std::pair<double, int>> sat;
  for (const Event& e : o.valid) {
    const Json* s = e.json.Find("survey_answer");
    if (!s) continue;
    auto& acc = sat[o.stage[{e.person_id, Str(&e.json, "edition_id")}]];
    acc.first += static_cast<double>(s->Find("satisfaction")->as_int());
    acc.second += 1;
  }
  ASSERT_GT(sat["trust"].second, 20);
  ASSERT_GT(sat["weakening"].second, 20);
  EXPECT_GT(sat["trust"].first / sat["trust"].second, sat["weakening"].first / sat["weakening"].second + 2);
}

// --- invalid records -------------------------------------------------------------------

TEST(Generator, RejectsAreDeliberateAndExplained) {
  Output& o = Small();
  int64_t lines = 0;
  for (int t = 0; t < kTopicCount; ++t) lines += static_cast<int64_t>(o.sink.lines[t].size());
  double rate = static_cast<double>(o.rejects.size()) / static_cast<double>(lines);
  EXPECT_GT(rate, 0.02);
  EXPECT_LT(rate, 0.04);
  static const std::set<std::string> kReasons = {"MISSING_FIELD",   "INVALID_EMAIL",  "INVALID_PHONE", "UNKNOWN_SHOW",
                                                 "UNKNOWN_EDITION", "TIME_IN_FUTURE", "UNKNOWN_FIELD", "MALFORMED_JSON",
                                                 "TOO_LARGE",       "OUT_OF_RANGE"};
  std::set<std::string> seen;
  for (const auto& [k, v] : o.rejects) {
    EXPECT_TRUE(kReasons.count(v.second)) << v.second;
    seen.insert(v.second);
  }
  EXPECT_EQ(seen.size(), kReasons.size()) << "every kind of defect should occur";
  // The defect is really there.
  PhoneValidator phones;
  std::set<std::string> editions;
  for (const auto& e : o.series.editions) editions.insert(e.edition_id);
  int checked = 0;
  for (const Event& e : o.invalid) {
    const std::string& reason = o.rejects[{e.topic, e.line}].second;
    const Json& ev = e.json;
    const Json* person = ev.Find("person");
    if (reason == "UNKNOWN_SHOW") {
      EXPECT_NE(Str(&ev, "show_id"), o.series.show_id);
    }
    if (reason == "UNKNOWN_EDITION") {
      EXPECT_FALSE(editions.count(Str(&ev, "edition_id")));
    }
    if (reason == "TIME_IN_FUTURE") {
      EXPECT_GT(LocalSeconds(*ev.Find("occurred_at")), DaysFromCivil({2090, 1, 1}) * kDay);
    }
    if (reason == "INVALID_PHONE") {
      EXPECT_FALSE(phones.IsValid(Str(person, "phone")));
    }
    if (reason == "INVALID_EMAIL") {
      EXPECT_NE(Str(person, "email").find("@@"), std::string::npos);
    }
    if (reason == "TOO_LARGE") {
      EXPECT_GT(Str(person, "full_name").size(), 256u);
    }
    if (reason == "MISSING_FIELD") {
      std::string kind = KindOf(ev);
      static const std::map<std::string, const char*> kRequired = {
          {"ticket_registration", "ticket_id"}, {"gate_check_in", "gate"},       {"booth_scan", "booth"},
          {"session_attendance", "session_id"}, {"booth_booking", "booking_id"}, {"payment", "invoice_id"},
          {"survey_answer", "survey_id"},       {"complaint", "complaint_id"},   {"profile_import", "record_id"}};
      bool missing = !ev.Find("show_id") || !ev.Find("edition_id") || !ev.Find("occurred_at") ||
                     !ev.Find(kind)->Find(kRequired.at(kind));
      EXPECT_TRUE(missing) << ev.Dump();
    }
    if (reason == "UNKNOWN_FIELD") {
      EXPECT_TRUE(ev.Find("colour") || person->Find("nickname") || ev.Find("priority") ||
                  ev.Find(KindOf(ev))->Find("priority"))
          << ev.Dump();
    }
    if (reason == "OUT_OF_RANGE") {
      const Json* p = ev.Find(KindOf(ev));
      bool out = (p->Find("lead_rating") && p->Find("lead_rating")->as_int() > 5) ||
                 (p->Find("satisfaction") && p->Find("satisfaction")->as_int() > 10) ||
                 (p->Find("severity") && (p->Find("severity")->as_int() < 1 || p->Find("severity")->as_int() > 5));
      EXPECT_TRUE(out) << ev.Dump();
    }
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

}  // namespace
}  // namespace crm::simulate
