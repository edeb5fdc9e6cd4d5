#include "services/campaign/domain/dispatch_key.h"

#include <cstdio>

namespace crm::campaign {

namespace {

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t HashParts(std::initializer_list<std::string_view> parts) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (auto p : parts) {
    const std::string len = std::to_string(p.size()) + ":";
    h = Fnv1a(Fnv1a(h, len), p);
  }
  return h;
}

}  // namespace

std::string DispatchId(const DispatchKey& key) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(HashParts({key.campaign_id, key.step_id, key.customer_id})));
  return buf;
}

std::string MessageIdOf(const DispatchKey& key, std::string_view domain) {
  return "<" + DispatchId(key) + "@" + std::string(domain) + ">";
}

size_t VariantOf(const std::string& campaign_id, const std::string& customer_id, const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w > 0 ? w : 0;
  if (weights.empty() || total <= 0) return 0;
  // FNV's high bits are poorly mixed for near-identical inputs: splitmix64's
  // finalizer first, then the top 53 bits as a fraction in [0, 1).
  uint64_t z = HashParts({"variant", campaign_id, customer_id});
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  const double u = static_cast<double>(z >> 11) / 9007199254740992.0;
  double acc = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    acc += weights[i] > 0 ? weights[i] / total : 0;
    if (u < acc) return i;
  }
  return weights.size() - 1;
}

bool MaySend(ClaimState state) { return state == ClaimState::kNone || state == ClaimState::kDeferred; }

bool IsUnknownAfterRestart(ClaimState state) { return state == ClaimState::kClaimed; }

}  // namespace crm::campaign
