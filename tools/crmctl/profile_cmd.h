#pragma once

// crmctl's commands on the scoring service's ProfileService: profile get,
// customers list, show-report, and scoring rebuild (which runs
// `crm-scoring rebuild`). Readable tables for people, --json (proto JSON)
// for scripts.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace crm::crmctl {

using Args = std::map<std::string, std::string>;

// The ProfileService address: --addr, else $CRM_SCORING_GRPC (stack.env); "" if neither.
std::string ScoringAddr(const Args& args);

// What an ID-OR-IDENTIFIER argument is: ("customer_id", id) for C + 10
// digits, else ("email" | "phone" | "badge" | "external_id", value) by its
// form; `forced_kind` (--kind) overrides.
std::pair<std::string, std::string> IdentifierOf(const std::string& arg, const std::string& forced_kind);

int ProfileGet(const std::string& addr, const std::string& id_or_identifier, const Args& args,
               std::chrono::milliseconds timeout);
int CustomersList(const std::string& addr, const Args& args, std::chrono::milliseconds timeout);
int ShowReport(const std::string& addr, const std::string& show, const std::string& edition, const Args& args,
               std::chrono::milliseconds timeout);
// Runs crm-scoring (next to crmctl) `rebuild` with the remaining args.
int ScoringRebuild(const char* argv0, const std::vector<std::string>& passthrough);

}  // namespace crm::crmctl
