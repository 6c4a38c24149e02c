// Segment files: one immutable, checksummed table of key fingerprints and
// their payloads (docs/FORMAT.md "Segment file").
#pragma once

#include <atomic>
#include <cstring>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "file_io.h"
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

struct SegmentHeaderInfo {
  KeyId key_id{};
  uint16_t normalizer_version = 0;
  uint16_t format_minor = 0;
  uint64_t key_count = 0;
  uint32_t payload_count = 0;
  uint8_t bucket_bits = 0;
};

// Builds a segment in memory and writes it atomically.
// REQUIRES: Add() calls in strictly ascending fingerprint order.
class SegmentBuilder {
 public:
  SegmentBuilder(const KeyId& key_id, uint16_t normalizer_version);
  void Add(uint64_t fingerprint, const Payload& payload, uint32_t count);
  uint64_t key_count() const { return fingerprints_.size(); }
  // Writes the file aside and renames it to `path`. Returns its size in bytes.
  Result<uint64_t> Finish(const std::string& path);

 private:
  std::string Encode() const;
  KeyId key_id_;
  uint16_t normalizer_version_;
  std::vector<uint64_t> fingerprints_;
  std::vector<uint32_t> refs_;
  std::vector<uint8_t> counts_;
  std::map<Payload, uint32_t> payload_ids_;
  std::vector<const Payload*> payloads_;  // by id; points into payload_ids_ keys
};

// Read-only access to one segment file through mmap. Every offset is bounds-
// checked; body blocks are checksum-verified the first time they are read.
class SegmentReader {
 public:
  // Validates footer, header, section directory and block checksum table.
  static Result<std::unique_ptr<SegmentReader>> Open(const std::string& path);

  const SegmentHeaderInfo& header() const { return header_; }
  uint64_t file_size() const { return file_.bytes().size(); }
  uint64_t footer_checksum() const { return footer_checksum_; }
  const std::string& path() const { return file_.path(); }

  struct Hit {
    Payload payload;
    uint32_t count = 0;
  };
  // NotFound-free: an absent key is an empty optional; Corruption if a block is bad.
  Result<std::optional<Hit>> Lookup(uint64_t fingerprint) const;

  // Checks every block checksum and every structural invariant.
  Status Verify() const;
  // Calls fn(fingerprint, payload, count) for every key in ascending order.
  template <typename Fn>
  Status ForEach(Fn&& fn) const;

 private:
  struct Section {
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  SegmentReader() = default;
  Status ParseFooterAndDirectory();
  Status ParseHeader();
  Status CheckSectionSizes() const;
  Status VerifyBlocks(uint64_t offset, uint64_t length) const;  // of the body
  Status VerifyAllBlocks() const;
  Result<Payload> ReadPayload(uint32_t id) const;
  Status Corrupt(uint64_t offset, const std::string& what) const;
  const char* at(uint64_t offset) const { return file_.bytes().data() + offset; }

  MappedFile file_;
  SegmentHeaderInfo header_;
  Section sections_[7];  // by SectionType number
  uint64_t body_end_ = 0;        // == offset of the block checksum table
  uint64_t footer_checksum_ = 0;
  const char* block_checksums_ = nullptr;
  uint64_t block_count_ = 0;
  std::unique_ptr<std::atomic<uint8_t>[]> verified_;  // per body block: 1 once verified
};

template <typename Fn>
Status SegmentReader::ForEach(Fn&& fn) const {
  LEAKDEX_RETURN_IF_ERROR(VerifyAllBlocks());
  const char* fps = at(sections_[2].offset);
  const char* refs = at(sections_[3].offset);
  const char* counts = at(sections_[4].offset);
  std::vector<std::optional<Payload>> cache(header_.payload_count);
  for (uint64_t i = 0; i < header_.key_count; ++i) {
    uint32_t ref;
    std::memcpy(&ref, refs + i * 4, 4);
    if (ref >= header_.payload_count) return Corrupt(sections_[3].offset + i * 4, "payload id out of range");
    if (!cache[ref]) {
      auto p = ReadPayload(ref);
      if (!p.ok()) return p.status();
      cache[ref] = std::move(p.value());
    }
    uint64_t fp;
    std::memcpy(&fp, fps + i * 8, 8);
    fn(fp, *cache[ref], static_cast<uint32_t>(static_cast<uint8_t>(counts[i])));
  }
  return Status::Ok();
}

}  // namespace leakdex
