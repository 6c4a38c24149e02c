// Byte streams: where a source's bytes come from (a file, stdin, and later
// decompressors). Reads are chunked so inputs of any size stream in bounded
// memory; nothing is ever unpacked to disk (SPEC P6).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "leakdex/status.h"

namespace leakdex {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to `n` bytes into `buf`; 0 means end of stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // For messages: the file name, or "<stdin>".
  virtual const std::string& name() const = 0;
  // Total size if known (for progress), else 0.
  virtual uint64_t size_hint() const { return 0; }
  // Random access, for archive formats that keep their index at the end (zip,
  // 7z). Only regular files can seek; others return false / an error.
  virtual bool seekable() const { return false; }
  // lseek semantics (whence: SEEK_SET, SEEK_CUR, SEEK_END); the new position.
  virtual Result<uint64_t> Seek(int64_t offset, int whence) {
    return Status::Internal(name() + ": stream cannot seek");
  }
};

// "-" opens standard input.
Result<std::unique_ptr<ByteStream>> OpenFileStream(const std::string& path);

// A stream over bytes in memory (tests, small inputs).
std::unique_ptr<ByteStream> NewMemoryStream(std::string bytes, std::string name = "<memory>");

// Reads the first bytes of a stream to look at them (format and encoding
// detection), then replays them to its reader.
class PeekStream final : public ByteStream {
 public:
  explicit PeekStream(std::unique_ptr<ByteStream> in) : in_(std::move(in)) {}
  // Reads up to `n` bytes (fewer only at end of stream) into head().
  Status Peek(size_t n);
  std::string_view head() const { return std::string_view(head_).substr(pos_); }
  // Drops the first `n` bytes of head() (a byte-order mark).
  void Skip(size_t n) { pos_ += n; logical_ += n; }
  Result<size_t> Read(char* buf, size_t n) override;
  const std::string& name() const override { return in_->name(); }
  uint64_t size_hint() const override { return in_->size_hint(); }
  bool seekable() const override { return in_->seekable(); }
  Result<uint64_t> Seek(int64_t offset, int whence) override;

 private:
  std::unique_ptr<ByteStream> in_;
  std::string head_;
  size_t pos_ = 0;
  uint64_t logical_ = 0;
};

// A growable window over a ByteStream. The bytes from the first unconsumed
// one to the end of the window stay put until consumed; the buffer keeps
// kPadding readable bytes past the window end (simdjson needs 64).
class StreamBuffer {
 public:
  static constexpr size_t kPadding = 64;
  explicit StreamBuffer(std::unique_ptr<ByteStream> in, size_t chunk = 1 << 20);

  const char* data() const { return buf_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  // Bytes readable from data(): at least size() plus kPadding (for simdjson).
  size_t capacity() const { return cap_ + kPadding - begin_; }
  bool eof() const { return eof_; }
  // Absolute stream offset of data()[0].
  uint64_t offset() const { return offset_; }
  void Consume(size_t n) { begin_ += n; offset_ += n; }
  // Reads more bytes, keeping the unconsumed ones (the buffer grows when full).
  // Returns false at end of stream with nothing new read. Either way data()
  // may have moved: pointers into the buffer taken before are invalid.
  Result<bool> Fill();
  const std::string& name() const { return in_->name(); }
  uint64_t size_hint() const { return in_->size_hint(); }
  ByteStream* stream() { return in_.get(); }

 private:
  std::unique_ptr<ByteStream> in_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;    // usable bytes (allocation is cap_ + kPadding)
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t chunk_;
  uint64_t offset_ = 0;
  bool eof_ = false;
};

}  // namespace leakdex
