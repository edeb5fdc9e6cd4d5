#pragma once

// The retention model's inputs: what the CRM knows of a customer in one
// series at the close of edition N-1, to predict whether they take part in
// edition N. Pure: no Kafka, Redis, gRPC or XGBoost. docs/SCORING.md
// ("Retention model") defines every feature.
//
// Only editions up to N-1 of the calendar are read. Edition N's aggregate
// (a rebooking, a pre-registration) is left out on purpose: the aggregate
// does not say when those were made, so history cannot tell what was known
// at N-1's close from what happened at N's gate, and a model trained on N's
// final booking state would call every exhibitor lost until they rebook.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crm/v1/profile.pb.h"

namespace crm::scoring {

// Feature names, in the order RetentionFeatures returns them. The model
// file records them, and a model with other names is refused at load.
const std::vector<std::string>& RetentionFeatureNames();

// The features of a customer in one series as of the close of
// calendar[as_of] (edition N-1), from `editions` (the customer's aggregates
// of the series, any order; those of later editions are ignored). NaN
// marks a value that does not exist (no survey answer, never exhibited).
// nullopt when the customer has no aggregate in calendar[0..as_of]: not
// known by then, so not a customer the model speaks about.
std::optional<std::vector<float>> RetentionFeatures(const std::vector<crm::v1::EditionAggregate>& editions,
                                                    const std::vector<std::string>& calendar, size_t as_of,
                                                    crm::v1::CustomerType type);

// One training row: features at edition N-1, label "took part in N".
struct RetentionExample {
  std::string customer_id;
  std::string show_id;
  std::string edition_id;  // N
  std::vector<float> features;
  bool took_part = false;
  bool took_part_before = false;  // in N-1 (the report's second view)
};

// Every (N-1 -> N) pair of a profile: per series of the profile that
// `calendars` has, each pair of consecutive calendar editions at which the
// customer was known by N-1. `calendars` must hold only editions whose
// outcome is known (closed).
std::vector<RetentionExample> RetentionExamples(
    const crm::v1::Profile& profile, const std::map<std::string, std::vector<std::string>>& calendars);

// The trained model as the service uses it.
class RetentionPredictor {
 public:
  virtual ~RetentionPredictor() = default;
  // Probability of taking part in the next edition; nullopt when the model
  // cannot answer (logged by the implementation).
  virtual std::optional<double> Predict(const std::vector<float>& features) const = 0;
};

// Expected value of the customer's next edition: the mean net contribution
// (payments minus refunds, in `currency`) of the editions up to and
// including calendar[as_of] the customer took part in; 0 when none.
int64_t ExpectedNextEditionMinor(const std::vector<crm::v1::EditionAggregate>& editions,
                                 const std::vector<std::string>& calendar, size_t as_of,
                                 const std::string& currency);

// Sets ind->retention_probability (the model's answer for the features as
// of the latest edition of `calendar`) and ind->contribution_potential
// (probability x expected next-edition value, in the lifetime
// contribution's currency, rounded to a minor unit). Leaves both unset when
// the calendar is empty, the customer is not known by its latest edition,
// or the model gives no answer.
void SetRetention(const std::vector<crm::v1::EditionAggregate>& editions, const std::vector<std::string>& calendar,
                  crm::v1::CustomerType type, const RetentionPredictor& model, crm::v1::Indicators* ind);

}  // namespace crm::scoring
