#include "sources/stream_decoders.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace leakdex {
namespace {

// Compressed bytes read from the underlying stream at a time (also the most
// a gzip header's FEXTRA field, up to 65,535 bytes, needs at once).
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

// Each member's header is parsed here, not by ISA-L: ISA-L 2.30 reports a
// correct header CRC (FHCRC) as wrong when the header reaches it in pieces
// (found by stream_decoders_test.cpp with input trickled a few bytes per
// read, as from a pipe, or a member header across two input chunks). ISA-L
// then decodes the deflate data and checks the trailer's CRC-32 and length
// (ISAL_GZIP_NO_HDR_VER).
class GzipDecoder final : public ByteStream {
 public:
  GzipDecoder(const IsalApi* isal, std::unique_ptr<ByteStream> in, std::string name)
      : isal_(isal), in_(std::move(in)), name_(std::move(name)), state_(std::make_unique<inflate_state>()) {
    isal_->isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP_NO_HDR_VER;
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
      if (header_pending_) {
        LEAKDEX_RETURN_IF_ERROR(ReadHeader());
        header_pending_ = false;
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
        state_->crc_flag = ISAL_GZIP_NO_HDR_VER;
        header_pending_ = true;
        return true;
      }
      if (std::any_of(p, p + in_.size(), [](uint8_t b) { return b != 0; }))
        return Corrupt(name_, "gzip", "trailing data after the last member is not a gzip member");
      in_.Consume(in_.size());  // zero padding (tape blocks): ignored, as gzip -dc does
    }
  }

  // Reads and checks one member header (RFC 1952 2.3): magic, method 8
  // (deflate), no reserved flag bits; skips FEXTRA, FNAME and FCOMMENT;
  // checks FHCRC (the low 16 bits of the CRC-32 of the header before it).
  Status ReadHeader() {
    enum : uint8_t { kFhcrc = 0x02, kFextra = 0x04, kFname = 0x08, kFcomment = 0x10, kReserved = 0xE0 };
    uint32_t crc = 0;
    auto take = [&](size_t k) {
      crc = isal_->crc32_gzip_refl(crc, in_.data(), k);
      in_.Consume(k);
    };
    LEAKDEX_RETURN_IF_ERROR(NeedHeaderBytes(10));
    const uint8_t* h = in_.data();
    if (h[0] != 0x1f || h[1] != 0x8b) return Corrupt(name_, "gzip", "invalid gzip header");
    if (h[2] != 8) return Corrupt(name_, "gzip", "unsupported compression method");
    const uint8_t flags = h[3];
    if (flags & kReserved) return Corrupt(name_, "gzip", "invalid gzip header");
    take(10);
    if (flags & kFextra) {
      LEAKDEX_RETURN_IF_ERROR(NeedHeaderBytes(2));
      const size_t xlen = in_.data()[0] | (size_t{in_.data()[1]} << 8);
      take(2);
      LEAKDEX_RETURN_IF_ERROR(NeedHeaderBytes(xlen));  // <= 65535 bytes: fits the window
      take(xlen);
    }
    for (uint8_t field : {kFname, kFcomment}) {
      if (!(flags & field)) continue;
      for (;;) {  // a zero-terminated string of any length
        LEAKDEX_RETURN_IF_ERROR(NeedHeaderBytes(1));
        const void* nul = std::memchr(in_.data(), 0, in_.size());
        if (nul != nullptr) {
          take(static_cast<const uint8_t*>(nul) - in_.data() + 1);
          break;
        }
        take(in_.size());
      }
    }
    if (flags & kFhcrc) {
      LEAKDEX_RETURN_IF_ERROR(NeedHeaderBytes(2));
      const uint32_t want = in_.data()[0] | (uint32_t{in_.data()[1]} << 8);
      if ((crc & 0xFFFF) != want) return Corrupt(name_, "gzip", "header CRC check failed");
      in_.Consume(2);
    }
    return Status::Ok();
  }

  // At least `k` unconsumed input bytes (k <= the window), else the input
  // ended inside a header.
  Status NeedHeaderBytes(size_t k) {
    while (in_.size() < k && !in_.eof()) LEAKDEX_RETURN_IF_ERROR(in_.Fill());
    if (in_.size() < k) return Corrupt(name_, "gzip", "the input ends inside a member header");
    return Status::Ok();
  }

  const IsalApi* isal_;
  InputWindow in_;
  std::string name_;
  std::unique_ptr<inflate_state> state_;  // ~90 KiB: on the heap
  bool header_pending_ = true;            // the next input bytes are a member header
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
