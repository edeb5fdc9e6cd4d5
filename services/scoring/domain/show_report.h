#pragma once

// The post-show evaluation of one edition (seed 000's 展后评估) from the
// profiles of a series' customers. Pure: profiles in, a ShowReport out; the
// caller streams the profiles (one pass, memory per customer a few numbers).
//
// Values and tiers are as of the edition: each customer's indicators are
// evaluated over the calendar up to the edition (and up to the previous one
// for the tier movement), so a report of a past edition does not change
// with later editions.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "crm/v1/profile.pb.h"
#include "services/scoring/domain/indicators.h"
#include "services/scoring/domain/tiers.h"

namespace crm::scoring {

class ShowReportBuilder {
 public:
  // `calendar`: the series' edition ids in calendar order; must hold `edition_id`.
  ShowReportBuilder(std::string show_id, std::string edition_id, std::vector<std::string> calendar, Weights weights,
                    TierCuts cuts);

  // One root customer's profile (aliases are skipped).
  void Add(const crm::v1::Profile& profile);

  // `top`: how many exhibitors in each top list.
  crm::v1::ShowReport Finish(size_t top) const;

  // Customers with anything in the series up to the edition.
  uint64_t customers_seen() const { return now_.size(); }

 private:
  const std::string show_id_, edition_id_;
  std::vector<std::string> calendar_now_, calendar_before_;  // up to the edition / up to the previous one
  std::string previous_;
  const Weights weights_;
  const TierCuts cuts_;

  crm::v1::ShowReport r_;
  double satisfaction_sum_ = 0;
  uint64_t satisfaction_n_ = 0;
  // Category -> complaint ids open / resolved (a complaint resolved anywhere is resolved).
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> complaints_;
  std::map<std::string, crm::v1::Money> fees_, paid_, refunded_;
  // Values as of the edition and the previous one, of every customer with
  // anything up to them; participants of the edition (and of both).
  std::vector<std::pair<double, std::string>> now_, before_;  // (value, customer id)
  std::set<std::string> attended_, attended_both_;
  // Booth "<hall>/<booth>" -> leads; exhibitor id -> (company, booths).
  std::map<std::string, uint64_t> leads_at_;
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> exhibitors_;
};

}  // namespace crm::scoring
