// External-memory sorter for ingest: (fingerprint, payload) entries in, one
// sorted stream with duplicates merged out, in bounded memory.
//
// Entries are buffered up to the memory budget, sorted (two-level radix on
// the fingerprint, MSD then LSD, on TagSorterOptions::threads threads),
// duplicates merged, and spilled as a "run" file inside the index directory.
// Finish() merges runs down to at most the fan-in the budget allows; Open()
// then k-way merges the remaining runs into one sorted stream, merging entries
// of equal fingerprint (class and role sets united, counts added, saturating).
// Open() may be called more than once: each stream re-reads the runs (the
// segment builder needs two passes).
//
// Spill files hold fingerprints, interned payload numbers and counts only,
// never an input value (SPEC P1). They are named "sort-<run>.tmp-<pid>"
// (docs/FORMAT.md "Temporary files"): removed by the destructor on success
// and failure, and by IndexWriter::Open after a crash.
//
// Determinism: the stream is a function of the multiset of entries added,
// whatever the memory budget or the order of Add() calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "leakdex/identity.h"
#include "leakdex/status.h"

namespace leakdex {

struct TagEntry {
  uint64_t fingerprint = 0;
  DataClassSet classes = 0;
  RoleSet roles = 0;
  uint32_t count = 1;  // records; saturates at kTagCountMax
  // Output only (ignored by Add): the sorter's number for (classes, roles),
  // dense and stable for the sorter's life, so a consumer can map payloads
  // through a vector instead of hashing them for every entry.
  uint32_t payload = 0;
};
inline constexpr uint32_t kTagCountMax = 0xFFFFFFF0u;

struct TagSorterOptions {
  std::string dir;                     // where run files go (the index directory)
  uint64_t memory_bytes = 1ull << 30;  // bound on the sorter's buffers
  int threads = 1;                     // threads that sort a full buffer
};

class TagSorter {
 public:
  explicit TagSorter(TagSorterOptions options);
  ~TagSorter();  // removes every run file
  TagSorter(const TagSorter&) = delete;
  TagSorter& operator=(const TagSorter&) = delete;

  // Not thread-safe: one producer (or callers serialise).
  Status Add(const TagEntry& e);
  // Adds n entries; the same as n calls of Add, cheaper.
  Status Add(const TagEntry* entries, size_t n);
  // No more Add(). Spills the last buffer if runs exist, and pre-merges runs
  // until at most the fan-in remain.
  Status Finish();

  class Stream {
   public:
    virtual ~Stream() = default;
    // Next entry in ascending fingerprint order (each fingerprint once);
    // false at the end.
    virtual Result<bool> Next(TagEntry* out) = 0;
  };
  // REQUIRES: Finish() succeeded.
  Result<std::unique_ptr<Stream>> Open() const;

  uint64_t entries_added() const { return added_; }
  uint64_t runs_spilled() const { return runs_spilled_; }
  uint64_t bytes_spilled() const { return bytes_spilled_; }

  // How many entries of the merged stream have each (payload number,
  // min(count, kStreamCountCap)), when known without reading the stream:
  // everything fit in memory and the payloads were few. Lets a consumer
  // gather per-payload statistics without a pass over the stream. REQUIRES:
  // Finish() succeeded. nullopt when unknown.
  static constexpr uint32_t kStreamCountCap = 255;
  struct PayloadCount {
    uint32_t payload;
    uint32_t count;    // min(entry count, kStreamCountCap)
    uint64_t entries;  // stream entries with this payload and count
  };
  std::optional<std::vector<PayloadCount>> StreamCounts() const;

  // Entries that fit in memory before a spill (for tests and reports).
  size_t buffer_capacity() const { return capacity_; }

