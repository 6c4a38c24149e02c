#include "siphash.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "coding.h"

// Memory hygiene (SPEC §2 P5). The subkeys stay in KeyedHasher's
// sodium_malloc'ed memory; a call reads its key into locals, as libsodium's own
// SipHash does. The old KeyedHasher copied the framed input into a stack buffer
// and wiped it after every tag. That wipe protected nothing: the same canonical
// values sit, unwiped, in the record batch, in CanonicalPerson's strings and in
// the normaliser's buffers for as long as the copy would have. So the scalar
// path reads the parts in place (no copy), and the 8-lane path stages values in
// a stack buffer that it does not wipe, for the same reason. Key material is
// never staged there.

namespace leakdex::siphash {
namespace {

constexpr uint64_t kInit0 = 0x736f6d6570736575ull;
constexpr uint64_t kInit1 = 0x646f72616e646f6dull ^ 0xee;  // the 128-bit variant
constexpr uint64_t kInit2 = 0x6c7967656e657261ull;
constexpr uint64_t kInit3 = 0x7465646279746573ull;

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

// The bytes p[0..k) as a little-endian word, zero above; k <= 7. Two
// overlapping loads (or three single bytes) instead of a loop or a call.
inline uint64_t LoadPartial(const uint8_t* p, size_t k) {
  if (k >= 4) return DecodeFixed32(p) | (static_cast<uint64_t>(DecodeFixed32(p + k - 4)) << (8 * (k - 4)));
  if (k == 0) return 0;
  return p[0] | (static_cast<uint64_t>(p[k >> 1]) << (8 * (k >> 1))) | (static_cast<uint64_t>(p[k - 1]) << (8 * (k - 1)));
}

struct State {
  uint64_t v0, v1, v2, v3;

  explicit State(const uint8_t* key) {
    const uint64_t k0 = DecodeFixed64(key), k1 = DecodeFixed64(key + 8);
    v0 = kInit0 ^ k0;
    v1 = kInit1 ^ k1;
    v2 = kInit2 ^ k0;
    v3 = kInit3 ^ k1;
  }
  void Round() {
    v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
    v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
  }
  void Compress(uint64_t m) {  // c = 2 rounds per word
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }
  Tag Finish() {  // d = 4 rounds per output half
    v2 ^= 0xee;
    Round(); Round(); Round(); Round();
    const uint64_t lo = v0 ^ v1 ^ v2 ^ v3;
    v1 ^= 0xdd;
    Round(); Round(); Round(); Round();
    return Tag{lo, v0 ^ v1 ^ v2 ^ v3};
  }
};

// Feeds a message given in pieces, word by word, without assembling it.
class Absorber {
 public:
  explicit Absorber(const uint8_t* key) : s_(key) {}

  void Absorb(const uint8_t* p, size_t n) {
    total_ += n;
    if (fill_ != 0) {  // top up the pending word first
      const size_t k = std::min<size_t>(8 - fill_, n);
      pending_ |= LoadPartial(p, k) << (8 * fill_);
      fill_ += k;
      p += k;
      n -= k;
      if (fill_ < 8) return;
      s_.Compress(pending_);
      pending_ = 0;
      fill_ = 0;
    }
    for (; n >= 8; p += 8, n -= 8) s_.Compress(DecodeFixed64(p));
    pending_ = LoadPartial(p, n);
    fill_ = n;
  }
  // Last word: the 0-7 trailing bytes and the message length mod 256 on top.
  Tag Finish() {
    s_.Compress(pending_ | (total_ << 56));
    return s_.Finish();
  }

