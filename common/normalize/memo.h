#pragma once

// A bounded memo shared by all threads, for pure functions whose inputs
// repeat (one person's name, company and phone recur across their events,
// which arrive on different threads). Sharded so threads rarely contend;
// a shard that fills up is cleared (a cheap, coarse bound on memory).

#include <array>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace crm::normalize {

template <typename Value>
class SharedMemo {
 public:
  template <typename Compute>
  Value Get(std::string_view key, Compute&& compute) {
    Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
    {
      std::shared_lock lock(shard.mu);
      auto it = shard.map.find(std::string(key));
      if (it != shard.map.end()) return it->second;
    }
    Value value = compute();
    std::unique_lock lock(shard.mu);
    if (shard.map.size() >= kMaxPerShard) shard.map.clear();
    shard.map.emplace(std::string(key), value);
    return value;
  }

 private:
  static constexpr size_t kShards = 32;
  static constexpr size_t kMaxPerShard = 16'384;  // ~500k entries in all
  struct Shard {
    std::shared_mutex mu;
    std::unordered_map<std::string, Value> map;
  };
  std::array<Shard, kShards> shards_;
};

}  // namespace crm::normalize
