#include "tools/simulate/show.h"

#include <google/protobuf/util/json_util.h>

#include "tools/simulate/civil_time.h"

namespace crm::simulate {

crm::v1::ShowSeries ToShowSeries(const SeriesPlan& plan) {
  crm::v1::ShowSeries s;
  s.set_show_id(plan.show_id);
  s.set_name(plan.name);
  s.set_venue(plan.venue);
  s.set_city(plan.city);
  s.set_country(plan.country);
  s.set_time_zone(plan.time_zone);
  s.set_version(1);
  for (const auto& e : plan.editions) {
    auto* ed = s.add_editions();
    ed->set_edition_id(e.edition_id);
    ed->set_name(e.name);
    ed->set_open_date(FormatDate(e.open_day));
    ed->set_close_date(FormatDate(e.close_day));
    ed->set_rebooking_deadline(FormatDate(e.rebooking_deadline_day));
    ed->set_sales_open_date(FormatDate(e.sales_open_day));
  }
  return s;
}

std::string ShowSeriesJson(const SeriesPlan& plan) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(ToShowSeries(plan), &out, options);
  if (!status.ok()) return "";
  return out;
}

}  // namespace crm::simulate
