#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/util/strings.h"
#include "services/dedup/files/csv.h"
#include "services/dedup/files/eval.h"
#include "services/dedup/files/progress.h"
#include "services/dedup/files/schema.h"

namespace crm::dedup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using Rows = std::vector<std::vector<std::string>>;

// Chunk sizes that put record and field boundaries at every possible offset.
constexpr size_t kChunkSizes[] = {1, 2, 3, 7, csv::Reader::kDefaultChunkSize};

absl::StatusOr<Rows> ReadAll(const std::string& text, size_t chunk) {
  std::istringstream in(text);
  csv::Reader reader(in, chunk);
  Rows rows;
  std::vector<std::string> row;
  while (true) {
    auto more = reader.Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) break;
    rows.push_back(row);
  }
  EXPECT_EQ(reader.bytes_read(), static_cast<int64_t>(text.size()));
  EXPECT_EQ(reader.records(), static_cast<int64_t>(rows.size()));
  return rows;
}

std::string Msg(const absl::Status& s) { return ToStdString(s.message()); }

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           StrCat("dedup_batch_test_", ::testing::UnitTest::GetInstance()->current_test_info()->name(), "_",
                  static_cast<int64_t>(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string Write(const std::string& name, const std::string& content) const {
    std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
};

// ---------------------------------------------------------------- CSV reader

struct CsvCase {
  const char* name;
  std::string input;
  Rows want;
};

TEST(CsvReader, ParsesEdgeCasesAtEveryChunkSize) {
  const CsvCase cases[] = {
      {"simple", "a,b\nc,d\n", {{"a", "b"}, {"c", "d"}}},
      {"no final newline", "a,b\nc,d", {{"a", "b"}, {"c", "d"}}},
      {"crlf", "a,b\r\nc,d\r\n", {{"a", "b"}, {"c", "d"}}},
      {"lone cr", "a,b\rc,d", {{"a", "b"}, {"c", "d"}}},
      {"quoted comma", "\"a,b\",c\n", {{"a,b", "c"}}},
      {"doubled quotes", "\"he said \"\"hi\"\"\",x\n", {{"he said \"hi\"", "x"}}},
      {"only a quote", "\"\"\"\"\n", {{"\""}}},
      {"embedded lf", "\"line1\nline2\",x\ny,z\n", {{"line1\nline2", "x"}, {"y", "z"}}},
      {"embedded crlf", "\"line1\r\nline2\",x\r\n", {{"line1\r\nline2", "x"}}},
      {"bom", "\xEF\xBB\xBFid,name\n1,x\n", {{"id", "name"}, {"1", "x"}}},
      {"bom only", "\xEF\xBB\xBF", {}},
      {"bom not at start kept", "a\n\xEF\xBB\xBF" "b\n", {{"a"}, {"\xEF\xBB\xBF" "b"}}},
      {"empty input", "", {}},
      {"empty fields", ",,\n", {{"", "", ""}}},
      {"trailing empty field", "a,b,\n", {{"a", "b", ""}}},
      {"trailing empty field at eof", "a,b,", {{"a", "b", ""}}},
      {"trailing empty field crlf", "a,b,\r\nc\r\n", {{"a", "b", ""}, {"c"}}},
      {"empty quoted field", "\"\",x\n", {{"", "x"}}},
      {"quoted last field at eof", "a,\"b\"", {{"a", "b"}}},
      {"blank lines skipped", "a\n\n\r\n\nb\n\n", {{"a"}, {"b"}}},
      {"spaces kept", " a , b \n", {{" a ", " b "}}},
      {"utf8", "张伟,Müller\n", {{"张伟", "Müller"}}},
      {"varying widths", "a\nb,c,d\n\n", {{"a"}, {"b", "c", "d"}}},
  };
  for (const auto& c : cases) {
    for (size_t chunk : kChunkSizes) {
      auto rows = ReadAll(c.input, chunk);
      ASSERT_TRUE(rows.ok()) << c.name << " chunk " << chunk << ": " << rows.status();
      EXPECT_EQ(*rows, c.want) << c.name << " chunk " << chunk;
    }
  }
}

struct CsvErrorCase {
  const char* name;
  std::string input;
  std::vector<std::string> want;  // substrings of the message
};

TEST(CsvReader, ErrorsNameRecordAndLine) {
  const CsvErrorCase cases[] = {
      {"unterminated quote", "a,b\n\"c,d\nmore", {"record 2,", "opened on line 2", "unterminated"}},
      {"quote inside unquoted field", "a,b\nc,d\"e\n", {"record 2, line 2", "quote character inside unquoted field 2"}},
      {"text after closing quote", "\"a\"b,c\n", {"record 1, line 1", "after closing quote of field 1"}},
      {"invalid utf8", "a\nb\n\xff\xfe,c\n", {"record 3, line 3", "invalid UTF-8 in field 1"}},
      {"truncated utf8 sequence", "ok,\xe4\xb8\n", {"record 1, line 1", "invalid UTF-8 in field 2"}},
      {"invalid utf8 quoted", "\"\xc3\x28\"\n", {"record 1, line 1", "invalid UTF-8"}},
      {"line after multi-line field", "\"x\ny\",1\nq\"\n", {"record 2, line 3", "quote character"}},
      {"line after crlf and blank lines", "h\r\n\r\n\r\nx\"\r\n", {"record 2, line 4"}},
  };
  for (const auto& c : cases) {
    for (size_t chunk : kChunkSizes) {
      std::istringstream in(c.input);
      csv::Reader reader(in, chunk);
      std::vector<std::string> row;
      absl::Status status;
      while (true) {
        auto more = reader.Next(&row);
        if (!more.ok()) {
          status = more.status();
          break;
        }
        if (!*more) break;
      }
      ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name << " chunk " << chunk;
      for (const auto& w : c.want) EXPECT_THAT(Msg(status), HasSubstr(w)) << c.name << " chunk " << chunk;
      // The reader stays failed.
      EXPECT_FALSE(reader.Next(&row).ok()) << c.name;
    }
  }
}

TEST(CsvReader, RecordLineIsWhereTheRecordStarts) {
  std::istringstream in("h1,h2\n\"multi\nline\",x\n\nlast,y");
  csv::Reader reader(in, 4);
  std::vector<std::string> row;
  std::vector<int64_t> lines;
  while (*reader.Next(&row)) lines.push_back(reader.record_line());
  EXPECT_THAT(lines, ElementsAre(1, 2, 5));
}

TEST(CsvReader, ReusesRowAndShrinksIt) {
  std::istringstream in("a,b,c\nd\n");
  csv::Reader reader(in);
  std::vector<std::string> row;
  ASSERT_TRUE(*reader.Next(&row));
  EXPECT_THAT(row, ElementsAre("a", "b", "c"));
  ASSERT_TRUE(*reader.Next(&row));
  EXPECT_THAT(row, ElementsAre("d"));
  EXPECT_FALSE(*reader.Next(&row));
}

// ---------------------------------------------------------------- CSV writer

TEST(CsvWriter, QuotesOnlyWhenNeeded) {
  std::ostringstream out;
  csv::Writer writer(out);
  writer.Write(std::vector<std::string>{"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", "", " sp "});
  writer.Write(std::vector<std::string_view>{"x", "y"});
  writer.Write(std::vector<std::string>{""});
  EXPECT_EQ(out.str(), "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",, sp \nx,y\n\"\"\n");
  EXPECT_TRUE(writer.ok());
}

TEST(CsvWriter, RoundTripsRandomRows) {
  // Whole code points only, so every field is valid UTF-8.
  const std::vector<std::string> alphabet = {"a", "b", "Z", " ", ",", "\"", "\r", "\n", "é", "张", "\t", "0"};
  std::mt19937 rng(20240501);
  Rows rows;
  for (int i = 0; i < 500; ++i) {
    std::vector<std::string> row(1 + rng() % 6);
    for (auto& field : row) {
      int len = static_cast<int>(rng() % 9);
      for (int k = 0; k < len; ++k) field += alphabet[rng() % alphabet.size()];
    }
    rows.push_back(row);
  }
  std::ostringstream out;
  csv::Writer writer(out);
  for (const auto& row : rows) writer.Write(row);
  for (size_t chunk : {size_t{1}, size_t{5}, csv::Reader::kDefaultChunkSize}) {
    auto back = ReadAll(out.str(), chunk);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, rows) << "chunk " << chunk;
  }
}

// ---------------------------------------------------------------- schema

constexpr char kExampleSchema[] = R"(id: visitor_no
fields:
  full_name: name          # kinds: name, given_name, family_name, company, email, phone,
  company: company         #   address, street_number, city, postcode, state, date,
  mobile: phone            #   identifier, text, category
  mail: email
  city: city
  birthday: date
)";

