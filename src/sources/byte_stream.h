// Byte streams: where a source's bytes come from (a file, stdin, and later
// decompressors). Reads are chunked so inputs of any size stream in bounded
// memory; nothing is ever unpacked to disk (SPEC P6).
#pragma once

#include <memory>
#include <string>

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
};

// "-" opens standard input.
Result<std::unique_ptr<ByteStream>> OpenFileStream(const std::string& path);

// A growable window over a ByteStream. The bytes from the first unconsumed
// one to the end of the window stay put until consumed; the buffer keeps
// kPadding readable bytes past the window end (simdjson needs 64).
class StreamBuffer {
 public:
  static constexpr size_t kPadding = 64;
  explicit StreamBuffer(std::unique_ptr<ByteStream> in, size_t chunk = 1 << 20);

  const char* data() const { return buf_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  // Bytes readable from data(): size() plus padding (for simdjson).
  size_t capacity() const { return cap_ - begin_; }
  bool eof() const { return eof_; }
  // Absolute stream offset of data()[0].
  uint64_t offset() const { return offset_; }
  void Consume(size_t n) { begin_ += n; offset_ += n; }
  // Reads more bytes, keeping the unconsumed ones (the buffer grows when full).
  // Returns false at end of stream with nothing new read.
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