  struct Packed {  // in-memory entry: 16 bytes
    uint64_t fp;
    uint32_t payload;  // index into payloads_
    uint32_t count;
  };
  // Fixed-capacity array of Packed in anonymous memory, reserved whole up
  // front (address space only; pages are faulted in as they are written):
  // a growing std::vector copied the buffer at each doubling and faulted in
  // fresh 4 KiB pages each time (~40 MB copied and ~80 MB faulted for
  // 2.4M entries).
  class PackedArray {
   public:
    PackedArray() = default;
    ~PackedArray();
    PackedArray(const PackedArray&) = delete;
    PackedArray& operator=(const PackedArray&) = delete;
    Status Reserve(size_t capacity);  // once; no-op when already reserved
    void Release();                   // returns the memory
    Packed* data() { return data_; }
    const Packed* data() const { return data_; }
    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }
    bool empty() const { return size_ == 0; }
    void push_back(const Packed& p) { data_[size_++] = p; }  // REQUIRES: size() < capacity()
    void resize(size_t n) { size_ = n; }                      // REQUIRES: n <= capacity()
    void clear() { size_ = 0; }

   private:
    Packed* data_ = nullptr;
    size_t size_ = 0;
    size_t capacity_ = 0;
    size_t bytes_ = 0;
  };
  struct PayloadKey {
    DataClassSet classes;
    RoleSet roles;
    bool operator==(const PayloadKey&) const = default;
  };
  // The (classes, roles) of payload number `payload` (as in TagEntry::payload).
  const PayloadKey& PayloadOf(uint32_t payload) const { return payloads_[payload]; }

  // The merged stream as an array, when it stayed in memory (no run was
  // spilled): what Open() would yield, for consumers that split it among
  // threads. Payloads are numbers (PayloadOf). REQUIRES: Finish() succeeded.
  std::optional<std::span<const Packed>> InMemory() const;
  int threads() const { return options_.threads; }

 private:
  struct PayloadHash {
    size_t operator()(const PayloadKey& k) const;
  };
  uint32_t Intern(DataClassSet classes, RoleSet roles);
  // Intern with a one-entry memo: the keys of one person, added one after
  // the other, share their payload.
  uint32_t InternCached(DataClassSet classes, RoleSet roles) {
    if (classes != last_key_.classes || roles != last_key_.roles || last_id_ == UINT32_MAX) {
      last_key_ = PayloadKey{classes, roles};
      last_id_ = Intern(classes, roles);
    }
    return last_id_;
  }
  uint32_t Union(uint32_t a, uint32_t b);
  // `tally`: also count the merged entries by (payload, capped count) into
  // tally_ (the last buffer, kept in memory).
  Status SortAndMergeBuffer(bool tally = false);
  Status SpillBuffer();
  Status MergeRuns(size_t first, size_t count);  // into one new run
  std::string RunPath(uint64_t number) const;

  TagSorterOptions options_;
  size_t capacity_ = 0;
  size_t chunk_bytes_ = 0;  // run file chunk (read buffer per run)
  size_t fan_in_ = 0;
  PackedArray buffer_;
  PackedArray scratch_;
  std::vector<uint64_t> tally_;  // [payload * (cap + 1) + capped count] -> entries
  bool tally_valid_ = false;
  PayloadKey last_key_{};
  uint32_t last_id_ = UINT32_MAX;
  std::vector<PayloadKey> payloads_;
  std::unordered_map<PayloadKey, uint32_t, PayloadHash> payload_ids_;
  std::vector<std::string> runs_;                  // live run files, oldest first
  uint64_t next_run_ = 0;
  uint64_t added_ = 0;
  uint64_t runs_spilled_ = 0;
  uint64_t bytes_spilled_ = 0;
  bool finished_ = false;

  friend class RunMergeStream;
};

// Sorts v[0, n) by fingerprint (not stable); `tmp` holds n entries of
// scratch; up to `threads` threads. Exposed for tests.
void SortByFingerprint(TagSorter::Packed* v, TagSorter::Packed* tmp, size_t n, int threads);

}  // namespace leakdex
