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
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <unordered_map>

#include "file_io.h"
#include "index/index_writer.h"
#include "index/manifest.h"
#include "index/segment.h"
#include "index/tag_sorter.h"
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

Status CheckManifestSources(const std::string& dir, const Manifest& m) {
  std::set<uint32_t> ids;
  std::set<std::string> names;
  for (const SourceInfo& s : m.sources)
    if (!ids.insert(s.id).second || !names.insert(s.name).second || s.id >= m.next_source_id)
      return Status::Corruption(ManifestPath(dir) + ": source table has a duplicate or out-of-range entry");
  std::set<std::string> segs;
  for (const SegmentRef& r : m.segments)
    if (!segs.insert(r.name).second) return Status::Corruption(ManifestPath(dir) + ": segment listed twice");
  return Status::Ok();
}

bool IsSegmentFileName(const std::string& name) {
  return name.starts_with(format::kSegmentPrefix) && name.ends_with(format::kSegmentSuffix) &&
         name.find(format::kTempMarker) == std::string::npos;
}

}  // namespace

std::string SegmentFileName(uint32_t n) {
  char name[40];
  std::snprintf(name, sizeof name, "%s%06u%s", std::string(format::kSegmentPrefix).c_str(), n,
                std::string(format::kSegmentSuffix).c_str());
  return name;
}

SegmentPublication::~SegmentPublication() {
  if (done_) return;
  std::error_code ec;
  if (!fs::exists(path_, ec)) return;
  const std::string name = fs::path(path_).filename().string();
  if (auto m = ReadManifest(dir_); m.ok())
    for (const SegmentRef& r : m->segments)
      if (r.name == name) return;  // published: the MANIFEST rename happened
  if (fs::remove(path_, ec)) (void)SyncDirectory(dir_);  // best effort: the failure is already reported
}

