// Tag hashing in isolation: ns per tag for the library path the old
// KeyedHasher took (frame into a stack buffer, crypto_shorthash_siphashx24,
// sodium_memzero), our scalar FramedTag, and ManyTags (8 lanes if the CPU has
// AVX-512), over synthetic inputs shaped like ingest's keys (1-2 parts of
// 8-40 bytes, mixed kinds). Usage: siphash_bench [N] [ROUNDS]
#include <sodium.h>

#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "siphash.h"

using namespace leakdex;

namespace {

Tag LibraryTag(const uint8_t* key, const KeyInput& in) {
  unsigned char buf[512];
  size_t pos = 0;
  for (uint32_t i = 0; i < in.part_count; ++i) {
    const uint32_t n = static_cast<uint32_t>(in.parts[i].size());
    std::memcpy(buf + pos, &n, 4);
    std::memcpy(buf + pos + 4, in.parts[i].data(), n);
    pos += 4 + n;
  }
  unsigned char out[16];
  crypto_shorthash_siphashx24(out, buf, pos, key);
  sodium_memzero(buf, pos);
  Tag t;
  std::memcpy(&t.lo, out, 8);
  std::memcpy(&t.hi, out + 8, 8);
  return t;
}

template <typename Fn>
double NsPerTag(size_t n, int rounds, Fn&& fn) {
  double best = 1e30;
  for (int r = 0; r < rounds; ++r) {
    // Thread CPU time: other jobs share the machine.
    timespec t0, t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    fn();
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
    if (ns < best) best = ns;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  std::mt19937_64 rng(1);
  std::vector<uint8_t> keys(16 * 16);
  for (uint8_t& b : keys) b = static_cast<uint8_t>(rng());
  std::vector<std::string> values;
  values.reserve(2 * n);
  std::vector<KeyInput> inputs(n);
  for (KeyInput& in : inputs) {
    in.kind = static_cast<KeyKind>(1 + rng() % 9);
    in.part_count = 1 + (static_cast<int>(in.kind) > 4);
    for (uint32_t p = 0; p < in.part_count; ++p) {
      values.push_back(std::string(8 + rng() % 33, 'x'));
      for (char& c : values.back()) c = static_cast<char>('0' + rng() % 64);
      in.parts[p] = values.back();
    }
  }
  std::vector<Tag> a(n), b(n), c(n);
  const double lib = NsPerTag(n, rounds, [&] {
    for (size_t i = 0; i < n; ++i) a[i] = LibraryTag(keys.data() + 16 * static_cast<size_t>(inputs[i].kind), inputs[i]);
  });
  const double scalar = NsPerTag(n, rounds, [&] { siphash::ManyTags(keys.data(), inputs, b, siphash::Lanes::kScalar); });
  double wide = 0;
  if (siphash::HaveAvx512()) {
    // In calls of 256, as ingest makes them.
    wide = NsPerTag(n, rounds, [&] {
      for (size_t i = 0; i < n; i += 256) {
        const size_t k = std::min<size_t>(256, n - i);
        siphash::ManyTags(keys.data(), std::span(inputs).subspan(i, k), std::span(c).subspan(i, k), siphash::Lanes::kAvx512);
      }
    });
  }
  for (size_t i = 0; i < n; ++i)
    if (!(a[i] == b[i]) || (wide > 0 && !(a[i] == c[i]))) {
      std::fprintf(stderr, "MISMATCH at %zu\n", i);
      return 2;
    }
  std::printf("ns/tag (best of %d, %zu tags): libsodium+copy+memzero %.2f  scalar %.2f  avx512x8 %.2f\n", rounds, n, lib,
              scalar, wide);
  return 0;
}
