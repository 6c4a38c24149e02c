// Publishing new segments into an index directory (single writer at a time).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "index/manifest.h"
#include "index/segment.h"
#include "leakdex/index.h"
#include "leakdex/keyed_hash.h"
#include "leakdex/status.h"

namespace leakdex {

class TagSorter;

class IndexWriter {
 public:
  // Opens (creating if absent) the index DIR for writing with `key`. Holds an
  // exclusive lock on DIR/LOCK until destroyed; removes temp files and
  // unpublished segment files left by a crashed writer. KeyError if DIR was
  // built with another key.
  static Result<std::unique_ptr<IndexWriter>> Open(const std::string& dir, const MasterKey& key);
  // Opens an existing index for maintenance (compaction): needs no key, as
  // nothing new is keyed.
  static Result<std::unique_ptr<IndexWriter>> OpenExisting(const std::string& dir);
  ~IndexWriter();

  const Manifest& manifest() const { return manifest_; }
  const std::string& dir() const { return dir_; }
  // The id of source `name`, allocated (not yet published) if new.
  uint32_t SourceIdFor(const std::string& name);
  // True if the key is already stored with `source_id` (re-ingest adds nothing).
  Result<bool> HasKeyFromSource(uint64_t fingerprint, uint32_t source_id) const;
  // True if some segment stores a key with `source_id` (false: HasKeyFromSource
  // is false for every key).
  bool SourceIndexed(uint32_t source_id) const;

  // Builds a new segment from the sorted entries of source `delta.name`
  // (skipping keys the source already has), storing
  // PrecisionFor(new keys, max(precision_floor, the manifest's)) fingerprint
  // bits, and publishes it with `delta` folded into the source's totals.
  // Publishes nothing when no key is new. Nothing is visible until the
  // manifest rename; on failure the previous index is untouched.
  Status PublishFromSorter(TagSorter* sorted, const SourceInfo& delta, uint8_t precision_floor, uint64_t* keys_new);
  // Replaces every segment by one merged segment (leakdex compact).
  Status Compact(CompactReport* report);

  std::string NextSegmentPath() const;

 private:
  IndexWriter() = default;
  Status Lock();
  Status LoadExisting();
  // Writes `next` as the new manifest and adopts it.
  Status PublishManifest(Manifest next);
  // Removes segment files the manifest does not name (left by a crash between
  // writing a segment and publishing, or between publishing and deleting).
  void RemoveUnreferencedSegments();

  std::string dir_;
  int lock_fd_ = -1;
  Manifest manifest_;
  std::vector<std::unique_ptr<SegmentReader>> segments_;
};

// ---- Shared by compact and merge ----------------------------------------------

// One input segment of a merge, with the renumbering of its source ids
// (empty: ids kept).
struct MergeInput {
  const SegmentReader* segment = nullptr;
  std::vector<uint32_t> source_map;  // old id -> new id; UINT32_MAX: unknown
};

// Writes one segment holding every key of `inputs`, keys whose stored
// fingerprint bits lie within another's stored once (payloads united, record
// counts added). Returns the file size; *keys_out the key count.
Result<uint64_t> WriteMergedSegment(const std::vector<MergeInput>& inputs, const KeyId& key_id,
                                    uint16_t normalizer_version, const std::string& path, uint64_t* keys_out);

// Guards a segment file written for a publication (ingest, compact, merge):
// unless Done() is called, the destructor removes the file at `path` if the
// MANIFEST of `dir` does not name it. A failure after the segment's rename (the
// MANIFEST write, a directory fsync) thus leaves no stray segment behind, while
// a failure after the MANIFEST's own rename (its directory fsync) keeps the
// segment the new index names (issue 7: faults leave the old index or the new).
class SegmentPublication {
 public:
  SegmentPublication(std::string dir, std::string path) : dir_(std::move(dir)), path_(std::move(path)) {}
  SegmentPublication(const SegmentPublication&) = delete;
  SegmentPublication& operator=(const SegmentPublication&) = delete;
  ~SegmentPublication();
  void Done() { done_ = true; }

 private:
  std::string dir_;
  std::string path_;
  bool done_ = false;
};

// Segment file name for number n: seg-000001.ldx.
std::string SegmentFileName(uint32_t n);
// Opens every segment the manifest names and checks it is the very file named.
Result<std::vector<std::unique_ptr<SegmentReader>>> OpenSegments(const std::string& dir, const Manifest& m,
                                                                 MappedFile::Mode mode = MappedFile::Mode::kMap);

}  // namespace leakdex