Result<std::vector<std::unique_ptr<SegmentReader>>> OpenSegments(const std::string& dir, const Manifest& m,
                                                                 MappedFile::Mode mode) {
  std::vector<std::unique_ptr<SegmentReader>> out;
  for (const SegmentRef& ref : m.segments) {
    std::string path = (fs::path(dir) / ref.name).string();
    std::error_code ec;
    if (!fs::exists(path, ec)) return Status::Corruption(path + ": segment named by the manifest is missing");
    LEAKDEX_ASSIGN_OR_RETURN(auto seg, SegmentReader::Open(path, format::kVerifyWholeOnOpenBytes, mode));
    // A loaded segment (batch) has every page checksum checked at once (~10
    // ms for 50 MB): its lookups then skip the per-page check.
    if (mode == MappedFile::Mode::kLoad) LEAKDEX_RETURN_IF_ERROR(seg->VerifyPages());
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

struct Index::Impl {
  std::string dir;
  Manifest manifest;
  std::vector<std::unique_ptr<SegmentReader>> segments;
  std::unordered_map<uint32_t, const SourceInfo*> sources;  // by id
  // Each segment's source sets as sorted source names, resolved once at open
  // so that a lookup copies names instead of mapping ids and sorting. A set
  // naming an id the manifest lacks keeps that id: a lookup reaching it fails.
  struct SetNames {
    std::vector<std::string> names;
    std::optional<uint32_t> unknown;
  };
  std::vector<std::vector<SetNames>> set_names;  // [segment][source set]

  void ResolveSetNames() {
    set_names.resize(segments.size());
    for (size_t s = 0; s < segments.size(); ++s) {
      const SegmentReader& seg = *segments[s];
      set_names[s].resize(seg.header().source_set_count);
      for (uint32_t i = 0; i < seg.header().source_set_count; ++i) {
        SetNames& sn = set_names[s][i];
        for (uint32_t id : seg.SourceSet(i)) {
          auto it = sources.find(id);
          if (it == sources.end()) {
            sn.unknown = id;
            break;
          }
          sn.names.push_back(it->second->name);
        }
        std::sort(sn.names.begin(), sn.names.end());
      }
    }
  }

  // The sorted union of several source sets' names, interned: a key stored
  // in segments with different source sets (rare) gets one list that lives
  // as long as the Index, as ExposureRef requires.
  mutable std::mutex unions_mu;
  mutable std::map<std::vector<const SetNames*>, std::unique_ptr<const std::vector<std::string>>> unions;

  const std::vector<std::string>* UnionOf(const std::vector<const SetNames*>& sets) const {
    std::lock_guard<std::mutex> lock(unions_mu);
    auto& u = unions[sets];
    if (!u) {
      std::vector<std::string> names;
      for (const SetNames* sn : sets) names.insert(names.end(), sn->names.begin(), sn->names.end());
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      u = std::make_unique<const std::vector<std::string>>(std::move(names));
    }
    return u.get();
  }

  // Every segment's matches for `fp`, united into *out (not found when none).
  // Index::Lookup, LookupMany and LookupRefs all answer through it.
  Status LookupOne(uint64_t fp, ExposureRef* out, bool prefetch = true) const {
    thread_local std::vector<uint32_t> ids;
    thread_local std::vector<const SetNames*> sets;
    sets.clear();
    *out = ExposureRef();
    for (size_t s = 0; s < segments.size(); ++s) {
      ids.clear();
      LEAKDEX_RETURN_IF_ERROR(segments[s]->LookupIds(fp, &ids, prefetch));
      for (uint32_t id : ids) {
        const DictEntry& d = segments[s]->dictionary()[id];
        out->classes |= d.classes;
        out->roles |= d.roles;
        out->records = std::min(out->records + d.records, format::kRecordCountMax);
        const SetNames& sn = set_names[s][d.source_set];
        if (sn.unknown)
          return Status::Corruption(dir + ": a key names source id " + std::to_string(*sn.unknown) +
                                    " that the manifest does not list");
        if (std::find(sets.begin(), sets.end(), &sn) == sets.end()) sets.push_back(&sn);
      }
    }
    if (!sets.empty()) out->sources = sets.size() == 1 ? &sets[0]->names : UnionOf(sets);
    return Status::Ok();
  }
};

namespace {

// Copies a reference answer into an owned one, reusing the storage of an
// answer already there (LookupMany's callers pass the same vector again).
void AssignExposure(const ExposureRef& ref, std::optional<KeyExposure>* out) {
  if (!ref.found()) {
    out->reset();
    return;
  }
  KeyExposure& e = out->has_value() ? **out : out->emplace();
  e.sources.assign(ref.sources->begin(), ref.sources->end());
  e.classes = ref.classes;
  e.roles = ref.roles;
  e.records = ref.records;
}

}  // namespace

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Index::~Index() = default;

Result<std::unique_ptr<Index>> Index::Open(const std::string& dir) { return Open(dir, OpenOptions{}); }

Result<std::unique_ptr<Index>> Index::Open(const std::string& dir, const OpenOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  LEAKDEX_ASSIGN_OR_RETURN(impl->manifest, ReadManifest(dir));
  LEAKDEX_RETURN_IF_ERROR(CheckNormalizerVersion(dir, impl->manifest.normalizer_version));
  LEAKDEX_RETURN_IF_ERROR(CheckManifestSources(dir, impl->manifest));
  uint64_t segment_bytes = 0;
  for (const SegmentRef& r : impl->manifest.segments) segment_bytes += r.file_size;
  const MappedFile::Mode mode =
      segment_bytes <= options.load_up_to_bytes ? MappedFile::Mode::kLoad : MappedFile::Mode::kMap;
  LEAKDEX_ASSIGN_OR_RETURN(impl->segments, OpenSegments(dir, impl->manifest, mode));
  for (const SourceInfo& s : impl->manifest.sources) impl->sources[s.id] = &s;
  impl->ResolveSetNames();
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
    s.false_positive_rate += seg->false_positive_rate();
  }
  std::error_code ec;
  s.bytes += fs::file_size(ManifestPath(impl_->dir), ec);
  return s;
}

Result<std::optional<KeyExposure>> Index::Lookup(const Tag& tag) const {
  ExposureRef ref;
  LEAKDEX_RETURN_IF_ERROR(impl_->LookupOne(FingerprintOf(tag), &ref));
  std::optional<KeyExposure> e;
  AssignExposure(ref, &e);
  return e;
}

Status Index::LookupMany(std::span<const Tag> tags, std::vector<std::optional<KeyExposure>>* out) const {
  thread_local std::vector<ExposureRef> refs;
  LEAKDEX_RETURN_IF_ERROR(LookupRefs(tags, &refs));
  out->resize(tags.size());  // engaged entries keep their storage
  for (size_t i = 0; i < tags.size(); ++i) AssignExposure(refs[i], &(*out)[i]);
  return Status::Ok();
}

Status Index::LookupRefs(std::span<const Tag> tags, std::vector<ExposureRef>* out) const {
  out->resize(tags.size());  // every entry is set below
  const size_t n = tags.size();
  // A batch with several tags per group of a large index is answered in
  // fingerprint order: neighbouring tags share groups and pages, read once
  // into cache. Otherwise (few tags a group, or an index that stays in
  // cache, where sorting and scattering the answers cost more than they
  // save) in input order. Either way software-pipelined: the directory
  // entries of the tag 2 * kAhead places on and the groups of the tag kAhead
  // places on are fetched while this one is looked up.
  constexpr size_t kAhead = 6;
  uint64_t groups = 0, bytes = 0;
  for (const auto& seg : impl_->segments) {
    groups += seg->header().group_count;
    bytes += seg->file_size();
  }
  if (bytes < SegmentReader::kPrefetchFromBytes) {
    for (size_t k = 0; k < n; ++k) LEAKDEX_RETURN_IF_ERROR(impl_->LookupOne(FingerprintOf(tags[k]), &(*out)[k]));
    return Status::Ok();
  }
  if (n < groups) {
    for (size_t k = 0; k < n; ++k) {
      if (k + 2 * kAhead < n)
        for (const auto& seg : impl_->segments) seg->Prefetch(FingerprintOf(tags[k + 2 * kAhead]));
      if (k + kAhead < n)
        for (const auto& seg : impl_->segments) seg->PrefetchGroup(FingerprintOf(tags[k + kAhead]));
      LEAKDEX_RETURN_IF_ERROR(impl_->LookupOne(FingerprintOf(tags[k]), &(*out)[k], /*prefetch=*/k < kAhead));
    }
    return Status::Ok();
  }
  thread_local std::vector<std::pair<uint64_t, uint32_t>> order;
  order.resize(n);
  for (size_t i = 0; i < n; ++i) order[i] = {FingerprintOf(tags[i]), static_cast<uint32_t>(i)};
  std::sort(order.begin(), order.end());
  for (size_t k = 0; k < n; ++k) {
    if (k + 2 * kAhead < n)
      for (const auto& seg : impl_->segments) seg->Prefetch(order[k + 2 * kAhead].first);
    if (k + kAhead < n)
      for (const auto& seg : impl_->segments) seg->PrefetchGroup(order[k + kAhead].first);
    ExposureRef& e = (*out)[order[k].second];
    if (k > 0 && order[k].first == order[k - 1].first) {
      e = (*out)[order[k - 1].second];  // answered at its first copy
      continue;
    }
    LEAKDEX_RETURN_IF_ERROR(impl_->LookupOne(order[k].first, &e, /*prefetch=*/k < kAhead));
  }
  return Status::Ok();
}

Status Index::Verify() const {
  for (const auto& seg : impl_->segments) {
    LEAKDEX_RETURN_IF_ERROR(seg->Verify());
    for (uint32_t s = 0; s < seg->header().source_set_count; ++s)
      for (uint32_t id : seg->SourceSet(s))
        if (!impl_->sources.count(id))
          return Status::Corruption(seg->path() + ": payload names source id " + std::to_string(id) +
                                    " that the manifest does not list");
  }
  return Status::Ok();
}

// ---- IndexWriter ------------------------------------------------------------

Status IndexWriter::Lock() {
  std::string lock_path = (fs::path(dir_) / format::kLockName).string();
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return Status::IOError(lock_path + ": cannot open lock file: " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return Status::IOError(dir_ + ": another leakdex process is writing this index");
  return Status::Ok();
}

Status IndexWriter::LoadExisting() {
  LEAKDEX_ASSIGN_OR_RETURN(manifest_, ReadManifest(dir_));
  LEAKDEX_RETURN_IF_ERROR(CheckNormalizerVersion(dir_, manifest_.normalizer_version));
  LEAKDEX_RETURN_IF_ERROR(CheckManifestSources(dir_, manifest_));
  LEAKDEX_ASSIGN_OR_RETURN(segments_, OpenSegments(dir_, manifest_));
  return Status::Ok();
}

void IndexWriter::RemoveUnreferencedSegments() {
  std::set<std::string> named;
  for (const SegmentRef& r : manifest_.segments) named.insert(r.name);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (IsSegmentFileName(name) && !named.count(name) && entry.is_regular_file(ec)) fs::remove(entry.path(), ec);
  }
}

Result<std::unique_ptr<IndexWriter>> IndexWriter::Open(const std::string& dir, const MasterKey& key) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": cannot create index directory: " + ec.message());
  std::unique_ptr<IndexWriter> w(new IndexWriter());
  w->dir_ = dir;
  LEAKDEX_RETURN_IF_ERROR(w->Lock());
  RemoveStaleTempFiles(dir);
  if (fs::exists(ManifestPath(dir), ec)) {
    LEAKDEX_ASSIGN_OR_RETURN(w->manifest_, ReadManifest(dir));
    if (w->manifest_.key_id != key.Id())
      return Status::KeyError("this key (id " + KeyIdHex(key.Id()) + ") is not the key index " + dir +
                              " was built with (id " + KeyIdHex(w->manifest_.key_id) + ")");
    LEAKDEX_RETURN_IF_ERROR(w->LoadExisting());
  } else {
    w->manifest_.key_id = key.Id();
    w->manifest_.normalizer_version = kNormalizerVersion;
  }
  w->RemoveUnreferencedSegments();
  return w;
}