 private:
  State s_;
  uint64_t pending_ = 0;  // fill_ bytes not yet compressed
  size_t fill_ = 0;       // always < 8
  uint64_t total_ = 0;
};

void AbsorbFramed(Absorber* a, std::string_view part) {
  uint8_t len[4];
  EncodeFixed32(len, static_cast<uint32_t>(part.size()));
  a->Absorb(len, 4);
  a->Absorb(reinterpret_cast<const uint8_t*>(part.data()), part.size());
}

// ---- 8 lanes with AVX-512 -------------------------------------------------
//
// Each lane hashes its own input under its own key. Inputs are staged
// word-transposed (word w of lane l at staged[w][l]) with the final word
// (tail bytes | length << 56) already formed, so every word is compressed the
// same way; a lane whose words are used up keeps its state (masked moves).
// Inputs longer than the staging area take the scalar path.

constexpr size_t kLanes = 8;
constexpr size_t kMaxLaneWords = 32;  // framed inputs up to 255 bytes

#define LEAKDEX_AVX512 __attribute__((target("avx512f")))

struct Lanes8 {
  alignas(64) uint64_t staged[kMaxLaneWords][kLanes];
  uint32_t key_index[kLanes];
  uint32_t words[kLanes];  // words to compress per lane; 0 for an unused lane
  uint32_t max_words = 0;
  size_t count = 0;
  size_t out_index[kLanes];
};

// Framed length of an input (may exceed 32 bits only for absurd inputs, which
// take the scalar path).
size_t FramedSize(const KeyInput& in) {
  size_t n = 0;
  for (uint32_t i = 0; i < in.part_count; ++i) n += 4 + in.parts[i].size();
  return n;
}

// Stages `in` as the next lane. REQUIRES: FramedSize(in) < 8 * kMaxLaneWords.
void StageLane(const KeyInput& in, size_t framed, size_t out_index, Lanes8* g) {
  uint64_t words[kMaxLaneWords];
  uint8_t* bytes = reinterpret_cast<uint8_t*>(words);
  size_t pos = 0;
  for (uint32_t i = 0; i < in.part_count; ++i) {
    const std::string_view p = in.parts[i];
    EncodeFixed32(bytes + pos, static_cast<uint32_t>(p.size()));
    if (!p.empty()) std::memcpy(bytes + pos + 4, p.data(), p.size());
    pos += 4 + p.size();
  }
  const size_t last = framed / 8;
  words[last] = LoadPartial(bytes + 8 * last, framed % 8) | (static_cast<uint64_t>(framed) << 56);
  const size_t lane = g->count++;
  for (size_t w = 0; w <= last; ++w) g->staged[w][lane] = words[w];
  g->key_index[lane] = static_cast<uint32_t>(in.kind);
  g->words[lane] = static_cast<uint32_t>(last + 1);
  g->max_words = std::max(g->max_words, g->words[lane]);
  g->out_index[lane] = out_index;
}

LEAKDEX_AVX512 inline void Round8(__m512i& v0, __m512i& v1, __m512i& v2, __m512i& v3) {
  v0 = _mm512_add_epi64(v0, v1); v1 = _mm512_rol_epi64(v1, 13); v1 = _mm512_xor_si512(v1, v0); v0 = _mm512_rol_epi64(v0, 32);
  v2 = _mm512_add_epi64(v2, v3); v3 = _mm512_rol_epi64(v3, 16); v3 = _mm512_xor_si512(v3, v2);
  v0 = _mm512_add_epi64(v0, v3); v3 = _mm512_rol_epi64(v3, 21); v3 = _mm512_xor_si512(v3, v0);
  v2 = _mm512_add_epi64(v2, v1); v1 = _mm512_rol_epi64(v1, 17); v1 = _mm512_xor_si512(v1, v2); v2 = _mm512_rol_epi64(v2, 32);
}

LEAKDEX_AVX512 void HashLanes8(const uint8_t* keys, Lanes8* g, Tag* tags) {
  for (size_t l = g->count; l < kLanes; ++l) {  // unused lanes: key 0, nothing to compress
    g->key_index[l] = 0;
    g->words[l] = 0;
  }
  // Keys straight from the (guarded) key table into registers.
  const __m512i kidx = _mm512_slli_epi64(
      _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g->key_index))), 1);
  const __m512i k0 = _mm512_i64gather_epi64(kidx, keys, 8);
  const __m512i k1 = _mm512_i64gather_epi64(_mm512_add_epi64(kidx, _mm512_set1_epi64(1)), keys, 8);
  __m512i v0 = _mm512_xor_si512(_mm512_set1_epi64(static_cast<long long>(kInit0)), k0);
  __m512i v1 = _mm512_xor_si512(_mm512_set1_epi64(static_cast<long long>(kInit1)), k1);
  __m512i v2 = _mm512_xor_si512(_mm512_set1_epi64(static_cast<long long>(kInit2)), k0);
  __m512i v3 = _mm512_xor_si512(_mm512_set1_epi64(static_cast<long long>(kInit3)), k1);
  const __m512i words = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g->words)));
  for (uint32_t w = 0; w < g->max_words; ++w) {
    const __mmask8 active = _mm512_cmpgt_epu64_mask(words, _mm512_set1_epi64(w));
    const __m512i m = _mm512_maskz_load_epi64(active, g->staged[w]);  // inactive lanes: not read
    __m512i s0 = v0, s1 = v1, s2 = v2, s3 = _mm512_xor_si512(v3, m);
    Round8(s0, s1, s2, s3);
    Round8(s0, s1, s2, s3);
    s0 = _mm512_xor_si512(s0, m);
    v0 = _mm512_mask_mov_epi64(v0, active, s0);
    v1 = _mm512_mask_mov_epi64(v1, active, s1);
    v2 = _mm512_mask_mov_epi64(v2, active, s2);
    v3 = _mm512_mask_mov_epi64(v3, active, s3);
  }
  v2 = _mm512_xor_si512(v2, _mm512_set1_epi64(0xee));
  for (int i = 0; i < 4; ++i) Round8(v0, v1, v2, v3);
  alignas(64) uint64_t lo[kLanes], hi[kLanes];
  _mm512_store_si512(lo, _mm512_xor_si512(_mm512_xor_si512(v0, v1), _mm512_xor_si512(v2, v3)));
  v1 = _mm512_xor_si512(v1, _mm512_set1_epi64(0xdd));
  for (int i = 0; i < 4; ++i) Round8(v0, v1, v2, v3);
  _mm512_store_si512(hi, _mm512_xor_si512(_mm512_xor_si512(v0, v1), _mm512_xor_si512(v2, v3)));
  for (size_t l = 0; l < g->count; ++l) tags[g->out_index[l]] = Tag{lo[l], hi[l]};
  g->count = 0;
  g->max_words = 0;
}

