// The MANIFEST file: which segments and sources make up the index now.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "leakdex/index.h"
#include "leakdex/keyed_hash.h"
#include "leakdex/status.h"

namespace leakdex {

struct SegmentRef {
  std::string name;  // file name inside the index directory
  uint64_t file_size = 0;
  uint64_t footer_checksum = 0;  // pins the exact file: a swapped segment is detected
  uint64_t key_count = 0;
};

struct Manifest {
  KeyId key_id{};
  uint16_t normalizer_version = 0;
  // Fewest fingerprint bits a new segment stores (from --expected-keys; 0:
  // by segment size). Partitions of a large index set it so the merged
  // index keeps a false-positive rate of 1e-9 (docs/SCALING.md).
  uint8_t precision_floor = 0;
  uint64_t generation = 0;  // +1 on every publication
  uint32_t next_segment_number = 1;
  uint32_t next_source_id = 0;
  std::vector<SegmentRef> segments;
  std::vector<SourceInfo> sources;

  std::string Encode() const;
  // `path` only names the file in errors.
  static Result<Manifest> Decode(std::string_view bytes, const std::string& path);
  const SourceInfo* FindSource(std::string_view name) const;
  SourceInfo* FindSource(std::string_view name);
};

std::string ManifestPath(const std::string& dir);
// The status for a directory without a MANIFEST: IndexMissing, saying whether
// the directory exists at all (a typo in --index or $LEAKDEX_INDEX is the
// usual cause) and what to do; never "corrupt", which would send users to
// their backups for nothing.
Status MissingIndex(const std::string& dir);
Result<Manifest> ReadManifest(const std::string& dir);
// Atomically replaces DIR/MANIFEST.
Status WriteManifest(const std::string& dir, const Manifest& m);

}  // namespace leakdex
