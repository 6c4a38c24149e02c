// On-disk constants of the leakdex index. See docs/FORMAT.md, which this
// header mirrors name for name. Numbers here are written to disk: never
// renumber, never reuse a retired value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace leakdex::format {

// ---- Versions -------------------------------------------------------------
inline constexpr uint16_t kFormatMajor = 1;  // readers refuse any other major
inline constexpr uint16_t kFormatMinor = 0;  // readers accept newer minors

// ---- Directory layout -----------------------------------------------------
inline constexpr std::string_view kManifestName = "MANIFEST";
inline constexpr std::string_view kSegmentPrefix = "seg-";    // seg-000001.ldx
inline constexpr std::string_view kSegmentSuffix = ".ldx";
inline constexpr std::string_view kLockName = "LOCK";

// ---- Manifest -------------------------------------------------------------
inline constexpr std::string_view kManifestMagic{"LDXMANI\x1a", 8};
inline constexpr size_t kManifestTrailerSize = 16;  // u64 checksum + magic

// ---- Segment file ---------------------------------------------------------
inline constexpr std::string_view kSegmentMagic{"LDXSEG\r\x1a", 8};
inline constexpr size_t kSegmentHeaderSize = 64;
inline constexpr size_t kSegmentFooterSize = 64;
inline constexpr uint32_t kBlockShift = 16;  // body checksummed in 64 KiB blocks
inline constexpr size_t kBlockSize = size_t{1} << kBlockShift;
inline constexpr uint8_t kMaxBucketBits = 32;
// Segments up to this size are fully verified when opened for lookups.
inline constexpr size_t kVerifyWholeOnOpenBytes = 4u << 20;
inline constexpr uint32_t kRecordCountMax = 255;  // per-key count saturates (u8)

// Required-feature flags (header.required_flags): a reader refuses unknown bits.
inline constexpr uint32_t kKnownRequiredFlags = 0;

// Section types in the section directory.
enum class SectionType : uint32_t {
  kBuckets = 1,       // u64[2^bucket_bits + 1]: first key index of each bucket
  kFingerprints = 2,  // u64[key_count], strictly ascending
  kPayloadRefs = 3,   // u32[key_count]: payload id of each key
  kCounts = 4,        // u8[key_count]: saturating record count of each key
  kPayloadOffsets = 5,// u32[payload_count + 1]: byte offsets into kPayloads
  kPayloads = 6,      // payload entries (docs/FORMAT.md "Payload entry")
};
inline constexpr size_t kSectionEntrySize = 24;  // type u32, reserved u32, offset u64, length u64

}  // namespace leakdex::format
