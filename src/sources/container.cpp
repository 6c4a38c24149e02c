// Containers: compressed streams and archives, decoded in memory. A gzip or
// zstd stream is decoded by ISA-L / libzstd (stream_decoders.h, faster than
// libarchive's filters); everything else (xz, bzip2, lz4, compress, zip, 7z,
// tar) by libarchive, also what a gzip or zstd stream holds when that is an
// archive (a .tar.gz is ISA-L, then libarchive for the tar). Plain files skip
// all of them. Detection is by magic number. The libraries are opened with
// dlopen on first use (archive_api.h, codec_api.h), so a process that reads
// no compressed input never maps them; when ISA-L or libzstd cannot be loaded,
// libarchive reads their streams as before.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "sources/archive_api.h"
#include "sources/codec_api.h"
#include "sources/input.h"
#include "sources/stream_decoders.h"

namespace leakdex {
namespace {

constexpr size_t kSniffBytes = 512;
constexpr int kMaxNesting = 3;  // a zip of tar.gz of ... : deeper is refused
// gzip/zstd streams directly inside one another (a .csv.gz.zst) count as one
// nesting level, as libarchive's stacked filters did; at most this many (a
// gzip quine must not recurse for ever).
constexpr int kMaxStackedStreams = 4;

bool StartsWith(std::string_view s, std::string_view magic) { return s.substr(0, magic.size()) == magic; }

using namespace std::string_view_literals;
constexpr std::string_view kGzipMagic = "\x1f\x8b"sv;
constexpr std::string_view kZstdMagic = "\x28\xb5\x2f\xfd"sv;

// True when `head` starts like a compressed stream or an archive.
bool LooksLikeContainer(std::string_view h) {
  using namespace std::string_view_literals;
  if (StartsWith(h, kGzipMagic) || StartsWith(h, "\x1f\x9d"sv)) return true;  // gzip, compress(.Z)
  if (StartsWith(h, kZstdMagic)) return true;                                 // zstd
  if (StartsWith(h, "\xfd\x37\x7a\x58\x5a\x00"sv)) return true;                  // xz
  if (StartsWith(h, "\x04\x22\x4d\x18"sv)) return true;                          // lz4 frame
  if (h.size() >= 10 && StartsWith(h, "BZh"sv) && h[3] >= '1' && h[3] <= '9' &&
      (h.substr(4, 6) == "\x31\x41\x59\x26\x53\x59"sv || h.substr(4, 6) == "\x17\x72\x45\x38\x50\x90"sv))
    return true;                                                                  // bzip2 (block or end magic)
  if (StartsWith(h, "PK\x03\x04"sv) || StartsWith(h, "PK\x05\x06"sv) || StartsWith(h, "PK\x07\x08"sv))
    return true;                                                                  // zip
  if (StartsWith(h, "7z\xbc\xaf\x27\x1c"sv)) return true;                         // 7z
  if (h.size() >= 262 && h.substr(257, 5) == "ustar"sv) return true;              // tar (POSIX and GNU)
  return false;
}

// Counts the bytes read from the named file, for progress on compressed input.
class CountingStream final : public ByteStream {
 public:
  CountingStream(std::unique_ptr<ByteStream> in, std::shared_ptr<std::atomic<uint64_t>> count)
      : in_(std::move(in)), count_(std::move(count)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    auto r = in_->Read(buf, n);
    if (r.ok()) count_->fetch_add(*r, std::memory_order_relaxed);
    return r;
  }
  const std::string& name() const override { return in_->name(); }
  uint64_t size_hint() const override { return in_->size_hint(); }
  bool seekable() const override { return in_->seekable(); }
  Result<uint64_t> Seek(int64_t offset, int whence) override { return in_->Seek(offset, whence); }

 private:
  std::unique_ptr<ByteStream> in_;
  std::shared_ptr<std::atomic<uint64_t>> count_;
};

class PlainContainer final : public InputContainer {
 public:
  PlainContainer(std::unique_ptr<ByteStream> in, std::string name, std::shared_ptr<std::atomic<uint64_t>> count)
      : in_(std::move(in)), name_(std::move(name)), count_(std::move(count)), size_(in_->size_hint()) {}
  Result<bool> Next(InputPart* part) override {
    if (!in_) return false;
    part->name = name_;
    part->stream = std::move(in_);
    return true;
  }
  uint64_t raw_bytes_done() const override { return count_ ? count_->load(std::memory_order_relaxed) : 0; }
  uint64_t raw_size() const override { return size_; }
  std::string kind() const override { return "plain"; }

