#include "index/segment.h"

#ifdef __BMI2__
#include <immintrin.h>
#endif

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <thread>

#include "coding.h"
#include "leakdex/index_format.h"

namespace leakdex {
namespace {

using format::SectionType;

constexpr int kSections = format::kSectionTypeCount;

// ---- Bit helpers (docs/FORMAT.md "Bit order": LSB first) ---------------------

inline uint64_t Mask(unsigned w) { return w >= 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1; }

// Reads `w` (<= 64) bits at bit offset `bit` of a group read in place
// (PagedRange::At gives the bytes). REQUIRES: the field starts at or before
// the range's end; bits past its end are masked off.
inline uint64_t LoadBits(const PagedRange& g, uint64_t bit, unsigned w) {
  if (w == 0) return 0;
  const char* p = g.At(bit >> 3);
  const unsigned s = bit & 7;
  uint64_t v = DecodeFixed64(p) >> s;
  if (s + w > 64) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[8])) << (64 - s);
  return v & Mask(w);
}

// Position of the m-th (0-based) set bit of x. REQUIRES: popcount(x) > m.
inline unsigned SelectBit(uint64_t x, unsigned m) {
#ifdef __BMI2__
  // pdep deposits bit m of the mask at the m-th set bit of x: one
  // instruction where the byte loop below takes up to eight steps (a lookup
  // selects three times). Only on BMI2 builds (LEAKDEX_NATIVE).
  return static_cast<unsigned>(std::countr_zero(_pdep_u64(uint64_t{1} << m, x)));
#else
  unsigned shift = 0;
  for (;;) {
    unsigned c = static_cast<unsigned>(std::popcount(x & 0xff));
    if (c > m) break;
    m -= c;
    x >>= 8;
    shift += 8;
  }
  for (; m > 0; --m) x &= x - 1;
  return shift + static_cast<unsigned>(std::countr_zero(x));
#endif
}

void PadTo8(std::string* s) {
  while (s->size() % 8) s->push_back('\0');
}

// Keys a group aims at (between this and twice this). A lookup decodes its
// group's unary code and skips the payload codes before its key, so its CPU
// cost grows with the group; the directory costs 64 bits a group.
constexpr uint64_t kKeysPerGroup = 64;

// Cost in bits of bucket bits b for n keys of F bits (remainders, unary code,
// group directory), and the group bits k that goes with it.
void ChooseLayout(uint64_t n, uint8_t f, uint8_t pmin, uint8_t* best_b, uint8_t* best_k) {
  const uint64_t per_group = kKeysPerGroup;
  const unsigned gbits_n = n >= 2 * per_group ? static_cast<unsigned>(std::bit_width(n / per_group) - 1) : 0;
  unsigned __int128 best = ~static_cast<unsigned __int128>(0);
  const unsigned max_b = std::min<unsigned>({pmin, f, format::kMaxBucketBits});
  for (unsigned b = 0; b <= max_b; ++b) {
    unsigned gbits = std::min(gbits_n, b);
    unsigned k = b - gbits;
    if (k > format::kMaxGroupBits) {
      k = format::kMaxGroupBits;
      gbits = b - k;
    }
    unsigned __int128 cost = static_cast<unsigned __int128>(n) * (f - b + 1) +
                             (static_cast<unsigned __int128>(1) << b) +
                             64 * ((static_cast<unsigned __int128>(1) << gbits) + 1);
    if (cost < best) {
      best = cost;
      *best_b = static_cast<uint8_t>(b);
      *best_k = static_cast<uint8_t>(k);
    }
  }
}

// Header (128 bytes at logical offset 0), docs/FORMAT.md "Segment header".
std::string EncodeHeader(const SegmentHeaderInfo& h, uint64_t salt, uint32_t required_flags) {
  std::string out;
  out += format::kSegmentMagic;
  PutFixed16(&out, format::kFormatMajor);
  PutFixed16(&out, format::kFormatMinor);
  PutFixed32(&out, required_flags);
  PutFixed16(&out, h.normalizer_version);
  PutFixed16(&out, static_cast<uint16_t>(format::kPageShift));
  PutFixed32(&out, 0);
  out.append(reinterpret_cast<const char*>(h.key_id.data()), h.key_id.size());
  PutFixed64(&out, h.key_count);
  PutFixed64(&out, salt);
  PutFixed8(&out, h.fp_bits);
  PutFixed8(&out, h.min_precision);
  PutFixed8(&out, h.bucket_bits);
  PutFixed8(&out, h.group_bits);
  PutFixed8(&out, h.max_code_len);
  PutFixed8(&out, 0);
  PutFixed16(&out, 0);
  PutFixed32(&out, h.dict_count);
  PutFixed32(&out, h.source_set_count);
  PutFixed64(&out, h.group_count);
  PutFixed64(&out, h.data_bits);
  out.append(120 - out.size(), '\0');
  PutFixed64(&out, XXH3_64bits(out.data(), out.size()));
  return out;
}

// Code lengths of an optimal prefix code for weights sorted in descending
// order, limited to max_len bits; lengths come out non-decreasing.
// Moffat & Katajainen's in-place algorithm, then the JPEG (Annex K.3)
// adjustment when a length exceeds max_len.
std::vector<uint8_t> HuffmanLengths(const std::vector<uint64_t>& desc, unsigned max_len) {
  const size_t n = desc.size();
  std::vector<uint8_t> out(n, 0);
  if (n <= 1) return out;
  std::vector<uint64_t> a(desc.rbegin(), desc.rend());  // ascending
  size_t root = 0, leaf = 2, next;
  a[0] += a[1];
  for (next = 1; next < n - 1; ++next) {
    if (leaf >= n || a[root] < a[leaf]) {
      a[next] = a[root];
      a[root++] = next;
    } else {
      a[next] = a[leaf++];
    }
    if (leaf >= n || (root < next && a[root] < a[leaf])) {
      a[next] += a[root];
      a[root++] = next;
    } else {
      a[next] += a[leaf++];
    }
  }
  a[n - 2] = 0;
  for (size_t i = n - 2; i-- > 0;) a[i] = a[a[i]] + 1;
  {
    int64_t avbl = 1, used = 0, dpth = 0;
    int64_t r = static_cast<int64_t>(n) - 2, x = static_cast<int64_t>(n) - 1;
    while (avbl > 0) {
      while (r >= 0 && static_cast<int64_t>(a[r]) == dpth) {
        ++used;
        --r;
      }
      while (avbl > used) {
        a[x--] = static_cast<uint64_t>(dpth);
        --avbl;
      }
      avbl = 2 * used;
      ++dpth;
      used = 0;
    }
  }
  // a[i] is now the length of the i-th smallest weight.
  std::vector<uint64_t> bl(std::max<uint64_t>(a[0], max_len) + 2, 0);
  for (uint64_t len : a) bl[len]++;
  for (size_t i = bl.size() - 1; i > max_len; --i) {
    while (bl[i] > 0) {
      size_t j = i - 2;
      while (bl[j] == 0) --j;
      bl[i] -= 2;
      bl[i - 1] += 1;
      bl[j + 1] += 2;
      bl[j] -= 1;
    }
  }
  size_t k = 0;
  for (unsigned len = 1; len <= max_len; ++len)
    for (uint64_t c = 0; c < bl[len]; ++c) out[k++] = static_cast<uint8_t>(len);
  return out;
}

uint32_t ReverseBits(uint32_t v, unsigned len) {
  uint32_t r = 0;
  for (unsigned i = 0; i < len; ++i) r |= ((v >> i) & 1u) << (len - 1 - i);
  return r;
}

}  // namespace

// ---- Payloads -------------------------------------------------------------------

void Payload::Merge(const Payload& other) {
  classes |= other.classes;
  roles |= other.roles;
  std::vector<uint32_t> merged;
  merged.reserve(sources.size() + other.sources.size());
  std::set_union(sources.begin(), sources.end(), other.sources.begin(), other.sources.end(),
                 std::back_inserter(merged));
  sources = std::move(merged);
}

uint32_t PayloadTable::Intern(const Payload& p) {
  auto [it, inserted] = ids_.try_emplace(p, static_cast<uint32_t>(payloads_.size()));
  if (inserted) payloads_.push_back(&it->first);
  return it->second;
}

