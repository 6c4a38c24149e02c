// SplitMix64: the deterministic random source of the generated-input tests
// and benchmarks (the same sequence on every platform and standard library,
// unlike std::mt19937 with std::uniform_int_distribution), so a failing seed
// reproduces anywhere.
#pragma once

#include <cstdint>

namespace leakdex::testing {

struct SplitMix64 {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // In [0, n), n > 0; the type of n is the type of the result.
  template <typename N>
  N Below(N n) {
    return static_cast<N>(Next() % n);
  }
  bool Chance(uint32_t percent) { return Below<uint32_t>(100) < percent; }
};

}  // namespace leakdex::testing
