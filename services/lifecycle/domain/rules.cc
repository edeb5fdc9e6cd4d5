#include "services/lifecycle/domain/rules.h"

#include "common/util/strings.h"

namespace crm::lifecycle {

const NamedFields<LifecycleRules>& RuleFields() {
  using R = LifecycleRules;
  static const NamedFields<R> fields({
      {"booth_area_drop", &R::booth_area_drop},
      {"w_booth_area", &R::w_booth_area},
      {"w_fewer_days", &R::w_fewer_days},
      {"scans_drop", &R::scans_drop},
      {"scans_min", &R::scans_min},
      {"w_fewer_scans", &R::w_fewer_scans},
      {"visits_drop", &R::visits_drop},
      {"visits_min", &R::visits_min},
      {"w_fewer_visits", &R::w_fewer_visits},
      {"dwell_drop", &R::dwell_drop},
      {"w_shorter_dwell", &R::w_shorter_dwell},
      {"w_more_complaints", &R::w_more_complaints},
      {"w_unfair", &R::w_unfair},
      {"satisfaction_drop", &R::satisfaction_drop},
      {"satisfaction_low", &R::satisfaction_low},
      {"w_lower_satisfaction", &R::w_lower_satisfaction},
      {"w_would_not_return", &R::w_would_not_return},
      {"retention_drop", &R::retention_drop},
      {"w_falling_retention", &R::w_falling_retention},
      {"contact_min_sent", &R::contact_min_sent},
      {"sales_unanswered_min", &R::sales_unanswered_min},
      {"w_less_contact", &R::w_less_contact},
      {"level_share", &R::level_share},
      {"level_min", &R::level_min},
      {"level_min_customers", &R::level_min_customers},
      {"w_below_usual", &R::w_below_usual},
      {"weakening_score", &R::weakening_score},
      {"excellent_first_satisfaction", &R::excellent_first_satisfaction},
      {"registration_point_days", &R::registration_point_days},
      {"dissolution_missed", &R::dissolution_missed},
  });
  return fields;
}

absl::Status ValidateRules(const LifecycleRules& r) {
  for (const auto& name : RuleFields().names()) {
    if (RuleFields().Get(r, name) < 0) return absl::InvalidArgumentError(StrCat(name, ": must not be negative"));
  }
  for (const char* share : {"booth_area_drop", "scans_drop", "visits_drop", "dwell_drop", "retention_drop", "level_share"}) {
    if (RuleFields().Get(r, share) > 1) return absl::InvalidArgumentError(StrCat(share, ": must be in [0, 1]"));
  }
  if (r.dissolution_missed == 0) return absl::InvalidArgumentError("dissolution_missed: must be at least 1");
  if (r.weakening_score <= 0) return absl::InvalidArgumentError("weakening_score: must be above 0");
  return absl::OkStatus();
}

}  // namespace crm::lifecycle
