#include "siphash.h"

// GCC 12 warns that its own AVX-512 intrinsics read an uninitialised
// placeholder (_mm512_undefined_*, GCC bug 105593); the warning is located in
// the header, so it is silenced for the header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif

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

// Cuts a message given in pieces into little-endian 64-bit words without
// assembling it: every full word goes to sink(word) as soon as it is complete,
// read from the pieces in place (each byte is loaded once; no byte stores
// followed by a word load, which would stall store forwarding). Last() is the
// final word: the 0-7 trailing bytes with the message length mod 256 on top.
template <typename Sink>
class WordCutter {
 public:
  explicit WordCutter(Sink sink) : sink_(sink) {}

  // The 4-byte little-endian length of a frame.
  void AddU32(uint32_t v) {
    total_ += 4;
    pending_ |= static_cast<uint64_t>(v) << (8 * fill_);  // the bytes that fit
    if (fill_ < 4) {
      fill_ += 4;
      return;
    }
    sink_(pending_);  // the word is full (fill_ 4..7)
    pending_ = fill_ == 4 ? 0 : static_cast<uint64_t>(v) >> (8 * (8 - fill_));
    fill_ -= 4;
  }

  void AddBytes(const uint8_t* p, size_t n) {
    total_ += n;
    if (fill_ != 0) {  // top up the pending word first
      const size_t k = std::min<size_t>(8 - fill_, n);
      pending_ |= LoadPartial(p, k) << (8 * fill_);
      fill_ += k;
      p += k;
      n -= k;
      if (fill_ < 8) return;
      sink_(pending_);
      pending_ = 0;
      fill_ = 0;
    }
    for (; n >= 8; p += 8, n -= 8) sink_(DecodeFixed64(p));
    pending_ = LoadPartial(p, n);
    fill_ = n;
  }

  void AddFrame(std::string_view part) {
    AddU32(static_cast<uint32_t>(part.size()));
    AddBytes(reinterpret_cast<const uint8_t*>(part.data()), part.size());
  }

  uint64_t Last() const { return pending_ | (total_ << 56); }

 private:
  Sink sink_;
  uint64_t pending_ = 0;  // fill_ bytes not yet passed on
  size_t fill_ = 0;       // always < 8
  uint64_t total_ = 0;
};

// ---- 8 lanes with AVX-512 -------------------------------------------------
//
// Each lane hashes its own input under its own key. A lane's framed input is
// copied into its staging row with masked byte loads and stores (no branch
// on the lengths, never a byte read outside a part), the final word (tail
// bytes | length << 56) formed in place, so every word is compressed the same
// way; word w of all lanes is gathered as one vector, and a lane whose words
// are used up keeps its state (masked moves). Inputs with a part over 128
// bytes or a framed size over 255 bytes take the scalar path.

constexpr size_t kVecs = 1;  // vectors of 8 64-bit lanes hashed together (2 measured no faster)
constexpr size_t kLanes = 8 * kVecs;
constexpr size_t kMaxLaneWords = 32;  // framed inputs up to 255 bytes
constexpr size_t kMaxLanePart = 128;  // two masked 64-byte copies

#define LEAKDEX_AVX512 __attribute__((target("avx512f,avx512bw,bmi2")))

