#include "index/tag_sorter.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <queue>
#include <thread>

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

using Packed = TagSorter::Packed;

// Sub-buckets this small are finished by insertion sort.
constexpr size_t kInsertionMax = 32;
constexpr unsigned kMaxDigitBits = 11;

void InsertionSort(Packed* v, size_t n) {
  for (size_t i = 1; i < n; ++i) {
    const Packed x = v[i];
    size_t j = i;
    for (; j > 0 && v[j - 1].fp > x.fp; --j) v[j] = v[j - 1];
    v[j] = x;
  }
}

// MSD radix sort of src[0, n) into dst[0, n) (src is clobbered): entries
// agree on every fingerprint bit above the low `bits` ones. 8-11 bits a level;
// a level where all entries share the digit costs one histogram and no move.
// Fingerprints are PRF output, so after the top-level split a bucket's next
// digit spreads it into sub-buckets of a few entries, finished by insertion
// sort: one move per entry and level instead of one per LSD pass (7 of them).
void MsdRadixSort(Packed* src, Packed* dst, size_t n, unsigned bits) {
  if (n <= kInsertionMax || bits == 0) {
    if (n == 0) return;  // src and dst may be null then (memcpy's arguments must not be)
    std::memcpy(dst, src, n * sizeof(Packed));
    if (bits > 0) InsertionSort(dst, n);
    return;
  }
  // Digits of up to 11 bits: wide enough that a bucket of 2^11 random
  // entries falls apart into sub-buckets of about one entry.
  const unsigned width = std::min({bits, kMaxDigitBits, std::max(8u, static_cast<unsigned>(std::bit_width(n)))});
  const unsigned shift = bits - width;
  const uint64_t mask = (uint64_t{1} << width) - 1;
  size_t count[(1u << kMaxDigitBits) + 1];
  std::fill_n(count, mask + 2, size_t{0});
  for (size_t i = 0; i < n; ++i) count[((src[i].fp >> shift) & mask) + 1]++;
  if (count[((src[0].fp >> shift) & mask) + 1] == n) return MsdRadixSort(src, dst, n, shift);
  for (size_t d = 1; d <= mask + 1; ++d) count[d] += count[d - 1];  // count[d]: start of digit d
  size_t next[1u << kMaxDigitBits];
  std::copy_n(count, mask + 1, next);
  for (size_t i = 0; i < n; ++i) dst[next[(src[i].fp >> shift) & mask]++] = src[i];
  for (size_t d = 0; d <= mask; ++d) {
    const size_t lo = count[d], len = count[d + 1] - lo;
    if (len <= kInsertionMax) {
      if (shift > 0 && len > 1) InsertionSort(dst + lo, len);
    } else {
      MsdRadixSort(dst + lo, src + lo, len, shift);  // into src, then back
      std::memcpy(dst + lo, src + lo, len * sizeof(Packed));
    }
  }
}

// Runs fn(t) for t in [0, threads), t = 0 on the calling thread.
template <typename Fn>
void ParallelFor(int threads, const Fn& fn) {
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&fn, t] { fn(t); });
  fn(0);
  for (std::thread& th : pool) th.join();
}

// Below this many entries the top-level split (and its threads) costs more
// than it saves.
constexpr size_t kSplitFrom = size_t{1} << 16;