uint32_t PayloadTable::Union(uint32_t a, uint32_t b) {
  if (a == b) return a;
  if (a > b) std::swap(a, b);
  const uint64_t memo = (uint64_t{a} << 32) | b;
  if (auto it = unions_.find(memo); it != unions_.end()) return it->second;
  Payload u = Get(a);
  u.Merge(Get(b));
  uint32_t id = Intern(u);
  unions_.emplace(memo, id);
  return id;
}

uint8_t PrecisionFor(uint64_t n, uint8_t floor_bits) {
  const unsigned __int128 x = static_cast<unsigned __int128>(std::max<uint64_t>(n, 1)) *
                              format::kTargetFalsePositiveInverse;
  unsigned f = 0;
  while (f < 64 && (static_cast<unsigned __int128>(1) << f) < x) ++f;
  return static_cast<uint8_t>(std::clamp<unsigned>(std::max<unsigned>(f, floor_bits), 1, 64));
}

// ---- Builder --------------------------------------------------------------------

SegmentBuilder::SegmentBuilder(const KeyId& key_id, uint16_t normalizer_version, const PayloadTable* payloads)
    : key_id_(key_id), normalizer_version_(normalizer_version), payloads_(payloads) {}

SegmentBuilder::~SegmentBuilder() = default;

uint32_t SegmentBuilder::DictIndex(const DictKey& key, bool insert, bool* found) {
  if (!insert) return FindDictIndex(key, memo_, found);
  const uint64_t packed = key.packed();
  MemoSlot& slot = memo_[MemoSlotOf(packed)];
  static_assert(kMemoSlots == 1024);
  *found = true;
  if (slot.key == packed) return slot.index;
  auto [it, inserted] = dict_index_.try_emplace(key, static_cast<uint32_t>(dict_keys_.size()));
  if (inserted) {
    dict_keys_.push_back(key);
    dict_counts_.push_back(0);
  }
  slot = MemoSlot{packed, it->second};
  return it->second;
}

uint32_t SegmentBuilder::FindDictIndex(const DictKey& key, MemoSlot* memo, bool* found) const {
  const uint64_t packed = key.packed();
  MemoSlot& slot = memo[MemoSlotOf(packed)];
  *found = true;
  if (slot.key == packed) return slot.index;
  auto it = dict_index_.find(key);
  if (it == dict_index_.end()) {
    *found = false;
    return 0;
  }
  slot = MemoSlot{packed, it->second};
  return it->second;
}

Status SegmentBuilder::Observe(const SegmentEntry& e) {
  if (out_) return Status::Internal("SegmentBuilder::Observe after Begin");
  if (e.precision < format::kMinPrecision || e.precision > 64 || TruncateFingerprint(e.value, e.precision) != e.value)
    return Status::Internal("SegmentBuilder: entry with bits beyond its precision");
  if (have_last_ && (e.value < last_.value || (e.value == last_.value && e.precision < last_.precision)))
    return Status::Internal("SegmentBuilder: entries out of order");
  if (e.payload >= payloads_->size()) return Status::Internal("SegmentBuilder: unknown payload");
  last_ = e;
  have_last_ = true;
  const DictKey key{e.payload, e.precision, static_cast<uint8_t>(std::min(e.records, format::kRecordCountMax))};
  bool found;
  dict_counts_[DictIndex(key, /*insert=*/true, &found)]++;
  ++n_;
  fmax_ = std::max(fmax_, e.precision);
  pmin_ = std::min(pmin_, e.precision);
  return Status::Ok();
}

Status SegmentBuilder::ObserveMany(const SegmentEntry& e, uint64_t times) {
  if (out_) return Status::Internal("SegmentBuilder::ObserveMany after Begin");
  if (e.precision < format::kMinPrecision || e.precision > 64)
    return Status::Internal("SegmentBuilder: entry with an invalid precision");
  if (e.payload >= payloads_->size()) return Status::Internal("SegmentBuilder: unknown payload");
  if (times == 0) return Status::Ok();
  const DictKey key{e.payload, e.precision, static_cast<uint8_t>(std::min(e.records, format::kRecordCountMax))};
  bool found;
  dict_counts_[DictIndex(key, /*insert=*/true, &found)] += times;
  n_ += times;
  fmax_ = std::max(fmax_, e.precision);
  pmin_ = std::min(pmin_, e.precision);
  return Status::Ok();
}

Status SegmentBuilder::Begin(const std::string& path) {
  if (out_) return Status::Internal("SegmentBuilder::Begin twice");
  if (n_ == 0) {
    fmax_ = 1;
    pmin_ = 1;
  }
  // Pass-1 dictionary index -> index after cutting precisions (fresh segments).
  std::vector<uint32_t> cut_index(dict_keys_.size());
  for (uint32_t i = 0; i < cut_index.size(); ++i) cut_index[i] = i;
  if (fresh_) {
    cut_ = PrecisionFor(n_, floor_bits_);
    fmax_ = std::min(fmax_, cut_);
    pmin_ = std::min(pmin_, cut_);
    std::unordered_map<DictKey, uint32_t, DictKeyHash> index;
    std::vector<DictKey> keys;
    std::vector<uint64_t> counts;
    for (uint32_t i = 0; i < dict_keys_.size(); ++i) {
      DictKey k = dict_keys_[i];
      k.precision = std::min(k.precision, cut_);
      auto [it, inserted] = index.try_emplace(k, static_cast<uint32_t>(keys.size()));
      if (inserted) {
        keys.push_back(k);
        counts.push_back(0);
      }
      counts[it->second] += dict_counts_[i];
      cut_index[i] = it->second;
    }
    dict_keys_ = std::move(keys);
    dict_counts_ = std::move(counts);
  }
  const uint64_t d = dict_keys_.size();
  if (d > UINT32_MAX) return Status::Internal("SegmentBuilder: payload dictionary too large");
  // Dictionary order: most used first, ties by content (deterministic).
  std::vector<uint32_t> order(d);
  for (uint32_t i = 0; i < d; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (dict_counts_[a] != dict_counts_[b]) return dict_counts_[a] > dict_counts_[b];
    const DictKey& x = dict_keys_[a];
    const DictKey& y = dict_keys_[b];
    if (x.payload != y.payload) {
      auto c = payloads_->Get(x.payload) <=> payloads_->Get(y.payload);
      if (c != 0) return c < 0;
    }
    if (x.records != y.records) return x.records < y.records;
    return x.precision < y.precision;
  });
  {
    std::vector<uint32_t> code(d, 0);
    for (uint32_t c = 0; c < d; ++c) code[order[c]] = c;
    code_of_.resize(cut_index.size());
    for (size_t i = 0; i < cut_index.size(); ++i) code_of_[i] = code[cut_index[i]];
  }

  // Payload codes: canonical Huffman over the dictionary, most used first.
  std::vector<uint8_t> lengths;
  uint64_t code_bits_total = 0;
  {
    std::vector<uint64_t> freq(d);
    for (uint64_t c = 0; c < d; ++c) freq[c] = dict_counts_[order[c]];
    const unsigned max_len = std::max<unsigned>(24, d <= 1 ? 0 : std::bit_width(d - 1));
    lengths = HuffmanLengths(freq, max_len);
    huff_len_ = lengths;
    huff_bits_.assign(d, 0);
    uint32_t code = 0;
    for (uint64_t c = 0; c < d; ++c) {
      if (c > 0) code = (code + 1) << (lengths[c] - lengths[c - 1]);
      huff_bits_[c] = ReverseBits(code, lengths[c]);
      code_bits_total += freq[c] * lengths[c];
    }
  }
  h_.key_id = key_id_;
  h_.normalizer_version = normalizer_version_;
  h_.format_minor = format::kFormatMinor;
  h_.key_count = n_;
  h_.fp_bits = fmax_;
  h_.min_precision = pmin_;
  ChooseLayout(n_, fmax_, pmin_, &h_.bucket_bits, &h_.group_bits);
  h_.max_code_len = d == 0 ? 0 : lengths.back();
  h_.dict_count = static_cast<uint32_t>(d);
  h_.group_count = uint64_t{1} << (h_.bucket_bits - h_.group_bits);
  h_.data_bits = (uint64_t{1} << h_.bucket_bits) + n_ * (1 + h_.remainder_bits()) + code_bits_total;

  // Source sets, in order of first use by the dictionary.
  std::map<std::vector<uint32_t>, uint32_t> set_ids;
  std::vector<const std::vector<uint32_t>*> sets;
  std::string dict_bytes;
  for (uint32_t c = 0; c < d; ++c) {
    const DictKey& k = dict_keys_[order[c]];
    const Payload& pl = payloads_->Get(k.payload);
    if (pl.sources.empty()) return Status::Internal("SegmentBuilder: payload without a source");
    auto [it, inserted] = set_ids.try_emplace(pl.sources, static_cast<uint32_t>(sets.size()));
    if (inserted) sets.push_back(&it->first);
    PutVarint(&dict_bytes, dict_counts_[order[c]]);
    PutVarint(&dict_bytes, pl.classes);
    PutVarint(&dict_bytes, pl.roles);
    PutVarint(&dict_bytes, it->second);
    PutFixed8(&dict_bytes, k.precision);
    PutFixed8(&dict_bytes, k.records);
    PutFixed8(&dict_bytes, lengths[c]);
  }
  h_.source_set_count = static_cast<uint32_t>(sets.size());
  std::string set_index, set_ids_bytes;
  uint64_t total = 0;
  for (const auto* s : sets) {
    PutFixed32(&set_index, static_cast<uint32_t>(total));
    for (uint32_t id : *s) PutFixed32(&set_ids_bytes, id);
    total += s->size();
    if (total > UINT32_MAX) return Status::Internal("SegmentBuilder: too many source ids");
  }
  PutFixed32(&set_index, static_cast<uint32_t>(total));

  std::string header = EncodeHeader(h_, 0, 0);
  std::memset(header.data() + 120, 0, 8);
  h_.salt = XXH3_64bits(header.data(), header.size());
  header = EncodeHeader(h_, h_.salt, 0);

  LEAKDEX_ASSIGN_OR_RETURN(out_, PagedFileWriter::Create(path, h_.salt));
  std::string head = header;
  auto add_section = [&](SectionType t, const std::string& bytes) {
    PadTo8(&head);
    section_offsets_[static_cast<int>(t)] = head.size();
    section_lengths_[static_cast<int>(t)] = bytes.size();
    head += bytes;
  };
  add_section(SectionType::kDictionary, dict_bytes);
  add_section(SectionType::kSourceSetIndex, set_index);
  add_section(SectionType::kSourceSetIds, set_ids_bytes);
  PadTo8(&head);
  data_offset_ = head.size();
  section_offsets_[static_cast<int>(SectionType::kGroupData)] = data_offset_;
  LEAKDEX_RETURN_IF_ERROR(out_->Append(head));
  directory_.assign(h_.group_count + 1, 0);
  return Status::Ok();
}

