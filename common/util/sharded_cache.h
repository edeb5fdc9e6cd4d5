#pragma once

// A string-keyed cache shared by all threads of a process: split into shards,
// each under its own read-write lock, so threads rarely contend, and bounded
// (a shard that fills up is cleared: a cheap, coarse bound on memory).
//
// For values that never go stale for their key (a pure function's result, a
// record's view by content hash) or whose staleness the caller tolerates.

#include <array>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace crm {

// Capacity of the memos of pure normalization functions (names, companies,
// phones): one large show's distinct values, ~500k entries.
inline constexpr size_t kMemoEntries = size_t{1} << 19;

template <typename V, size_t kCapacity, size_t kShards = 16>
class ShardedCache {
  static_assert(kCapacity >= kShards, "each shard holds at least one entry");

 public:
  // A copy of the value, V{} when absent.
  V Find(std::string_view key) const {
    const Shard& s = ShardOf(key);
    std::shared_lock l(s.mu);
    auto it = s.map.find(key);
    return it == s.map.end() ? V{} : it->second;
  }

  void Put(std::string_view key, V value) {
    Shard& s = ShardOf(key);
    std::unique_lock l(s.mu);
    if (s.map.size() >= kPerShard) s.map.clear();
    s.map.insert_or_assign(std::string(key), std::move(value));
  }

  // The cached value, or compute() cached and returned. Two threads missing
  // at once may both compute; the values must be equal.
  template <typename Compute>
  V GetOrCompute(std::string_view key, Compute&& compute) {
    Shard& s = ShardOf(key);
    {
      std::shared_lock l(s.mu);
      auto it = s.map.find(key);
      if (it != s.map.end()) return it->second;
    }
    V value = compute();
    std::unique_lock l(s.mu);
    if (s.map.size() >= kPerShard) s.map.clear();
    s.map.emplace(std::string(key), value);
    return value;
  }

 private:
  static constexpr size_t kPerShard = kCapacity / kShards;
  // Transparent hashing: lookups by string_view allocate nothing.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<std::string, V, Hash, std::equal_to<>> map;
  };
  Shard& ShardOf(std::string_view key) { return shards_[Hash{}(key) % kShards]; }
  const Shard& ShardOf(std::string_view key) const { return shards_[Hash{}(key) % kShards]; }
  std::array<Shard, kShards> shards_;
};

}  // namespace crm
