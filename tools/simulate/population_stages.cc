// Relationship trajectories: each exhibitor's, sponsor's and person's stage
// per edition (cultivation, confirmation, trust, weakening, dissolution), and
// the booth area an exhibitor books as its relationship develops.

#include "tools/simulate/population.h"

#include <algorithm>

namespace crm::simulate {

std::vector<Stage> Population::Trajectory(Rng& rng, int entry, int import_edition, bool cultivation_only,
                                          CustomerType type, const std::string& style, bool leader) {
  std::vector<Stage> st(static_cast<size_t>(editions_), Stage::kUnknown);
  if (cultivation_only) {
    for (int e = std::max(0, import_edition); e < editions_; ++e) st[e] = Stage::kCultivation;
    return st;
  }
  if (import_edition >= 0)
    for (int e = import_edition; e < entry; ++e) st[e] = Stage::kCultivation;
  st[entry] = Stage::kConfirmation;
  for (int e = entry + 1; e < editions_; ++e) {
    // Weights over {confirmation, trust, weakening, dissolution}.
    double w[4] = {0, 0, 0, 0};
    switch (st[e - 1]) {
      case Stage::kConfirmation: w[0] = 0.12, w[1] = 0.40, w[2] = 0.15, w[3] = 0.33; break;
      case Stage::kTrust: w[1] = 0.68, w[2] = 0.20, w[3] = 0.12; break;
      case Stage::kWeakening: w[1] = 0.30, w[2] = 0.20, w[3] = 0.50; break;
      default: w[3] = 1; break;
    }
    if (st[e - 1] != Stage::kDissolution) {
      if (type == CustomerType::kPublicVisitor) w[3] += 0.15;
      if (style == "exploring") w[3] += 0.08;
      if (style == "trial") w[3] += 0.15;
      if (style == "cautious" && st[e - 1] == Stage::kTrust) w[1] += 0.10;
      if (style == "rational") w[1] += 0.10, w[3] -= 0.05;
      if (style == "quality-seeking") w[2] += 0.05;
      if (leader) w[3] -= 0.25, w[1] += 0.1;
      for (double& x : w) x = std::max(x, 0.01);
      // A second "confirmation" only directly after the first participations.
      if (st[e - 1] != Stage::kConfirmation) w[0] = 0;
    }
    static const Stage kNext[4] = {Stage::kConfirmation, Stage::kTrust, Stage::kWeakening, Stage::kDissolution};
    st[e] = kNext[rng.Weighted({w[0], w[1], w[2], w[3]})];
  }
  return st;
}

void Population::DrawTrajectories(Rng& rng) {
  std::vector<double> entry_w;
  for (int e = 0; e < editions_; ++e) entry_w.push_back(e == 0 ? 1.6 : 1.0);
  for (uint32_t ci : exhibitors_) {
    Company& c = companies_[ci];
    bool prospect = !c.leader && rng.Chance(0.12);
    int entry = static_cast<int>(rng.Weighted(entry_w));
    if (prospect) {
      c.import_edition = static_cast<int>(rng.Below(static_cast<uint64_t>(editions_)));
      c.in_sales_2019 = c.import_edition == 0;
    } else if (rng.Chance(0.5)) {
      c.import_edition = 0;  // known from the old sales database
      c.in_sales_2019 = true;
    } else if (entry > 0 && rng.Chance(0.3)) {
      c.import_edition = static_cast<int>(rng.Below(static_cast<uint64_t>(entry)));  // a marketing lead first
    }
    c.stages = Trajectory(rng, entry, c.import_edition, prospect, CustomerType::kExhibitor, c.style, c.leader);
  }
  for (uint32_t ci : sponsors_) {
    Company& c = companies_[ci];
    int entry = static_cast<int>(rng.Weighted(entry_w));
    c.stages = Trajectory(rng, entry, -1, false, CustomerType::kSponsor, c.style, false);
  }
}

namespace {

double RoundArea(double a) {
  if (a < 36) return std::max(3.0, static_cast<double>(static_cast<int64_t>(a / 3 + 0.5) * 3));
  if (a < 300) return static_cast<double>(static_cast<int64_t>(a / 9 + 0.5) * 9);
  return static_cast<double>(static_cast<int64_t>(a / 50 + 0.5) * 50);
}

double AreaStep(double a) { return a <= 36 ? 3 : a <= 300 ? 9 : 50; }

}  // namespace

void Population::DrawAreas(Rng& rng) {
  for (uint32_t ci : exhibitors_) {
    Company& c = companies_[ci];
    c.area.assign(static_cast<size_t>(editions_), 0.0);
    double base;
    switch (c.size_class) {
      case 0: base = rng.Chance(0.7) ? 9 : 18; break;
      case 1: base = 9.0 * static_cast<double>(rng.Range(4, 12)); break;
      case 2: base = 9.0 * static_cast<double>(rng.Range(12, 33)); break;
      default: base = 50.0 * static_cast<double>(rng.Range(8, 30)); break;
    }
    double prev = 0;
    Stage prev_stage = Stage::kUnknown;
    for (int e = 0; e < editions_; ++e) {
      Stage s = c.stages[e];
      if (!Participates(s)) {
        if (s == Stage::kDissolution) prev_stage = s;
        continue;
      }
      double a;
      if (prev == 0) {
        a = base;
      } else if (s == Stage::kWeakening) {
        a = RoundArea(prev * rng.Uniform(0.5, 0.85));
        if (a >= prev) a = prev - AreaStep(prev);
        if (a < 3) {
          // Cannot shrink a 3 sqm table-top any further: the relationship ends.
          for (int k = e; k < editions_; ++k) c.stages[k] = Stage::kDissolution;
          break;
        }
      } else if (s == Stage::kTrust) {
        a = RoundArea(prev * (prev_stage == Stage::kWeakening ? rng.Uniform(1.1, 1.5) : rng.Uniform(1.0, 1.25)));
        if (a < prev) a = prev;
      } else {
        a = RoundArea(prev * rng.Uniform(0.9, 1.2));
      }
      c.area[e] = a;
      prev = a;
      prev_stage = s;
    }
  }
}

}  // namespace crm::simulate