namespace {

// Writes a run of fields, of at most a known total size, to a BitWriter
// with its accumulator in registers: a Put through the writer's members kept
// the accumulator in memory, a store-forwarding chain per field (~2x slower
// encoding). Construct with the writer's state, Put, then Close, with
// nothing else touching the writer in between.
class FastBits {
 public:
  // Room for `max_bits` more bits.
  FastBits(std::string* bytes, uint64_t acc, unsigned nacc, uint64_t max_bits)
      : bytes_(bytes), size_(bytes->size()), acc_(acc), nacc_(nacc) {
    bytes->resize(size_ + (nacc + max_bits) / 64 * 8);
    out_ = bytes->data() + size_;
  }
  void Put(uint64_t v, unsigned w) {  // w <= 64; v < 2^w
    if (w == 0) return;
    acc_ |= v << nacc_;
    if (nacc_ + w >= 64) {
      EncodeFixed64(out_, acc_);
      out_ += 8;
      const unsigned used = 64 - nacc_;
      acc_ = used < 64 ? v >> used : 0;
      nacc_ = nacc_ + w - 64;
    } else {
      nacc_ += w;
    }
  }
  // Hands the state back: the whole words stay in *bytes.
  void Close(uint64_t* acc, unsigned* nacc) {
    bytes_->resize(static_cast<size_t>(out_ - bytes_->data()));
    *acc = acc_;
    *nacc = nacc_;
  }

 private:
  std::string* bytes_;
  size_t size_;
  char* out_;
  uint64_t acc_;
  unsigned nacc_;
};

}  // namespace

void SegmentBuilder::BitWriter::PutZeros(uint64_t n) {
  FastBits f(&bytes, acc, nacc, n);
  for (uint64_t left = n; left > 0;) {
    const unsigned w = static_cast<unsigned>(std::min<uint64_t>(left, 64));
    f.Put(0, w);
    left -= w;
  }
  f.Close(&acc, &nacc);
  bits += n;
}

void SegmentBuilder::BitWriter::Append(const BitWriter& other) {
  const uint64_t add = other.bytes.size() * 8 + other.nacc;
  FastBits f(&bytes, acc, nacc, add);
  for (size_t i = 0; i < other.bytes.size(); i += 8) f.Put(DecodeFixed64(other.bytes.data() + i), 64);
  f.Put(other.acc, other.nacc);
  f.Close(&acc, &nacc);
  bits += add;
}

Status SegmentBuilder::EmitBits(bool final) {
  if (final && data_.nacc > 0) {
    for (unsigned i = 0; i < (data_.nacc + 7) / 8; ++i) data_.bytes.push_back(static_cast<char>(data_.acc >> (8 * i)));
    data_.acc = 0;
    data_.nacc = 0;
  }
  if (final || data_.bytes.size() >= (256u << 10)) {
    LEAKDEX_RETURN_IF_ERROR(out_->Append(data_.bytes));
    data_.bytes.clear();
  }
  return Status::Ok();
}

void SegmentBuilder::EncodeGroup(const std::vector<Slot>& slots, std::vector<uint64_t>* unary, BitWriter* w) const {
  const uint64_t buckets = uint64_t{1} << h_.group_bits;
  if (slots.empty()) {
    w->PutZeros(buckets);
    return;
  }
  // The unary bucket sizes (c ones then a zero per bucket) have their ones
  // at bucket + i for the i-th key (keys sorted by bucket): set those bits
  // in words. Counting bucket by bucket branched on random sizes and cost
  // ~20 ns a key in mispredictions.
  const uint64_t nbits = buckets + slots.size();
  unary->assign((nbits + 63) / 64, 0);
  for (size_t i = 0; i < slots.size(); ++i) {
    const uint64_t p = slots[i].bucket + i;
    (*unary)[p >> 6] |= uint64_t{1} << (p & 63);
  }
  const unsigned r = h_.remainder_bits();
  uint64_t code_bits = 0;
  for (const Slot& s : slots) code_bits += huff_len_[s.code];
  const uint64_t total = nbits + slots.size() * r + code_bits;
  FastBits f(&w->bytes, w->acc, w->nacc, total);
  for (uint64_t k = 0; k < unary->size(); ++k)
    f.Put((*unary)[k], static_cast<unsigned>(std::min<uint64_t>(64, nbits - 64 * k)));
  for (const Slot& s : slots) f.Put(s.rem, r);
  for (const Slot& s : slots) f.Put(huff_bits_[s.code], huff_len_[s.code]);
  f.Close(&w->acc, &w->nacc);
  w->bits += total;
}

Status SegmentBuilder::FlushGroup() {
  const uint64_t start = data_.bits;
  directory_[group_] = start;
  EncodeGroup(slots_, &unary_, &data_);
  const uint64_t bytes = ((data_.bits + 7) >> 3) - (start >> 3);
  max_group_bytes_ = std::max<uint32_t>(max_group_bytes_, static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX)));
  slots_.clear();
  ++group_;
  return EmitBits(false);
}

uint64_t SegmentBuilder::GroupOf(const SegmentEntry& e) const {
  const unsigned b = h_.bucket_bits;
  const uint64_t value = TruncateFingerprint(e.value, std::min(e.precision, cut_));
  return (b == 0 ? 0 : value >> (64 - b)) >> h_.group_bits;
}

inline Status SegmentBuilder::SlotOf(const SegmentEntry& e, MemoSlot* memo, uint64_t* group, Slot* slot) const {
  const DictKey key{e.payload, e.precision, static_cast<uint8_t>(std::min(e.records, format::kRecordCountMax))};
  // FindDictIndex's memo hit, here where it inlines.
  const uint64_t packed = key.packed();
  const MemoSlot& hit = memo[MemoSlotOf(packed)];
  uint32_t index = hit.index;
  if (hit.key != packed) {
    bool found;
    index = FindDictIndex(key, memo, &found);
    if (!found) return Status::Internal("SegmentBuilder: pass 2 differs from pass 1");
  }
  const unsigned b = h_.bucket_bits, r = h_.remainder_bits();
  const uint64_t value = TruncateFingerprint(e.value, std::min(e.precision, cut_));
  const uint64_t q = b == 0 ? 0 : value >> (64 - b);
  *group = q >> h_.group_bits;
  *slot = Slot{q & Mask(h_.group_bits), r == 0 ? 0 : (value << b) >> (64 - r), code_of_[index]};
  return Status::Ok();
}

