#pragma once

// show.json: the simulated series as a crm.v1.ShowSeries, in the proto JSON
// mapping with the proto field names (what the show registry stores).

#include <string>

#include "crm/v1/shows.pb.h"
#include "tools/simulate/population.h"

namespace crm::simulate {

crm::v1::ShowSeries ToShowSeries(const SeriesPlan& plan);
// MessageToJsonString with preserve_proto_field_names; "" on failure.
std::string ShowSeriesJson(const SeriesPlan& plan);

}  // namespace crm::simulate
