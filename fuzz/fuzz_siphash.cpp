// The hand-written SipHash-2-4-128 (src/siphash.h) against libsodium's
// crypto_shorthash_siphashx24 on arbitrary keys, parts and batches.
// Input: 16 key bytes, one byte choosing how the rest splits, then the bytes
// the parts are cut from. Invariants: FramedTag equals libsodium over the
// framing; ManyTags, scalar and (if the CPU has it) 8-lane, equals FramedTag
// for a batch of slices of the input under 16 keys made from the input's key.
#include <sodium.h>

#include "fuzz_util.h"
#include "leakdex/keyed_hash.h"
#include "siphash.h"
#include "sodium_tag.h"

using namespace leakdex;
using leakdex::testing::LibsodiumTag;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint8_t key[16] = {};
  std::memcpy(key, data, std::min<size_t>(size, 16));
  const uint8_t split = size > 16 ? data[16] : 0;
  const std::string_view rest = size > 17 ? std::string_view(reinterpret_cast<const char*>(data) + 17, size - 17)
                                          : std::string_view();

  // One call: the whole rest, or two parts cut at a point the split byte picks.
  const size_t cut = rest.empty() ? 0 : split % (rest.size() + 1);
  const std::string_view one[1] = {rest};
  const std::string_view two[2] = {rest.substr(0, cut), rest.substr(cut)};
  FUZZ_CHECK(siphash::FramedTag(key, one) == LibsodiumTag(key, one));
  FUZZ_CHECK(siphash::FramedTag(key, two) == LibsodiumTag(key, two));

  // A batch: input i is a slice of `rest` (start and length stepping by
  // amounts the split byte picks), under key table entry i % 16.
  uint8_t keys[16 * siphash::kKeyBytes];
  for (size_t k = 0; k < 16; ++k)
    for (size_t j = 0; j < 16; ++j) keys[16 * k + j] = static_cast<uint8_t>(key[j] + 31 * k);
  const size_t n = 1 + split % 23;
  std::vector<KeyInput> inputs(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t start = rest.empty() ? 0 : (i * (1 + split % 7)) % rest.size();
    const size_t len = (i * (3 + split % 11) + cut) % (rest.size() - start + 1);
    inputs[i].kind = static_cast<KeyKind>(i % 16);
    inputs[i].part_count = 1 + (i + split) % 2;
    inputs[i].parts[0] = rest.substr(start, len);
    inputs[i].parts[1] = rest.substr(start + len / 2);
  }
  std::vector<Tag> scalar(n), wide(n);
  siphash::ManyTags(keys, inputs, scalar, siphash::Lanes::kScalar);
  siphash::ManyTags(keys, inputs, wide, siphash::HaveAvx512() ? siphash::Lanes::kAvx512 : siphash::Lanes::kAuto);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* k = keys + siphash::kKeyBytes * (i % 16);
    const Tag want = siphash::FramedTag(k, {inputs[i].parts, inputs[i].part_count});
    FUZZ_CHECK(scalar[i] == want);
    FUZZ_CHECK(wide[i] == want);
  }
  // And one input of the batch against the library itself.
  FUZZ_CHECK(scalar[n - 1] == LibsodiumTag(keys + siphash::kKeyBytes * ((n - 1) % 16),
                                           {inputs[n - 1].parts, inputs[n - 1].part_count}));
  return 0;
}