 private:
  std::unique_ptr<ByteStream> in_;
  std::string name_;
  std::shared_ptr<std::atomic<uint64_t>> count_;
  uint64_t size_;
};

Result<std::unique_ptr<InputContainer>> OpenContainer(std::unique_ptr<PeekStream> peek, const std::string& name,
                                                      int depth, int stacked, std::shared_ptr<std::atomic<uint64_t>> count,
                                                      StreamDecoders decoders);

class ArchiveContainer;

// The data of the current archive member.
class MemberStream final : public ByteStream {
 public:
  MemberStream(ArchiveContainer* owner, std::string name) : owner_(owner), name_(std::move(name)) {}
  Result<size_t> Read(char* buf, size_t n) override;
  const std::string& name() const override { return name_; }

 private:
  ArchiveContainer* owner_;
  std::string name_;
};

class ArchiveContainer final : public InputContainer {
 public:
  ArchiveContainer(const ArchiveApi* la, std::unique_ptr<ByteStream> in, std::string name, int depth,
                   std::shared_ptr<std::atomic<uint64_t>> count, StreamDecoders decoders)
      : la_(la), in_(std::move(in)), name_(std::move(name)), depth_(depth), count_(std::move(count)),
        size_(in_->size_hint()), decoders_(decoders), block_(1 << 20) {}
  ~ArchiveContainer() override {
    nested_.reset();
    if (a_) la_->archive_read_free(a_);
  }

  Status Open() {
    a_ = la_->archive_read_new();
    if (a_ == nullptr) return Status::Internal("libarchive: out of memory");
    la_->archive_read_support_filter_all(a_);
    // Only real archive formats plus "raw" (a single compressed stream). Not
    // format_all: text formats such as mtree could claim a compressed CSV.
    la_->archive_read_support_format_tar(a_);
    la_->archive_read_support_format_gnutar(a_);
    la_->archive_read_support_format_zip(a_);
    la_->archive_read_support_format_7zip(a_);
    la_->archive_read_support_format_cpio(a_);
    la_->archive_read_support_format_raw(a_);
    la_->archive_read_support_format_empty(a_);
    la_->archive_read_set_callback_data(a_, this);
    la_->archive_read_set_read_callback(a_, &ArchiveContainer::ReadCb);
    if (in_->seekable()) {
      la_->archive_read_set_seek_callback(a_, &ArchiveContainer::SeekCb);
      la_->archive_read_set_skip_callback(a_, &ArchiveContainer::SkipCb);
    }
    if (la_->archive_read_open1(a_) != ARCHIVE_OK) return Error("cannot open");
    return Status::Ok();
  }

  Result<bool> Next(InputPart* part) override {
    if (nested_) {
      LEAKDEX_ASSIGN_OR_RETURN(bool more, nested_->Next(part));
      if (more) return true;
      nested_.reset();
    }
    for (;;) {
      archive_entry* e = nullptr;
      int r = la_->archive_read_next_header(a_, &e);
      if (r == ARCHIVE_EOF) return false;
      if (r < ARCHIVE_WARN) return Error("truncated or corrupt");
      if (kind_.empty()) kind_ = DescribeKind();
      if (la_->archive_entry_filetype(e) != AE_IFREG && la_->archive_format(a_) != ARCHIVE_FORMAT_RAW) continue;
      std::string member;
      if (la_->archive_format(a_) == ARCHIVE_FORMAT_RAW) {
        member = name_;
      } else {
        const char* p = la_->archive_entry_pathname_utf8(e);
        if (p == nullptr) p = la_->archive_entry_pathname(e);
        std::string path = p ? p : "?";
        if (IsMacMetadata(path)) continue;
        member = name_ + "!" + path;
      }
      auto peek = std::make_unique<PeekStream>(std::make_unique<MemberStream>(this, member));
      LEAKDEX_RETURN_IF_ERROR(peek->Peek(kSniffBytes));
      if (LooksLikeContainer(peek->head())) {
        if (depth_ + 1 > kMaxNesting)
          return Status::InputError(member + ": archives nested more than " + std::to_string(kMaxNesting) +
                                    " deep are not read");
        LEAKDEX_ASSIGN_OR_RETURN(nested_, OpenContainer(std::move(peek), member, depth_ + 1, 0, nullptr, decoders_));
        LEAKDEX_ASSIGN_OR_RETURN(bool more, nested_->Next(part));
        if (more) return true;
        nested_.reset();
        continue;
      }
      part->name = member;
      part->stream = std::move(peek);
      return true;
    }
  }

  Result<size_t> ReadData(char* buf, size_t n, const std::string& member) {
    la_ssize_t r = la_->archive_read_data(a_, buf, n);
    if (r < 0) return Error("truncated or corrupt", member);
    return static_cast<size_t>(r);
  }

