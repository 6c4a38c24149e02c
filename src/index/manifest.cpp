#include "index/manifest.h"

#include <xxhash.h>

#include <cstring>
#include <filesystem>

#include "coding.h"
#include "file_io.h"
#include "leakdex/index_format.h"

namespace leakdex {

std::string Manifest::Encode() const {
  std::string out;
  out += format::kManifestMagic;
  PutFixed16(&out, format::kFormatMajor);
  PutFixed16(&out, format::kFormatMinor);
  PutFixed16(&out, normalizer_version);
  PutFixed8(&out, precision_floor);
  PutFixed8(&out, 0);
  out.append(reinterpret_cast<const char*>(key_id.data()), key_id.size());
  PutFixed64(&out, generation);
  PutFixed32(&out, next_segment_number);
  PutFixed32(&out, next_source_id);
  PutFixed32(&out, static_cast<uint32_t>(segments.size()));
  PutFixed32(&out, static_cast<uint32_t>(sources.size()));
  for (const SegmentRef& s : segments) {
    PutString16(&out, s.name);
    PutFixed64(&out, s.file_size);
    PutFixed64(&out, s.footer_checksum);
    PutFixed64(&out, s.key_count);
  }
  for (const SourceInfo& s : sources) {
    PutFixed32(&out, s.id);
    PutString16(&out, s.name);
    PutFixed64(&out, s.records);
    PutFixed64(&out, s.records_indexed);
    PutFixed64(&out, s.persons);
    PutFixed64(&out, s.keys);
    PutFixed64(&out, s.data_classes);
    PutFixed64(&out, s.ingested_at);
  }
  PutFixed64(&out, XXH3_64bits(out.data(), out.size()));
  out += format::kManifestMagic;
  return out;
}

Result<Manifest> Manifest::Decode(std::string_view bytes, const std::string& path) {
  auto corrupt = [&](const char* what) { return Status::Corruption(path + ": " + what); };
  const size_t min = format::kManifestMagic.size() + format::kManifestTrailerSize;
  if (bytes.size() < min || !bytes.starts_with(format::kManifestMagic))
    return corrupt("not a leakdex manifest (bad magic)");
  if (!bytes.ends_with(format::kManifestMagic)) return corrupt("truncated, or garbage appended (bad end magic)");
  const size_t body = bytes.size() - format::kManifestTrailerSize;
  if (DecodeFixed64(bytes.data() + body) != XXH3_64bits(bytes.data(), body)) return corrupt("checksum mismatch");
  Decoder d(bytes.data() + format::kManifestMagic.size(), body - format::kManifestMagic.size());
  Manifest m;
  uint16_t major, minor;
  uint8_t reserved;
  std::string_view key_id;
  uint32_t nsegments, nsources;
  if (!d.Get16(&major) || !d.Get16(&minor)) return corrupt("truncated header");
  if (major != format::kFormatMajor)
    return Status::NotSupported(path + ": index format version " + std::to_string(major) +
                                "; this leakdex reads version " + std::to_string(format::kFormatMajor));
  if (!d.Get16(&m.normalizer_version) || !d.Get8(&m.precision_floor) || !d.Get8(&reserved) || !d.GetBytes(kKeyIdBytes, &key_id) ||
      !d.Get64(&m.generation) || !d.Get32(&m.next_segment_number) || !d.Get32(&m.next_source_id) ||
      !d.Get32(&nsegments) || !d.Get32(&nsources))
    return corrupt("truncated header");
  std::memcpy(m.key_id.data(), key_id.data(), kKeyIdBytes);
  if (nsegments > d.remaining() || nsources > d.remaining()) return corrupt("counts exceed file size");
  m.segments.resize(nsegments);
  for (SegmentRef& s : m.segments)
    if (!d.GetString16(&s.name) || !d.Get64(&s.file_size) || !d.Get64(&s.footer_checksum) || !d.Get64(&s.key_count))
      return corrupt("truncated segment list");
  m.sources.resize(nsources);
  for (SourceInfo& s : m.sources)
    if (!d.Get32(&s.id) || !d.GetString16(&s.name) || !d.Get64(&s.records) || !d.Get64(&s.records_indexed) ||
        !d.Get64(&s.persons) || !d.Get64(&s.keys) || !d.Get64(&s.data_classes) || !d.Get64(&s.ingested_at))
      return corrupt("truncated source list");
  if (d.remaining() != 0) return corrupt("trailing bytes after the source list");
  if (m.precision_floor > 64) return corrupt("precision floor out of range");
  for (const SegmentRef& s : m.segments)
    if (s.name.empty() || s.name.find('/') != std::string::npos || s.name.starts_with("."))
      return corrupt("segment name is not a plain file name");
  return m;
}

const SourceInfo* Manifest::FindSource(std::string_view name) const {
  for (const SourceInfo& s : sources)
    if (s.name == name) return &s;
  return nullptr;
}

SourceInfo* Manifest::FindSource(std::string_view name) {
  for (SourceInfo& s : sources)
    if (s.name == name) return &s;
  return nullptr;
}

std::string ManifestPath(const std::string& dir) {
  return (std::filesystem::path(dir) / format::kManifestName).string();
}

Status MissingIndex(const std::string& dir) {
  std::error_code ec;
  const char* hint = "; give the index directory with --index DIR or $LEAKDEX_INDEX, or build one with 'leakdex ingest'";
  if (!std::filesystem::exists(dir, ec)) return Status::IndexMissing(dir + ": not a leakdex index: no such directory" + hint);
  if (!std::filesystem::is_directory(dir, ec)) return Status::IndexMissing(dir + ": not a leakdex index: not a directory" + hint);
  return Status::IndexMissing(dir + ": not a leakdex index (no MANIFEST)" + hint);
}

Result<Manifest> ReadManifest(const std::string& dir) {
  const std::string path = ManifestPath(dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return MissingIndex(dir);
  LEAKDEX_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
  return Manifest::Decode(bytes, path);
}

Status WriteManifest(const std::string& dir, const Manifest& m) {
  return WriteFileAtomically(ManifestPath(dir), m.Encode());
}

}  // namespace leakdex