struct LaneGroup {
  alignas(64) uint8_t staged[kLanes][8 * kMaxLaneWords + 8];  // + 8: the zero store after the last byte
  uint64_t key_index[kLanes];
  uint64_t words[kLanes];  // words to compress per lane; 0 for an unused lane
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

bool FitsLane(const KeyInput& in) {
  for (uint32_t i = 0; i < in.part_count; ++i)
    if (in.parts[i].size() > kMaxLanePart) return false;
  return FramedSize(in) < 8 * kMaxLaneWords;
}

// Copies p[0..n) to dst, n <= 128, with two masked 64-byte moves.
LEAKDEX_AVX512 inline void CopyUpTo128(uint8_t* dst, const char* p, size_t n) {
  const size_t lo = n < 64 ? n : 64;
  const __mmask64 mlo = _bzhi_u64(~0ull, static_cast<unsigned>(lo));
  _mm512_mask_storeu_epi8(dst, mlo, _mm512_maskz_loadu_epi8(mlo, p));  // p may be null when n == 0
  if (n > 64) {
    const __mmask64 mhi = _bzhi_u64(~0ull, static_cast<unsigned>(n - 64));
    _mm512_mask_storeu_epi8(dst + 64, mhi, _mm512_maskz_loadu_epi8(mhi, p + 64));
  }
}

// Stages `in` as the next lane. REQUIRES: FitsLane(in).
LEAKDEX_AVX512 inline void StageLane(const KeyInput& in, size_t out_index, LaneGroup* g) {
  const size_t lane = g->count++;
  uint8_t* row = g->staged[lane];
  size_t pos = 0;
  for (uint32_t i = 0; i < in.part_count; ++i) {
    const std::string_view p = in.parts[i];
    EncodeFixed32(row + pos, static_cast<uint32_t>(p.size()));
    CopyUpTo128(row + pos + 4, p.data(), p.size());
    pos += 4 + p.size();
  }
  EncodeFixed64(row + pos, 0);        // zeros after the tail bytes
  row[(pos & ~size_t{7}) + 7] = static_cast<uint8_t>(pos);  // length mod 256, top byte of the final word
  const uint32_t words = static_cast<uint32_t>(pos / 8 + 1);
  g->key_index[lane] = static_cast<uint64_t>(in.kind);
  g->words[lane] = words;
  g->max_words = std::max(g->max_words, words);
  g->out_index[lane] = out_index;
}

LEAKDEX_AVX512 inline void Round8(__m512i& v0, __m512i& v1, __m512i& v2, __m512i& v3) {
  v0 = _mm512_add_epi64(v0, v1); v1 = _mm512_rol_epi64(v1, 13); v1 = _mm512_xor_si512(v1, v0); v0 = _mm512_rol_epi64(v0, 32);
  v2 = _mm512_add_epi64(v2, v3); v3 = _mm512_rol_epi64(v3, 16); v3 = _mm512_xor_si512(v3, v2);
  v0 = _mm512_add_epi64(v0, v3); v3 = _mm512_rol_epi64(v3, 21); v3 = _mm512_xor_si512(v3, v0);
  v2 = _mm512_add_epi64(v2, v1); v1 = _mm512_rol_epi64(v1, 17); v1 = _mm512_xor_si512(v1, v2); v2 = _mm512_rol_epi64(v2, 32);
}

LEAKDEX_AVX512 void HashLanes(const uint8_t* keys, LaneGroup* g, Tag* tags) {
  for (size_t l = g->count; l < kLanes; ++l) {  // unused lanes: key 0, nothing to compress
    g->key_index[l] = 0;
    g->words[l] = 0;
  }
  // kVecs independent vectors of 8 lanes: their rounds overlap in the
  // pipeline (one vector alone is bound by the latency of a round).
  __m512i v0[kVecs], v1[kVecs], v2[kVecs], v3[kVecs], words[kVecs], index[kVecs];
  constexpr long long kRow = kMaxLaneWords + 1;  // word w of lane l: 64-bit word kRow * l + w of staged
  for (size_t j = 0; j < kVecs; ++j) {
    // Keys straight from the (guarded) key table into registers.
    const __m512i kidx = _mm512_slli_epi64(_mm512_loadu_si512(g->key_index + 8 * j), 1);
    const __m512i k0 = _mm512_i64gather_epi64(kidx, keys, 8);
    const __m512i k1 = _mm512_i64gather_epi64(_mm512_add_epi64(kidx, _mm512_set1_epi64(1)), keys, 8);
    v0[j] = _mm512_xor_si512(_mm512_set1_epi64(static_cast<long long>(kInit0)), k0);
    v1[j] = _mm512_xor_si512(_mm512_set1_epi64(static_cast<long long>(kInit1)), k1);
    v2[j] = _mm512_xor_si512(_mm512_set1_epi64(static_cast<long long>(kInit2)), k0);
    v3[j] = _mm512_xor_si512(_mm512_set1_epi64(static_cast<long long>(kInit3)), k1);
    words[j] = _mm512_loadu_si512(g->words + 8 * j);
    const long long b = static_cast<long long>(8 * j) * kRow;
    index[j] = _mm512_set_epi64(b + 7 * kRow, b + 6 * kRow, b + 5 * kRow, b + 4 * kRow, b + 3 * kRow, b + 2 * kRow,
                                b + kRow, b);
  }
  for (uint32_t w = 0; w < g->max_words; ++w) {
    for (size_t j = 0; j < kVecs; ++j) {
      const __mmask8 active = _mm512_cmpgt_epu64_mask(words[j], _mm512_set1_epi64(w));
      // Inactive lanes are not read.
      const __m512i m = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), active, index[j], g->staged, 8);
      index[j] = _mm512_add_epi64(index[j], _mm512_set1_epi64(1));
      __m512i s0 = v0[j], s1 = v1[j], s2 = v2[j], s3 = _mm512_xor_si512(v3[j], m);
      Round8(s0, s1, s2, s3);
      Round8(s0, s1, s2, s3);
      s0 = _mm512_xor_si512(s0, m);
      v0[j] = _mm512_mask_mov_epi64(v0[j], active, s0);
      v1[j] = _mm512_mask_mov_epi64(v1[j], active, s1);
      v2[j] = _mm512_mask_mov_epi64(v2[j], active, s2);
      v3[j] = _mm512_mask_mov_epi64(v3[j], active, s3);
    }
  }
  alignas(64) uint64_t lo[kLanes], hi[kLanes];
  for (size_t j = 0; j < kVecs; ++j) {
    v2[j] = _mm512_xor_si512(v2[j], _mm512_set1_epi64(0xee));
    for (int i = 0; i < 4; ++i) Round8(v0[j], v1[j], v2[j], v3[j]);
    _mm512_store_si512(lo + 8 * j, _mm512_xor_si512(_mm512_xor_si512(v0[j], v1[j]), _mm512_xor_si512(v2[j], v3[j])));
    v1[j] = _mm512_xor_si512(v1[j], _mm512_set1_epi64(0xdd));
    for (int i = 0; i < 4; ++i) Round8(v0[j], v1[j], v2[j], v3[j]);
    _mm512_store_si512(hi + 8 * j, _mm512_xor_si512(_mm512_xor_si512(v0[j], v1[j]), _mm512_xor_si512(v2[j], v3[j])));
  }
  for (size_t l = 0; l < g->count; ++l) tags[g->out_index[l]] = Tag{lo[l], hi[l]};
  g->count = 0;
  g->max_words = 0;
}