Status SegmentBuilder::Add(const SegmentEntry& e) {
  if (!out_) return Status::Internal("SegmentBuilder::Add before Begin");
  if (added_ >= n_) return Status::Internal("SegmentBuilder: pass 2 differs from pass 1");
  uint64_t g = 0;
  Slot slot{};
  LEAKDEX_RETURN_IF_ERROR(SlotOf(e, memo_, &g, &slot));
  ++added_;
  while (group_ < g) LEAKDEX_RETURN_IF_ERROR(FlushGroup());
  if (g < group_) return Status::Internal("SegmentBuilder: entries out of order in pass 2");
  slots_.push_back(slot);
  return Status::Ok();
}

Status SegmentBuilder::EncodeRange(const EntryArray& entries, uint64_t begin, uint64_t end, uint64_t g_begin,
                                   uint64_t g_end, BitWriter* w, std::vector<uint64_t>* dir) const {
  auto memo = std::make_unique<MemoSlot[]>(kMemoSlots);
  std::vector<Slot> slots;
  std::vector<uint64_t> unary;
  dir->assign(g_end - g_begin, 0);
  uint64_t group = g_begin;
  auto flush = [&] {
    (*dir)[group - g_begin] = w->bits;
    EncodeGroup(slots, &unary, w);
    slots.clear();
    ++group;
  };
  constexpr uint64_t kBlock = 1024;
  std::vector<SegmentEntry> block(kBlock);
  for (uint64_t i = begin; i < end; i += kBlock) {
    const uint64_t n = std::min(kBlock, end - i);
    entries.Get(i, i + n, block.data());
    for (uint64_t j = 0; j < n; ++j) {
      uint64_t g = 0;
      Slot slot{};
      LEAKDEX_RETURN_IF_ERROR(SlotOf(block[j], memo.get(), &g, &slot));
      if (g >= g_end) return Status::Internal("SegmentBuilder: entries out of order in pass 2");
      while (group < g) flush();
      if (g < group) return Status::Internal("SegmentBuilder: entries out of order in pass 2");
      slots.push_back(slot);
    }
  }
  while (group < g_end) flush();
  return Status::Ok();
}

void SegmentBuilder::SplitPoints(const EntryArray& entries, uint64_t parts, std::vector<uint64_t>* first,
                                 std::vector<uint64_t>* gfirst) const {
  const uint64_t n = entries.size();
  first->assign(parts + 1, 0);
  gfirst->assign(parts + 1, 0);
  (*first)[parts] = n;
  (*gfirst)[parts] = h_.group_count;
  SegmentEntry e;
  for (uint64_t t = 1; t < parts; ++t) {
    // The group of the entry at t/parts of the way; the part starts at that
    // group's first entry, found by binary search (groups only grow).
    entries.Get(n * t / parts, n * t / parts + 1, &e);
    const uint64_t g = std::clamp(GroupOf(e), (*gfirst)[t - 1], h_.group_count);
    uint64_t lo = (*first)[t - 1], hi = n * t / parts;
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      entries.Get(mid, mid + 1, &e);
      if (GroupOf(e) < g) lo = mid + 1;
      else hi = mid;
    }
    (*first)[t] = lo;
    (*gfirst)[t] = g;
  }
}

Status SegmentBuilder::AddAll(const EntryArray& entries, int threads) {
  if (!out_) return Status::Internal("SegmentBuilder::AddAll before Begin");
  if (added_ != 0 || group_ != 0) return Status::Internal("SegmentBuilder::AddAll after Add");
  const uint64_t n = entries.size();
  if (n != n_) return Status::Internal("SegmentBuilder: pass 2 differs from pass 1");
  // Below this many keys a thread costs more than it saves.
  constexpr uint64_t kKeysPerThread = uint64_t{1} << 16;
  const uint64_t parts = std::clamp<uint64_t>(n / kKeysPerThread, 1, static_cast<uint64_t>(std::clamp(threads, 1, 64)));
  std::vector<uint64_t> first, gfirst;
  SplitPoints(entries, parts, &first, &gfirst);
  std::vector<BitWriter> parts_bits(parts);
  std::vector<std::vector<uint64_t>> parts_dir(parts);
  std::vector<Status> status(parts);
  {
    std::vector<std::thread> pool;
    auto run = [&](uint64_t t) {
      status[t] = EncodeRange(entries, first[t], first[t + 1], gfirst[t], gfirst[t + 1], &parts_bits[t], &parts_dir[t]);
    };
    for (uint64_t t = 1; t < parts; ++t) pool.emplace_back(run, t);
    run(0);
    for (std::thread& th : pool) th.join();
  }
  for (const Status& st : status) LEAKDEX_RETURN_IF_ERROR(st);
  for (uint64_t t = 0; t < parts; ++t) {
    const uint64_t base = data_.bits;
    for (uint64_t i = 0; i < parts_dir[t].size(); ++i) directory_[gfirst[t] + i] = base + parts_dir[t][i];
    data_.Append(parts_bits[t]);
    std::string().swap(parts_bits[t].bytes);  // frees it
    LEAKDEX_RETURN_IF_ERROR(EmitBits(false));
  }
  for (uint64_t g = 0; g < h_.group_count; ++g) {
    const uint64_t end = g + 1 < h_.group_count ? directory_[g + 1] : data_.bits;
    const uint64_t bytes = ((end + 7) >> 3) - (directory_[g] >> 3);
    max_group_bytes_ = std::max<uint32_t>(max_group_bytes_, static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX)));
  }
  added_ = n;
  group_ = h_.group_count;
  return Status::Ok();
}

Result<uint64_t> SegmentBuilder::Finish() {
  if (!out_) return Status::Internal("SegmentBuilder::Finish before Begin");
  if (added_ != n_) return Status::Internal("SegmentBuilder: pass 2 gave fewer keys than pass 1");
  while (group_ < h_.group_count) LEAKDEX_RETURN_IF_ERROR(FlushGroup());
  directory_[h_.group_count] = data_.bits;
  if (data_.bits != h_.data_bits) return Status::Internal("SegmentBuilder: data size differs from the layout");
  LEAKDEX_RETURN_IF_ERROR(EmitBits(true));
  LEAKDEX_RETURN_IF_ERROR(out_->AppendZeros(8));
  section_lengths_[static_cast<int>(SectionType::kGroupData)] = out_->logical_size() - data_offset_;
  LEAKDEX_RETURN_IF_ERROR(out_->AppendZeros((8 - out_->logical_size() % 8) % 8));
  section_offsets_[static_cast<int>(SectionType::kGroupDirectory)] = out_->logical_size();
  {
    std::string buf;
    for (uint64_t v : directory_) {
      PutFixed64(&buf, v);
      if (buf.size() >= (256u << 10)) {
        LEAKDEX_RETURN_IF_ERROR(out_->Append(buf));
        buf.clear();
      }
    }
    LEAKDEX_RETURN_IF_ERROR(out_->Append(buf));
  }
  section_lengths_[static_cast<int>(SectionType::kGroupDirectory)] = directory_.size() * 8;
  std::vector<uint64_t>().swap(directory_);

  const uint64_t dir_offset = out_->logical_size();
  std::string dir;
  for (int t = 1; t <= kSections; ++t) {
    PutFixed32(&dir, static_cast<uint32_t>(t));
    PutFixed32(&dir, 0);
    PutFixed64(&dir, section_offsets_[t]);
    PutFixed64(&dir, section_lengths_[t]);
  }
  LEAKDEX_RETURN_IF_ERROR(out_->Append(dir));
  const uint64_t content = format::kPageContent;
  const uint64_t logical_total = (out_->logical_size() + format::kSegmentFooterSize + content - 1) / content * content;
  std::string footer;
  PutFixed64(&footer, dir_offset);
  PutFixed32(&footer, kSections);
  PutFixed32(&footer, static_cast<uint32_t>(format::kPageSize));
  PutFixed64(&footer, logical_total);
  PutFixed64(&footer, 0);  // page digest, filled in by the writer
  PutFixed32(&footer, max_group_bytes_);
  PutFixed32(&footer, 0);
  PutFixed64(&footer, 0);
  footer += format::kSegmentMagic;
  PutFixed64(&footer, 0);  // footer checksum, filled in by the writer
  LEAKDEX_RETURN_IF_ERROR(out_->Finish(std::move(footer), 24));
  uint64_t size = out_->file_size();
  out_.reset();
  return size;
}