// Sorts v[0, n) by fingerprint; `tmp` has room for n entries.
//
// The top level splits by the top B bits into buckets of about 2^11 entries
// (32 KiB: a bucket and its twin stay in L1/L2), histogram and scatter each
// shared among `threads` threads by slices; then each bucket is MSD radix
// sorted in cache, buckets dealt out to the threads. On 2.43M random entries
// (the 300k-person NDJSON test file), CPU time on one thread in a throwaway
// benchmark: the previous 8-pass LSD radix sort 55 ms, std::sort 150 ms, this
// 38 ms. (An in-place split, American flag style, to save the scratch's page
// faults took 78 ms.) With a free second core the split and buckets are shared.
void SortPackedImpl(Packed* v, Packed* tmp, size_t n, int threads) {
  if (n == 0) return;  // v and tmp may be null (memcpy's arguments must not be)
  if (n < kSplitFrom) {
    MsdRadixSort(v, tmp, n, 64);
    std::memcpy(v, tmp, n * sizeof(Packed));
    return;
  }
  const unsigned bits = std::clamp<unsigned>(static_cast<unsigned>(std::bit_width(n)) - 11, 8, 16);
  const unsigned shift = 64 - bits;
  const size_t buckets = size_t{1} << bits;
  threads = std::clamp(threads, 1, 64);
  // Split: thread t scatters its slice of v after the entries of lower
  // slices with the same top bits.
  std::vector<std::vector<size_t>> hist(static_cast<size_t>(threads), std::vector<size_t>(buckets, 0));
  auto slice = [&](int t) { return std::pair<size_t, size_t>{n * t / threads, n * (t + 1) / threads}; };
  ParallelFor(threads, [&](int t) {
    auto [lo, hi] = slice(t);
    size_t* h = hist[static_cast<size_t>(t)].data();
    for (size_t i = lo; i < hi; ++i) h[v[i].fp >> shift]++;
  });
  std::vector<size_t> start(buckets + 1);
  size_t sum = 0;
  for (size_t b = 0; b < buckets; ++b) {
    start[b] = sum;
    for (auto& h : hist) {
      const size_t c = h[b];
      h[b] = sum;
      sum += c;
    }
  }
  start[buckets] = sum;
  ParallelFor(threads, [&](int t) {
    auto [lo, hi] = slice(t);
    size_t* h = hist[static_cast<size_t>(t)].data();
    for (size_t i = lo; i < hi; ++i) tmp[h[v[i].fp >> shift]++] = v[i];
  });
  // Buckets, dealt out one at a time (the machine may be shared: a fixed
  // split would wait for the slowest thread).
  std::atomic<size_t> next{0};
  ParallelFor(threads, [&](int) {
    for (size_t b; (b = next.fetch_add(1, std::memory_order_relaxed)) < buckets;) {
      const size_t lo = start[b];
      MsdRadixSort(tmp + lo, v + lo, start[b + 1] - lo, shift);
    }
  });
}

}  // namespace

void SortByFingerprint(Packed* v, Packed* tmp, size_t n, int threads) { SortPackedImpl(v, tmp, n, threads); }

void TagSorter::PackedArray::Release() {
  if (data_ != nullptr) ::munmap(data_, bytes_);
  data_ = nullptr;
  size_ = capacity_ = bytes_ = 0;
}

TagSorter::PackedArray::~PackedArray() { Release(); }

Status TagSorter::PackedArray::Reserve(size_t capacity) {
  if (data_ != nullptr) return Status::Ok();
  constexpr size_t kPage = size_t{4} << 10;
  const size_t bytes = (std::max<size_t>(capacity, 1) * sizeof(Packed) + kPage - 1) / kPage * kPage;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return Status::IOError("cannot reserve " + std::to_string(bytes >> 20) +
                           " MiB for the sort buffer (lower --memory): " + std::strerror(errno));
  // No MADV_HUGEPAGE: it cut page faults 5x, but on this (virtualised)
  // machine zeroing fresh 2 MiB pages cost ~10% of an ingest's CPU in
  // clear_page_erms, against ~0.6% for 4 KiB pages (perf, persons.ndjson).
  data_ = static_cast<Packed*>(p);
  bytes_ = bytes;
  capacity_ = capacity;
  size_ = 0;
  return Status::Ok();
}

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

void Fill(const TagSorter::Packed& p, const std::vector<TagSorter::PayloadKey>& payloads, TagEntry* out) {
  out->fingerprint = p.fp;
  out->classes = payloads[p.payload].classes;
  out->roles = payloads[p.payload].roles;
  out->count = p.count;
  out->payload = p.payload;
}

class MergedStream : public TagSorter::Stream {
 public:
  MergedStream(std::unique_ptr<RunMergeStream> m, const std::vector<TagSorter::PayloadKey>* payloads)
      : m_(std::move(m)), payloads_(payloads) {}
  Result<bool> Next(TagEntry* out) override {
    TagSorter::Packed p;
    LEAKDEX_ASSIGN_OR_RETURN(bool more, m_->NextPacked(&p));
    if (!more) return false;
    Fill(p, *payloads_, out);
    return true;
  }

 private:
  std::unique_ptr<RunMergeStream> m_;
  const std::vector<TagSorter::PayloadKey>* payloads_;
};

class MemoryStream : public TagSorter::Stream {
 public:
  MemoryStream(const TagSorter::Packed* v, size_t n, const std::vector<TagSorter::PayloadKey>* payloads)
      : v_(v), n_(n), payloads_(payloads) {}
  Result<bool> Next(TagEntry* out) override {
    if (i_ >= n_) return false;
    const TagSorter::Packed& p = v_[i_++];
    Fill(p, *payloads_, out);
    return true;
  }

