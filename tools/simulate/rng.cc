#include "tools/simulate/rng.h"

#include <algorithm>
#include <cmath>

namespace crm::simulate {
namespace {

inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t Mix64(uint64_t x) {
  uint64_t s = x;
  return SplitMix64(s);
}

uint64_t HashString(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return Mix64(h);
}

Rng::Rng(uint64_t seed) {
  uint64_t st = seed;
  for (auto& s : s_) s = SplitMix64(st);
}

Rng::Rng(uint64_t seed, std::string_view stream) : Rng(Mix64(seed) ^ HashString(stream)) {}

Rng::Rng(uint64_t seed, std::string_view stream, uint64_t index)
    : Rng(Mix64(Mix64(seed) ^ HashString(stream)) + Mix64(index + 0x632BE59BD9B4E019ULL)) {}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t Rng::Below(uint64_t n) {
  if (n <= 1) return 0;
  // Lemire-style rejection on the low range to stay unbiased.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return x % n;
}

int64_t Rng::Range(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

bool Rng::Chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return Uniform() < p;
}

double Rng::Normal(double mean, double sd) {
  double s = 0;
  for (int i = 0; i < 12; ++i) s += Uniform();
  return mean + sd * (s - 6.0);
}

int64_t Rng::NormalInt(double mean, double sd, int64_t lo, int64_t hi) {
  double v = Normal(mean, sd);
  // Round half away from zero without std::round's platform variance concerns.
  int64_t r = static_cast<int64_t>(v < 0 ? v - 0.5 : v + 0.5);
  return std::clamp(r, lo, hi);
}

int64_t Rng::Count(double mean) {
  if (mean <= 0) return 0;
  if (mean > 30) {
    // sqrt is correctly rounded by IEEE 754, so this stays deterministic.
    return std::max<int64_t>(0, NormalInt(mean, std::sqrt(mean), 0, INT64_MAX / 2));
  }
  // Binomial with n trials approximates Poisson(mean) for n >> mean.
  int64_t n = static_cast<int64_t>(mean * 4) + 8;
  double p = mean / static_cast<double>(n);
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) k += Uniform() < p ? 1 : 0;
  return k;
}

size_t Rng::Weighted(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  double x = Uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  for (size_t i = weights.size(); i > 0; --i)
    if (weights[i - 1] > 0) return i - 1;
  return 0;
}

size_t Rng::WeightedCumulative(const std::vector<double>& cumulative) {
  double x = Uniform() * cumulative.back();
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), x);
  if (it == cumulative.end()) --it;
  return static_cast<size_t>(it - cumulative.begin());
}

}  // namespace crm::simulate