TEST(Schema, ParsesTheDocumentedExampleInOrder) {
  auto schema = ParseSchema(kExampleSchema);
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->id_column, "visitor_no");
  EXPECT_THAT(schema->fields,
              ElementsAre(Pair("full_name", FieldKind::kName), Pair("company", FieldKind::kCompany),
                          Pair("mobile", FieldKind::kPhone), Pair("mail", FieldKind::kEmail),
                          Pair("city", FieldKind::kCity), Pair("birthday", FieldKind::kDate)));
}

TEST(Schema, AcceptsEveryKindName) {
  std::string yaml = "id: id\nfields:\n";
  for (FieldKind k : AllKinds()) yaml += StrCat("  col_", KindName(k), ": ", KindName(k), "\n");
  auto schema = ParseSchema(yaml);
  ASSERT_TRUE(schema.ok()) << schema.status();
  ASSERT_EQ(schema->fields.size(), AllKinds().size());
  for (size_t i = 0; i < AllKinds().size(); ++i) EXPECT_EQ(schema->fields[i].second, AllKinds()[i]);
}

struct SchemaErrorCase {
  const char* name;
  const char* yaml;
  std::vector<std::string> want;
};

TEST(Schema, RejectsBadSchemasClearly) {
  const SchemaErrorCase cases[] = {
      {"missing id", "fields:\n  a: name\n", {"missing 'id'"}},
      {"empty id", "id: ''\nfields:\n  a: name\n", {"'id' must name"}},
      {"id not scalar", "id: [a, b]\nfields:\n  a: name\n", {"'id' must name"}},
      {"missing fields", "id: x\n", {"missing 'fields'"}},
      {"null fields", "id: x\nfields:\n", {"'fields' is empty"}},
      {"empty fields", "id: x\nfields: {}\n", {"'fields' is empty"}},
      {"fields as list", "id: x\nfields: [a, b]\n", {"'fields' must be a mapping"}},
      {"unknown kind",
       "id: x\nfields:\n  a: name\n  b: nickname\n",
       {"column 'b'", "unknown kind 'nickname'", "valid kinds: name, given_name, family_name", "category"}},
      {"missing kind", "id: x\nfields:\n  a:\n", {"column 'a' has no kind", "valid kinds"}},
      {"unknown top-level key", "id: x\nfields:\n  a: name\nthreshold: 0.8\n", {"unknown key 'threshold'"}},
      {"duplicated column", "id: x\nfields:\n  a: name\n  b: email\n  a: phone\n", {"column 'a' is listed twice"}},
      {"not a mapping", "- a\n- b\n", {"expected a mapping"}},
      {"empty document", "", {"expected a mapping"}},
      {"not yaml", "id: [unclosed\n", {"not valid YAML"}},
  };
  for (const auto& c : cases) {
    auto schema = ParseSchema(c.yaml, "test.yaml");
    ASSERT_FALSE(schema.ok()) << c.name;
    EXPECT_EQ(schema.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(Msg(schema.status()), HasSubstr("test.yaml: ")) << c.name;
    for (const auto& w : c.want) EXPECT_THAT(Msg(schema.status()), HasSubstr(w)) << c.name;
  }
}

TEST(Schema, LoadsFromFile) {
  TempDir dir;
  auto schema = LoadSchema(dir.Write("schema.yaml", kExampleSchema));
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->fields.size(), 6u);

  auto missing = LoadSchema((dir.path / "nope.yaml").string());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto bad = LoadSchema(dir.Write("bad.yaml", "id: x\n"));
  EXPECT_THAT(Msg(bad.status()), HasSubstr("bad.yaml: missing 'fields'"));
}

