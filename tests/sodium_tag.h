// The reference the hand-written SipHash (src/siphash.h) is held to: libsodium's
// crypto_shorthash_siphashx24 over the framing by hand (u32le length, bytes,
// for each part). Shared by tests/siphash_test.cpp and fuzz/fuzz_siphash.cpp.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "leakdex/keyed_hash.h"

namespace leakdex::testing {

inline Tag LibsodiumTag(const uint8_t* key, std::span<const std::string_view> parts) {
  std::string framed;
  for (std::string_view p : parts) {
    const uint32_t n = static_cast<uint32_t>(p.size());
    framed.append(reinterpret_cast<const char*>(&n), 4);
    framed.append(p);
  }
  unsigned char out[16];
  crypto_shorthash_siphashx24(out, reinterpret_cast<const unsigned char*>(framed.data()), framed.size(), key);
  Tag t;
  std::memcpy(&t.lo, out, 8);
  std::memcpy(&t.hi, out + 8, 8);
  return t;
}

}  // namespace leakdex::testing