  uint64_t raw_bytes_done() const override { return count_ ? count_->load(std::memory_order_relaxed) : 0; }
  uint64_t raw_size() const override { return size_; }
  std::string kind() const override { return kind_.empty() ? "archive" : kind_; }

 private:
  static bool IsMacMetadata(const std::string& path) {
    return path.starts_with("__MACOSX/") || path.find("/._") != std::string::npos || path.starts_with("._");
  }

  std::string DescribeKind() const {
    std::string k;
    if (la_->archive_format(a_) != ARCHIVE_FORMAT_RAW) k = la_->archive_format_name(a_) ? la_->archive_format_name(a_) : "archive";
    for (int i = la_->archive_filter_count(a_) - 1; i >= 0; --i) {
      const char* f = la_->archive_filter_name(a_, i);
      if (f == nullptr || std::strcmp(f, "none") == 0) continue;
      if (!k.empty()) k += "+";
      k += f;
    }
    return k;
  }

  Status Error(const char* what, const std::string& member = {}) {
    // libarchive's message names formats and sizes, never data.
    const char* msg = la_->archive_error_string(a_);
    if (!pending_.ok()) return pending_;
    return Status::InputError((member.empty() ? name_ : member) + ": " + what + " " +
                              (kind_.empty() ? std::string("compressed") : kind_) + " input" +
                              (msg ? std::string(" (") + msg + ")" : std::string()));
  }

  static la_ssize_t ReadCb(struct archive*, void* self_v, const void** out) {
    auto* self = static_cast<ArchiveContainer*>(self_v);
    auto r = self->in_->Read(self->block_.data(), self->block_.size());
    if (!r.ok()) {
      self->pending_ = r.status();
      return -1;
    }
    *out = self->block_.data();
    return static_cast<la_ssize_t>(*r);
  }
  static la_int64_t SeekCb(struct archive*, void* self_v, la_int64_t offset, int whence) {
    auto* self = static_cast<ArchiveContainer*>(self_v);
    auto r = self->in_->Seek(offset, whence);
    if (!r.ok()) {
      self->pending_ = r.status();
      return ARCHIVE_FATAL;
    }
    return static_cast<la_int64_t>(*r);
  }
  static la_int64_t SkipCb(struct archive*, void* self_v, la_int64_t request) {
    auto* self = static_cast<ArchiveContainer*>(self_v);
    auto r = self->in_->Seek(request, SEEK_CUR);
    return r.ok() ? request : 0;  // 0: libarchive reads and discards instead
  }

  const ArchiveApi* la_;  // libarchive, loaded on the first container (archive_api.h)
  std::unique_ptr<ByteStream> in_;
  std::string name_;
  int depth_;
  std::shared_ptr<std::atomic<uint64_t>> count_;
  uint64_t size_;
  StreamDecoders decoders_;
  std::vector<char> block_;
  archive* a_ = nullptr;
  std::string kind_;
  Status pending_;  // an I/O error seen inside a callback
  std::unique_ptr<InputContainer> nested_;
};

Result<size_t> MemberStream::Read(char* buf, size_t n) { return owner_->ReadData(buf, n, name_); }

// A gzip or zstd stream decoded without libarchive (stream_decoders.h). Its
// content is one part named like the stream; when the content is itself a
// container (a .tar.gz), the parts of that container instead, opened at the
// same nesting level (as libarchive opened a tar and its filters as one).
class DecodedStreamContainer final : public InputContainer {
 public:
  DecodedStreamContainer(std::unique_ptr<ByteStream> decoded, std::string name, std::string kind, int depth,
                         int stacked, std::shared_ptr<std::atomic<uint64_t>> count, uint64_t size,
                         StreamDecoders decoders)
      : decoded_(std::move(decoded)), name_(std::move(name)), kind_(std::move(kind)), depth_(depth),
        stacked_(stacked), count_(std::move(count)), size_(size), decoders_(decoders) {}

  Result<bool> Next(InputPart* part) override {
    if (nested_) {
      LEAKDEX_ASSIGN_OR_RETURN(bool more, nested_->Next(part));
      if (more) return true;
      nested_.reset();
      return false;
    }
    if (!decoded_) return false;
    auto peek = std::make_unique<PeekStream>(std::move(decoded_));
    LEAKDEX_RETURN_IF_ERROR(peek->Peek(kSniffBytes));
    if (LooksLikeContainer(peek->head())) {
      LEAKDEX_ASSIGN_OR_RETURN(nested_, OpenContainer(std::move(peek), name_, depth_, stacked_ + 1, nullptr, decoders_));
      kind_ = nested_->kind() + "+" + kind_;
      LEAKDEX_ASSIGN_OR_RETURN(bool more, nested_->Next(part));
      if (more) return true;
      nested_.reset();
      return false;
    }
    part->name = name_;
    part->stream = std::move(peek);
    return true;
  }

