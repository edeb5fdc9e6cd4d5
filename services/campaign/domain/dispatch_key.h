#pragma once

// Send-once identity of a dispatch (docs/CAMPAIGN.md): one campaign step to
// one customer is one dispatch, whichever A/B variant, replica or retry
// sends it. Its id is what the idempotency claim is taken on, and what the
// email's Message-ID and the webhook's idempotency header are made of.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crm::campaign {

struct DispatchKey {
  std::string campaign_id;
  std::string step_id;  // a wave, a trigger's occurrence ("wave-14d", "close+3d")
  std::string customer_id;
};

// 16 lowercase hex digits, stable across builds and machines (FNV-1a 64 of
// the three parts, each length-prefixed so that no two keys collide by
// concatenation).
std::string DispatchId(const DispatchKey& key);

// "<dispatch id>@<domain>" in angle brackets, as the Message-ID header.
std::string MessageIdOf(const DispatchKey& key, std::string_view domain);

// The A/B variant a customer gets, by weight, the same on every call for
// the same campaign and customer (variants share one dispatch key).
// `weights` not empty, each >= 0, not all 0; returns the index.
size_t VariantOf(const std::string& campaign_id, const std::string& customer_id, const std::vector<double>& weights);

// What is known about a dispatch after its claim.
enum class ClaimState {
  kNone,      // never claimed: may be sent
  kClaimed,   // claimed, no outcome recorded yet
  kSent,      // the channel accepted it
  kFailed,    // failed permanently or out of tries
  kDeferred,  // a transient failure; retried by its owner at the recorded time
};

// A claim found after a restart with no outcome is neither resent nor
// forgotten: it is reported as "unknown" (the send may or may not have
// happened). True when the dispatch may be attempted now by whoever holds
// the claim (a deferred retry, or a fresh claim).
bool MaySend(ClaimState state);
bool IsUnknownAfterRestart(ClaimState state);

}  // namespace crm::campaign
