#pragma once

// crmctl's commands on the lifecycle service's LifecycleService:
//   lifecycle get CUSTOMER [--show S]
//   lifecycle list SHOW STAGE [--type exhibitor] [--by value|contribution] [--limit 50]
//   lifecycle funnel SHOW
//   lifecycle warnings [--since YYYY-MM-DD] [--show S] [--limit 100]
//   lifecycle eval SHOW --truth truth_stages.csv --clusters clusters.csv
//   lifecycle export SHOW                          every customer, JSON lines
//   lifecycle published --brokers LIST [--topic T]  a lifecycle topic's transitions, JSON lines
// Tables for people, --json (proto JSON) for scripts.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace crm::crmctl {

// The LifecycleService address: --addr, else $CRM_LIFECYCLE_GRPC; "" if neither.
std::string LifecycleAddr(const std::map<std::string, std::string>& args);

int LifecycleCommand(const std::string& addr, const std::vector<std::string>& pos,
                     const std::map<std::string, std::string>& args, std::chrono::milliseconds timeout);

}  // namespace crm::crmctl
