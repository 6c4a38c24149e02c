#include "index/tag_sorter.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <queue>

#include "coding.h"
#include "file_io.h"

namespace leakdex {
namespace {

// Run file: a sequence of chunks, each
//   u32 byte length of the body, u32 entry count, u64 XXH3-64 of the body,
//   body: per entry varint(fingerprint delta from the previous entry of the
//         chunk, the first from 0), varint(payload number), varint(count).
constexpr size_t kChunkHeader = 16;

uint32_t SatAdd(uint32_t a, uint32_t b) {
  uint64_t s = uint64_t{a} + b;
  return s > kTagCountMax ? kTagCountMax : static_cast<uint32_t>(s);
}

Status Errno(const std::string& path, const char* what) {
  return Status::IOError(path + ": " + what + ": " + std::strerror(errno));
}

class RunWriter {
 public:
  RunWriter(std::string path, size_t chunk_bytes) : path_(std::move(path)), chunk_bytes_(chunk_bytes) {}
  ~RunWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open() {
    fd_ = InjectedFault() ? -1 : ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) return Errno(path_, "cannot create sort run");
    return Status::Ok();
  }
  Status Add(uint64_t fp, uint32_t payload, uint32_t count) {
    PutVarint(&body_, fp - prev_);
    PutVarint(&body_, payload);
    PutVarint(&body_, count);
    prev_ = fp;
    ++entries_;
    if (body_.size() + 32 >= chunk_bytes_) return Flush();
    return Status::Ok();
  }
  Status Close() {
    LEAKDEX_RETURN_IF_ERROR(Flush());
    if (::close(fd_) != 0) {
      fd_ = -1;
      return Errno(path_, "cannot close sort run");
    }
    fd_ = -1;
    return Status::Ok();
  }
  uint64_t bytes() const { return written_; }

 private:
  Status Flush() {
    if (entries_ == 0) return Status::Ok();
    std::string out;
    PutFixed32(&out, static_cast<uint32_t>(body_.size()));
    PutFixed32(&out, entries_);
    PutFixed64(&out, XXH3_64bits(body_.data(), body_.size()));
    out += body_;
    std::string_view rest = out;
    CrashPoint();
    while (!rest.empty()) {
      ssize_t n = InjectedFault() ? -1 : ::write(fd_, rest.data(), rest.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno(path_, "cannot write sort run");
      }
      rest.remove_prefix(static_cast<size_t>(n));
    }
    written_ += out.size();
    body_.clear();
    entries_ = 0;
    prev_ = 0;
    return Status::Ok();
  }
  std::string path_;
  size_t chunk_bytes_;
  int fd_ = -1;
  std::string body_;
  uint32_t entries_ = 0;
  uint64_t prev_ = 0;
  uint64_t written_ = 0;
};

class RunReader {
 public:
  explicit RunReader(std::string path) : path_(std::move(path)) {}
  ~RunReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open() {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Errno(path_, "cannot open sort run");
    return Status::Ok();
  }
  // False at the end of the run.
  Result<bool> Next(TagSorter::Packed* out) {
    if (left_ == 0) {
      LEAKDEX_ASSIGN_OR_RETURN(bool more, LoadChunk());
      if (!more) return false;
    }
    uint64_t delta, payload, count;
    if (!GetVarint(p_, end_, &delta) || !GetVarint(p_, end_, &payload) || !GetVarint(p_, end_, &count) ||
        payload > UINT32_MAX || count > UINT32_MAX)
      return Damaged();
    prev_ += delta;
    out->fp = prev_;
    out->payload = static_cast<uint32_t>(payload);
    out->count = static_cast<uint32_t>(count);
    if (--left_ == 0 && p_ != end_) return Damaged();
    return true;
  }

