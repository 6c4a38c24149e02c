// The index directory: a manifest naming immutable segments and sources
// (docs/FORMAT.md). Readers see a consistent snapshot: the manifest is
// replaced atomically and segments are never rewritten in place.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "leakdex/identity.h"
#include "leakdex/keyed_hash.h"
#include "leakdex/status.h"

namespace leakdex {

// One ingested source, as recorded in the manifest.
struct SourceInfo {
  uint32_t id = 0;
  std::string name;
  uint64_t records = 0;          // records read
  uint64_t records_indexed = 0;  // records that gave at least one key
  uint64_t persons = 0;
  uint64_t keys = 0;             // keys this source emitted (before deduplication)
  DataClassSet data_classes = 0;
  uint64_t ingested_at = 0;      // Unix seconds of the last ingest into it
};

// What the index knows about one key, across every segment.
struct KeyExposure {
  std::vector<std::string> sources;  // names, sorted
  DataClassSet classes = 0;
  RoleSet roles = 0;
  uint32_t records = 0;  // saturating count of records the key appeared in
};

// A key's exposure as Index::LookupRefs answers it, without copying source
// names: `sources` points at a sorted list of names the Index owns, valid
// while the Index lives; null when the key is absent.
struct ExposureRef {
  const std::vector<std::string>* sources = nullptr;
  DataClassSet classes = 0;
  RoleSet roles = 0;
  uint32_t records = 0;
  bool found() const { return sources != nullptr; }
};

struct IndexStats {
  uint64_t keys = 0;      // stored keys summed over segments
  uint64_t bytes = 0;     // every file of the index
  uint32_t segments = 0;
  // Probability that looking up an absent key reports a match: the sum over
  // stored keys of 2^-(fingerprint bits stored) (docs/FORMAT.md).
  double false_positive_rate = 0;
  uint16_t format_major = 0;
  uint16_t format_minor = 0;
  uint16_t normalizer_version = 0;
};

class Index {
 public:
  struct OpenOptions {
    // Segments are read into memory (transparent huge pages) instead of
    // mapped when the index's segment files total at most this many bytes.
    // For long runs of random lookups (batch): a 4 KiB mapping costs a TLB
    // miss on nearly every lookup of a large index. 0: always mapped.
    uint64_t load_up_to_bytes = 0;
  };
  // Opens DIR read-only. Corruption/NotSupported (exit 4) for a missing,
  // damaged or foreign-version index, naming the file and offset.
  static Result<std::unique_ptr<Index>> Open(const std::string& dir);
  static Result<std::unique_ptr<Index>> Open(const std::string& dir, const OpenOptions& options);
  ~Index();

  const KeyId& key_id() const;
  // KeyError (exit 5) unless `key` is the key this index was built with.
  Status CheckKey(const MasterKey& key) const;
  const std::vector<SourceInfo>& sources() const;
  IndexStats Stats() const;

  // Looks a tag up in every segment; empty when absent.
  Result<std::optional<KeyExposure>> Lookup(const Tag& tag) const;
  // Looks many tags up at once: (*out)[i] answers tags[i], exactly as
  // Lookup(tags[i]) would. Prefetches the index lines of the tags a few
  // places ahead, so their cache misses overlap, and takes a batch dense
  // enough to share groups of a large index in fingerprint order: faster
  // than Lookup() in a loop. Thread-safe.
  Status LookupMany(std::span<const Tag> tags, std::vector<std::optional<KeyExposure>>* out) const;
  // LookupMany answering with references: no name is copied and no answer
  // allocates, for callers looking up millions of keys (batch) that read the
  // answers while the Index lives. Thread-safe.
  Status LookupRefs(std::span<const Tag> tags, std::vector<ExposureRef>* out) const;
  // Every checksum and structural invariant of every file.
  Status Verify() const;

  struct Impl;

 private:
  explicit Index(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The part of a tag stored in segments (docs/FORMAT.md "Fingerprint").
inline uint64_t FingerprintOf(const Tag& tag) { return tag.lo; }

// leakdex compact DIR: merges every segment of DIR into one and publishes it
// (old segment files are removed only after the new manifest is). Keys with
// the same fingerprint are stored once, their payloads united.
struct CompactReport {
  uint32_t segments_before = 0;
  uint64_t keys_before = 0;
  uint64_t keys_after = 0;
  uint64_t bytes_before = 0;
  uint64_t bytes_after = 0;
  double seconds = 0;
};
Status CompactIndex(const std::string& dir, CompactReport* report);

// leakdex merge OUT DIR...: one index from indexes built separately with the
// same key. Sources are united by name (counts added, newest ingest time),
// source ids renumbered by name, every key stored once. The result depends
// only on the set of inputs (any order, any grouping: same bytes). OUT must
// not hold an index yet.
struct MergeReport {
  uint32_t inputs = 0;
  uint32_t segments_in = 0;
  uint64_t keys_in = 0;
  uint64_t keys_out = 0;
  uint64_t bytes_out = 0;
  double seconds = 0;
};
Status MergeIndexes(const std::string& out_dir, const std::vector<std::string>& inputs, MergeReport* report);

}  // namespace leakdex