TEST(Schema, BindsColumnsByHeaderName) {
  Schema schema{.id_column = "visitor_no",
                .fields = {{"full_name", FieldKind::kName}, {"mail", FieldKind::kEmail}}};
  auto bound = Bind(schema, {"mail", "visitor_no", "unused", " full_name "});
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(bound->id_index, 1);
  EXPECT_THAT(bound->columns, ElementsAre(Pair(3, FieldKind::kName), Pair(0, FieldKind::kEmail)));
}

TEST(Schema, BindNamesTheMissingOrAmbiguousColumn) {
  Schema schema{.id_column = "visitor_no", .fields = {{"full_name", FieldKind::kName}}};
  auto no_id = Bind(schema, {"full_name", "other"});
  EXPECT_EQ(no_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(no_id.status()), HasSubstr("id column 'visitor_no' is not in the CSV header"));

  auto no_field = Bind(schema, {"visitor_no", "name"});
  EXPECT_THAT(Msg(no_field.status()), HasSubstr("column 'full_name' is not in the CSV header"));

  auto twice = Bind(schema, {"visitor_no", "full_name", "full_name"});
  EXPECT_THAT(Msg(twice.status()), HasSubstr("'full_name' appears more than once"));
}

// ---------------------------------------------------------------- eval

using Map = std::unordered_map<std::string, std::string>;

