// The public generator (generator.h): topic names, event ids, CSV quoting,
// option checks, and Simulation::Run, which calls the phases of each edition
// in order. The phases live in generator_*.cc, one family of events each.

#include "tools/simulate/generator.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>

#include "common/util/strings.h"
#include "tools/simulate/generator_internal.h"

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

namespace internal {

std::string Pad(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", std::min(width, 20), static_cast<long long>(v));
  return buf;
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

}  // namespace internal

GeneratorStats Generator::Run(OutputSink& sink, const std::function<void(const std::string&)>& progress) {
  internal::Simulation sim(options_, series_, progress);
  return sim.Run(sink);
}

}  // namespace crm::simulate
