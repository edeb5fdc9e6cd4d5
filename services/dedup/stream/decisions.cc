#include "services/dedup/stream/decisions.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "common/util/strings.h"

namespace crm::dedup {

absl::Status CheckThresholds(const Thresholds& t) {
  if (!(t.lower > 0 && t.lower <= t.upper && t.upper < 1)) {
    return absl::InvalidArgumentError("dedup.lower and dedup.upper must satisfy 0 < lower <= upper < 1");
  }
  return absl::OkStatus();
}

MatchAction ActionFor(double probability, const Thresholds& t) {
  if (probability >= t.upper) return MatchAction::kJoin;
  if (probability >= t.lower) return MatchAction::kReview;
  return MatchAction::kNone;
}

namespace {

std::string Numbered(char letter, long long seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%c%010lld", letter, seq);
  return buf;
}

long long SeqOf(char letter, const std::string& id) {
  if (id.size() != 11 || id[0] != letter) return 0;
  for (size_t i = 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return 0;
  }
  return std::atoll(id.c_str() + 1);
}

}  // namespace

std::string CustomerIdFromSeq(long long seq) { return Numbered('C', seq); }
std::string MergeIdFromSeq(long long seq) { return Numbered('M', seq); }
long long SeqOfCustomerId(const std::string& customer_id) { return SeqOf('C', customer_id); }
long long SeqOfMergeId(const std::string& merge_id) { return SeqOf('M', merge_id); }

const std::string& OldestCustomer(const std::vector<std::string>& ids) {
  // Zero-padded ids: the smaller string is the older customer.
  return *std::min_element(ids.begin(), ids.end());
}

MergePair SurvivorOf(const std::string& a, const std::string& b) {
  return b < a ? MergePair{b, a} : MergePair{a, b};
}

std::string KeyRule(const std::string& key) {
  const char kind = key.empty() ? 'i' : key[0];
  return kind == 'e' ? "key:email" : kind == 'p' ? "key:phone" : "key:identifier";
}

namespace {

using Getter = std::string (*)(const crm::v1::Identity&);
const std::vector<std::pair<const char*, Getter>>& GoldenFields() {
  static const std::vector<std::pair<const char*, Getter>> fields = {
      {"full_name",
       [](const crm::v1::Identity& i) {
         if (!i.full_name().empty()) return i.full_name();
         if (i.family_name().empty() && i.given_name().empty()) return std::string();
         return StrCat(i.family_name(), i.family_name().empty() || i.given_name().empty() ? "" : " ", i.given_name());
       }},
      {"company", [](const crm::v1::Identity& i) { return i.company(); }},
      {"email",
       [](const crm::v1::Identity& i) { return i.normalized().email().empty() ? i.email() : i.normalized().email(); }},
      {"phone",
       [](const crm::v1::Identity& i) {
         return i.normalized().phone_e164().empty() ? i.phone() : i.normalized().phone_e164();
       }},
      {"city", [](const crm::v1::Identity& i) { return i.city(); }},
      {"country",
       [](const crm::v1::Identity& i) {
         return i.normalized().country().empty() ? i.country() : i.normalized().country();
       }},
      {"title", [](const crm::v1::Identity& i) { return i.title(); }},
      {"industry", [](const crm::v1::Identity& i) { return i.industry(); }},
  };
  return fields;
}

}  // namespace

std::vector<GoldenEntry> GoldenEntries(const crm::v1::RecordAssigned& ra, const std::vector<std::string>& trusted) {
  // Trust first (lower is better), then recency (the later time sorts first).
  int trust = static_cast<int>(std::find(trusted.begin(), trusted.end(), ra.source_system()) - trusted.begin());
  char rank[48];
  std::snprintf(rank, sizeof rank, "%03d|%020lld", trust,
                static_cast<long long>(4'000'000'000'000'000'000LL - ra.occurred_ms()));
  std::vector<GoldenEntry> out;
  for (const auto& [name, get] : GoldenFields()) {
    std::string v = std::string(StripWhitespace(get(ra.identity())));
    if (v.empty()) continue;
    GoldenEntry e;
    e.field = name;
    e.rank = rank;
    e.value.set_field(name);
    e.value.set_value(v);
    e.value.set_record_id(ra.record_id());
    e.value.set_source_system(ra.source_system());
    e.value.set_observed_ms(ra.occurred_ms());
    out.push_back(std::move(e));
  }
  return out;
}

bool GoldenWins(const std::string& candidate, const std::string& current) {
  return current.empty() || candidate <= current;
}

std::map<std::string, GoldenEntry> Survivorship(const std::vector<crm::v1::RecordAssigned>& records,
                                                const std::vector<std::string>& trusted) {
  std::map<std::string, GoldenEntry> golden;
  for (const auto& ra : records) {
    for (auto& e : GoldenEntries(ra, trusted)) {
      auto it = golden.find(e.field);
      if (it == golden.end()) {
        golden.emplace(e.field, std::move(e));
      } else if (GoldenWins(e.rank, it->second.rank)) {
        it->second = std::move(e);
      }
    }
  }
  return golden;
}

Lead FoldTaps(std::vector<TapScan> scans, const TapScan& scan, std::chrono::milliseconds window) {
  scans.push_back(scan);
  std::sort(scans.begin(), scans.end(), [](const TapScan& a, const TapScan& b) {
    return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : a.event_id < b.event_id;
  });
  scans.erase(std::unique(scans.begin(), scans.end(),
                          [](const TapScan& a, const TapScan& b) { return a.event_id == b.event_id; }),
              scans.end());
  // Walk the chains of scans within the window of each other; keep the one
  // holding `scan`.
  size_t first = 0, size = 0;
  Lead lead;
  bool found = false;
  for (size_t i = 0; i < scans.size(); ++i) {
    if (i > 0 && scans[i].at_ms - scans[i - 1].at_ms > window.count()) {
      if (found) break;
      first = i;
      size = 0;
      lead = Lead{};
    }
    const int64_t since_first = (scans[i].at_ms - scans[first].at_ms) / 1000;
    lead.dwell_seconds = std::max<uint32_t>(lead.dwell_seconds, static_cast<uint32_t>(since_first) + scans[i].dwell_seconds);
    found = found || scans[i].event_id == scan.event_id;
    ++size;
  }
  lead.lead_id = scans[first].event_id;
  // A double tap whichever of the two arrived first: a late upload of the
  // earlier scan is counted as the tap, not as a second lead.
  lead.update = size > 1;
  return lead;
}

}  // namespace crm::dedup