// Inputs are staged in order of word count (a counting sort per chunk), so
// the 8 lanes of a group mostly have equal word counts: a lane that runs out
// of words early would idle while the longest finishes.
LEAKDEX_AVX512 void ManyTagsAvx512(const uint8_t* keys, std::span<const KeyInput> inputs, std::span<Tag> tags) {
  constexpr size_t kChunk = 1024;
  LaneGroup g;
  uint8_t words[kChunk];
  uint16_t order[kChunk];
  for (size_t base = 0; base < inputs.size(); base += kChunk) {
    const size_t n = std::min(kChunk, inputs.size() - base);
    uint32_t first[kMaxLaneWords + 2] = {};  // first[w + 1] counts, then starts, inputs of w words
    for (size_t i = 0; i < n; ++i) {
      const KeyInput& in = inputs[base + i];
      if (!FitsLane(in)) {  // too long for the lanes
        tags[base + i] = FramedTag(keys + kKeyBytes * static_cast<size_t>(in.kind), {in.parts, in.part_count});
        words[i] = 0;
      } else {
        words[i] = static_cast<uint8_t>(FramedSize(in) / 8 + 1);
      }
      ++first[words[i] + 1];
    }
    for (size_t w = 1; w < kMaxLaneWords + 2; ++w) first[w] += first[w - 1];
    const size_t scalar_done = first[1];
    for (size_t i = 0; i < n; ++i) order[first[words[i]]++] = static_cast<uint16_t>(i);
    for (size_t k = scalar_done; k < n; ++k) {
      StageLane(inputs[base + order[k]], base + order[k], &g);
      if (g.count == kLanes) HashLanes(keys, &g, tags.data());
    }
  }
  if (g.count > 0) HashLanes(keys, &g, tags.data());
}

}  // namespace

Tag FramedTag(const uint8_t* key, std::span<const std::string_view> parts) {
  State s(key);
  auto compress = [&s](uint64_t m) { s.Compress(m); };
  WordCutter<decltype(compress)> cut(compress);
  for (std::string_view p : parts) cut.AddFrame(p);
  s.Compress(cut.Last());
  return s.Finish();
}

bool HaveAvx512() {
  static const bool have = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("bmi2");
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