 private:
  Status Damaged() const {
    return Status::IOError(path_ + ": offset " + std::to_string(chunk_offset_) +
                           ": sort run damaged while the ingest ran (disk error?)");
  }
  Result<bool> ReadFully(char* dst, size_t n, uint64_t off, size_t* got) {
    *got = 0;
    while (*got < n) {
      ssize_t r = ::pread(fd_, dst + *got, n - *got, static_cast<off_t>(off + *got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Errno(path_, "cannot read sort run");
      }
      if (r == 0) break;
      *got += static_cast<size_t>(r);
    }
    return true;
  }
  Result<bool> LoadChunk() {
    char header[kChunkHeader];
    size_t got;
    chunk_offset_ = offset_;
    LEAKDEX_RETURN_IF_ERROR(ReadFully(header, kChunkHeader, offset_, &got).status());
    if (got == 0) return false;
    if (got != kChunkHeader) return Damaged();
    uint32_t len = DecodeFixed32(header), entries = DecodeFixed32(header + 4);
    if (entries == 0 || len > (64u << 20)) return Damaged();
    buf_.resize(len);
    LEAKDEX_RETURN_IF_ERROR(ReadFully(buf_.data(), len, offset_ + kChunkHeader, &got).status());
    if (got != len || XXH3_64bits(buf_.data(), len) != DecodeFixed64(header + 8)) return Damaged();
    offset_ += kChunkHeader + len;
    p_ = buf_.data();
    end_ = p_ + len;
    left_ = entries;
    prev_ = 0;
    return true;
  }
  std::string path_;
  int fd_ = -1;
  uint64_t offset_ = 0;
  uint64_t chunk_offset_ = 0;
  std::string buf_;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  uint32_t left_ = 0;
  uint64_t prev_ = 0;
};

// LSD radix sort by fingerprint, 8 bits a pass, skipping passes whose digit
// is the same in every entry. `scratch` must be as large as `v`.
void RadixSort(std::vector<TagSorter::Packed>& v, std::vector<TagSorter::Packed>& scratch) {
  const size_t n = v.size();
  if (n < 2) return;
  if (n < 256) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.fp < b.fp; });
    return;
  }
  std::vector<std::array<size_t, 256>> hist(8);
  for (auto& h : hist) h.fill(0);
  for (const auto& e : v)
    for (int d = 0; d < 8; ++d) hist[d][(e.fp >> (8 * d)) & 0xff]++;
  scratch.resize(n);
  TagSorter::Packed* src = v.data();
  TagSorter::Packed* dst = scratch.data();
  for (int d = 0; d < 8; ++d) {
    auto& h = hist[d];
    if (std::any_of(h.begin(), h.end(), [n](size_t c) { return c == n; })) continue;
    size_t sum = 0;
    for (auto& c : h) {
      size_t t = c;
      c = sum;
      sum += t;
    }
    for (size_t i = 0; i < n; ++i) dst[h[(src[i].fp >> (8 * d)) & 0xff]++] = src[i];
    std::swap(src, dst);
  }
  if (src != v.data()) std::memcpy(v.data(), src, n * sizeof(TagSorter::Packed));
}

}  // namespace

// ---- Streams ------------------------------------------------------------------

class RunMergeStream {
 public:
  RunMergeStream(TagSorter* sorter, std::vector<std::string> paths) : sorter_(sorter), paths_(std::move(paths)) {}
  Status Open() {
    for (const std::string& p : paths_) {
      readers_.push_back(std::make_unique<RunReader>(p));
      LEAKDEX_RETURN_IF_ERROR(readers_.back()->Open());
    }
    heads_.resize(readers_.size());
    for (size_t i = 0; i < readers_.size(); ++i) LEAKDEX_RETURN_IF_ERROR(Advance(i));
    return Status::Ok();
  }
  // Next merged entry: equal fingerprints across runs united.
  Result<bool> NextPacked(TagSorter::Packed* out) {
    if (heap_.empty()) return false;
    size_t i = Pop();
    *out = heads_[i];
    LEAKDEX_RETURN_IF_ERROR(Advance(i));
    while (!heap_.empty() && heads_[heap_.front()].fp == out->fp) {
      size_t j = Pop();
      out->payload = sorter_->Union(out->payload, heads_[j].payload);
      out->count = SatAdd(out->count, heads_[j].count);
      LEAKDEX_RETURN_IF_ERROR(Advance(j));
    }
    return true;
  }

