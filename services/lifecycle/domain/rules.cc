#include "services/lifecycle/domain/rules.h"

#include <map>

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

std::string_view RuleHelp(std::string_view name) {
  static const std::map<std::string_view, std::string_view> help = {
      {"booth_area_drop", "Booth area below (1 - this) x the previous participation's is a signal"},
      {"w_booth_area", "Weight of booth_area_smaller in the weakening score"},
      {"w_fewer_days", "Weight of fewer show days checked in"},
      {"scans_drop", "Scans made below (1 - this) x the previous is a signal"},
      {"scans_min", "Previous scans made needed for fewer_scans_made"},
      {"w_fewer_scans", "Weight of fewer_scans_made"},
      {"visits_drop", "Booth visits below (1 - this) x the previous is a signal"},
      {"visits_min", "Previous booth visits needed for fewer_booth_visits"},
      {"w_fewer_visits", "Weight of fewer_booth_visits"},
      {"dwell_drop", "Dwell per visit below (1 - this) x the previous is a signal"},
      {"w_shorter_dwell", "Weight of shorter_dwell"},
      {"w_more_complaints", "Weight of more complaints than at the previous participation"},
      {"w_unfair", "Weight of any complaint of unfair treatment"},
      {"satisfaction_drop", "Satisfaction index points below the previous that are a signal"},
      {"satisfaction_low", "Satisfaction index below this is a signal"},
      {"w_lower_satisfaction", "Weight of lower_satisfaction"},
      {"w_would_not_return", "Weight of a survey answer saying it would not come back"},
      {"retention_drop", "Retention probability below the previous by this is a signal"},
      {"w_falling_retention", "Weight of falling_retention"},
      {"contact_min_sent", "Campaigns sent with none opened that are less_contact"},
      {"sales_unanswered_min", "Sales contacts unanswered that are less_contact"},
      {"w_less_contact", "Weight of less_contact"},
      {"level_share", "A measure below this share of its type's median in the edition is a signal"},
      {"level_min", "Medians below this give no below_usual signal"},
      {"level_min_customers", "Medians of fewer participations are not used"},
      {"w_below_usual", "Weight of each below_usual signal"},
      {"weakening_score", "A participation whose signals weigh this much or more is weakening"},
      {"excellent_first_satisfaction", "A first participation with this satisfaction or more is trust at once"},
      {"registration_point_days", "Days before an opening a visitor not registered is weakening (0: off)"},
      {"dissolution_missed", "Editions missed in a row after taking part that make dissolution"},
  };
  auto it = help.find(name);
  return it == help.end() ? std::string_view() : it->second;
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
