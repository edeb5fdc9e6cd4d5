#include "services/scoring/domain/score_changes.h"

#include <google/protobuf/text_format.h>

#include <map>

namespace crm::scoring {

namespace {

std::string FieldText(const crm::v1::Indicators& ind, const google::protobuf::FieldDescriptor* f) {
  const auto* refl = ind.GetReflection();
  if (f->has_presence() && !refl->HasField(ind, f)) return "";
  std::string out;
  google::protobuf::TextFormat::PrintFieldValueToString(ind, f, -1, &out);
  return out;
}

}  // namespace

std::vector<crm::v1::ScoreChange> ScoreChanges(const crm::v1::Profile& before, const crm::v1::Profile& after) {
  std::map<std::string, const crm::v1::Indicators*> old_by_show, new_by_show;
  for (const auto& s : before.series()) old_by_show[s.show_id()] = &s.indicators();
  for (const auto& s : after.series()) new_by_show[s.show_id()] = &s.indicators();
  const crm::v1::Indicators empty;
  std::vector<crm::v1::ScoreChange> out;
  const auto* desc = crm::v1::Indicators::descriptor();
  for (const auto& [show, now] : new_by_show) {
    auto it = old_by_show.find(show);
    const crm::v1::Indicators& was = it == old_by_show.end() ? empty : *it->second;
    for (int i = 0; i < desc->field_count(); ++i) {
      const auto* f = desc->field(i);
      std::string a = it == old_by_show.end() ? "" : FieldText(was, f), b = FieldText(*now, f);
      if (a == b) continue;
      crm::v1::ScoreChange c;
      c.set_customer_id(after.customer_id());
      c.set_show_id(show);
      c.set_indicator(f->name());
      c.set_old_value(a);
      c.set_new_value(b);
      c.set_at_ms(after.last_event_ms());
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace crm::scoring