Result<std::unique_ptr<IndexWriter>> IndexWriter::OpenExisting(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(ManifestPath(dir), ec))
    return MissingIndex(dir);
  std::unique_ptr<IndexWriter> w(new IndexWriter());
  w->dir_ = dir;
  LEAKDEX_RETURN_IF_ERROR(w->Lock());
  RemoveStaleTempFiles(dir);
  LEAKDEX_RETURN_IF_ERROR(w->LoadExisting());
  w->RemoveUnreferencedSegments();
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

bool IndexWriter::SourceIndexed(uint32_t source_id) const {
  for (const auto& seg : segments_)
    for (uint32_t d = 0; d < seg->dictionary().size(); ++d) {
      std::span<const uint32_t> set = seg->SourceSet(seg->dictionary()[d].source_set);
      if (std::find(set.begin(), set.end(), source_id) != set.end()) return true;
    }
  return false;
}

std::string IndexWriter::NextSegmentPath() const {
  return (fs::path(dir_) / SegmentFileName(manifest_.next_segment_number)).string();
}

Status IndexWriter::PublishManifest(Manifest next) {
  next.generation++;
  LEAKDEX_RETURN_IF_ERROR(WriteManifest(dir_, next));
  manifest_ = std::move(next);
  return Status::Ok();
}

