// Publishing new segments into an index directory (single writer at a time).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "index/manifest.h"
#include "index/segment.h"
#include "leakdex/keyed_hash.h"
#include "leakdex/status.h"

namespace leakdex {

class IndexWriter {
 public:
  // Opens (creating if absent) the index DIR for writing with `key`. Holds an
  // exclusive lock on DIR/LOCK until destroyed; removes temp files left by a
  // crashed writer. KeyError if DIR was built with another key.
  static Result<std::unique_ptr<IndexWriter>> Open(const std::string& dir, const MasterKey& key);
  ~IndexWriter();

  const Manifest& manifest() const { return manifest_; }
  const std::string& dir() const { return dir_; }
  // The id of source `name`, allocated (not yet published) if new.
  uint32_t SourceIdFor(const std::string& name);
  // True if the key is already stored with `source_id` (re-ingest adds nothing).
  Result<bool> HasKeyFromSource(uint64_t fingerprint, uint32_t source_id) const;

  // Writes `segment` (if it holds any key) and a manifest that adds it and
  // folds `delta` into the source's totals. Nothing is visible until the
  // manifest rename; on failure the previous index is untouched.
  Status Publish(SegmentBuilder* segment, const SourceInfo& delta);
  // Replaces every segment by `segment` (compaction). Old files are removed
  // after the new manifest is published.
  std::string NextSegmentPath();

 private:
  IndexWriter() = default;
  std::string dir_;
  int lock_fd_ = -1;
  Manifest manifest_;
  std::vector<std::unique_ptr<SegmentReader>> segments_;
};

}  // namespace leakdex
