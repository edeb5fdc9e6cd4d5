#pragma once

// Deterministic pseudo-random numbers for the simulator. The generator is
// xoshiro256** seeded through splitmix64; every distribution helper here is
// written with integer arithmetic and basic floating-point operations only, so
// a seed yields the same stream on every platform and standard library (the
// std:: distributions do not guarantee that).

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace crm::simulate {

// One step of splitmix64; also a good 64-bit mixer.
uint64_t SplitMix64(uint64_t& state);
// Mixes a value into a well-distributed 64-bit hash (stateless splitmix64 step).
uint64_t Mix64(uint64_t x);
// FNV-1a of a string, then mixed; used to derive named sub-streams.
uint64_t HashString(std::string_view s);

class Rng {
 public:
  explicit Rng(uint64_t seed);
  // An independent stream derived from `seed` and a stream name.
  Rng(uint64_t seed, std::string_view stream);
  // An independent stream derived from `seed`, a stream name and an index.
  Rng(uint64_t seed, std::string_view stream, uint64_t index);

  uint64_t Next();
  // Uniform integer in [0, n); n > 0. Unbiased (rejection sampling).
  uint64_t Below(uint64_t n);
  // Uniform integer in [lo, hi] (inclusive).
  int64_t Range(int64_t lo, int64_t hi);
  // Uniform double in [0, 1) with 53 random bits.
  double Uniform();
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // True with probability p.
  bool Chance(double p);
  // Approximately normal (Irwin-Hall sum of 12 uniforms), clamped to +-6 sd.
  double Normal(double mean, double sd);
  // Normal rounded and clamped to [lo, hi].
  int64_t NormalInt(double mean, double sd, int64_t lo, int64_t hi);
  // Poisson-like count with the given mean: binomial(4*ceil(mean), mean/n)
  // for small means, normal approximation for large ones. Never negative.
  int64_t Count(double mean);
  // Index drawn with probability proportional to weights (which must not all be 0).
  size_t Weighted(const std::vector<double>& weights);
  // Index drawn from a prefix-sum table (cumulative[i] = sum of weights[0..i]).
  size_t WeightedCumulative(const std::vector<double>& cumulative);

  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  template <typename T, size_t N>
  const T& Pick(const T (&a)[N]) {
    return a[Below(N)];
  }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) {
      size_t j = Below(i);
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  uint64_t s_[4];
};

}  // namespace crm::simulate