void ManyTagsAvx512(const uint8_t* keys, std::span<const KeyInput> inputs, std::span<Tag> tags) {
  Lanes8 g;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t framed = FramedSize(inputs[i]);
    if (framed >= 8 * kMaxLaneWords) {
      tags[i] = FramedTag(keys + kKeyBytes * static_cast<size_t>(inputs[i].kind), {inputs[i].parts, inputs[i].part_count});
      continue;
    }
    StageLane(inputs[i], framed, i, &g);
    if (g.count == kLanes) HashLanes8(keys, &g, tags.data());
  }
  if (g.count > 0) HashLanes8(keys, &g, tags.data());
}

}  // namespace

Tag FramedTag(const uint8_t* key, std::span<const std::string_view> parts) {
  Absorber a(key);
  for (std::string_view p : parts) AbsorbFramed(&a, p);
  return a.Finish();
}

bool HaveAvx512() {
  static const bool have = __builtin_cpu_supports("avx512f");
  return have;
}

void ManyTags(const uint8_t* keys, std::span<const KeyInput> inputs, std::span<Tag> tags, Lanes lanes) {
  if (lanes == Lanes::kAuto) lanes = HaveAvx512() ? Lanes::kAvx512 : Lanes::kScalar;
  if (lanes == Lanes::kAvx512) {
    ManyTagsAvx512(keys, inputs, tags);
    return;
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    tags[i] = FramedTag(keys + kKeyBytes * static_cast<size_t>(inputs[i].kind), {inputs[i].parts, inputs[i].part_count});
}

}  // namespace leakdex::siphash
