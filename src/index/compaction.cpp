// leakdex compact and leakdex merge: k-way merges of segments.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include "file_io.h"
#include "index/index_writer.h"
#include "index/manifest.h"
#include "index/segment.h"
#include "leakdex/index.h"
#include "leakdex/index_format.h"
#include "leakdex/normalize.h"

namespace leakdex {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Merges the cursors of several segments into one stream in (value,
// precision) order. A key whose stored bits lie within the stored bits of the
// key before it (the same key from another segment, or the same key stored
// with more bits) is folded into that key: payloads united, record counts
// added. Folding is associative and commutative, so merging in any grouping
// gives the same stream.
class SegmentMergeStream {
 public:
  SegmentMergeStream(const std::vector<MergeInput>& inputs, PayloadTable* payloads)
      : inputs_(inputs), payloads_(payloads) {
    payload_cache_.resize(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      cursors_.push_back(inputs[i].segment->NewCursor());
      payload_cache_[i].assign(inputs[i].segment->header().dict_count, UINT32_MAX);
    }
    heads_.resize(inputs.size());
  }

  Status Open() {
    for (size_t i = 0; i < cursors_.size(); ++i) LEAKDEX_RETURN_IF_ERROR(Advance(i));
    return Status::Ok();
  }

  Result<bool> Next(SegmentEntry* out) {
    if (heap_.empty()) return false;
    SegmentEntry root;
    LEAKDEX_RETURN_IF_ERROR(Pop(&root));
    while (!heap_.empty() && FingerprintMatches(heads_[heap_.front()].value, root.value, root.precision)) {
      SegmentEntry x;
      LEAKDEX_RETURN_IF_ERROR(Pop(&x));
      root.payload = payloads_->Union(root.payload, x.payload);
      root.records = std::min(root.records + x.records, format::kRecordCountMax);
    }
    *out = root;
    return true;
  }

 private:
  bool After(size_t a, size_t b) const {  // heap order: smallest on top
    const SegmentEntry& x = heads_[a];
    const SegmentEntry& y = heads_[b];
    if (x.value != y.value) return x.value > y.value;
    if (x.precision != y.precision) return x.precision > y.precision;
    return a > b;
  }
  Status Advance(size_t i) {
    LEAKDEX_ASSIGN_OR_RETURN(bool more, cursors_[i].Next(&heads_[i]));
    if (!more) return Status::Ok();
    LEAKDEX_ASSIGN_OR_RETURN(heads_[i].payload, PayloadId(i, heads_[i].payload));
    heap_.push_back(i);
    std::push_heap(heap_.begin(), heap_.end(), [this](size_t a, size_t b) { return After(a, b); });
    return Status::Ok();
  }
  Status Pop(SegmentEntry* out) {
    std::pop_heap(heap_.begin(), heap_.end(), [this](size_t a, size_t b) { return After(a, b); });
    const size_t i = heap_.back();
    heap_.pop_back();
    *out = heads_[i];
    return Advance(i);
  }
  // Dictionary id of input i -> PayloadTable id, source ids renumbered.
  Result<uint32_t> PayloadId(size_t i, uint32_t dict_id) {
    uint32_t& cached = payload_cache_[i][dict_id];
    if (cached != UINT32_MAX) return cached;
    const MergeInput& in = inputs_[i];
    Payload p = in.segment->PayloadOf(dict_id);
    if (!in.source_map.empty()) {
      for (uint32_t& s : p.sources) {
        if (s >= in.source_map.size() || in.source_map[s] == UINT32_MAX)
          return Status::Corruption(in.segment->path() + ": payload names source id " + std::to_string(s) +
                                    " that its manifest does not list");
        s = in.source_map[s];
      }
      std::sort(p.sources.begin(), p.sources.end());
      p.sources.erase(std::unique(p.sources.begin(), p.sources.end()), p.sources.end());
    }
    cached = payloads_->Intern(p);
    return cached;
  }

  const std::vector<MergeInput>& inputs_;
  PayloadTable* payloads_;
  std::vector<SegmentReader::Cursor> cursors_;
  std::vector<SegmentEntry> heads_;
  std::vector<size_t> heap_;
  std::vector<std::vector<uint32_t>> payload_cache_;
};

// What a merge created for its output, removed again unless the output was
// published (its MANIFEST exists): a failed merge must not leave OUT
// half-created (issue 7). Directories are removed only if empty, so nothing
// that was there before, or that another process put there, is lost.
struct MergeOutputCleanup {
  explicit MergeOutputCleanup(std::string dir) : out_dir(std::move(dir)) {}
  MergeOutputCleanup(const MergeOutputCleanup&) = delete;
  MergeOutputCleanup& operator=(const MergeOutputCleanup&) = delete;
  ~MergeOutputCleanup() {
    std::error_code ec;
    if (fs::exists(ManifestPath(out_dir), ec)) return;
    if (!lock_path.empty()) fs::remove(lock_path, ec);
    for (auto it = created.rbegin(); it != created.rend(); ++it) fs::remove(*it, ec);
  }
  // mkdir -p OUT, remembering each directory it creates (outermost first).
  Status CreateDirectories() {
    std::error_code ec;
    std::vector<fs::path> missing;
    for (fs::path p = fs::path(out_dir); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
      missing.push_back(p);
      if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      bool made = false;
      if (InjectedFault())
        ec = std::error_code(errno, std::generic_category());
      else
        made = fs::create_directory(*it, ec);  // false without error: another process made it
      if (ec) return Status::IOError(it->string() + ": cannot create the output directory: " + ec.message());
      if (made) created.push_back(*it);
    }
    if (!fs::is_directory(out_dir, ec))
      return Status::IOError(out_dir + ": cannot create the output directory: it exists and is not a directory");
    return Status::Ok();
  }

  std::string out_dir;
  std::string lock_path;  // the LOCK file, if this merge created it
  std::vector<fs::path> created;
};

uint64_t TotalBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && e.path().filename() != format::kLockName) total += e.file_size(ec);
  return total;
}

}  // namespace

