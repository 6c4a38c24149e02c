// SipHash-2-4 with 128-bit output, written out here instead of calling
// libsodium's crypto_shorthash_siphashx24 per tag. The contract is exact
// equality with libsodium for every key and input (SPEC §2 P2);
// tests/siphash_test.cpp and fuzz/fuzz_siphash.cpp compare the two.
//
// Why hand-written: ingest derives 6-8 tags per person, and the library call
// needs the framed input contiguous, so KeyedHasher copied every value into a
// stack buffer and wiped it after each call (~13% of a CSV ingest, hashing
// included). Here the framed input (u32le length || bytes, per part) is read
// in place, and ManyTags hashes 8 inputs at once with AVX-512 when the CPU has
// it (runtime dispatch: the build need not use -march=native).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "leakdex/keyed_hash.h"

namespace leakdex::siphash {

inline constexpr size_t kKeyBytes = 16;

// Tag of frame(parts) under the 16-byte key at `key`:
// SipHash-2-4-128(key, u32le(len(p1)) || p1 || ... || u32le(len(pn)) || pn).
Tag FramedTag(const uint8_t* key, std::span<const std::string_view> parts);


// Which implementation ManyTags uses. kAuto picks the widest the CPU runs.
enum class Lanes { kAuto, kScalar, kAvx512 };

// True if this CPU can run Lanes::kAvx512.
bool HaveAvx512();

// tags[i] = FramedTag(keys + 16 * number of inputs[i].kind, its parts) for
// every i; identical results whatever `lanes` is. REQUIRES: tags.size() ==
// inputs.size(); lanes == kAvx512 only if HaveAvx512().
void ManyTags(const uint8_t* keys, std::span<const KeyInput> inputs, std::span<Tag> tags,
              Lanes lanes = Lanes::kAuto);

}  // namespace leakdex::siphash
