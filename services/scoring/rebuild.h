#pragma once

namespace crm::scoring {

// `crm-scoring rebuild [--config FILE]`: restores scoring's Redis state from
// Kafka (ScoringApp::Rebuild) and exits; 0 when done.
int RunRebuild(int argc, char** argv);

}  // namespace crm::scoring