// ---- Reader ---------------------------------------------------------------------

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(const std::string& path, uint64_t verify_whole_up_to,
                                                           MappedFile::Mode mode) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  LEAKDEX_ASSIGN_OR_RETURN(r->view_, PagedView::Open(path, mode));
  LEAKDEX_RETURN_IF_ERROR(r->ParseHeader());
  LEAKDEX_RETURN_IF_ERROR(r->ParseFooterAndDirectory());
  LEAKDEX_RETURN_IF_ERROR(r->ParseDictionary());
  if (r->file_size() <= verify_whole_up_to) LEAKDEX_RETURN_IF_ERROR(r->Verify());
  return r;
}

Status SegmentReader::ParseHeader() {
  const PagedView& v = *view_;
  if (v.file_size() < 16 || std::string_view(v.raw_page(0), 8) != format::kSegmentMagic)
    return Status::Corruption(path() + ": offset 0: not a leakdex segment (bad magic)");
  const char* h = v.raw_page(0);
  const uint16_t major = DecodeFixed16(h + 8);
  if (major != format::kFormatMajor)
    return Status::NotSupported(path() + ": segment format version " + std::to_string(major) +
                                " (this leakdex reads version " + std::to_string(format::kFormatMajor) + ")");
  LEAKDEX_RETURN_IF_ERROR(view_->CheckWholePages());
  view_->set_salt(DecodeFixed64(h + 48));
  LEAKDEX_RETURN_IF_ERROR(view_->VerifyPage(0));
  if (DecodeFixed64(h + 120) != XXH3_64bits(h, 120)) return view_->Corrupt(0, "header checksum mismatch");
  h_.format_minor = DecodeFixed16(h + 10);
  if (DecodeFixed32(h + 12) & ~format::kKnownRequiredFlags)
    return Status::NotSupported(path() + ": uses features this leakdex does not know (required flags)");
  h_.normalizer_version = DecodeFixed16(h + 16);
  if (DecodeFixed16(h + 18) != format::kPageShift) return view_->Corrupt(18, "unsupported page size");
  std::memcpy(h_.key_id.data(), h + 24, kKeyIdBytes);
  h_.key_count = DecodeFixed64(h + 40);
  h_.salt = DecodeFixed64(h + 48);
  h_.fp_bits = static_cast<uint8_t>(h[56]);
  h_.min_precision = static_cast<uint8_t>(h[57]);
  h_.bucket_bits = static_cast<uint8_t>(h[58]);
  h_.group_bits = static_cast<uint8_t>(h[59]);
  h_.max_code_len = static_cast<uint8_t>(h[60]);
  h_.dict_count = DecodeFixed32(h + 64);
  h_.source_set_count = DecodeFixed32(h + 68);
  h_.group_count = DecodeFixed64(h + 72);
  h_.data_bits = DecodeFixed64(h + 80);
  const SegmentHeaderInfo& x = h_;
  if (x.fp_bits < format::kMinPrecision || x.fp_bits > 64 || x.min_precision < format::kMinPrecision ||
      x.min_precision > x.fp_bits)
    return view_->Corrupt(56, "fingerprint precision out of range");
  if (x.bucket_bits > std::min<unsigned>(x.min_precision, format::kMaxBucketBits) ||
      x.group_bits > std::min<unsigned>(x.bucket_bits, format::kMaxGroupBits) ||
      x.group_count != (uint64_t{1} << (x.bucket_bits - x.group_bits)))
    return view_->Corrupt(58, "bucket layout out of range");
  if (x.max_code_len > 32 || (x.dict_count <= 1) != (x.max_code_len == 0) || h[61] != 0)
    return view_->Corrupt(60, "payload code length out of range");
  const uint64_t logical_bits = view_->logical_size() * 8;
  if (x.key_count > logical_bits || x.data_bits > logical_bits || x.data_bits < (uint64_t{1} << x.bucket_bits))
    return view_->Corrupt(40, "key count or data size exceeds the file");
  return Status::Ok();
}

Status SegmentReader::ParseFooterAndDirectory() {
  const uint64_t last = view_->pages() - 1;
  LEAKDEX_RETURN_IF_ERROR(view_->VerifyPage(last));
  const uint64_t L = view_->logical_size();
  const uint64_t f = L - format::kSegmentFooterSize;
  std::string footer;
  LEAKDEX_RETURN_IF_ERROR(view_->Read(f, format::kSegmentFooterSize, &footer));
  const char* ft = footer.data();
  if (std::string_view(ft + 48, 8) != format::kSegmentMagic)
    return view_->Corrupt(f + 48, "bad footer magic: truncated, or bytes appended");
  if (DecodeFixed64(ft + 56) != XXH3_64bits(ft, 56)) return view_->Corrupt(f, "footer checksum mismatch");
  footer_checksum_ = DecodeFixed64(ft + 56);
  const uint64_t dir_offset = DecodeFixed64(ft);
  const uint32_t count = DecodeFixed32(ft + 8);
  if (DecodeFixed32(ft + 12) != format::kPageSize) return view_->Corrupt(f + 12, "unsupported page size");
  if (DecodeFixed64(ft + 16) != L) return view_->Corrupt(f + 16, "file size does not match the footer");
  max_group_bytes_ = DecodeFixed32(ft + 32);
  page_digest_ = DecodeFixed64(ft + 24);
  if (count > 64 || dir_offset < format::kSegmentHeaderSize || dir_offset > f ||
      uint64_t{count} * format::kSectionEntrySize > f - dir_offset)
    return view_->Corrupt(f, "section directory out of place");
  std::string dir;
  LEAKDEX_RETURN_IF_ERROR(view_->Read(dir_offset, uint64_t{count} * format::kSectionEntrySize, &dir));
  uint64_t prev_end = format::kSegmentHeaderSize;
  for (uint32_t i = 0; i < count; ++i) {
    const char* e = dir.data() + i * format::kSectionEntrySize;
    const uint32_t type = DecodeFixed32(e);
    Section s{DecodeFixed64(e + 8), DecodeFixed64(e + 16)};
    const uint64_t at = dir_offset + i * format::kSectionEntrySize;
    if (s.offset < prev_end || s.offset % 8 != 0 || s.offset > dir_offset || s.length > dir_offset - s.offset)
      return view_->Corrupt(at, "section outside the body or overlapping another");
    prev_end = s.offset + s.length;
    if (type >= 1 && type <= static_cast<uint32_t>(kSections)) {
      if (sections_[type].offset != 0) return view_->Corrupt(at, "section listed twice");
      sections_[type] = s;
    }  // unknown types (newer minor versions) are skipped
  }
  const SegmentHeaderInfo& x = h_;
  const uint64_t expect[kSections + 1] = {0,
                                           sections_[1].length,
                                           (uint64_t{x.source_set_count} + 1) * 4,
                                           sections_[3].length,
                                           (x.data_bits + 7) / 8 + 8,
                                           (x.group_count + 1) * 8};
  for (int t = 1; t <= kSections; ++t) {
    if (sections_[t].offset == 0) return view_->Corrupt(dir_offset, "section " + std::to_string(t) + " missing");
    if (sections_[t].length != expect[t])
      return view_->Corrupt(sections_[t].offset, "section " + std::to_string(t) + " has the wrong length");
  }
  if (sections_[3].length % 4 != 0) return view_->Corrupt(sections_[3].offset, "source id section misaligned");
  return Status::Ok();
}