TEST(Evaluate, HandComputedExample) {
  // truth {a,b,c}=E1 {d}=E2; clusters {a,b}=1 {c,d}=2.
  // Pairs: true ab ac bc = 3; predicted ab cd = 2; correct ab = 1.
  // P = 1/2, R = 1/3, F1 = 2*(1/6)/(5/6) = 0.4.
  // B-cubed precision per record: a 2/2, b 2/2, c 1/2, d 1/2 -> 3/4.
  // B-cubed recall per record:    a 2/3, b 2/3, c 1/3, d 1/1 -> 2/3.
  // B-cubed F1 = 2*(3/4)*(2/3)/(3/4+2/3) = 12/17.
  Map truth = {{"a", "E1"}, {"b", "E1"}, {"c", "E1"}, {"d", "E2"}};
  Map clusters = {{"a", "1"}, {"b", "1"}, {"c", "2"}, {"d", "2"}};
  EvalResult r = Evaluate(clusters, truth);
  EXPECT_EQ(r.records, 4);
  EXPECT_EQ(r.true_pairs, 3);
  EXPECT_EQ(r.predicted_pairs, 2);
  EXPECT_EQ(r.correct_pairs, 1);
  EXPECT_DOUBLE_EQ(r.precision, 0.5);
  EXPECT_DOUBLE_EQ(r.recall, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.f1, 0.4);
  EXPECT_DOUBLE_EQ(r.bcubed_precision, 0.75);
  EXPECT_DOUBLE_EQ(r.bcubed_recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.bcubed_f1, 12.0 / 17);
  EXPECT_EQ(r.missing_in_clusters, 0);
  EXPECT_EQ(r.missing_in_truth, 0);
}

