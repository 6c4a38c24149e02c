#include "leakdex/index.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "file_io.h"
#include "index/index_writer.h"
#include "index/manifest.h"
#include "index/segment.h"
#include "leakdex/index_format.h"
#include "leakdex/normalize.h"

namespace leakdex {
namespace fs = std::filesystem;

namespace {

Status CheckNormalizerVersion(const std::string& dir, uint16_t version) {
  if (version == kNormalizerVersion) return Status::Ok();
  return Status::NotSupported(dir + ": built with normaliser version " + std::to_string(version) +
                              ", this leakdex uses version " + std::to_string(kNormalizerVersion) +
                              "; its keys would not match: re-ingest the sources into a new index");
}

// Opens every segment the manifest names and checks it is the very file named.
Result<std::vector<std::unique_ptr<SegmentReader>>> OpenSegments(const std::string& dir, const Manifest& m) {
  std::vector<std::unique_ptr<SegmentReader>> out;
  for (const SegmentRef& ref : m.segments) {
    std::string path = (fs::path(dir) / ref.name).string();
    std::error_code ec;
    if (!fs::exists(path, ec)) return Status::Corruption(path + ": segment named by the manifest is missing");
    LEAKDEX_ASSIGN_OR_RETURN(auto seg, SegmentReader::Open(path));
    if (seg->file_size() != ref.file_size || seg->footer_checksum() != ref.footer_checksum ||
        seg->header().key_count != ref.key_count)
      return Status::Corruption(path + ": segment differs from the one the manifest names (replaced or swapped?)");
    if (seg->header().key_id != m.key_id)
      return Status::Corruption(path + ": segment built with a different key than the index");
    if (seg->header().normalizer_version != m.normalizer_version)
      return Status::Corruption(path + ": segment normaliser version differs from the manifest's");
    out.push_back(std::move(seg));
  }
  return out;
}

// Removes segment files the manifest does not name: left by a writer killed
// between publishing a segment and publishing the manifest that names it.
// Called only under the writer lock; no published manifest names them.
void RemoveUnreferencedSegments(const std::string& dir, const Manifest& m) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with(format::kSegmentPrefix) || !name.ends_with(format::kSegmentSuffix)) continue;
    bool named = std::any_of(m.segments.begin(), m.segments.end(), [&](const SegmentRef& r) { return r.name == name; });
    if (!named) fs::remove(entry.path(), ec);
  }
}

}  // namespace

struct Index::Impl {
  std::string dir;
  Manifest manifest;
  std::vector<std::unique_ptr<SegmentReader>> segments;
};

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Index::~Index() = default;

Result<std::unique_ptr<Index>> Index::Open(const std::string& dir) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  LEAKDEX_ASSIGN_OR_RETURN(impl->manifest, ReadManifest(dir));
  LEAKDEX_RETURN_IF_ERROR(CheckNormalizerVersion(dir, impl->manifest.normalizer_version));
  LEAKDEX_ASSIGN_OR_RETURN(impl->segments, OpenSegments(dir, impl->manifest));
  return std::unique_ptr<Index>(new Index(std::move(impl)));
}

const KeyId& Index::key_id() const { return impl_->manifest.key_id; }

Status Index::CheckKey(const MasterKey& key) const {
  if (key.Id() == impl_->manifest.key_id) return Status::Ok();
  return Status::KeyError("this key (id " + KeyIdHex(key.Id()) + ") is not the key index " + impl_->dir +
                          " was built with (id " + KeyIdHex(impl_->manifest.key_id) + ")");
}

const std::vector<SourceInfo>& Index::sources() const { return impl_->manifest.sources; }

IndexStats Index::Stats() const {
  IndexStats s;
  s.format_major = format::kFormatMajor;
  s.format_minor = format::kFormatMinor;
  s.normalizer_version = impl_->manifest.normalizer_version;
  s.segments = static_cast<uint32_t>(impl_->segments.size());
  for (const auto& seg : impl_->segments) {
    s.keys += seg->header().key_count;
    s.bytes += seg->file_size();
  }
  std::error_code ec;
  s.bytes += fs::file_size(ManifestPath(impl_->dir), ec);
  return s;
}

Result<std::optional<KeyExposure>> Index::Lookup(const Tag& tag) const {
  const uint64_t fp = FingerprintOf(tag);
  std::optional<Payload> merged;
  uint32_t records = 0;
  for (const auto& seg : impl_->segments) {
    LEAKDEX_ASSIGN_OR_RETURN(auto hit, seg->Lookup(fp));
    if (!hit) continue;
    if (merged) merged->Merge(hit->payload);
    else merged = hit->payload;
    records = std::min(records + hit->count, format::kRecordCountMax);
  }
  if (!merged) return std::optional<KeyExposure>();
  KeyExposure e;
  e.classes = merged->classes;
  e.roles = merged->roles;
  e.records = records;
  for (uint32_t id : merged->sources) {
    auto it = std::find_if(impl_->manifest.sources.begin(), impl_->manifest.sources.end(),
                           [&](const SourceInfo& s) { return s.id == id; });
    if (it == impl_->manifest.sources.end())
      return Status::Corruption(impl_->dir + ": a key names source id " + std::to_string(id) +
                                " that the manifest does not list");
    e.sources.push_back(it->name);
  }
  std::sort(e.sources.begin(), e.sources.end());
  return std::optional<KeyExposure>(std::move(e));
}

