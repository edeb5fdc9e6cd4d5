#pragma once

#include <cstdint>
#include <string>

namespace crm::loadgen {

// Produces `events` resolved events for `customers` customers of `show` to
// crm.resolved.v1; editions_spec is "ID=YYYY-MM-DD,..." (opening days).
// Returns a process exit code (2 = bad arguments).
int Resolved(const std::string& brokers, const std::string& editions_spec, const std::string& show, int64_t events,
             int64_t customers, uint64_t seed);

}  // namespace crm::loadgen