 private:
  // Min-heap on (fingerprint, run index): the run index makes ties deterministic.
  bool Less(size_t a, size_t b) const {
    return heads_[a].fp != heads_[b].fp ? heads_[a].fp > heads_[b].fp : a > b;
  }
  size_t Pop() {
    std::pop_heap(heap_.begin(), heap_.end(), [this](size_t a, size_t b) { return Less(a, b); });
    size_t i = heap_.back();
    heap_.pop_back();
    return i;
  }
  Status Advance(size_t i) {
    LEAKDEX_ASSIGN_OR_RETURN(bool more, readers_[i]->Next(&heads_[i]));
    if (more) {
      heap_.push_back(i);
      std::push_heap(heap_.begin(), heap_.end(), [this](size_t a, size_t b) { return Less(a, b); });
    }
    return Status::Ok();
  }
  TagSorter* sorter_;
  std::vector<std::string> paths_;
  std::vector<std::unique_ptr<RunReader>> readers_;
  std::vector<TagSorter::Packed> heads_;
  std::vector<size_t> heap_;
};

namespace {

class MergedStream : public TagSorter::Stream {
 public:
  MergedStream(std::unique_ptr<RunMergeStream> m, const std::vector<TagSorter::PayloadKey>* payloads)
      : m_(std::move(m)), payloads_(payloads) {}
  Result<bool> Next(TagEntry* out) override {
    TagSorter::Packed p;
    LEAKDEX_ASSIGN_OR_RETURN(bool more, m_->NextPacked(&p));
    if (!more) return false;
    out->fingerprint = p.fp;
    out->classes = (*payloads_)[p.payload].classes;
    out->roles = (*payloads_)[p.payload].roles;
    out->count = p.count;
    return true;
  }

 private:
  std::unique_ptr<RunMergeStream> m_;
  const std::vector<TagSorter::PayloadKey>* payloads_;
};

class MemoryStream : public TagSorter::Stream {
 public:
  MemoryStream(const std::vector<TagSorter::Packed>* v, const std::vector<TagSorter::PayloadKey>* payloads)
      : v_(v), payloads_(payloads) {}
  Result<bool> Next(TagEntry* out) override {
    if (i_ >= v_->size()) return false;
    const TagSorter::Packed& p = (*v_)[i_++];
    out->fingerprint = p.fp;
    out->classes = (*payloads_)[p.payload].classes;
    out->roles = (*payloads_)[p.payload].roles;
    out->count = p.count;
    return true;
  }

 private:
  const std::vector<TagSorter::Packed>* v_;
  const std::vector<TagSorter::PayloadKey>* payloads_;
  size_t i_ = 0;
};

}  // namespace

// ---- TagSorter ------------------------------------------------------------------

size_t TagSorter::PayloadHash::operator()(const PayloadKey& k) const {
  return XXH3_64bits_withSeed(&k.classes, sizeof k.classes, k.roles);
}

TagSorter::TagSorter(TagSorterOptions options) : options_(std::move(options)) {
  const uint64_t m = std::max<uint64_t>(options_.memory_bytes, 64 << 10);
  // 60% of the budget for the sort buffer and its radix scratch (2 x 16 bytes an entry).
  capacity_ = static_cast<size_t>(std::max<uint64_t>(1024, m * 6 / 10 / (2 * sizeof(Packed))));
  chunk_bytes_ = static_cast<size_t>(std::clamp<uint64_t>(m / 64, 4096, 1 << 20));
  // While merging, each open run holds about two chunks.
  fan_in_ = static_cast<size_t>(std::max<uint64_t>(2, m * 6 / 10 / (2 * chunk_bytes_)));
}

TagSorter::~TagSorter() {
  for (const std::string& p : runs_) ::unlink(p.c_str());
}

uint32_t TagSorter::Intern(DataClassSet classes, RoleSet roles) {
  PayloadKey k{classes, roles};
  auto [it, inserted] = payload_ids_.try_emplace(k, static_cast<uint32_t>(payloads_.size()));
  if (inserted) payloads_.push_back(k);
  return it->second;
}

uint32_t TagSorter::Union(uint32_t a, uint32_t b) {
  if (a == b) return a;
  const PayloadKey& x = payloads_[a];
  const PayloadKey& y = payloads_[b];
  if ((x.classes | y.classes) == x.classes && (x.roles | y.roles) == x.roles) return a;
  if ((x.classes | y.classes) == y.classes && (x.roles | y.roles) == y.roles) return b;
  return Intern(x.classes | y.classes, x.roles | y.roles);
}

std::string TagSorter::RunPath(uint64_t number) const {
  return (std::filesystem::path(options_.dir) /
          ("sort-" + std::to_string(number) + ".tmp-" + std::to_string(::getpid())))
      .string();
}