Status Index::Verify() const {
  for (const auto& seg : impl_->segments) {
    LEAKDEX_RETURN_IF_ERROR(seg->Verify());
    Status bad_source;
    Status st = seg->ForEach([&](uint64_t, const Payload& p, uint32_t) {
      for (uint32_t id : p.sources)
        if (bad_source.ok() && !std::any_of(impl_->manifest.sources.begin(), impl_->manifest.sources.end(),
                                            [&](const SourceInfo& s) { return s.id == id; }))
          bad_source = Status::Corruption(seg->path() + ": payload names unknown source id " + std::to_string(id));
    });
    LEAKDEX_RETURN_IF_ERROR(st);
    LEAKDEX_RETURN_IF_ERROR(bad_source);
  }
  return Status::Ok();
}

// ---- IndexWriter ------------------------------------------------------------

Result<std::unique_ptr<IndexWriter>> IndexWriter::Open(const std::string& dir, const MasterKey& key) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": cannot create index directory: " + ec.message());
  std::unique_ptr<IndexWriter> w(new IndexWriter());
  w->dir_ = dir;
  std::string lock_path = (fs::path(dir) / format::kLockName).string();
  w->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (w->lock_fd_ < 0) return Status::IOError(lock_path + ": cannot open lock file: " + std::strerror(errno));
  if (::flock(w->lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return Status::IOError(dir + ": another leakdex process is writing this index");
  RemoveStaleTempFiles(dir);
  if (fs::exists(ManifestPath(dir), ec)) {
    LEAKDEX_ASSIGN_OR_RETURN(w->manifest_, ReadManifest(dir));
    if (w->manifest_.key_id != key.Id())
      return Status::KeyError("this key (id " + KeyIdHex(key.Id()) + ") is not the key index " + dir +
                              " was built with (id " + KeyIdHex(w->manifest_.key_id) + ")");
    LEAKDEX_RETURN_IF_ERROR(CheckNormalizerVersion(dir, w->manifest_.normalizer_version));
    LEAKDEX_ASSIGN_OR_RETURN(w->segments_, OpenSegments(dir, w->manifest_));
    RemoveUnreferencedSegments(dir, w->manifest_);
  } else {
    w->manifest_.key_id = key.Id();
    w->manifest_.normalizer_version = kNormalizerVersion;
    RemoveUnreferencedSegments(dir, w->manifest_);  // a first ingest killed before its manifest
  }
  return w;
}

IndexWriter::~IndexWriter() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

uint32_t IndexWriter::SourceIdFor(const std::string& name) {
  if (const SourceInfo* s = manifest_.FindSource(name)) return s->id;
  SourceInfo s;
  s.id = manifest_.next_source_id++;
  s.name = name;
  manifest_.sources.push_back(s);
  return s.id;
}

Result<bool> IndexWriter::HasKeyFromSource(uint64_t fp, uint32_t source_id) const {
  for (const auto& seg : segments_) {
    LEAKDEX_ASSIGN_OR_RETURN(auto hit, seg->Lookup(fp));
    if (hit && std::binary_search(hit->payload.sources.begin(), hit->payload.sources.end(), source_id))
      return true;
  }
  return false;
}

std::string IndexWriter::NextSegmentPath() {
  char name[32];
  std::snprintf(name, sizeof name, "%s%06u%s", std::string(format::kSegmentPrefix).c_str(),
                manifest_.next_segment_number, std::string(format::kSegmentSuffix).c_str());
  return (fs::path(dir_) / name).string();
}

Status IndexWriter::Publish(SegmentBuilder* segment, const SourceInfo& delta) {
  Manifest next = manifest_;
  if (segment != nullptr && segment->key_count() > 0) {
    std::string path = NextSegmentPath();
    auto size = segment->Finish(path);
    if (!size.ok()) {  // a failure after the rename (directory fsync) leaves the file: remove it
      std::error_code ec;
      fs::remove(path, ec);
      return size.status();
    }
    auto reader = SegmentReader::Open(path);
    if (!reader.ok()) {
      std::error_code ec;
      fs::remove(path, ec);
      return reader.status();
    }
    next.segments.push_back(SegmentRef{fs::path(path).filename().string(), *size, (*reader)->footer_checksum(),
                                       (*reader)->header().key_count});
    next.next_segment_number++;
    segments_.push_back(std::move(reader.value()));
  }
  SourceInfo* s = next.FindSource(delta.name);
  if (s == nullptr) return Status::Internal("Publish: source was not allocated with SourceIdFor");
  s->records += delta.records;
  s->records_indexed += delta.records_indexed;
  s->persons += delta.persons;
  s->keys += delta.keys;
  s->data_classes |= delta.data_classes;
  s->ingested_at = static_cast<uint64_t>(std::time(nullptr));
  next.generation++;
  if (Status st = WriteManifest(dir_, next); !st.ok()) {
    // Not published: remove the new segment so the directory is as before.
    if (next.segments.size() > manifest_.segments.size()) {
      std::error_code ec;
      fs::remove(fs::path(dir_) / next.segments.back().name, ec);
      segments_.pop_back();
    }
    return st;
  }
  manifest_ = std::move(next);
  return Status::Ok();
}

}  // namespace leakdex