Result<uint64_t> WriteMergedSegment(const std::vector<MergeInput>& inputs, const KeyId& key_id,
                                    uint16_t normalizer_version, const std::string& path, uint64_t* keys_out) {
  PayloadTable payloads;
  SegmentBuilder builder(key_id, normalizer_version, &payloads);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) LEAKDEX_RETURN_IF_ERROR(builder.Begin(path));
    SegmentMergeStream stream(inputs, &payloads);
    LEAKDEX_RETURN_IF_ERROR(stream.Open());
    SegmentEntry e;
    for (;;) {
      LEAKDEX_ASSIGN_OR_RETURN(bool more, stream.Next(&e));
      if (!more) break;
      LEAKDEX_RETURN_IF_ERROR(pass == 0 ? builder.Observe(e) : builder.Add(e));
    }
  }
  *keys_out = builder.key_count();
  return builder.Finish();
}

Status CompactIndex(const std::string& dir, CompactReport* report) {
  const auto start = Clock::now();
  LEAKDEX_ASSIGN_OR_RETURN(auto writer, IndexWriter::OpenExisting(dir));
  LEAKDEX_RETURN_IF_ERROR(writer->Compact(report));
  report->bytes_after = TotalBytes(dir);
  report->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return Status::Ok();
}

Status MergeIndexes(const std::string& out_dir, const std::vector<std::string>& inputs, MergeReport* report) {
  const auto start = Clock::now();
  *report = MergeReport{};
  if (inputs.empty()) return Status::InvalidArgument("merge: no input index given");
  std::error_code ec;
  for (const std::string& in : inputs)
    if (fs::exists(in, ec) && fs::exists(out_dir, ec) && fs::equivalent(in, out_dir, ec))
      return Status::InvalidArgument("merge: the output directory " + out_dir + " is also an input");
  // Inputs: manifests and segments, all with one key and one normaliser.
  std::vector<Manifest> manifests;
  std::vector<std::vector<std::unique_ptr<SegmentReader>>> segments;
  for (const std::string& in : inputs) {
    LEAKDEX_ASSIGN_OR_RETURN(Manifest m, ReadManifest(in));
    if (m.normalizer_version != kNormalizerVersion)
      return Status::NotSupported(in + ": built with normaliser version " + std::to_string(m.normalizer_version) +
                                  ", this leakdex uses version " + std::to_string(kNormalizerVersion));
    if (!manifests.empty() && m.key_id != manifests.front().key_id)
      return Status::KeyError(in + ": built with key id " + KeyIdHex(m.key_id) + ", but " + inputs.front() +
                              " with key id " + KeyIdHex(manifests.front().key_id) +
                              "; only indexes built with the same key can be merged");
    LEAKDEX_ASSIGN_OR_RETURN(auto segs, OpenSegments(in, m));
    manifests.push_back(std::move(m));
    segments.push_back(std::move(segs));
  }
  // Sources united by name; ids are ranks in name order (canonical).
  std::map<std::string, SourceInfo> by_name;
  for (const Manifest& m : manifests)
    for (const SourceInfo& s : m.sources) {
      SourceInfo& t = by_name[s.name];
      t.name = s.name;
      t.records += s.records;
      t.records_indexed += s.records_indexed;
      t.persons += s.persons;
      t.keys += s.keys;
      t.data_classes |= s.data_classes;
      t.ingested_at = std::max(t.ingested_at, s.ingested_at);
    }
  Manifest out;
  out.key_id = manifests.front().key_id;
  out.normalizer_version = manifests.front().normalizer_version;
  for (const Manifest& m : manifests) out.precision_floor = std::max(out.precision_floor, m.precision_floor);
  std::map<std::string, uint32_t> new_id;
  for (auto& [name, s] : by_name) {
    s.id = static_cast<uint32_t>(out.sources.size());
    new_id[name] = s.id;
    out.sources.push_back(s);
  }
  out.next_source_id = static_cast<uint32_t>(out.sources.size());
  std::vector<MergeInput> merge_inputs;
  for (size_t i = 0; i < manifests.size(); ++i) {
    uint32_t max_id = 0;
    for (const SourceInfo& s : manifests[i].sources) max_id = std::max(max_id, s.id + 1);
    std::vector<uint32_t> map(std::max<uint32_t>(max_id, manifests[i].next_source_id), UINT32_MAX);
    for (const SourceInfo& s : manifests[i].sources)
      if (s.id < map.size()) map[s.id] = new_id[s.name];
    for (const auto& seg : segments[i]) {
      merge_inputs.push_back(MergeInput{seg.get(), map});
      report->segments_in++;
      report->keys_in += seg->header().key_count;
    }
  }
  report->inputs = static_cast<uint32_t>(inputs.size());

  // The output: a fresh directory (or an empty one), locked while written.
  // What this merge creates there is removed again if it fails unpublished.
  MergeOutputCleanup cleanup(out_dir);
  LEAKDEX_RETURN_IF_ERROR(cleanup.CreateDirectories());
  const std::string lock_path = (fs::path(out_dir) / format::kLockName).string();
  cleanup.lock_path = fs::exists(lock_path, ec) ? "" : lock_path;
  int lock_fd = InjectedFault() ? -1 : ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return Status::IOError(lock_path + ": cannot open lock file: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{lock_fd};  // destroyed before `cleanup`: the lock is released, then its file removed
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    cleanup.lock_path.clear();  // another process's lock: not ours to remove
    return Status::IOError(out_dir + ": another leakdex process is writing this directory");
  }
  if (fs::exists(ManifestPath(out_dir), ec))
    return Status::InvalidArgument("merge: " + out_dir + " already holds an index; merge into a new directory "
                                   "(name the existing index as an input)");
  RemoveStaleTempFiles(out_dir);
  for (const auto& e : fs::directory_iterator(out_dir, ec)) {  // leftovers of a crashed merge
    const std::string name = e.path().filename().string();
    if (name.starts_with(format::kSegmentPrefix) && name.ends_with(format::kSegmentSuffix)) fs::remove(e.path(), ec);
  }

  out.segments.clear();
  out.next_segment_number = 1;
  std::optional<SegmentPublication> publication;
  if (report->keys_in > 0) {
    const std::string name = SegmentFileName(1);
    const std::string path = (fs::path(out_dir) / name).string();
    uint64_t keys = 0;
    publication.emplace(out_dir, path);
    LEAKDEX_ASSIGN_OR_RETURN(uint64_t size,
                             WriteMergedSegment(merge_inputs, out.key_id, out.normalizer_version, path, &keys));
    CrashPoint();
    LEAKDEX_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(path));
    out.segments.push_back(SegmentRef{name, size, reader->footer_checksum(), keys});
    out.next_segment_number = 2;
    report->keys_out = keys;
  }
  out.generation = 1;
  LEAKDEX_RETURN_IF_ERROR(WriteManifest(out_dir, out));
  if (publication) publication->Done();
  report->bytes_out = TotalBytes(out_dir);
  report->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return Status::Ok();
}

}  // namespace leakdex