namespace {

// The sorter's in-memory entries as the segment builder's pass 2 takes them.
class SorterEntries final : public SegmentBuilder::EntryArray {
 public:
  // payload_of: sorter payload number -> PayloadTable id.
  SorterEntries(std::span<const TagSorter::Packed> v, const std::vector<uint32_t>& payload_of)
      : v_(v), payload_of_(payload_of) {}
  uint64_t size() const override { return v_.size(); }
  void Get(uint64_t begin, uint64_t end, SegmentEntry* out) const override {
    for (uint64_t i = begin; i < end; ++i, ++out) {
      const TagSorter::Packed& p = v_[i];
      // A number the statistics never named maps to no payload: the builder
      // then reports pass 2 differing from pass 1.
      const uint32_t id = p.payload < payload_of_.size() ? payload_of_[p.payload] : UINT32_MAX;
      *out = SegmentEntry{p.fp, 64, id, p.count};
    }
  }

 private:
  std::span<const TagSorter::Packed> v_;
  const std::vector<uint32_t>& payload_of_;
};

}  // namespace

Status IndexWriter::PublishFromSorter(TagSorter* sorted, const SourceInfo& delta, uint8_t precision_floor,
                                      uint64_t* keys_new) {
  *keys_new = 0;
  const SourceInfo* src = manifest_.FindSource(delta.name);
  if (src == nullptr) return Status::Internal("PublishFromSorter: source was not allocated with SourceIdFor");
  const uint32_t source_id = src->id;
  Manifest next = manifest_;
  next.precision_floor = std::max(next.precision_floor, precision_floor);

  PayloadTable payloads;
  // Sorter payload number -> PayloadTable id (UINT32_MAX: not yet interned);
  // a vector, not a hash of (classes, roles) per entry and pass.
  std::vector<uint32_t> payload_of;
  // Only a source that some segment already names can have keys to skip;
  // a new source (the common case) needs no lookup per key.
  const bool source_indexed = SourceIndexed(source_id);
  SegmentBuilder builder(manifest_.key_id, manifest_.normalizer_version, &payloads);
  builder.SetFreshPrecision(next.precision_floor);
  // Two passes over the sorted stream: statistics, then the file. When the
  // sorter kept everything in memory it knows the statistics already (entries
  // per payload and count): pass 1 is then a loop over a few dozen counts,
  // not over millions of entries (~4% of an ingest's CPU, all of it on the
  // serial tail). Keys to skip (a source already indexed) need the stream.
  int first_pass = 0;
  if (!source_indexed) {
    if (auto counts = sorted->StreamCounts()) {
      for (const TagSorter::PayloadCount& c : *counts) {
        if (c.payload >= payload_of.size()) payload_of.resize(c.payload + 1, UINT32_MAX);
        uint32_t& id = payload_of[c.payload];
        if (id == UINT32_MAX) {
          const TagSorter::PayloadKey& k = sorted->PayloadOf(c.payload);
          id = payloads.Intern(Payload{{source_id}, k.classes, k.roles});
        }
        LEAKDEX_RETURN_IF_ERROR(builder.ObserveMany(SegmentEntry{0, 64, id, c.count}, c.entries));
      }
      first_pass = 1;
    }
  }
  // Statistics known and the entries in memory (the common ingest): pass 2
  // is encoded on the sorter's threads (SegmentBuilder::AddAll).
  const auto in_memory = first_pass == 1 ? sorted->InMemory() : std::nullopt;
  if (in_memory && builder.key_count() > 0) {
    LEAKDEX_RETURN_IF_ERROR(builder.Begin(NextSegmentPath()));
    LEAKDEX_RETURN_IF_ERROR(builder.AddAll(SorterEntries(*in_memory, payload_of), sorted->threads()));
    first_pass = 2;
  }
  for (int pass = first_pass; pass < 2; ++pass) {
    if (pass == 1) {
      if (builder.key_count() == 0) break;
      LEAKDEX_RETURN_IF_ERROR(builder.Begin(NextSegmentPath()));
    }
    LEAKDEX_ASSIGN_OR_RETURN(auto stream, sorted->Open());
    TagEntry e;
    for (;;) {
      LEAKDEX_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
      if (!more) break;
      if (source_indexed) {
        LEAKDEX_ASSIGN_OR_RETURN(bool known, HasKeyFromSource(e.fingerprint, source_id));
        if (known) continue;
      }
      if (e.payload >= payload_of.size()) payload_of.resize(e.payload + 1, UINT32_MAX);
      uint32_t& id = payload_of[e.payload];
      if (id == UINT32_MAX) id = payloads.Intern(Payload{{source_id}, e.classes, e.roles});
      SegmentEntry s{e.fingerprint, 64, id, e.count};
      LEAKDEX_RETURN_IF_ERROR(pass == 0 ? builder.Observe(s) : builder.Add(s));
    }
  }
  *keys_new = builder.key_count();
  if (*keys_new == 0) return Status::Ok();  // re-ingest: nothing new, nothing written
  const std::string path = NextSegmentPath();
  SegmentPublication publication(dir_, path);
  LEAKDEX_ASSIGN_OR_RETURN(uint64_t size, builder.Finish());
  CrashPoint();
  LEAKDEX_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(path));
  next.segments.push_back(
      SegmentRef{fs::path(path).filename().string(), size, reader->footer_checksum(), reader->header().key_count});
  next.next_segment_number++;
  SourceInfo* s = next.FindSource(delta.name);
  s->records += delta.records;
  s->records_indexed += delta.records_indexed;
  s->persons += delta.persons;
  s->keys += delta.keys;
  s->data_classes |= delta.data_classes;
  s->ingested_at = delta.ingested_at != 0 ? delta.ingested_at : static_cast<uint64_t>(std::time(nullptr));
  LEAKDEX_RETURN_IF_ERROR(PublishManifest(std::move(next)));
  publication.Done();
  segments_.push_back(std::move(reader));
  return Status::Ok();
}

