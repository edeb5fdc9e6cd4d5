#include "services/lifecycle/domain/stage.h"

namespace crm::lifecycle {

std::string_view StageName(Stage s) {
  switch (s) {
    case Stage::kCultivation: return "cultivation";
    case Stage::kConfirmation: return "confirmation";
    case Stage::kTrust: return "trust";
    case Stage::kWeakening: return "weakening";
    case Stage::kDissolution: return "dissolution";
  }
  return "";
}

std::optional<Stage> ParseStage(std::string_view name) {
  for (Stage s : {Stage::kCultivation, Stage::kConfirmation, Stage::kTrust, Stage::kWeakening, Stage::kDissolution})
    if (StageName(s) == name) return s;
  return std::nullopt;
}

std::string_view Seed000Alias(Stage s) {
  switch (s) {
    case Stage::kCultivation: return "exploration";
    case Stage::kConfirmation: return "formation";
    case Stage::kTrust: return "stability";
    case Stage::kWeakening:
    case Stage::kDissolution: return "decline";
  }
  return "";
}

std::string_view StrategyOf(Stage s) {
  switch (s) {
    case Stage::kCultivation: return "promote: build awareness of the show and its value to them";
    case Stage::kConfirmation: return "make the show work for them: deliver what they came for, follow up every lead";
    case Stage::kTrust: return "follow their changing needs: keep the relationship and grow it";
    case Stage::kWeakening: return "find the cause and fix it: contact them, answer the signals that put them here";
    case Stage::kDissolution: return "limit negative word of mouth: exit survey, keep the door open";
  }
  return "";
}

}  // namespace crm::lifecycle
