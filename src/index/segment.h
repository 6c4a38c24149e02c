// Segment files, format 2 (docs/FORMAT.md "Segment file"): one immutable,
// self-checksummed table of key fingerprints and dictionary-coded payloads.
//
// A key is stored as the leading `precision` bits of its 64-bit fingerprint
// (the rest zero). Keys are bucketed by their top b bits; a bucket stores only
// the remaining F - b bits of each key ("remainder") plus a short payload code.
// 2^k consecutive buckets form a group: a unary bucket-size code, then the
// remainders, then each key's payload as a canonical Huffman code into the
// payload dictionary. A directory gives each group's bit offset, so a lookup
// reads one directory entry and one group.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "index/paged_file.h"
#include "leakdex/identity.h"
#include "leakdex/keyed_hash.h"
#include "leakdex/status.h"

namespace leakdex {

// What a leak exposed alongside one key: which sources, which data classes,
// in which roles. Source ids refer to the manifest's source table.
struct Payload {
  std::vector<uint32_t> sources;  // sorted, unique
  DataClassSet classes = 0;
  RoleSet roles = 0;
  friend auto operator<=>(const Payload&, const Payload&) = default;
  // Adds `other` into this payload (set unions).
  void Merge(const Payload& other);
};

// Interns payloads: dense ids in order of first use.
class PayloadTable {
 public:
  uint32_t Intern(const Payload& p);
  const Payload& Get(uint32_t id) const { return *payloads_[id]; }
  size_t size() const { return payloads_.size(); }
  // The id of the union of two interned payloads (memoised).
  uint32_t Union(uint32_t a, uint32_t b);

 private:
  std::map<Payload, uint32_t> ids_;
  std::vector<const Payload*> payloads_;  // keys of ids_
  std::unordered_map<uint64_t, uint32_t> unions_;
};

// One key as the builder takes it and a cursor yields it.
struct SegmentEntry {
  uint64_t value = 0;      // fingerprint; bits after the first `precision` are zero
  uint8_t precision = 64;  // leading fingerprint bits stored (1..64)
  uint32_t payload = 0;    // PayloadTable id (builder) / dictionary id (cursor)
  uint32_t records = 1;    // records the key appeared in (saturates at kRecordCountMax)
};

// The fingerprint bits a fresh segment of n keys stores so that a lookup of
// an absent key matches with probability n / 2^F <= 1e-9: F = ceil(log2(n*1e9)),
// raised to `floor_bits`, at most 64.
uint8_t PrecisionFor(uint64_t n, uint8_t floor_bits = 0);
inline uint64_t TruncateFingerprint(uint64_t fp, uint8_t precision) {
  return precision >= 64 ? fp : (precision == 0 ? 0 : fp & ~(~uint64_t{0} >> precision));
}
// Whether `fp` matches a key stored as (value, precision).
inline bool FingerprintMatches(uint64_t fp, uint64_t value, uint8_t precision) {
  return TruncateFingerprint(fp, precision) == value;
}

struct SegmentHeaderInfo {
  KeyId key_id{};
  uint16_t normalizer_version = 0;
  uint16_t format_minor = 0;
  uint64_t key_count = 0;
  uint64_t salt = 0;
  uint8_t fp_bits = 0;        // F: widest precision of any key
  uint8_t min_precision = 0;  // narrowest precision of any key
  uint8_t bucket_bits = 0;    // b
  uint8_t group_bits = 0;     // k: 2^k buckets a group
  uint8_t max_code_len = 0;   // longest payload code (0: one dictionary entry)
  uint32_t dict_count = 0;    // D
  uint32_t source_set_count = 0;
  uint64_t group_count = 0;   // G = 2^(b - k)
  uint64_t data_bits = 0;
  uint32_t remainder_bits() const { return fp_bits - bucket_bits; }
};

struct DictEntry {
  uint64_t key_count = 0;  // keys using this entry
  DataClassSet classes = 0;
  RoleSet roles = 0;
  uint32_t source_set = 0;
  uint8_t precision = 0;
  uint8_t records = 0;
  uint8_t code_len = 0;  // canonical Huffman code length of this entry
};

// Builds a segment in two passes over the same sorted entries, streaming the
// file to disk: pass 1 (Observe) gathers the statistics that fix the layout,
// pass 2 (Add, or AddAll on several threads) writes. Memory: the payload
// dictionary, one group and the group directory (8 bytes per 64-128 keys);
// AddAll also holds the encoded data section until it is appended.
// REQUIRES: entries in non-decreasing (value, precision) order, the same
// sequence in both passes.
class SegmentBuilder {
 public:
  SegmentBuilder(const KeyId& key_id, uint16_t normalizer_version, const PayloadTable* payloads);
  ~SegmentBuilder();