TEST(Evaluate, PerfectClusteringScoresOneWhateverTheLabels) {
  Map truth = {{"a", "E1"}, {"b", "E1"}, {"c", "E2"}, {"d", "E3"}, {"e", "E3"}};
  Map clusters = {{"a", "x"}, {"b", "x"}, {"c", "y"}, {"d", "z"}, {"e", "z"}};
  EvalResult r = Evaluate(clusters, truth);
  EXPECT_EQ(r.correct_pairs, 2);
  for (double v : {r.precision, r.recall, r.f1, r.bcubed_precision, r.bcubed_recall, r.bcubed_f1}) {
    EXPECT_DOUBLE_EQ(v, 1.0);
  }
}

TEST(Evaluate, AllSingletonsHaveZeroRecall) {
  // truth {a,b}=E1 {c}=E2: B-cubed recall a 1/2, b 1/2, c 1 -> 2/3.
  Map truth = {{"a", "E1"}, {"b", "E1"}, {"c", "E2"}};
  Map clusters = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  EvalResult r = Evaluate(clusters, truth);
  EXPECT_EQ(r.predicted_pairs, 0);
  EXPECT_DOUBLE_EQ(r.precision, 1.0);  // nothing predicted: nothing wrong
  EXPECT_DOUBLE_EQ(r.recall, 0.0);
  EXPECT_DOUBLE_EQ(r.f1, 0.0);
  EXPECT_DOUBLE_EQ(r.bcubed_precision, 1.0);
  EXPECT_DOUBLE_EQ(r.bcubed_recall, 2.0 / 3);
}

TEST(Evaluate, OneBigClusterHasFullRecall) {
  // truth {a,b}=E1 {c,d}=E2, all in one cluster: predicted 6, correct 2.
  // B-cubed precision 2/4 for every record; recall 1.
  Map truth = {{"a", "E1"}, {"b", "E1"}, {"c", "E2"}, {"d", "E2"}};
  Map clusters = {{"a", "X"}, {"b", "X"}, {"c", "X"}, {"d", "X"}};
  EvalResult r = Evaluate(clusters, truth);
  EXPECT_EQ(r.predicted_pairs, 6);
  EXPECT_EQ(r.true_pairs, 2);
  EXPECT_DOUBLE_EQ(r.precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.recall, 1.0);
  EXPECT_DOUBLE_EQ(r.bcubed_precision, 0.5);
  EXPECT_DOUBLE_EQ(r.bcubed_recall, 1.0);
}

TEST(Evaluate, ScoresOnlyRecordsInBothMaps) {
  Map truth = {{"a", "E1"}, {"b", "E1"}, {"only_truth", "E2"}};
  Map clusters = {{"a", "1"}, {"b", "1"}, {"only_clusters", "1"}, {"also_only_clusters", "2"}};
  EvalResult r = Evaluate(clusters, truth);
  EXPECT_EQ(r.records, 2);
  EXPECT_EQ(r.missing_in_clusters, 1);
  EXPECT_EQ(r.missing_in_truth, 2);
  EXPECT_EQ(r.predicted_pairs, 1);  // only_clusters is not counted in cluster 1
  EXPECT_DOUBLE_EQ(r.f1, 1.0);

  EvalResult empty = Evaluate({}, truth);
  EXPECT_EQ(empty.records, 0);
  EXPECT_EQ(empty.missing_in_clusters, 3);
}

TEST(Evaluate, HugeClusterIsCountedNotEnumerated) {
  // 200k records in one cluster would be 2e10 pairs to enumerate.
  constexpr int64_t kN = 200'000;
  Map truth, clusters;
  for (int64_t i = 0; i < kN; ++i) {
    std::string id = StrCat("r", i);
    truth[id] = i % 2 ? "odd" : "even";
    clusters[id] = "all";
  }
  EvalResult r = Evaluate(clusters, truth);
  EXPECT_EQ(r.predicted_pairs, kN * (kN - 1) / 2);
  EXPECT_EQ(r.true_pairs, 2 * ((kN / 2) * (kN / 2 - 1) / 2));
  EXPECT_EQ(r.correct_pairs, r.true_pairs);
  EXPECT_DOUBLE_EQ(r.recall, 1.0);
  EXPECT_DOUBLE_EQ(r.bcubed_precision, 0.5);
}