Status IndexWriter::Compact(CompactReport* report) {
  *report = CompactReport{};
  report->segments_before = static_cast<uint32_t>(segments_.size());
  for (const auto& seg : segments_) {
    report->keys_before += seg->header().key_count;
    report->bytes_before += seg->file_size();
  }
  if (segments_.size() <= 1) {
    report->keys_after = report->keys_before;
    report->bytes_after = report->bytes_before;
    return Status::Ok();  // nothing to merge
  }
  std::vector<MergeInput> inputs;
  for (const auto& seg : segments_) inputs.push_back(MergeInput{seg.get(), {}});
  const std::string path = NextSegmentPath();
  uint64_t keys = 0;
  SegmentPublication publication(dir_, path);
  LEAKDEX_ASSIGN_OR_RETURN(uint64_t size,
                           WriteMergedSegment(inputs, manifest_.key_id, manifest_.normalizer_version, path, &keys));
  CrashPoint();
  LEAKDEX_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(path));
  Manifest next = manifest_;
  std::vector<std::string> old;
  for (const SegmentRef& r : next.segments) old.push_back(r.name);
  next.segments = {SegmentRef{fs::path(path).filename().string(), size, reader->footer_checksum(), keys}};
  next.next_segment_number++;
  LEAKDEX_RETURN_IF_ERROR(PublishManifest(std::move(next)));
  publication.Done();
  segments_.clear();
  segments_.push_back(std::move(reader));
  // Only now are the old files unreferenced; a crash before this loop leaves
  // them for the next writer to remove.
  for (const std::string& name : old) {
    CrashPoint();
    std::error_code ec;
    fs::remove(fs::path(dir_) / name, ec);
  }
  (void)SyncDirectory(dir_);
  report->keys_after = keys;
  report->bytes_after = size;
  return Status::Ok();
}

}  // namespace leakdex
