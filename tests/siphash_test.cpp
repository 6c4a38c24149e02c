// The hand-written SipHash-2-4-128 (src/siphash.h) against libsodium's
// crypto_shorthash_siphashx24, the library it replaces in the tag path: every
// framed length, every part split, every lane position, batch size and tail.
#include <catch2/catch.hpp>
#include <sodium.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "leakdex/keyed_hash.h"
#include "siphash.h"
#include "sodium_tag.h"

using namespace leakdex;
using leakdex::testing::LibsodiumTag;

namespace {

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// 16 random 16-byte keys, one per KeyKind number (as KeyedHasher lays them out).
std::vector<uint8_t> RandomKeyTable(std::mt19937_64& rng) {
  std::vector<uint8_t> keys(16 * siphash::kKeyBytes);
  for (uint8_t& b : keys) b = static_cast<uint8_t>(rng());
  return keys;
}

std::vector<siphash::Lanes> AvailableLanes() {
  std::vector<siphash::Lanes> lanes = {siphash::Lanes::kScalar, siphash::Lanes::kAuto};
  if (siphash::HaveAvx512()) lanes.push_back(siphash::Lanes::kAvx512);
  else WARN("this CPU has no AVX-512: the 8-lane path is not exercised here");
  return lanes;
}

}  // namespace

TEST_CASE("SipHash FramedTag equals libsodium for every value length 0..300", "[hash][siphash]") {
  std::mt19937_64 rng(20261206);
  for (int round = 0; round < 4; ++round) {
    uint8_t key[16];
    for (uint8_t& b : key) b = static_cast<uint8_t>(rng());
    for (size_t len = 0; len <= 300; ++len) {
      const std::string v = RandomBytes(rng, len);
      const std::string_view parts[1] = {v};
      INFO("length " << len);
      REQUIRE(siphash::FramedTag(key, parts) == LibsodiumTag(key, parts));
    }
  }
}

TEST_CASE("SipHash FramedTag equals libsodium for every split into two parts, and for many parts", "[hash][siphash]") {
  std::mt19937_64 rng(7);
  uint8_t key[16];
  for (uint8_t& b : key) b = static_cast<uint8_t>(rng());
  // Every (a, b) length pair up to 40: every alignment of the second frame.
  for (size_t la = 0; la <= 40; ++la) {
    for (size_t lb = 0; lb <= 40; ++lb) {
      const std::string a = RandomBytes(rng, la), b = RandomBytes(rng, lb);
      const std::string_view parts[2] = {a, b};
      INFO("lengths " << la << "," << lb);
      REQUIRE(siphash::FramedTag(key, parts) == LibsodiumTag(key, parts));
    }
  }
  // No parts, and up to 9 random parts of random lengths up to 300 bytes in all.
  REQUIRE(siphash::FramedTag(key, {}) == LibsodiumTag(key, {}));
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::string> values(1 + rng() % 9);
    for (std::string& v : values) v = RandomBytes(rng, rng() % (300 / values.size() + 1));
    std::vector<std::string_view> parts(values.begin(), values.end());
    REQUIRE(siphash::FramedTag(key, parts) == LibsodiumTag(key, parts));
  }
}

TEST_CASE("SipHash ManyTags equals libsodium for every lane, batch size and tail", "[hash][siphash]") {
  std::mt19937_64 rng(99);
  const std::vector<uint8_t> keys = RandomKeyTable(rng);
  for (siphash::Lanes lanes : AvailableLanes()) {
    // Batch sizes 0..40 (full groups of 8 plus every tail), random kinds, one or
    // two parts, framed lengths from 4 to past the 255-byte lane limit.
    for (size_t n = 0; n <= 40; ++n) {
      for (int rep = 0; rep < 20; ++rep) {
        std::vector<std::string> values;
        values.reserve(2 * n);
        std::vector<KeyInput> inputs(n);
        for (KeyInput& in : inputs) {
          in.kind = static_cast<KeyKind>(rng() % 16);
          in.part_count = 1 + rng() % 2;
          const size_t max_len = rng() % 4 == 0 ? 300 : 40;  // mostly short, as canonical values are
          for (uint32_t p = 0; p < in.part_count; ++p) {
            values.push_back(RandomBytes(rng, rng() % (max_len + 1)));
            in.parts[p] = values.back();
          }
        }
        std::vector<Tag> tags(n);
        siphash::ManyTags(keys.data(), inputs, tags, lanes);
        for (size_t i = 0; i < n; ++i) {
          INFO("lanes " << static_cast<int>(lanes) << " batch " << n << " input " << i);
          const uint8_t* key = keys.data() + siphash::kKeyBytes * static_cast<size_t>(inputs[i].kind);
          REQUIRE(tags[i] == LibsodiumTag(key, {inputs[i].parts, inputs[i].part_count}));
        }
      }
    }
    // Every value length 0..300 in every lane position: a batch of 8 where lane
    // `pos` has that length and the others random lengths.
    for (size_t len = 0; len <= 300; ++len) {
      for (size_t pos = 0; pos < 8; ++pos) {
        std::vector<std::string> values(8);
        std::vector<KeyInput> inputs(8);
        for (size_t i = 0; i < 8; ++i) {
          values[i] = RandomBytes(rng, i == pos ? len : rng() % 64);
          inputs[i].kind = static_cast<KeyKind>(rng() % 16);
          inputs[i].parts[0] = values[i];
        }
        std::vector<Tag> tags(8);
        siphash::ManyTags(keys.data(), inputs, tags, lanes);
        for (size_t i = 0; i < 8; ++i) {
          INFO("lanes " << static_cast<int>(lanes) << " length " << len << " lane " << pos << " input " << i);
          const uint8_t* key = keys.data() + siphash::kKeyBytes * static_cast<size_t>(inputs[i].kind);
          REQUIRE(tags[i] == LibsodiumTag(key, {inputs[i].parts, 1}));
        }
      }
    }
  }
}

TEST_CASE("KeyedHasher::ComputeMany equals Compute for every kind", "[hash][siphash]") {
  auto key = MasterKey::Generate();
  REQUIRE(key.ok());
  KeyedHasher h(*key);
  std::mt19937_64 rng(3);
  std::vector<std::string> values;
  values.reserve(400);
  std::vector<KeyInput> inputs;
  for (int i = 0; i < 150; ++i) {
    const KeyKind kind = kAllKeyKinds[rng() % kAllKeyKinds.size()];
    KeyInput in;
    in.kind = kind;
    in.part_count = PartsOf(kind).second ? 2 : 1;
    for (uint32_t p = 0; p < in.part_count; ++p) {
      values.push_back(RandomBytes(rng, rng() % 48));
      in.parts[p] = values.back();
    }
    inputs.push_back(in);
  }
  std::vector<Tag> tags(inputs.size());
  h.ComputeMany(inputs, tags);
  for (size_t i = 0; i < inputs.size(); ++i)
    REQUIRE(tags[i] == h.Compute(inputs[i].kind, {inputs[i].parts, inputs[i].part_count}));
}