TEST(ReadTwoColumnCsv, ReadsMapping) {
  TempDir dir;
  auto path = dir.Write("clusters.csv", "\xEF\xBB\xBFrecord_id,cluster_id\r\nr1,c1\r\nr2,c1\r\n\"r,3\",c2");
  auto m = ReadTwoColumnCsv(path, "record_id", "cluster_id");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, (Map{{"r1", "c1"}, {"r2", "c1"}, {"r,3", "c2"}}));
}

TEST(ReadTwoColumnCsv, ErrorsNameTheLine) {
  struct Case {
    const char* name;
    const char* content;
    const char* want;
  };
  const Case cases[] = {
      {"wrong header", "record_id,entity_id\nr1,e1\n", "in.csv:1: header is 'record_id,entity_id', expected 'record_id,cluster_id'"},
      {"extra header column", "record_id,cluster_id,x\n", "in.csv:1: header is"},
      {"empty file", "", "empty file"},
      {"wrong column count", "record_id,cluster_id\nr1,c1\nr2\n", "in.csv:3: expected 2 columns"},
      {"duplicate record", "record_id,cluster_id\nr1,c1\nr2,c1\nr1,c2\n", "in.csv:4: record_id 'r1' appears twice"},
      {"empty value", "record_id,cluster_id\nr1,\n", "in.csv:2: empty cluster_id"},
      {"bad csv", "record_id,cluster_id\nr1,\"c1\n", "unterminated"},
  };
  TempDir dir;
  for (const auto& c : cases) {
    auto m = ReadTwoColumnCsv(dir.Write("in.csv", c.content), "record_id", "cluster_id");
    ASSERT_FALSE(m.ok()) << c.name;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(Msg(m.status()), HasSubstr(c.want)) << c.name;
  }
  EXPECT_EQ(ReadTwoColumnCsv((dir.path / "none.csv").string(), "a", "b").status().code(),
            absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------- progress

std::string ReadBack(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

TEST(Progress, PlainOutputEndsWithTheFinalCount) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("reading", 20000, f);  // a tmpfile is not a TTY: plain lines
    for (int64_t i = 1; i <= 12345; ++i) p.Update(i);
    p.Finish();
    p.Finish();  // idempotent, and the destructor adds nothing
  }
  std::string out = ReadBack(f);
  std::fclose(f);
  EXPECT_THAT(out, HasSubstr("reading: done 12345/20000 (61.7%)"));
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.back(), '\n');
  // No periodic line within the first 5 s: only the final one.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST(Progress, UnknownTotalShowsCountOnly) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("scan", 0, f);
    p.Update(777);
  }  // destructor finishes
  std::string out = ReadBack(f);
  std::fclose(f);
  EXPECT_THAT(out, HasSubstr("scan: done 777, "));
  EXPECT_EQ(out.find('%'), std::string::npos);
  EXPECT_EQ(out.find("ETA"), std::string::npos);
}

TEST(Progress, TerminalStyleRedrawsOneLineWithABar) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("match", 1000, f, Progress::Style::kTerminal);
    p.Update(1000);
    p.Finish();
  }
  std::string out = ReadBack(f);
  std::fclose(f);
  EXPECT_EQ(out.front(), '\r');
  EXPECT_THAT(out, HasSubstr(StrCat("match [", std::string(30, '#'), "] 100.0% 1000/1000 ")));
  EXPECT_EQ(out.back(), '\n');
}

TEST(Progress, ConcurrentUpdatesKeepTheHighestCount) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("threads", 0, f);
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&p, t] {
        for (int64_t i = t; i <= 200000; i += 2) p.Update(i);
      });
    }
    for (auto& th : threads) th.join();
    p.Finish();
  }
  std::string out = ReadBack(f);
  std::fclose(f);
  EXPECT_THAT(out, HasSubstr("threads: done 200000, "));
}

}  // namespace
}  // namespace crm::dedup