  // A fresh segment (ingest): once pass 1 has counted n keys, every key is
  // cut to PrecisionFor(n, floor_bits) bits. Without it (compact, merge)
  // each key keeps the precision it comes with. Call before Observe.
  void SetFreshPrecision(uint8_t floor_bits) {
    fresh_ = true;
    floor_bits_ = floor_bits;
  }
  Status Observe(const SegmentEntry& e);
  // Pass 1 in bulk, for callers that know their sorted stream's statistics
  // without reading it: the same as `times` Observe calls with keys having
  // e's precision, payload and records (e.value is ignored; order is the
  // caller's guarantee and only checked, coarsely, by Add).
  Status ObserveMany(const SegmentEntry& e, uint64_t times);
  uint64_t key_count() const { return n_; }
  const SegmentHeaderInfo& header() const { return h_; }
  // Fixes the layout and starts writing `path` aside.
  Status Begin(const std::string& path);
  Status Add(const SegmentEntry& e);

  // Random access to the whole pass-2 sequence, for AddAll.
  class EntryArray {
   public:
    virtual ~EntryArray() = default;
    virtual uint64_t size() const = 0;
    // Writes entries [begin, end) to out[0, end - begin). Called from several
    // threads at once.
    virtual void Get(uint64_t begin, uint64_t end, SegmentEntry* out) const = 0;
  };
  // Pass 2 in one call, on up to `threads` threads: the same file as Add()
  // of every entry of `entries` in order. The groups are split into one
  // contiguous range per thread, each encoded into memory, then appended in
  // order (ingest's serial tail: ~20 ns a key on one core before). Memory:
  // the encoded data section (~5 bytes a key) until Finish.
  // REQUIRES: Begin() done, no Add() before.
  Status AddAll(const EntryArray& entries, int threads);

  // Writes the rest, fsyncs and publishes by rename. Returns the file size.
  Result<uint64_t> Finish();

 private:
  struct DictKey {
    uint32_t payload;
    uint8_t precision;
    uint8_t records;
    bool operator==(const DictKey&) const = default;
    uint64_t packed() const { return (uint64_t{payload} << 16) | (uint64_t{precision} << 8) | records; }
  };
  struct DictKeyHash {
    size_t operator()(const DictKey& k) const {
      return std::hash<uint64_t>{}((uint64_t{k.payload} << 16) | (uint64_t{k.precision} << 8) | k.records);
    }
  };
  struct Slot {
    uint64_t bucket;  // within the group
    uint64_t rem;
    uint32_t code;    // dictionary id
  };
  // The data section's bit stream, LSB first (docs/FORMAT.md "Bit order"):
  // whole 64-bit words in `bytes`, the last bits < 64 in `acc`. Fields are
  // written through FastBits (segment.cpp), a run of them at a time.
  struct BitWriter {
    std::string bytes;
    uint64_t acc = 0;
    unsigned nacc = 0;  // bits in acc
    uint64_t bits = 0;  // written in all
    void PutZeros(uint64_t n);
    void Append(const BitWriter& other);  // other's bits after these
  };
  Status FlushGroup();
  // Appends the group made of `slots` (sorted by bucket) to *w. `unary`:
  // scratch. Const: encoders on other threads share the layout.
  void EncodeGroup(const std::vector<Slot>& slots, std::vector<uint64_t>* unary, BitWriter* w) const;
  Status EmitBits(bool final);
  struct MemoSlot {
    uint64_t key = ~uint64_t{0};  // packed DictKey; never a real one
    uint32_t index = 0;
  };
  static constexpr size_t kMemoSlots = 1024;
  static size_t MemoSlotOf(uint64_t packed) { return (packed * 0x9E3779B97F4A7C15ull) >> 54; }  // 10 bits
  // dict_index_ lookup (insert: add `key` if absent) behind a direct-mapped
  // memo: the same few dictionary keys recur on every entry, and hashing each
  // one in both passes cost ~4% of an ingest.
  uint32_t DictIndex(const DictKey& key, bool insert, bool* found);
  // The lookup alone (pass 2), with the caller's memo (one per thread).
  uint32_t FindDictIndex(const DictKey& key, MemoSlot* memo, bool* found) const;
  // Pass 2's view of one entry: its group and slot. Internal error when the
  // entry was not in pass 1.
  // Inlined: through a call, the slot stored field by field and read back
  // whole stalled store forwarding (~80% of EncodeRange's own time).
  [[gnu::always_inline]] inline Status SlotOf(const SegmentEntry& e, MemoSlot* memo, uint64_t* group, Slot* slot) const;
  uint64_t GroupOf(const SegmentEntry& e) const;
  // Where AddAll's parts start: part t takes entries [first[t], first[t+1])
  // and groups [gfirst[t], gfirst[t+1]); a part starts at a group's first
  // entry, so no group is split.
  void SplitPoints(const EntryArray& entries, uint64_t parts, std::vector<uint64_t>* first,
                   std::vector<uint64_t>* gfirst) const;
  // AddAll's part for one thread: entries [begin, end) into groups
  // [g_begin, g_end) of *w; dir[i]: start of group g_begin + i in *w.
  Status EncodeRange(const EntryArray& entries, uint64_t begin, uint64_t end, uint64_t g_begin, uint64_t g_end,
                     BitWriter* w, std::vector<uint64_t>* dir) const;
  MemoSlot memo_[kMemoSlots];