Status SegmentReader::ParseDictionary() {
  const SegmentHeaderInfo& x = h_;
  std::string bytes;
  LEAKDEX_RETURN_IF_ERROR(view_->Read(sections_[2].offset, sections_[2].length, &bytes));
  source_index_.resize(x.source_set_count + uint64_t{1});
  for (uint64_t i = 0; i <= x.source_set_count; ++i) source_index_[i] = DecodeFixed32(bytes.data() + i * 4);
  LEAKDEX_RETURN_IF_ERROR(view_->Read(sections_[3].offset, sections_[3].length, &bytes));
  source_ids_.resize(bytes.size() / 4);
  for (size_t i = 0; i < source_ids_.size(); ++i) source_ids_[i] = DecodeFixed32(bytes.data() + i * 4);
  if (source_index_[0] != 0 || source_index_.back() != source_ids_.size())
    return view_->Corrupt(sections_[2].offset, "source set index does not span the source ids");
  for (uint64_t s = 0; s < x.source_set_count; ++s) {
    const uint32_t b = source_index_[s], e = source_index_[s + 1];
    if (e <= b || e > source_ids_.size()) return view_->Corrupt(sections_[2].offset + s * 4, "source set empty or out of range");
    for (uint32_t i = b + 1; i < e; ++i)
      if (source_ids_[i] <= source_ids_[i - 1])
        return view_->Corrupt(sections_[3].offset + uint64_t{i} * 4, "source set not strictly ascending");
  }
  LEAKDEX_RETURN_IF_ERROR(view_->Read(sections_[1].offset, sections_[1].length, &bytes));
  if (x.dict_count > bytes.size()) return view_->Corrupt(sections_[1].offset, "dictionary shorter than its count");
  dict_.resize(x.dict_count);
  uint64_t total = 0;
  uint8_t seen_max = 0, seen_min = 64;
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  for (uint64_t i = 0; i < x.dict_count; ++i) {
    const uint64_t at = sections_[1].offset + static_cast<uint64_t>(p - bytes.data());
    DictEntry& d = dict_[i];
    uint64_t roles, set;
    if (!GetVarint(p, end, &d.key_count) || !GetVarint(p, end, &d.classes) || !GetVarint(p, end, &roles) ||
        !GetVarint(p, end, &set) || end - p < 3 || roles > UINT32_MAX || set > UINT32_MAX)
      return view_->Corrupt(at, "dictionary entry truncated");
    d.roles = static_cast<uint32_t>(roles);
    d.source_set = static_cast<uint32_t>(set);
    d.precision = static_cast<uint8_t>(p[0]);
    d.records = static_cast<uint8_t>(p[1]);
    d.code_len = static_cast<uint8_t>(p[2]);
    p += 3;
    if (d.key_count == 0 || d.key_count > x.key_count || d.source_set >= x.source_set_count || d.records == 0 ||
        d.precision < x.min_precision || d.precision > x.fp_bits)
      return view_->Corrupt(at, "dictionary entry malformed");
    if (i > 0 && d.key_count > dict_[i - 1].key_count) return view_->Corrupt(at, "dictionary not ordered by use");
    if ((x.dict_count == 1 && d.code_len != 0) || (x.dict_count > 1 && (d.code_len == 0 || d.code_len > x.max_code_len)) ||
        (i > 0 && d.code_len < dict_[i - 1].code_len))
      return view_->Corrupt(at, "payload code length out of order or range");
    total += d.key_count;
    seen_max = std::max(seen_max, d.precision);
    seen_min = std::min(seen_min, d.precision);
    fp_rate_ += std::ldexp(static_cast<double>(d.key_count), -static_cast<int>(d.precision));
  }
  if (p != end) return view_->Corrupt(sections_[1].offset, "bytes after the last dictionary entry");
  if (total != x.key_count) return view_->Corrupt(sections_[1].offset, "dictionary key counts do not add up to the key count");
  if (x.key_count > 0 && (seen_max != x.fp_bits || seen_min != x.min_precision))
    return view_->Corrupt(56, "header precision range differs from the dictionary's");
  mixed_precision_ = x.min_precision < x.fp_bits;
  // Canonical Huffman decoding tables; the code must be complete (Kraft sum 1).
  if (x.dict_count > 1) {
    if (dict_.back().code_len != x.max_code_len) return view_->Corrupt(60, "longest payload code differs from the header");
    unsigned __int128 kraft = 0;
    for (const DictEntry& d : dict_) kraft += static_cast<unsigned __int128>(1) << (32 - d.code_len);
    if (kraft != static_cast<unsigned __int128>(1) << 32)
      return view_->Corrupt(sections_[1].offset, "payload code lengths do not form a complete prefix code");
    fast_bits_ = std::min<unsigned>(kFastBits, x.max_code_len);
    fast_.assign(size_t{1} << fast_bits_, 0);
    uint64_t code = 0;
    for (uint32_t i = 0; i < x.dict_count; ++i) {
      const unsigned len = dict_[i].code_len;
      if (i > 0) code = (code + 1) << (len - dict_[i - 1].code_len);
      if (count_of_len_[len]++ == 0) {
        first_code_[len] = code;
        first_index_[len] = i;
      }
      if (len <= fast_bits_) {
        const uint32_t rev = ReverseBits(static_cast<uint32_t>(code), len);
        for (uint64_t k = 0; k < (uint64_t{1} << (fast_bits_ - len)); ++k)
          fast_[rev | (k << len)] = (i << 6) | len;
      }
    }
    BuildSkipTable();
  }
  return Status::Ok();
}

void SegmentReader::BuildSkipTable() {
  skip_.assign(size_t{1} << kSkipBits, 0);
  for (uint64_t v = 0; v < skip_.size(); ++v) {
    unsigned used = 0, codes = 0;
    uint32_t entry = 0, id;
    unsigned len;
    while (used < kSkipBits && DecodeSlow(v >> used, kSkipBits - used, &id, &len)) {
      used += len;
      ++codes;
      if (codes <= kSkipEnds) entry |= used << (4 + 4 * codes);
    }
    skip_[v] = entry | (used << 4) | codes;
  }
}

bool SegmentReader::DecodeSlow(uint64_t bits, unsigned avail, uint32_t* id, unsigned* len) const {
  uint64_t code = 0;
  const unsigned most = std::min<unsigned>(avail, h_.max_code_len);
  for (unsigned l = 1; l <= most; ++l) {
    code = (code << 1) | ((bits >> (l - 1)) & 1);
    if (count_of_len_[l] != 0 && code >= first_code_[l] && code - first_code_[l] < count_of_len_[l]) {
      *id = static_cast<uint32_t>(first_index_[l] + (code - first_code_[l]));
      *len = l;
      return true;
    }
  }
  return false;
}

bool SegmentReader::DecodeCode(const PagedRange& g, uint64_t pos, uint64_t limit, uint32_t* id,
                               unsigned* len) const {
  if (h_.dict_count <= 1) {
    *id = 0;
    *len = 0;
    return h_.dict_count == 1;
  }
  const uint32_t e = fast_[LoadBits(g, pos, fast_bits_)];
  if (e != 0) {
    *len = e & 63;
    *id = e >> 6;
    return pos + *len <= limit;
  }
  // A code longer than the fast table: read only the bits before `limit`.
  const unsigned avail = static_cast<unsigned>(std::min<uint64_t>(limit - pos, h_.max_code_len));
  return DecodeSlow(LoadBits(g, pos, avail), avail, id, len);
}

bool SegmentReader::NextCode(const PagedRange& g, uint64_t* pos, uint64_t limit, uint64_t n, uint32_t* id) const {
  if (h_.dict_count <= 1) {  // codes of 0 bits
    *id = 0;
    return h_.dict_count == 1;
  }
  uint64_t p = *pos;
  for (;;) {
    // One load of 64 bits, then table steps on it in a register (the load
    // and its page-boundary branch were half of each step's latency). Bits
    // past `limit` may be read and counted; p only grows, so one check of
    // p against `limit` after the steps rejects a code ending past it as a
    // check after every step would.
    uint64_t w = LoadBits(g, p, 64);
    unsigned avail = 64;
    while (n > 0 && avail >= kSkipBits) {
      const uint32_t e = skip_[w & ((uint64_t{1} << kSkipBits) - 1)];
      const unsigned codes = e & 15;
      unsigned used;
      if (codes <= n) {
        if (codes == 0) break;  // the next code is longer than kSkipBits bits
        used = (e >> 4) & 15;
        n -= codes;
      } else if (n <= kSkipEnds) {  // fewer codes left than these bits hold: the end of the n-th
        used = (e >> (4 + 4 * n)) & 15;
        n = 0;
      } else {
        used = (e >> (4 + 4 * kSkipEnds)) & 15;
        n -= kSkipEnds;
      }
      w >>= used;
      avail -= used;
      p += used;
    }
    if (p > limit) return false;
    if (n == 0 && avail >= fast_bits_) {
      // The wanted code, from the bits already loaded (DecodeCode's fast table).
      if (const uint32_t e = fast_[w & ((uint64_t{1} << fast_bits_) - 1)]; e != 0) {
        if (p + (e & 63) > limit) return false;
        *id = e >> 6;
        *pos = p + (e & 63);
        return true;
      }
    }
    if (n == 0 || avail >= kSkipBits) {  // the wanted code, or one longer than the tables
      unsigned len;
      if (!DecodeCode(g, p, limit, id, &len)) return false;
      p += len;
      if (n == 0) {
        *pos = p;
        return true;
      }
      --n;
    }
  }
}

