// On-disk constants of the leakdex index. See docs/FORMAT.md, which this
// header mirrors name for name. Numbers here are written to disk: never
// renumber, never reuse a retired value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace leakdex::format {

// ---- Versions -------------------------------------------------------------
// 2.0: compact segments (bucketed remainders, dictionary-coded payload,
// self-checksummed 4 KiB pages). Version 1 is retired (pre-release).
inline constexpr uint16_t kFormatMajor = 2;  // readers refuse any other major
inline constexpr uint16_t kFormatMinor = 0;  // readers accept newer minors

// ---- Directory layout -----------------------------------------------------
inline constexpr std::string_view kManifestName = "MANIFEST";
inline constexpr std::string_view kSegmentPrefix = "seg-";    // seg-000001.ldx
inline constexpr std::string_view kSegmentSuffix = ".ldx";
inline constexpr std::string_view kLockName = "LOCK";
// Temporary files contain this; writers delete them when they open an index.
inline constexpr std::string_view kTempMarker = ".tmp-";      // "<name>.tmp-<pid>"
inline constexpr std::string_view kSortRunPrefix = "sort-";   // sort-<n>.tmp-<pid>

// ---- Manifest -------------------------------------------------------------
inline constexpr std::string_view kManifestMagic{"LDXMANI\x1a", 8};
inline constexpr size_t kManifestTrailerSize = 16;  // u64 checksum + magic

// ---- Segment file ---------------------------------------------------------
inline constexpr std::string_view kSegmentMagic{"LDXSEG\r\x1a", 8};
// The file is a sequence of pages; each ends with the XXH3-64 of its content,
// seeded with (salt + page number).
inline constexpr uint32_t kPageShift = 12;
inline constexpr size_t kPageSize = size_t{1} << kPageShift;    // 4096
inline constexpr size_t kPageTrailerSize = 8;
inline constexpr size_t kPageContent = kPageSize - kPageTrailerSize;  // 4088
inline constexpr size_t kSegmentHeaderSize = 128;  // at logical offset 0
inline constexpr size_t kSegmentFooterSize = 64;   // the last logical bytes
inline constexpr size_t kSectionEntrySize = 24;    // type u32, reserved u32, offset u64, length u64
// Segments up to this size are fully verified when opened for lookups.
inline constexpr size_t kVerifyWholeOnOpenBytes = 4u << 20;

// Layout limits a reader enforces.
inline constexpr uint8_t kMaxBucketBits = 40;
inline constexpr uint8_t kMaxGroupBits = 20;
inline constexpr uint8_t kMaxCodeBits = 32;
inline constexpr uint8_t kMinPrecision = 1;

// Per-key record count saturates here (u8 in the dictionary entry).
inline constexpr uint32_t kRecordCountMax = 255;
// Target per-lookup false-positive rate of a freshly built segment:
// fingerprint bits F = ceil(log2(n / kTargetFalsePositiveRate)), at most 64.
inline constexpr double kTargetFalsePositiveRate = 1e-9;
inline constexpr uint64_t kTargetFalsePositiveInverse = 1000000000;  // 1 / rate

// Required-feature flags (header.required_flags): a reader refuses unknown bits.
inline constexpr uint32_t kKnownRequiredFlags = 0;

// Section types in the section directory.
enum class SectionType : uint32_t {
  kDictionary = 1,      // D payload dictionary entries (varints, docs/FORMAT.md)
  kSourceSetIndex = 2,  // u32[S + 1]: start of each source set in kSourceSetIds
  kSourceSetIds = 3,    // u32[]: source ids, each set ascending
  kGroupData = 4,       // bit stream of groups, then 8 zero bytes
  kGroupDirectory = 5,  // u64[G + 1]: bit offset of each group in kGroupData
};
inline constexpr int kSectionTypeCount = 5;

}  // namespace leakdex::format