  KeyId key_id_;
  uint16_t normalizer_version_;
  const PayloadTable* payloads_;
  bool fresh_ = false;
  uint8_t floor_bits_ = 0;
  uint8_t cut_ = 64;  // precision cap (fresh segments)
  // Pass 1.
  uint64_t n_ = 0;
  uint8_t fmax_ = 0, pmin_ = 64;
  SegmentEntry last_{};
  bool have_last_ = false;
  std::unordered_map<DictKey, uint32_t, DictKeyHash> dict_index_;  // -> pass-1 index
  std::vector<DictKey> dict_keys_;
  std::vector<uint64_t> dict_counts_;
  // Layout.
  SegmentHeaderInfo h_;
  std::vector<uint32_t> code_of_;  // pass-1 index -> dictionary id
  std::vector<uint32_t> huff_bits_;  // dictionary id -> code, bit-reversed (LSB first)
  std::vector<uint8_t> huff_len_;    // dictionary id -> code length
  // Pass 2.
  std::unique_ptr<PagedFileWriter> out_;
  uint64_t added_ = 0;
  uint64_t group_ = 0;  // current group
  std::vector<Slot> slots_;
  std::vector<uint64_t> unary_;  // FlushGroup's bucket-size bits
  std::vector<uint64_t> directory_;
  uint64_t data_offset_ = 0;  // logical
  BitWriter data_;  // bits not yet appended to out_ (data_.bits counts all)
  uint32_t max_group_bytes_ = 0;
  uint64_t section_offsets_[format::kSectionTypeCount + 1] = {};
  uint64_t section_lengths_[format::kSectionTypeCount + 1] = {};
};

// Read-only access to one segment file through mmap. Every offset is bounds-
// checked; pages are checksum-verified the first time they are read.
class SegmentReader {
 public:
  // Validates header, footer, section directory, dictionary and source sets;
  // files up to `verify_whole_up_to` bytes are verified entirely (Verify()).
  // `mode`: MappedFile's (kLoad reads the file into memory, for batch).
  static Result<std::unique_ptr<SegmentReader>> Open(const std::string& path,
                                                     uint64_t verify_whole_up_to = format::kVerifyWholeOnOpenBytes,
                                                     MappedFile::Mode mode = MappedFile::Mode::kMap);

  const SegmentHeaderInfo& header() const { return h_; }
  uint64_t file_size() const { return view_->file_size(); }
  uint64_t footer_checksum() const { return footer_checksum_; }
  const std::string& path() const { return view_->path(); }
  const std::vector<DictEntry>& dictionary() const { return dict_; }
  std::span<const uint32_t> SourceSet(uint32_t id) const {
    return {source_ids_.data() + source_index_[id], source_index_[id + 1] - source_index_[id]};
  }
  // Probability that a lookup of an absent key matches: sum of 2^-precision.
  double false_positive_rate() const { return fp_rate_; }
  // Dictionary entry `id` as a Payload (sources, classes, roles).
  Payload PayloadOf(uint32_t id) const;

  struct Hit {
    Payload payload;
    uint32_t count = 0;
  };
  // Every stored key matching `fingerprint`, united; empty when none.
  Result<std::optional<Hit>> Lookup(uint64_t fingerprint) const;
  // The dictionary ids of every stored key matching `fingerprint`, in stored
  // order, appended to *ids (several only in a segment of mixed precision).
  // Allocates nothing once *ids has room. Corruption when the group is damaged.
  // `prefetch`: fetch the whole group at once (overlapping its cache misses);
  // callers that ran PrefetchGroup for it earlier pass false.
  Status LookupIds(uint64_t fingerprint, std::vector<uint32_t>* ids, bool prefetch = true) const;
  // Segments smaller than this stay in cache: prefetching is pure overhead.
  static constexpr uint64_t kPrefetchFromBytes = uint64_t{16} << 20;
  // Hints the CPU to fetch the group a lookup of `fingerprint` reads (its
  // directory entry should have been prefetched with Prefetch some time before).
  void PrefetchGroup(uint64_t fingerprint) const;
  // Hints the kernel to fetch the pages a lookup of `fingerprint` will read first.
  void Prefetch(uint64_t fingerprint) const;

