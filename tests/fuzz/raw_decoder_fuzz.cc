// libFuzzer target: raw JSON records through the decoder and the rules, and
// the input as text through every normalizer. Any crash, sanitizer report
// or hang is a bug: bad input must always become a Problem.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/normalize/contact.h"
#include "common/normalize/text.h"
#include "common/normalize/time.h"
#include "services/ingest/event_rules.h"
#include "services/ingest/raw_decoder.h"

namespace {

const crm::shows::ShowRegistry& Registry() {
  static crm::shows::ShowRegistry* r = [] {
    auto* reg = new crm::shows::ShowRegistry();
    crm::v1::ShowSeries s;
    s.set_show_id("auto-expo");
    s.set_name("Auto Expo");
    s.set_country("CN");
    s.set_time_zone("Asia/Shanghai");
    s.set_version(1);
    auto* e = s.add_editions();
    e->set_edition_id("2026");
    e->set_open_date("2026-04-20");
    e->set_close_date("2026-04-24");
    reg->Apply(s);
    return reg;
  }();
  return *r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static crm::ingest::RawDecoder decoder;
  static crm::FakeClock clock(1776909600000LL);
  for (auto& item : decoder.Decode(input)) {
    if (!item.decoded) continue;
    crm::ingest::EventContext ctx{item.decoded->local_occurred_ms, item.decoded->occurred_at_present,
                                  item.decoded->consent_granted_present};
    crm::v1::Event ev = item.decoded->event;
    (void)crm::ingest::ValidateAndNormalize(ev, ctx, Registry(), clock);
    (void)crm::ingest::DeriveEventId(ev, item.original);
    (void)crm::ingest::PartitionKey(ev);
  }
  if (size <= 512 && crm::normalize::IsValidUtf8(input)) {
    (void)crm::normalize::CleanText(input);
    (void)crm::normalize::NameKey(input);
    (void)crm::normalize::CompanyKey(input);
    (void)crm::normalize::NormalizeEmail(input);
    (void)crm::normalize::NormalizePhone(input, "CN");
    (void)crm::normalize::ParseTimestamp(input);
    (void)crm::ingest::CountryCode(input);
  }
  return 0;
}
