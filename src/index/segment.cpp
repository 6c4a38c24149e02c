#include "index/segment.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "coding.h"
#include "leakdex/index_format.h"

namespace leakdex {
namespace {

using format::SectionType;

constexpr int kSectionCount = 6;
constexpr SectionType kSectionOrder[kSectionCount] = {
    SectionType::kBuckets,        SectionType::kFingerprints, SectionType::kPayloadRefs,
    SectionType::kCounts,         SectionType::kPayloadOffsets, SectionType::kPayloads};

uint64_t Checksum(const char* p, size_t n) { return XXH3_64bits(p, n); }

// ~8 keys per bucket: the bucket table costs about one byte per key and a
// lookup binary-searches one or two cache lines.
uint8_t BucketBitsFor(uint64_t n) {
  if (n < 16) return 0;
  int bits = std::bit_width(n - 1) - 3;
  return static_cast<uint8_t>(std::clamp(bits, 0, 28));
}

uint64_t BucketOf(uint64_t fp, uint8_t bits) { return bits == 0 ? 0 : fp >> (64 - bits); }

void PadTo8(std::string* out) {
  while (out->size() % 8 != 0) out->push_back('\0');
}

}  // namespace

void Payload::Merge(const Payload& other) {
  classes |= other.classes;
  roles |= other.roles;
  std::vector<uint32_t> merged;
  merged.reserve(sources.size() + other.sources.size());
  std::set_union(sources.begin(), sources.end(), other.sources.begin(), other.sources.end(),
                 std::back_inserter(merged));
  sources = std::move(merged);
}

// ---- Builder ----------------------------------------------------------------

SegmentBuilder::SegmentBuilder(const KeyId& key_id, uint16_t normalizer_version)
    : key_id_(key_id), normalizer_version_(normalizer_version) {}

void SegmentBuilder::Add(uint64_t fingerprint, const Payload& payload, uint32_t count) {
  auto [it, inserted] = payload_ids_.try_emplace(payload, static_cast<uint32_t>(payloads_.size()));
  if (inserted) payloads_.push_back(&it->first);
  fingerprints_.push_back(fingerprint);
  refs_.push_back(it->second);
  counts_.push_back(static_cast<uint8_t>(std::min(count, format::kRecordCountMax)));
}

std::string SegmentBuilder::Encode() const {
  const uint64_t n = fingerprints_.size();
  const uint8_t bucket_bits = BucketBitsFor(n);
  std::string out(format::kSegmentHeaderSize, '\0');
  uint64_t section_offsets[kSectionCount];
  uint64_t section_lengths[kSectionCount];
  auto begin_section = [&](int i) { PadTo8(&out); section_offsets[i] = out.size(); };
  auto end_section = [&](int i) { section_lengths[i] = out.size() - section_offsets[i]; };

  begin_section(0);  // buckets: first key index of each bucket, plus n
  const uint64_t buckets = uint64_t{1} << bucket_bits;
  uint64_t key = 0;
  for (uint64_t b = 0; b <= buckets; ++b) {
    while (key < n && BucketOf(fingerprints_[key], bucket_bits) < b) ++key;
    PutFixed64(&out, b == buckets ? n : key);
  }
  end_section(0);
  begin_section(1);
  for (uint64_t fp : fingerprints_) PutFixed64(&out, fp);
  end_section(1);
  begin_section(2);
  for (uint32_t r : refs_) PutFixed32(&out, r);
  end_section(2);
  begin_section(3);
  out.append(reinterpret_cast<const char*>(counts_.data()), counts_.size());
  end_section(3);
  std::string payload_bytes;
  begin_section(4);
  for (const Payload* p : payloads_) {
    PutFixed32(&out, static_cast<uint32_t>(payload_bytes.size()));
    PutFixed64(&payload_bytes, p->classes);
    PutFixed32(&payload_bytes, p->roles);
    PutFixed32(&payload_bytes, static_cast<uint32_t>(p->sources.size()));
    for (uint32_t s : p->sources) PutFixed32(&payload_bytes, s);
  }
  PutFixed32(&out, static_cast<uint32_t>(payload_bytes.size()));
  end_section(4);
  begin_section(5);
  out += payload_bytes;
  end_section(5);
  PadTo8(&out);

  // Block checksum table over the body [header end, here).
  const uint64_t body_end = out.size();
  std::string table;
  for (uint64_t off = format::kSegmentHeaderSize; off < body_end; off += format::kBlockSize) {
    uint64_t len = std::min<uint64_t>(format::kBlockSize, body_end - off);
    PutFixed64(&table, Checksum(out.data() + off, len));
  }
  out += table;
  const uint64_t directory_offset = out.size();
  std::string directory;
  for (int i = 0; i < kSectionCount; ++i) {
    PutFixed32(&directory, static_cast<uint32_t>(kSectionOrder[i]));
    PutFixed32(&directory, 0);
    PutFixed64(&directory, section_offsets[i]);
    PutFixed64(&directory, section_lengths[i]);
  }
  out += directory;

  std::string footer;
  PutFixed64(&footer, directory_offset);
  PutFixed32(&footer, kSectionCount);
  PutFixed32(&footer, format::kBlockShift);
  PutFixed64(&footer, body_end);
  PutFixed64(&footer, Checksum(table.data(), table.size()));
  PutFixed64(&footer, Checksum(directory.data(), directory.size()));
  PutFixed64(&footer, out.size() + format::kSegmentFooterSize);
  footer += format::kSegmentMagic;
  PutFixed64(&footer, Checksum(footer.data(), footer.size()));
  out += footer;

  // Header last: it names counts known only now.
  std::string header;
  header += format::kSegmentMagic;
  PutFixed16(&header, format::kFormatMajor);
  PutFixed16(&header, format::kFormatMinor);
  PutFixed32(&header, 0);  // required flags
  PutFixed16(&header, normalizer_version_);
  PutFixed8(&header, bucket_bits);
  PutFixed8(&header, 0);
  PutFixed32(&header, static_cast<uint32_t>(payloads_.size()));
  header.append(reinterpret_cast<const char*>(key_id_.data()), key_id_.size());
  PutFixed64(&header, n);
  PutFixed64(&header, 0);
  PutFixed64(&header, Checksum(header.data(), header.size()));
  std::memcpy(out.data(), header.data(), format::kSegmentHeaderSize);
  return out;
}

Result<uint64_t> SegmentBuilder::Finish(const std::string& path) {
  std::string bytes = Encode();
  LEAKDEX_RETURN_IF_ERROR(WriteFileAtomically(path, bytes));
  return static_cast<uint64_t>(bytes.size());
}

// ---- Reader -----------------------------------------------------------------

Status SegmentReader::Corrupt(uint64_t offset, const std::string& what) const {
  return Status::Corruption(path() + ": offset " + std::to_string(offset) + ": " + what);
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(const std::string& path) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  LEAKDEX_ASSIGN_OR_RETURN(r->file_, MappedFile::Open(path));
  LEAKDEX_RETURN_IF_ERROR(r->ParseFooterAndDirectory());
  LEAKDEX_RETURN_IF_ERROR(r->ParseHeader());
  LEAKDEX_RETURN_IF_ERROR(r->CheckSectionSizes());
  if (r->file_size() <= format::kVerifyWholeOnOpenBytes) LEAKDEX_RETURN_IF_ERROR(r->Verify());
  return r;
}

Status SegmentReader::ParseFooterAndDirectory() {
  const uint64_t size = file_size();
  if (size < format::kSegmentHeaderSize + format::kSegmentFooterSize)
    return Corrupt(0, "file too short to be a segment (" + std::to_string(size) + " bytes): truncated?");
  const uint64_t f = size - format::kSegmentFooterSize;
  const char* footer = at(f);
  if (std::string_view(footer + 48, 8) != format::kSegmentMagic)
    return Corrupt(f + 48, "bad footer magic: truncated, or garbage appended");
  if (DecodeFixed64(footer + 56) != Checksum(footer, 56)) return Corrupt(f, "footer checksum mismatch");
  // The manifest pins this value: it names the exact file (a segment swapped in
  // from another index with the same size and key count is refused).
  footer_checksum_ = DecodeFixed64(footer + 56);
  if (DecodeFixed64(footer + 40) != size) return Corrupt(f + 40, "file size does not match the footer");
  const uint64_t dir_offset = DecodeFixed64(footer);
  const uint32_t dir_count = DecodeFixed32(footer + 8);
  if (DecodeFixed32(footer + 12) != format::kBlockShift) return Corrupt(f + 12, "unsupported block size");
  body_end_ = DecodeFixed64(footer + 16);
  if (body_end_ < format::kSegmentHeaderSize || body_end_ > f) return Corrupt(f + 16, "body end out of range");
  block_count_ = (body_end_ - format::kSegmentHeaderSize + format::kBlockSize - 1) >> format::kBlockShift;
  if (dir_offset != body_end_ + block_count_ * 8 || dir_count > 64 ||
      dir_offset + uint64_t{dir_count} * format::kSectionEntrySize != f)
    return Corrupt(f, "section directory out of place");
  block_checksums_ = at(body_end_);
  if (DecodeFixed64(footer + 24) != Checksum(block_checksums_, block_count_ * 8))
    return Corrupt(body_end_, "block checksum table damaged");
  const char* dir = at(dir_offset);
  if (DecodeFixed64(footer + 32) != Checksum(dir, dir_count * format::kSectionEntrySize))
    return Corrupt(dir_offset, "section directory checksum mismatch");
  for (uint32_t i = 0; i < dir_count; ++i) {
    const char* e = dir + i * format::kSectionEntrySize;
    uint32_t type = DecodeFixed32(e);
    Section s{DecodeFixed64(e + 8), DecodeFixed64(e + 16)};
    if (s.offset < format::kSegmentHeaderSize || s.offset > body_end_ || s.length > body_end_ - s.offset)
      return Corrupt(dir_offset + i * format::kSectionEntrySize, "section outside the body");
    if (type >= 1 && type <= kSectionCount) sections_[type] = s;  // unknown types are skipped
  }
  verified_.reset(new std::atomic<uint8_t>[block_count_]());
  return Status::Ok();
}

Status SegmentReader::ParseHeader() {
  const char* h = at(0);
  if (std::string_view(h, 8) != format::kSegmentMagic) return Corrupt(0, "not a leakdex segment (bad magic)");
  if (DecodeFixed64(h + 56) != Checksum(h, 56)) return Corrupt(0, "header checksum mismatch");
  uint16_t major = DecodeFixed16(h + 8);
  if (major != format::kFormatMajor)
    return Status::NotSupported(path() + ": format version " + std::to_string(major) +
                                " (this leakdex reads version " + std::to_string(format::kFormatMajor) + ")");
  header_.format_minor = DecodeFixed16(h + 10);
  if (DecodeFixed32(h + 12) & ~format::kKnownRequiredFlags)
    return Status::NotSupported(path() + ": uses features this leakdex does not know (required flags)");
  header_.normalizer_version = DecodeFixed16(h + 16);
  header_.bucket_bits = static_cast<uint8_t>(h[18]);
  header_.payload_count = DecodeFixed32(h + 20);
  std::memcpy(header_.key_id.data(), h + 24, kKeyIdBytes);
  header_.key_count = DecodeFixed64(h + 40);
  if (header_.bucket_bits > format::kMaxBucketBits) return Corrupt(18, "bucket bits out of range");
  return Status::Ok();
}

Status SegmentReader::CheckSectionSizes() const {
  const uint64_t n = header_.key_count;
  const uint64_t expect[kSectionCount + 1] = {
      0, ((uint64_t{1} << header_.bucket_bits) + 1) * 8, n * 8, n * 4, n,
      (uint64_t{header_.payload_count} + 1) * 4, sections_[6].length};
  if (n > file_size()) return Corrupt(40, "key count exceeds file size");
  for (int t = 1; t <= kSectionCount; ++t) {
    if (sections_[t].offset == 0) return Corrupt(0, "section " + std::to_string(t) + " missing");
    if (sections_[t].length != expect[t])
      return Corrupt(sections_[t].offset, "section " + std::to_string(t) + " has the wrong length");
  }
  return Status::Ok();
}

Status SegmentReader::VerifyBlocks(uint64_t offset, uint64_t length) const {
  if (length == 0) return Status::Ok();
  const uint64_t first = (offset - format::kSegmentHeaderSize) >> format::kBlockShift;
  const uint64_t last = (offset + length - 1 - format::kSegmentHeaderSize) >> format::kBlockShift;
  for (uint64_t b = first; b <= last && b < block_count_; ++b) {
    if (verified_[b].load(std::memory_order_acquire)) continue;
    uint64_t start = format::kSegmentHeaderSize + (b << format::kBlockShift);
    uint64_t len = std::min<uint64_t>(format::kBlockSize, body_end_ - start);
    if (Checksum(at(start), len) != DecodeFixed64(block_checksums_ + b * 8))
      return Corrupt(start, "block " + std::to_string(b) + " checksum mismatch");
    verified_[b].store(1, std::memory_order_release);
  }
  return Status::Ok();
}

Status SegmentReader::VerifyAllBlocks() const {
  return VerifyBlocks(format::kSegmentHeaderSize, body_end_ - format::kSegmentHeaderSize);
}

Result<Payload> SegmentReader::ReadPayload(uint32_t id) const {
  const Section& offs = sections_[5];
  const Section& data = sections_[6];
  LEAKDEX_RETURN_IF_ERROR(VerifyBlocks(offs.offset + uint64_t{id} * 4, 8));
  uint32_t begin = DecodeFixed32(at(offs.offset + uint64_t{id} * 4));
  uint32_t end = DecodeFixed32(at(offs.offset + uint64_t{id} * 4 + 4));
  if (begin > end || end > data.length) return Corrupt(offs.offset + uint64_t{id} * 4, "payload offsets out of range");
  LEAKDEX_RETURN_IF_ERROR(VerifyBlocks(data.offset + begin, end - begin));
  Decoder d(at(data.offset + begin), end - begin);
  Payload p;
  uint32_t nsources;
  if (!d.Get64(&p.classes) || !d.Get32(&p.roles) || !d.Get32(&nsources) || d.remaining() != uint64_t{nsources} * 4)
    return Corrupt(data.offset + begin, "payload entry malformed");
  p.sources.resize(nsources);
  for (uint32_t i = 0; i < nsources; ++i) {
    (void)d.Get32(&p.sources[i]);
    if (i > 0 && p.sources[i] <= p.sources[i - 1]) return Corrupt(data.offset + begin, "payload sources not sorted");
  }
  return p;
}

Result<std::optional<SegmentReader::Hit>> SegmentReader::Lookup(uint64_t fp) const {
  const uint64_t n = header_.key_count;
  const uint64_t b = BucketOf(fp, header_.bucket_bits);
  const uint64_t boff = sections_[1].offset + b * 8;
  LEAKDEX_RETURN_IF_ERROR(VerifyBlocks(boff, 16));
  uint64_t lo = DecodeFixed64(at(boff)), hi = DecodeFixed64(at(boff + 8));
  if (lo > hi || hi > n) return Corrupt(boff, "bucket table out of range");
  const uint64_t fps = sections_[2].offset;
  LEAKDEX_RETURN_IF_ERROR(VerifyBlocks(fps + lo * 8, (hi - lo) * 8));
  while (lo < hi) {  // lower bound in [lo, hi)
    uint64_t mid = lo + (hi - lo) / 2;
    if (DecodeFixed64(at(fps + mid * 8)) < fp) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= n || DecodeFixed64(at(fps + lo * 8)) != fp) return std::optional<Hit>();
  LEAKDEX_RETURN_IF_ERROR(VerifyBlocks(sections_[3].offset + lo * 4, 4));
  LEAKDEX_RETURN_IF_ERROR(VerifyBlocks(sections_[4].offset + lo, 1));
  uint32_t ref = DecodeFixed32(at(sections_[3].offset + lo * 4));
  if (ref >= header_.payload_count) return Corrupt(sections_[3].offset + lo * 4, "payload id out of range");
  LEAKDEX_ASSIGN_OR_RETURN(Payload p, ReadPayload(ref));
  return std::optional<Hit>(Hit{std::move(p), static_cast<uint8_t>(*at(sections_[4].offset + lo))});
}

Status SegmentReader::Verify() const {
  LEAKDEX_RETURN_IF_ERROR(VerifyAllBlocks());
  const uint64_t n = header_.key_count;
  const uint64_t buckets = uint64_t{1} << header_.bucket_bits;
  const char* bt = at(sections_[1].offset);
  const char* fps = at(sections_[2].offset);
  if (DecodeFixed64(bt) != 0 || DecodeFixed64(bt + buckets * 8) != n)
    return Corrupt(sections_[1].offset, "bucket table does not span the keys");
  uint64_t prev_start = 0;
  for (uint64_t b = 0; b < buckets; ++b) {
    uint64_t start = DecodeFixed64(bt + b * 8), end = DecodeFixed64(bt + b * 8 + 8);
    if (start < prev_start || end < start || end > n) return Corrupt(sections_[1].offset + b * 8, "bucket table not monotonic");
    for (uint64_t i = start; i < end; ++i)
      if (BucketOf(DecodeFixed64(fps + i * 8), header_.bucket_bits) != b)
        return Corrupt(sections_[2].offset + i * 8, "key stored in the wrong bucket");
    prev_start = start;
  }
  for (uint64_t i = 1; i < n; ++i)
    if (DecodeFixed64(fps + i * 8) <= DecodeFixed64(fps + (i - 1) * 8))
      return Corrupt(sections_[2].offset + i * 8, "keys not strictly ascending");
  const char* offs = at(sections_[5].offset);
  if (DecodeFixed32(offs) != 0 ||
      DecodeFixed32(offs + uint64_t{header_.payload_count} * 4) != sections_[6].length)
    return Corrupt(sections_[5].offset, "payload offsets do not span the payloads");
  for (uint32_t id = 0; id < header_.payload_count; ++id) {
    auto p = ReadPayload(id);
    if (!p.ok()) return p.status();
  }
  const char* refs = at(sections_[3].offset);
  for (uint64_t i = 0; i < n; ++i)
    if (DecodeFixed32(refs + i * 4) >= header_.payload_count)
      return Corrupt(sections_[3].offset + i * 4, "payload id out of range");
  return Status::Ok();
}

}  // namespace leakdex