  // Checks every page checksum and every structural invariant.
  Status Verify() const;
  // Checks every page checksum only (Verify's first step).
  Status VerifyPages() const { return view_->VerifyAll(); }

  struct GroupKey {
    uint64_t bucket;  // within the group
    uint64_t rem;
    uint32_t id;
  };
  // Keys in stored order; `payload` of the yielded entries is a dictionary id.
  class Cursor {
   public:
    explicit Cursor(const SegmentReader* r) : r_(r) {}
    Result<bool> Next(SegmentEntry* out);

   private:
    const SegmentReader* r_;
    uint64_t group_ = 0;
    std::vector<SegmentEntry> keys_;
    std::vector<GroupKey> raw_;
    std::vector<char> scratch_;
    size_t i_ = 0;
  };
  Cursor NewCursor() const { return Cursor(this); }

 private:
  struct Section {
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  SegmentReader() = default;
  Status ParseHeader();
  Status ParseFooterAndDirectory();
  Status ParseDictionary();
  Result<std::pair<uint64_t, uint64_t>> GroupRange(uint64_t g) const;
  // GroupRange without a Status, for a view VerifyAll has checked: false when
  // the view is not (yet) verified or the entry fails GroupRange's checks
  // (the caller then calls GroupRange, which reports it).
  bool VerifiedGroupRange(uint64_t g, std::pair<uint64_t, uint64_t>* range) const;
  // Fully decodes group g with every structural check.
  Status DecodeGroup(uint64_t g, std::vector<GroupKey>* out, std::vector<char>* scratch) const;

  std::unique_ptr<PagedView> view_;
  SegmentHeaderInfo h_;
  Section sections_[format::kSectionTypeCount + 1];
  uint64_t footer_checksum_ = 0;
  uint64_t page_digest_ = 0;  // footer: XXH3-64 of the checksums of every page but the last
  uint32_t max_group_bytes_ = 0;
  std::vector<DictEntry> dict_;
  std::vector<uint32_t> source_index_;
  std::vector<uint32_t> source_ids_;
  double fp_rate_ = 0;
  bool mixed_precision_ = false;
  // Payload code decoding (canonical Huffman): a table on the next
  // kFastBits bits, and per-length canonical ranges for longer codes.
  static constexpr unsigned kFastBits = 11;
  unsigned fast_bits_ = 0;
  std::vector<uint32_t> fast_;  // (id << 6) | length; 0: longer code
  uint64_t first_code_[33] = {};
  uint64_t first_index_[33] = {};
  uint64_t count_of_len_[33] = {};
  // Skipping codes (a lookup needs the code of the k-th key of a group, so it
  // passes over the k codes before it): indexed by the next kSkipBits bits,
  // bits 0-3: the whole codes in them (c), bits 4-7: the bits those c codes
  // use, and at bits 4 + 4i (i = 1..kSkipEnds, i <= c) the bits the first i
  // codes use, so that the last step stops exactly after the codes still to
  // skip instead of decoding them one by one. 16 KiB; built at open from
  // the code lengths alone; not stored in the file.
  static constexpr unsigned kSkipBits = 12;  // ends and counts fit in 4 bits
  static constexpr unsigned kSkipEnds = 6;
  std::vector<uint32_t> skip_;
  void BuildSkipTable();
  // The code that `bits` (MSB-first code bits in its low `avail` bits,
  // stream order: LSB first) starts with, by the canonical ranges; false when
  // no code of at most `avail` bits begins there.
  bool DecodeSlow(uint64_t bits, unsigned avail, uint32_t* id, unsigned* len) const;
  // Decodes the payload code at bit `pos` of `g` (limit: group end).
  bool DecodeCode(const PagedRange& g, uint64_t pos, uint64_t limit, uint32_t* id, unsigned* len) const;
  // Skips the `n` codes at *pos and decodes the one after them into *id;
  // *pos advances past it. False when a code is invalid or ends past `limit`.
  bool NextCode(const PagedRange& g, uint64_t* pos, uint64_t limit, uint64_t n, uint32_t* id) const;
};

}  // namespace leakdex