Payload SegmentReader::PayloadOf(uint32_t id) const {
  const DictEntry& d = dict_[id];
  Payload p;
  auto s = SourceSet(d.source_set);
  p.sources.assign(s.begin(), s.end());
  p.classes = d.classes;
  p.roles = d.roles;
  return p;
}

Result<std::pair<uint64_t, uint64_t>> SegmentReader::GroupRange(uint64_t g) const {
  thread_local std::vector<char> scratch;
  const uint64_t off = sections_[5].offset + g * 8;
  LEAKDEX_ASSIGN_OR_RETURN(const char* p, view_->Get(off, 16, &scratch));
  const uint64_t start = DecodeFixed64(p), end = DecodeFixed64(p + 8);
  if (start > end || end > h_.data_bits || ((end + 7) >> 3) - (start >> 3) > max_group_bytes_)
    return view_->Corrupt(off, "group directory entry out of range");
  return std::make_pair(start, end);
}

bool SegmentReader::VerifiedGroupRange(uint64_t g, std::pair<uint64_t, uint64_t>* range) const {
  const uint64_t off = sections_[5].offset + g * 8;
  const char* a = view_->VerifiedWord(off);
  const char* b = view_->VerifiedWord(off + 8);
  if (a == nullptr || b == nullptr) return false;
  const uint64_t start = DecodeFixed64(a), end = DecodeFixed64(b);
  // GroupRange's checks: when they fail, GroupRange reports the corruption.
  if (start > end || end > h_.data_bits || ((end + 7) >> 3) - (start >> 3) > max_group_bytes_) return false;
  *range = {start, end};
  return true;
}

void SegmentReader::Prefetch(uint64_t fp) const {
  const uint64_t q = h_.bucket_bits == 0 ? 0 : fp >> (64 - h_.bucket_bits);
  const uint64_t off = sections_[5].offset + (q >> h_.group_bits) * 8;
  if (off + 16 > view_->logical_size()) return;
  const uint64_t page = off / format::kPageContent;
  __builtin_prefetch(view_->raw_page(page) + off % format::kPageContent);
}

void SegmentReader::PrefetchGroup(uint64_t fp) const {
  // A hint only: the directory entry is read unverified and only decides
  // which lines to prefetch; LookupIds verifies and checks everything again.
  const uint64_t q = h_.bucket_bits == 0 ? 0 : fp >> (64 - h_.bucket_bits);
  const uint64_t off = sections_[5].offset + (q >> h_.group_bits) * 8;
  const uint64_t in_page = off % format::kPageContent;
  if (off + 16 > view_->logical_size() || in_page + 16 > format::kPageContent) return;
  const char* e = view_->raw_page(off / format::kPageContent) + in_page;
  const uint64_t start = DecodeFixed64(e), end = DecodeFixed64(e + 8);
  if (start > end || end > h_.data_bits) return;
  const uint64_t bytes = std::min<uint64_t>(((end + 7) >> 3) - (start >> 3), 2 * format::kPageContent);
  view_->PrefetchRange(sections_[4].offset + (start >> 3), bytes);
}

Status SegmentReader::LookupIds(uint64_t fp, std::vector<uint32_t>* ids, bool prefetch) const {
  const SegmentHeaderInfo& x = h_;
  if (x.key_count == 0) return Status::Ok();
  const unsigned b = x.bucket_bits, r = x.remainder_bits();
  const uint64_t q = b == 0 ? 0 : fp >> (64 - b);
  const uint64_t g = q >> x.group_bits;
  const uint64_t j = q & Mask(x.group_bits);
  const uint64_t z = uint64_t{1} << x.group_bits;
  std::pair<uint64_t, uint64_t> range;
  if (!VerifiedGroupRange(g, &range)) {
    LEAKDEX_ASSIGN_OR_RETURN(range, GroupRange(g));
  }
  const uint64_t glen = range.second - range.first;
  const uint64_t byte0 = range.first >> 3;
  const uint64_t group_at = sections_[4].offset + byte0;
  const uint64_t group_bytes = ((range.second + 7) >> 3) - byte0;
  PagedRange grp;
  if (!view_->GetVerifiedRange(group_at, group_bytes, &grp)) {
    thread_local std::vector<char> scratch;  // only for a group spanning three pages or more
    LEAKDEX_RETURN_IF_ERROR(view_->GetRange(group_at, group_bytes, &grp, &scratch));
  }
  // The lookup reads the unary code, then a remainder and codes further on:
  // fetching the whole group now overlaps those cache misses instead of
  // paying them one after the other.
  if (prefetch && file_size() >= kPrefetchFromBytes) grp.Prefetch();
  const uint64_t s0 = range.first & 7;

  // Unary bucket sizes: the positions of zeros number j-1 and j bound the
  // bucket; zero number z-1 ends the code (total keys, where slots start).
  uint64_t pos = 0, zeros = 0;  // zeros: zero bits before pos
  uint64_t p_prev = 0, p_j = 0, p_last = 0;
  uint64_t inv = 0, zc = 0;
  auto next_word = [&]() -> bool {
    if (pos >= glen) return false;
    const unsigned w = static_cast<unsigned>(std::min<uint64_t>(64, glen - pos));
    inv = ~LoadBits(grp, s0 + pos, w) & Mask(w);
    zc = static_cast<uint64_t>(std::popcount(inv));
    return true;
  };
  auto past_end = [&]() { return view_->Corrupt(group_at, "bucket sizes run past the end of the group"); };
  // Words before the one holding zero number j (j - 1 may be in an earlier one).
  for (;;) {
    if (!next_word()) return past_end();
    if (j > 0 && zeros + zc > j - 1 && zeros <= j - 1)
      p_prev = pos + SelectBit(inv, static_cast<unsigned>(j - 1 - zeros));
    if (zeros + zc > j) break;
    zeros += zc;
    pos += 64;
  }
  p_j = pos + SelectBit(inv, static_cast<unsigned>(j - zeros));
  // Then count zeros up to number z-1 (z - 1 >= j).
  while (zeros + zc <= z - 1) {
    zeros += zc;
    pos += 64;
    if (!next_word()) return past_end();
  }
  p_last = pos + SelectBit(inv, static_cast<unsigned>(z - 1 - zeros));

  const uint64_t before = j == 0 ? 0 : p_prev - (j - 1);
  const uint64_t count = (p_j - j) - before;
  const uint64_t total = p_last - (z - 1);
  const uint64_t slots_at = p_last + 1;
  if (total > glen || slots_at + total * r > glen)
    return view_->Corrupt(group_at, "group slots run past the end of the group");
  const uint64_t qrem = r == 0 ? 0 : (fp << b) >> (64 - r);

  // Payload codes follow the remainders; key i's code is found by skipping
  // the codes before it (forward only, as candidates ascend).
  uint64_t code_pos = s0 + slots_at + total * r, code_index = 0;
  const uint64_t code_limit = s0 + glen;
  auto id_of = [&](uint64_t i) -> Result<uint32_t> {
    uint32_t id = 0;
    if (!NextCode(grp, &code_pos, code_limit, i - code_index, &id))
      return view_->Corrupt(group_at, "payload code invalid or beyond the group");
    code_index = i + 1;
    return id;
  };

  for (uint64_t i = before; i < before + count; ++i) {
    const uint64_t rem = LoadBits(grp, s0 + slots_at + i * r, r);
    if (rem > qrem) break;
    bool match = rem == qrem;
    uint32_t id = 0;
    bool have_id = false;
    if (!match && mixed_precision_) {
      LEAKDEX_ASSIGN_OR_RETURN(id, id_of(i));
      have_id = true;
      const unsigned drop = x.fp_bits - dict_[id].precision;  // low remainder bits not stored
      match = drop >= r || ((rem ^ qrem) >> drop) == 0;
    }
    if (!match) continue;
    if (!have_id) {
      LEAKDEX_ASSIGN_OR_RETURN(id, id_of(i));
    }
    ids->push_back(id);
  }
  return Status::Ok();
}