Status TagSorter::Add(const TagEntry& e) {
  if (finished_) return Status::Internal("TagSorter::Add after Finish");
  if (buffer_.capacity() == 0) buffer_.reserve(std::min<size_t>(capacity_, 1 << 16));
  if (buffer_.size() >= capacity_) LEAKDEX_RETURN_IF_ERROR(SpillBuffer());
  if (buffer_.size() == buffer_.capacity()) buffer_.reserve(std::min(capacity_, buffer_.capacity() * 2));
  buffer_.push_back(Packed{e.fingerprint, Intern(e.classes, e.roles), std::min(e.count, kTagCountMax)});
  ++added_;
  return Status::Ok();
}

void TagSorter::SortAndMergeBuffer() {
  RadixSort(buffer_, scratch_);
  size_t out = 0;
  for (size_t i = 0; i < buffer_.size(); ++i) {
    if (out > 0 && buffer_[out - 1].fp == buffer_[i].fp) {
      Packed& e = buffer_[out - 1];
      e.payload = Union(e.payload, buffer_[i].payload);
      e.count = SatAdd(e.count, buffer_[i].count);
    } else {
      buffer_[out++] = buffer_[i];
    }
  }
  buffer_.resize(out);
}

Status TagSorter::SpillBuffer() {
  SortAndMergeBuffer();
  std::string path = RunPath(next_run_++);
  RunWriter w(path, chunk_bytes_);
  runs_.push_back(path);  // registered first: removed even if writing fails
  LEAKDEX_RETURN_IF_ERROR(w.Open());
  for (const Packed& p : buffer_) LEAKDEX_RETURN_IF_ERROR(w.Add(p.fp, p.payload, p.count));
  LEAKDEX_RETURN_IF_ERROR(w.Close());
  runs_spilled_++;
  bytes_spilled_ += w.bytes();
  buffer_.clear();
  return Status::Ok();
}

Status TagSorter::MergeRuns(size_t first, size_t count) {
  std::vector<std::string> inputs(runs_.begin() + static_cast<ptrdiff_t>(first),
                                  runs_.begin() + static_cast<ptrdiff_t>(first + count));
  std::string path = RunPath(next_run_++);
  runs_.push_back(path);
  {
    RunMergeStream m(this, inputs);
    LEAKDEX_RETURN_IF_ERROR(m.Open());
    RunWriter w(path, chunk_bytes_);
    LEAKDEX_RETURN_IF_ERROR(w.Open());
    Packed p;
    for (;;) {
      LEAKDEX_ASSIGN_OR_RETURN(bool more, m.NextPacked(&p));
      if (!more) break;
      LEAKDEX_RETURN_IF_ERROR(w.Add(p.fp, p.payload, p.count));
    }
    LEAKDEX_RETURN_IF_ERROR(w.Close());
    bytes_spilled_ += w.bytes();
  }
  for (const std::string& p : inputs) ::unlink(p.c_str());
  runs_.erase(runs_.begin() + static_cast<ptrdiff_t>(first), runs_.begin() + static_cast<ptrdiff_t>(first + count));
  return Status::Ok();
}

Status TagSorter::Finish() {
  if (finished_) return Status::Ok();
  finished_ = true;
  if (runs_.empty()) {  // everything fits: no disk at all
    SortAndMergeBuffer();
    std::vector<Packed>().swap(scratch_);
    return Status::Ok();
  }
  if (!buffer_.empty()) LEAKDEX_RETURN_IF_ERROR(SpillBuffer());
  std::vector<Packed>().swap(buffer_);
  std::vector<Packed>().swap(scratch_);
  while (runs_.size() > fan_in_) LEAKDEX_RETURN_IF_ERROR(MergeRuns(0, fan_in_));
  return Status::Ok();
}

Result<std::unique_ptr<TagSorter::Stream>> TagSorter::Open() const {
  if (!finished_) return Status::Internal("TagSorter::Open before Finish");
  auto* self = const_cast<TagSorter*>(this);  // unions found while merging are interned
  if (runs_.empty()) return std::unique_ptr<Stream>(new MemoryStream(&buffer_, &payloads_));
  auto m = std::make_unique<RunMergeStream>(self, runs_);
  LEAKDEX_RETURN_IF_ERROR(m->Open());
  return std::unique_ptr<Stream>(new MergedStream(std::move(m), &payloads_));
}

}  // namespace leakdex