 private:
  const TagSorter::Packed* v_;
  size_t n_;
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

Status TagSorter::Add(const TagEntry& e) { return Add(&e, 1); }

Status TagSorter::Add(const TagEntry* entries, size_t n) {
  if (finished_) return Status::Internal("TagSorter::Add after Finish");
  LEAKDEX_RETURN_IF_ERROR(buffer_.Reserve(capacity_));
  for (size_t i = 0; i < n;) {
    if (buffer_.size() >= capacity_) LEAKDEX_RETURN_IF_ERROR(SpillBuffer());
    const size_t take = std::min(n - i, capacity_ - buffer_.size());
    for (const TagEntry* e = entries + i; e != entries + i + take; ++e)
      buffer_.push_back(Packed{e->fingerprint, InternCached(e->classes, e->roles), std::min(e->count, kTagCountMax)});
    i += take;
  }
  added_ += n;
  return Status::Ok();
}

Status TagSorter::SortAndMergeBuffer(bool tally) {
  LEAKDEX_RETURN_IF_ERROR(scratch_.Reserve(capacity_));
  Packed* v = buffer_.data();
  const size_t n = buffer_.size();
  SortByFingerprint(v, scratch_.data(), n, options_.threads);
  // A flat tally, row per payload; given up (StreamCounts() unknown) when
  // the payloads are too many for rows of 2 KiB each.
  constexpr size_t kRow = kStreamCountCap + 1;
  constexpr size_t kMaxTallyPayloads = 4096;
  tally_valid_ = tally;
  tally_.clear();
  auto count_entry = [&](const Packed& e) {
    if (!tally_valid_) return;
    if (e.payload >= kMaxTallyPayloads) {
      tally_valid_ = false;
      return;
    }
    const size_t i = size_t{e.payload} * kRow + std::min(e.count, kStreamCountCap);
    if (i >= tally_.size()) tally_.resize((size_t{e.payload} + 1) * kRow, 0);
    tally_[i]++;
  };
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (out > 0 && v[out - 1].fp == v[i].fp) {
      Packed& e = v[out - 1];
      e.payload = Union(e.payload, v[i].payload);
      e.count = SatAdd(e.count, v[i].count);
    } else {
      if (out > 0) count_entry(v[out - 1]);  // final: no more duplicates follow
      v[out++] = v[i];
    }
  }
  if (out > 0) count_entry(v[out - 1]);
  buffer_.resize(out);
  return Status::Ok();
}

std::optional<std::vector<TagSorter::PayloadCount>> TagSorter::StreamCounts() const {
  if (!finished_ || !runs_.empty() || !tally_valid_) return std::nullopt;
  constexpr size_t kRow = kStreamCountCap + 1;
  std::vector<PayloadCount> out;
  for (size_t i = 0; i < tally_.size(); ++i)
    if (tally_[i] > 0)
      out.push_back(PayloadCount{static_cast<uint32_t>(i / kRow), static_cast<uint32_t>(i % kRow), tally_[i]});
  return out;
}

Status TagSorter::SpillBuffer() {
  LEAKDEX_RETURN_IF_ERROR(SortAndMergeBuffer());
  std::string path = RunPath(next_run_++);
  RunWriter w(path, chunk_bytes_);
  runs_.push_back(path);  // registered first: removed even if writing fails
  LEAKDEX_RETURN_IF_ERROR(w.Open());
  for (const Packed* p = buffer_.data(); p != buffer_.data() + buffer_.size(); ++p)
    LEAKDEX_RETURN_IF_ERROR(w.Add(p->fp, p->payload, p->count));
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
    LEAKDEX_RETURN_IF_ERROR(SortAndMergeBuffer(/*tally=*/true));
    scratch_.Release();
    return Status::Ok();
  }
  if (!buffer_.empty()) LEAKDEX_RETURN_IF_ERROR(SpillBuffer());
  buffer_.Release();
  scratch_.Release();
  while (runs_.size() > fan_in_) LEAKDEX_RETURN_IF_ERROR(MergeRuns(0, fan_in_));
  return Status::Ok();
}

std::optional<std::span<const TagSorter::Packed>> TagSorter::InMemory() const {
  if (!finished_ || !runs_.empty()) return std::nullopt;
  return std::span<const Packed>(buffer_.data(), buffer_.size());
}

Result<std::unique_ptr<TagSorter::Stream>> TagSorter::Open() const {
  if (!finished_) return Status::Internal("TagSorter::Open before Finish");
  auto* self = const_cast<TagSorter*>(this);  // unions found while merging are interned
  if (runs_.empty()) return std::unique_ptr<Stream>(new MemoryStream(buffer_.data(), buffer_.size(), &payloads_));
  auto m = std::make_unique<RunMergeStream>(self, runs_);
  LEAKDEX_RETURN_IF_ERROR(m->Open());
  return std::unique_ptr<Stream>(new MergedStream(std::move(m), &payloads_));
}

}  // namespace leakdex