Result<std::optional<SegmentReader::Hit>> SegmentReader::Lookup(uint64_t fp) const {
  thread_local std::vector<uint32_t> ids;
  ids.clear();
  LEAKDEX_RETURN_IF_ERROR(LookupIds(fp, &ids));
  std::optional<Hit> hit;
  for (uint32_t id : ids) {
    const DictEntry& d = dict_[id];
    if (!hit) {
      hit.emplace();
      hit->payload = PayloadOf(id);
      hit->count = d.records;
    } else {
      hit->payload.Merge(PayloadOf(id));
      hit->count = std::min(hit->count + d.records, format::kRecordCountMax);
    }
  }
  return hit;
}

Status SegmentReader::DecodeGroup(uint64_t g, std::vector<GroupKey>* out, std::vector<char>* scratch) const {
  out->clear();
  const SegmentHeaderInfo& x = h_;
  const unsigned r = x.remainder_bits();
  LEAKDEX_ASSIGN_OR_RETURN(auto range, GroupRange(g));
  const uint64_t glen = range.second - range.first;
  const uint64_t byte0 = range.first >> 3;
  const uint64_t group_at = sections_[4].offset + byte0;
  PagedRange base;
  LEAKDEX_RETURN_IF_ERROR(view_->GetRange(group_at, ((range.second + 7) >> 3) - byte0, &base, scratch));
  const uint64_t s0 = range.first & 7;
  const uint64_t z = uint64_t{1} << x.group_bits;
  uint64_t bucket = 0, pos = 0;
  while (bucket < z) {
    if (pos >= glen) return view_->Corrupt(group_at, "bucket sizes run past the end of the group");
    const unsigned w = static_cast<unsigned>(std::min<uint64_t>(64, glen - pos));
    const uint64_t inv = ~LoadBits(base, s0 + pos, w) & Mask(w);
    unsigned used = 0;
    while (used < w && bucket < z) {
      const uint64_t rest = inv >> used;
      const unsigned ones = rest == 0 ? w - used : static_cast<unsigned>(std::countr_zero(rest));
      if (out->size() + ones > x.key_count) return view_->Corrupt(group_at, "group holds more keys than the segment");
      for (unsigned t = 0; t < ones; ++t) out->push_back(GroupKey{bucket, 0, 0});
      if (rest == 0) {
        used = w;
        break;
      }
      used += ones + 1;
      ++bucket;
    }
    pos += used;
  }
  const uint64_t total = out->size();
  if (pos + total * r > glen) return view_->Corrupt(group_at, "group slots run past the end of the group");
  for (uint64_t i = 0; i < total; ++i) (*out)[i].rem = LoadBits(base, s0 + pos + i * r, r);
  uint64_t at = pos + total * r;
  for (uint64_t i = 0; i < total; ++i) {
    uint32_t id;
    unsigned len;
    if (!DecodeCode(base, s0 + at, s0 + glen, &id, &len))
      return view_->Corrupt(group_at, "payload code invalid or beyond the group");
    (*out)[i].id = id;
    at += len;
  }
  if (at != glen) return view_->Corrupt(group_at, "group length does not match its contents");
  return Status::Ok();
}

Result<bool> SegmentReader::Cursor::Next(SegmentEntry* e) {
  const SegmentHeaderInfo& x = r_->h_;
  std::vector<GroupKey>& keys = raw_;
  while (i_ >= keys_.size()) {
    if (group_ >= x.group_count) return false;
    LEAKDEX_RETURN_IF_ERROR(r_->DecodeGroup(group_, &keys, &scratch_));
    keys_.clear();
    const unsigned b = x.bucket_bits, r = x.remainder_bits();
    for (const GroupKey& k : keys) {
      const uint64_t q = (group_ << x.group_bits) | k.bucket;
      SegmentEntry s;
      s.value = (b == 0 ? 0 : q << (64 - b)) | (r == 0 ? 0 : k.rem << (64 - x.fp_bits));
      const DictEntry& d = r_->dict_[k.id];
      s.precision = d.precision;
      s.records = d.records;
      s.payload = k.id;
      if (TruncateFingerprint(s.value, s.precision) != s.value)
        return r_->view_->Corrupt(r_->sections_[4].offset, "key has bits beyond its precision (group " +
                                                                std::to_string(group_) + ")");
      keys_.push_back(s);
    }
    i_ = 0;
    ++group_;
    if ((group_ & 255) == 0) {
      LEAKDEX_ASSIGN_OR_RETURN(auto range, r_->GroupRange(group_ - 1));
      r_->view_->DropBefore(r_->sections_[4].offset + (range.first >> 3));
    }
  }
  *e = keys_[i_++];
  return true;
}

Status SegmentReader::Verify() const {
  LEAKDEX_RETURN_IF_ERROR(view_->VerifyAll());
  // The footer's page digest (pinned through the footer checksum by the
  // MANIFEST) must cover the checksums of every page before the last, then the
  // last page's bytes before the footer.
  {
    XXH3_state_t* st = XXH3_createState();
    if (st == nullptr) return Status::Internal("out of memory");
    XXH3_64bits_reset(st);
    char b[8];
    for (uint64_t p = 0; p + 1 < view_->pages(); ++p) {
      EncodeFixed64(b, view_->stored_checksum(p));
      XXH3_64bits_update(st, b, 8);
    }
    const uint64_t last_start = (view_->pages() - 1) * format::kPageContent;
    const uint64_t footer_start = view_->logical_size() - format::kSegmentFooterSize;
    std::string last;
    Status read = view_->Read(last_start, footer_start - last_start, &last);
    if (!read.ok()) {
      XXH3_freeState(st);
      return read;
    }
    XXH3_64bits_update(st, last.data(), last.size());
    const uint64_t digest = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    if (digest != page_digest_) return view_->Corrupt(footer_start + 24, "page digest mismatch");
  }
  const SegmentHeaderInfo& x = h_;
  // Directory: starts at 0, monotonic, ends at data_bits.
  {
    std::string dir;
    LEAKDEX_RETURN_IF_ERROR(view_->Read(sections_[5].offset, sections_[5].length, &dir));
    uint64_t prev = 0;
    for (uint64_t g = 0; g <= x.group_count; ++g) {
      const uint64_t v = DecodeFixed64(dir.data() + g * 8);
      if ((g == 0 && v != 0) || v < prev || (g == x.group_count && v != x.data_bits))
        return view_->Corrupt(sections_[5].offset + g * 8, "group directory not monotonic or not spanning the data");
      prev = v;
    }
  }
  // Data padding: bits after data_bits are zero.
  {
    std::string tail;
    const uint64_t from = x.data_bits / 8;
    LEAKDEX_RETURN_IF_ERROR(view_->Read(sections_[4].offset + from, sections_[4].length - from, &tail));
    if ((static_cast<uint8_t>(tail[0]) >> (x.data_bits % 8)) != 0 && x.data_bits % 8 != 0)
      return view_->Corrupt(sections_[4].offset + from, "nonzero bits after the group data");
    for (size_t i = (x.data_bits % 8 != 0 ? 1 : 0); i < tail.size(); ++i)
      if (tail[i] != 0) return view_->Corrupt(sections_[4].offset + from + i, "nonzero padding after the group data");
  }
  std::vector<uint64_t> uses(x.dict_count, 0);
  Cursor c(this);
  SegmentEntry e, prev;
  uint64_t n = 0;
  for (;;) {
    LEAKDEX_ASSIGN_OR_RETURN(bool more, c.Next(&e));
    if (!more) break;
    if (n > 0 && (e.value < prev.value || (e.value == prev.value && e.precision < prev.precision)))
      return view_->Corrupt(sections_[4].offset, "keys out of order (key " + std::to_string(n) + ")");
    uses[e.payload]++;
    prev = e;
    ++n;
  }
  if (n != x.key_count) return view_->Corrupt(40, "group data holds " + std::to_string(n) + " keys, header says " +
                                                      std::to_string(x.key_count));
  for (uint32_t i = 0; i < x.dict_count; ++i)
    if (uses[i] != dict_[i].key_count)
      return view_->Corrupt(sections_[1].offset, "dictionary entry " + std::to_string(i) +
                                                     ": key count differs from the keys using it");
  return Status::Ok();
}

}  // namespace leakdex