  uint64_t raw_bytes_done() const override { return count_ ? count_->load(std::memory_order_relaxed) : 0; }
  uint64_t raw_size() const override { return size_; }
  std::string kind() const override { return kind_; }

 private:
  std::unique_ptr<ByteStream> decoded_;  // until Next hands it out or opens it
  std::string name_;
  std::string kind_;  // "gzip", "zstd"; "<inner kind>+gzip" once the content is opened as a container
  int depth_;
  int stacked_;
  std::shared_ptr<std::atomic<uint64_t>> count_;
  uint64_t size_;
  StreamDecoders decoders_;
  std::unique_ptr<InputContainer> nested_;
};

// Opens the container whose first bytes `peek` holds (LooksLikeContainer was
// true). gzip and zstd go to ISA-L / libzstd unless `decoders` says otherwise
// or the library cannot be loaded; the rest to libarchive. `stacked`: how many
// decoded gzip/zstd streams this one sits in at this nesting level.
Result<std::unique_ptr<InputContainer>> OpenContainer(std::unique_ptr<PeekStream> peek, const std::string& name,
                                                      int depth, int stacked, std::shared_ptr<std::atomic<uint64_t>> count,
                                                      StreamDecoders decoders) {
  const uint64_t size = peek->size_hint();
  const bool native_stream = StartsWith(peek->head(), kGzipMagic) || StartsWith(peek->head(), kZstdMagic);
  if (decoders == StreamDecoders::kNative && native_stream && stacked >= kMaxStackedStreams)
    return Status::InputError(name + ": gzip/zstd streams stacked more than " + std::to_string(kMaxStackedStreams) +
                              " deep are not read");
  if (decoders == StreamDecoders::kNative) {
    if (StartsWith(peek->head(), kGzipMagic)) {
      if (auto isal = LoadIsalApi(); isal.ok())  // else: libarchive, below
        return std::unique_ptr<InputContainer>(std::make_unique<DecodedStreamContainer>(
            NewGzipDecoder(*isal, std::move(peek), name), name, "gzip", depth, stacked, count, size, decoders));
    } else if (StartsWith(peek->head(), kZstdMagic)) {
      if (auto zstd = LoadZstdApi(); zstd.ok())
        return std::unique_ptr<InputContainer>(std::make_unique<DecodedStreamContainer>(
            NewZstdDecoder(*zstd, std::move(peek), name), name, "zstd", depth, stacked, count, size, decoders));
    }
  }
  LEAKDEX_ASSIGN_OR_RETURN(const ArchiveApi* la, LoadArchiveApi());
  auto c = std::make_unique<ArchiveContainer>(la, std::move(peek), name, depth, std::move(count), decoders);
  LEAKDEX_RETURN_IF_ERROR(c->Open());
  return std::unique_ptr<InputContainer>(std::move(c));
}

Result<std::unique_ptr<InputContainer>> Wrap(std::unique_ptr<ByteStream> in, const std::string& name, int depth,
                                             std::shared_ptr<std::atomic<uint64_t>> count, StreamDecoders decoders) {
  auto peek = std::make_unique<PeekStream>(std::move(in));
  LEAKDEX_RETURN_IF_ERROR(peek->Peek(kSniffBytes));
  if (!LooksLikeContainer(peek->head()))
    return std::unique_ptr<InputContainer>(std::make_unique<PlainContainer>(std::move(peek), name, count));
  return OpenContainer(std::move(peek), name, depth, 0, std::move(count), decoders);
}

}  // namespace

Result<std::unique_ptr<InputContainer>> OpenInput(const std::string& path) {
  LEAKDEX_ASSIGN_OR_RETURN(auto file, OpenFileStream(path));
  auto count = std::make_shared<std::atomic<uint64_t>>(0);
  std::string name = file->name();
  return Wrap(std::make_unique<CountingStream>(std::move(file), count), name, 0, count, StreamDecoders::kNative);
}

Result<std::unique_ptr<InputContainer>> OpenInputStream(std::unique_ptr<ByteStream> in, int depth,
                                                        StreamDecoders decoders) {
  auto count = std::make_shared<std::atomic<uint64_t>>(0);
  std::string name = in->name();
  return Wrap(std::make_unique<CountingStream>(std::move(in), count), name, depth, count, decoders);
}

}  // namespace leakdex
