#include "sources/stream_decoders.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace leakdex {
namespace {

// Compressed bytes read from the underlying stream at a time.
constexpr size_t kInputChunk = 256 << 10;

Status Corrupt(const std::string& name, const char* kind, const std::string& reason) {
  return Status::InputError(name + ": truncated or corrupt " + kind + " input (" + reason + ")");
}

// A window of compressed input: [data(), data() + size()) is read but not yet
// decoded. Fill() keeps those bytes (moved to the front) and appends more.
class InputWindow {
 public:
  explicit InputWindow(std::unique_ptr<ByteStream> in) : in_(std::move(in)), buf_(kInputChunk) {}
  uint8_t* data() { return buf_.data() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool eof() const { return eof_; }
  void Consume(size_t n) { begin_ += n; }
  // Reads more input after the unconsumed bytes; at end of input sets eof().
  Status Fill() {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, size());  // size() may be 0: no null pointers here
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == buf_.size()) return Status::Ok();  // full (callers consume before they fill again)
    LEAKDEX_ASSIGN_OR_RETURN(size_t got, in_->Read(reinterpret_cast<char*>(buf_.data()) + end_, buf_.size() - end_));
    if (got == 0) eof_ = true;
    end_ += got;
    return Status::Ok();
  }

 private:
  std::unique_ptr<ByteStream> in_;
  std::vector<uint8_t> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
};

const char* IsalReason(int r) {
  switch (r) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid deflate distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "CRC or length check failed";
    case ISAL_NEED_DICT: return "needs a preset dictionary";
    default: return "inflate error";
  }
}

class GzipDecoder final : public ByteStream {
 public:
  GzipDecoder(const IsalApi* isal, std::unique_ptr<ByteStream> in, std::string name)
      : isal_(isal), in_(std::move(in)), name_(std::move(name)), state_(std::make_unique<inflate_state>()) {
    isal_->isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;  // parse each member's header, check its CRC-32 and length
  }

  Result<size_t> Read(char* buf, size_t n) override {
    if (done_ || n == 0) return size_t{0};
    n = std::min<size_t>(n, std::numeric_limits<uint32_t>::max());
    inflate_state* s = state_.get();
    s->next_out = reinterpret_cast<uint8_t*>(buf);
    s->avail_out = static_cast<uint32_t>(n);
    while (s->avail_out > 0) {
      if (s->block_state == ISAL_BLOCK_FINISH) {  // a member ended, trailer checked
        LEAKDEX_ASSIGN_OR_RETURN(bool more, StartNextMember());
        if (!more) {
          done_ = true;
          break;
        }
      }
      if (in_.size() == 0 && !in_.eof()) LEAKDEX_RETURN_IF_ERROR(in_.Fill());
      const uint32_t out_before = s->avail_out;
      const size_t in_before = in_.size();
      s->next_in = in_.data();
      s->avail_in = static_cast<uint32_t>(in_.size());
      int r = isal_->isal_inflate(s);
      in_.Consume(in_before - s->avail_in);
      if (r != ISAL_DECOMP_OK) return Corrupt(name_, "gzip", IsalReason(r));
      // At the end of the input with nothing decoded and the member unfinished:
      // the file was cut (ISA-L keeps no output back when there is room for it).
      if (in_.eof() && in_.size() == 0 && s->avail_out == out_before && s->block_state != ISAL_BLOCK_FINISH)
        return Corrupt(name_, "gzip", "the input ends inside a member");
    }
    return n - s->avail_out;
  }

  const std::string& name() const override { return name_; }

 private:
  // After a member: true when another member follows (the decoder is reset
  // for it), false at the end of the input or after zero padding.
  Result<bool> StartNextMember() {
    for (;;) {
      while (in_.size() < 2 && !in_.eof()) LEAKDEX_RETURN_IF_ERROR(in_.Fill());
      if (in_.size() == 0) return false;
      const uint8_t* p = in_.data();
      if (in_.size() >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
        // isal_inflate_reset clears the whole state; keep the output window and the flag.
        uint8_t* next_out = state_->next_out;
        uint32_t avail_out = state_->avail_out;
        isal_->isal_inflate_reset(state_.get());
        state_->next_out = next_out;
        state_->avail_out = avail_out;
        state_->crc_flag = ISAL_GZIP;
        return true;
      }
      if (std::any_of(p, p + in_.size(), [](uint8_t b) { return b != 0; }))
        return Corrupt(name_, "gzip", "trailing data after the last member is not a gzip member");
      in_.Consume(in_.size());  // zero padding (tape blocks): ignored, as gzip -dc does
    }
  }

  const IsalApi* isal_;
  InputWindow in_;
  std::string name_;
  std::unique_ptr<inflate_state> state_;  // ~90 KiB: on the heap
  bool done_ = false;
};

class ZstdDecoder final : public ByteStream {
 public:
  ZstdDecoder(const ZstdApi* zstd, std::unique_ptr<ByteStream> in, std::string name)
      : zstd_(zstd), in_(std::move(in)), name_(std::move(name)), dctx_(zstd_->ZSTD_createDCtx()) {}
  ~ZstdDecoder() override { zstd_->ZSTD_freeDCtx(dctx_); }  // accepts null

  Result<size_t> Read(char* buf, size_t n) override {
    if (done_ || n == 0) return size_t{0};
    if (dctx_ == nullptr) return Status::Internal(name_ + ": zstd: out of memory");
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos < out.size) {
      if (in_.size() == 0 && !in_.eof()) LEAKDEX_RETURN_IF_ERROR(in_.Fill());
      if (in_.size() == 0 && in_.eof() && pending_ == 0) {  // every frame complete and flushed
        done_ = true;
        break;
      }
      ZSTD_inBuffer in{in_.data(), in_.size(), 0};
      const size_t out_before = out.pos;
      size_t r = zstd_->ZSTD_decompressStream(dctx_, &out, &in);
      in_.Consume(in.pos);
      if (zstd_->ZSTD_isError(r)) return Corrupt(name_, "zstd", zstd_->ZSTD_getErrorName(r));
      pending_ = r;  // 0: a frame ended and all its output is out
      if (in_.size() == 0 && in_.eof() && pending_ != 0 && out.pos == out_before)
        return Corrupt(name_, "zstd", "the input ends inside a frame");
    }
    return out.pos;
  }

  const std::string& name() const override { return name_; }

 private:
  const ZstdApi* zstd_;
  InputWindow in_;
  std::string name_;
  ZSTD_DCtx* dctx_;
  size_t pending_ = 1;  // ZSTD_decompressStream's last hint; nonzero before the first frame
  bool done_ = false;
};

}  // namespace

std::unique_ptr<ByteStream> NewGzipDecoder(const IsalApi* isal, std::unique_ptr<ByteStream> in, std::string name) {
  return std::make_unique<GzipDecoder>(isal, std::move(in), std::move(name));
}

std::unique_ptr<ByteStream> NewZstdDecoder(const ZstdApi* zstd, std::unique_ptr<ByteStream> in, std::string name) {
  return std::make_unique<ZstdDecoder>(zstd, std::move(in), std::move(name));
}

}  // namespace leakdex
