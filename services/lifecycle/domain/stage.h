#pragma once

// The relationship stages of a customer in one show series (seed 003), the
// four stages of seed 000 they are reported as, and each stage's strategy.

#include <optional>
#include <string_view>

namespace crm::lifecycle {

enum class Stage { kCultivation, kConfirmation, kTrust, kWeakening, kDissolution };

// "cultivation", "confirmation", "trust", "weakening", "dissolution".
std::string_view StageName(Stage s);
std::optional<Stage> ParseStage(std::string_view name);

// Seed 000's names: exploration (cultivation), formation (confirmation),
// stability (trust), decline (weakening and dissolution).
std::string_view Seed000Alias(Stage s);

// The recommended strategy of the stage (seeds 000 and 003), one line.
std::string_view StrategyOf(Stage s);

// Does a customer in this stage take part in the edition it was judged at?
inline bool TakesPart(Stage s) { return s == Stage::kConfirmation || s == Stage::kTrust || s == Stage::kWeakening; }

}  // namespace crm::lifecycle
