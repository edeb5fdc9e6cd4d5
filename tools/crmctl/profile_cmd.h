#pragma once

// crmctl profile get: one customer's profile from the scoring service's
// ProfileService, as a readable table or (json) proto JSON.

#include <chrono>
#include <string>

namespace crm::crmctl {

int ProfileGet(const std::string& addr, const std::string& customer_id, bool json, std::chrono::milliseconds timeout);

}  // namespace crm::crmctl
