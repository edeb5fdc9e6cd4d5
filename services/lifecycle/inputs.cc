#include "services/lifecycle/inputs.h"

#include <algorithm>
#include <cstdlib>

#include "common/log/log.h"
#include "common/util/strings.h"
#include "crm/v1/identity.pb.h"

namespace crm::lifecycle {

BatchInputs InputsOf(const std::vector<kafka::Message>& batch, const InputTopics& topics,
                     std::map<int32_t, int64_t>* latest) {
  BatchInputs in;
  for (const auto& m : batch) {
    auto skipped = [&](const char* what) {
      log::Warn(StrCat("unreadable ", what, " skipped"), {{"topic", m.topic},
                                                        {"partition", static_cast<long long>(m.partition)},
                                                        {"offset", static_cast<long long>(m.offset)}});
    };
    if (m.topic == topics.profiles) {
      crm::v1::Profile p;
      if (!p.ParseFromString(m.value) || p.customer_id().empty()) {
        skipped("profile");
        continue;
      }
      auto& t = (*latest)[m.partition];
      t = std::max(t, p.last_event_ms());
      in.profiles.push_back(std::move(p));
    } else if (m.topic == topics.scores) {
      crm::v1::ScoreChange c;
      if (!c.ParseFromString(m.value)) {
        skipped("score change");
        continue;
      }
      if (c.indicator() != "retention_probability" || c.new_value().empty()) continue;
      in.retention.push_back({c.customer_id(), c.show_id(), std::atof(c.new_value().c_str()), c.at_ms()});
    } else {
      crm::v1::IdentityEvent ev;
      if (!ev.ParseFromString(m.value)) {
        skipped("identity change");
        continue;
      }
      if (ev.has_merged()) in.merged.push_back(ev.merged().merged_id());
    }
  }
  return in;
}

}  // namespace crm::lifecycle
