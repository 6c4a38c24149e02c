// Text encodings: detection and decoding to UTF-8 with glibc iconv.
//
// Undecodable input is never replaced by U+FFFD or dropped (a replaced
// character turns a hit into a miss): each undecodable byte (GB18030) or code
// unit (UTF-16) becomes the byte 0xFF, which is never valid UTF-8, so the one
// record holding it is rejected as invalid_encoding. Newlines are ASCII in
// every supported encoding and are kept, so line structure survives.
#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "sources/input.h"

namespace leakdex {
namespace {

constexpr size_t kDetectBytes = 64 << 10;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kUtf16LeBom = "\xFF\xFE";
constexpr std::string_view kUtf16BeBom = "\xFE\xFF";
constexpr std::string_view kGb18030Bom = "\x84\x31\x95\x33";

struct Utf8Census {
  size_t valid_multibyte = 0;  // well-formed sequences of 2..4 bytes
  size_t invalid = 0;          // bytes that start no well-formed sequence
};

// Counts well-formed and ill-formed UTF-8 in `s` (hand-written: simdjson's
// validate_utf8 only answers yes or no, and detection needs the proportion). A sequence cut by the end of
// `s` is not counted when `may_be_cut` (the head of a longer stream).
Utf8Census CountUtf8(std::string_view s, bool may_be_cut) {
  Utf8Census c;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte (RFC 3629 table)
    if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b == 0xE0) len = 3, lo = 0xA0;
    else if (b >= 0xE1 && b <= 0xEC) len = 3;
    else if (b == 0xED) len = 3, hi = 0x9F;
    else if (b >= 0xEE && b <= 0xEF) len = 3;
    else if (b == 0xF0) len = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3) len = 4;
    else if (b == 0xF4) len = 4, hi = 0x8F;
    if (len == 0) {
      ++c.invalid;
      ++i;
      continue;
    }
    if (i + len > n && may_be_cut) break;
    bool ok = i + len <= n && p[i + 1] >= lo && p[i + 1] <= hi;
    for (size_t k = 2; ok && k < len; ++k) ok = p[i + k] >= 0x80 && p[i + k] <= 0xBF;
    if (ok) {
      ++c.valid_multibyte;
      i += len;
    } else {
      ++c.invalid;
      ++i;
    }
  }
  return c;
}

// UTF-16 without a BOM: text in the ASCII range has a NUL in every other byte.
Encoding GuessUtf16(std::string_view h) {
  size_t even = 0, odd = 0, n = std::min<size_t>(h.size(), 4096) & ~size_t{1};
  if (n < 16) return Encoding::kAuto;
  for (size_t i = 0; i < n; i += 2) {
    even += h[i] == '\0';
    odd += h[i + 1] == '\0';
  }
  if (odd * 10 > n / 2 * 7 && even * 10 < n / 2) return Encoding::kUtf16Le;
  if (even * 10 > n / 2 * 7 && odd * 10 < n / 2) return Encoding::kUtf16Be;
  return Encoding::kAuto;
}

Encoding Detect(std::string_view head, bool whole_stream) {
  if (Encoding e = GuessUtf16(head); e != Encoding::kAuto) return e;
  Utf8Census c = CountUtf8(head, !whole_stream);
  if (c.invalid == 0) return Encoding::kUtf8;
  // Mostly well-formed UTF-8 with a few bad bytes is UTF-8 with damaged
  // records (rejected one by one). GBK text forms valid UTF-8 only by chance
  // (about one character in ten), so it lands below this bar.
  if (c.valid_multibyte >= 4 * c.invalid) return Encoding::kUtf8;
  return Encoding::kGb18030;
}

// 1 MiB, or less for a stream known to be small (a fresh zeroed 1 MiB costs
// ~250 page faults: it dominated small inputs). Any size >= 64 works.
size_t InputBufferSize(uint64_t hint) {
  constexpr size_t kMax = 1 << 20;
  return hint > 0 && hint < kMax ? std::max<size_t>(4096, static_cast<size_t>(hint) + 16) : kMax;
}

class IconvStream final : public ByteStream {
 public:
  IconvStream(std::unique_ptr<ByteStream> in, iconv_t cd, size_t unit)
      : in_(std::move(in)), cd_(cd), unit_(unit), buf_(InputBufferSize(in_->size_hint())) {}
  ~IconvStream() override { iconv_close(cd_); }

  Result<size_t> Read(char* out, size_t n) override {
    if (!spill_.empty()) {  // the rest of a character that did not fit last time
      n = std::min(n, spill_.size());
      std::memcpy(out, spill_.data(), n);
      spill_.erase(0, n);
      return n;
    }
    if (n < 8) {  // too small for one decoded character: decode into the spill
      char tmp[64];
      LEAKDEX_ASSIGN_OR_RETURN(size_t got, Read(tmp, sizeof tmp));
      spill_.assign(tmp, got);
      return got == 0 ? 0 : Read(out, n);
    }
    char* o = out;
    size_t oleft = n;
    while (oleft >= 4) {  // room for the longest UTF-8 character or one mark
      if (pos_ == len_ || (need_more_ && !eof_)) {
        if (eof_ && pos_ == len_) break;
        LEAKDEX_RETURN_IF_ERROR(Refill());
        need_more_ = false;
        if (pos_ == len_) break;
      }
      char* ip = buf_.data() + pos_;
      size_t ileft = len_ - pos_;
      size_t r = iconv(cd_, &ip, &ileft, &o, &oleft);
      pos_ = static_cast<size_t>(ip - buf_.data());
      if (r != static_cast<size_t>(-1)) continue;
      if (errno == E2BIG) break;
      if (errno == EINVAL && !eof_) {  // a sequence cut by the end of the buffer
        need_more_ = true;
        continue;
      }
      // EILSEQ, or EINVAL at the end of the input (a sequence that can never
      // complete): mark and step over one byte or code unit, then decode the
      // rest. Only one unit: glibc reports "ba 31 0a" at the end of a GB18030
      // file as incomplete, and dropping all three bytes would lose the
      // newline and shift every later line number. If the output is full the
      // mark waits for the next call (pos_ still points at the bad input).
      if (oleft == 0) break;
      *o++ = kUndecodableByte;
      --oleft;
      pos_ = std::min(len_, pos_ + unit_);
      iconv(cd_, nullptr, nullptr, nullptr, nullptr);
    }
    return static_cast<size_t>(o - out);
  }
  const std::string& name() const override { return in_->name(); }
  uint64_t size_hint() const override { return in_->size_hint(); }

 private:
  Status Refill() {
    std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
    len_ -= pos_;
    pos_ = 0;
    while (!eof_ && len_ < buf_.size()) {
      LEAKDEX_ASSIGN_OR_RETURN(size_t r, in_->Read(buf_.data() + len_, buf_.size() - len_));
      if (r == 0) eof_ = true;
      len_ += r;
      if (r > 0) break;
    }
    return Status::Ok();
  }

  std::unique_ptr<ByteStream> in_;
  iconv_t cd_;
  size_t unit_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  bool need_more_ = false;
  std::string spill_;
};

const char* IconvName(Encoding e) {
  switch (e) {
    case Encoding::kGb18030: return "GB18030";
    case Encoding::kUtf16Le: return "UTF-16LE";
    case Encoding::kUtf16Be: return "UTF-16BE";
    default: return nullptr;
  }
}

}  // namespace

Result<Encoding> ParseEncoding(std::string_view name) {
  std::string n;
  for (char c : name) n.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  if (n == "auto") return Encoding::kAuto;
  if (n == "utf-8" || n == "utf8") return Encoding::kUtf8;
  if (n == "gb18030" || n == "gbk" || n == "gb2312" || n == "cp936") return Encoding::kGb18030;
  if (n == "utf-16" || n == "utf16" || n == "utf-16le" || n == "utf16le") return Encoding::kUtf16Le;
  if (n == "utf-16be" || n == "utf16be") return Encoding::kUtf16Be;
  return Status::InvalidArgument("unknown encoding '" + std::string(name) +
                                 "' (expected auto, utf-8, gb18030, utf-16, utf-16le or utf-16be)");
}

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kAuto: return "auto";
    case Encoding::kUtf8: return "utf-8";
    case Encoding::kGb18030: return "gb18030";
    case Encoding::kUtf16Le: return "utf-16le";
    case Encoding::kUtf16Be: return "utf-16be";
  }
  return "?";
}

Result<std::unique_ptr<ByteStream>> OpenDecodedStream(std::unique_ptr<ByteStream> in, Encoding encoding,
                                                      Encoding* detected) {
  auto peek = std::make_unique<PeekStream>(std::move(in));
  LEAKDEX_RETURN_IF_ERROR(peek->Peek(kDetectBytes));
  std::string_view head = peek->head();
  const bool whole = head.size() < kDetectBytes;
  // A byte-order mark decides (under auto) and is removed (always). "utf-16"
  // given explicitly still follows a big-endian BOM.
  Encoding e = encoding;
  if (head.starts_with(kUtf8Bom) && (e == Encoding::kAuto || e == Encoding::kUtf8)) {
    e = Encoding::kUtf8;
    peek->Skip(kUtf8Bom.size());
  } else if (head.starts_with(kUtf16LeBom) &&
             (e == Encoding::kAuto || e == Encoding::kUtf16Le || e == Encoding::kUtf16Be)) {
    e = Encoding::kUtf16Le;
    peek->Skip(kUtf16LeBom.size());
  } else if (head.starts_with(kUtf16BeBom) &&
             (e == Encoding::kAuto || e == Encoding::kUtf16Le || e == Encoding::kUtf16Be)) {
    e = Encoding::kUtf16Be;
    peek->Skip(kUtf16BeBom.size());
  } else if (head.starts_with(kGb18030Bom) && e == Encoding::kGb18030) {
    peek->Skip(kGb18030Bom.size());
  } else if (e == Encoding::kAuto) {
    e = Detect(head, whole);
  }
  if (detected) *detected = e;
  if (e == Encoding::kUtf8) return std::unique_ptr<ByteStream>(std::move(peek));
  iconv_t cd = iconv_open("UTF-8", IconvName(e));
  if (cd == reinterpret_cast<iconv_t>(-1))
    return Status::Internal(std::string("iconv cannot convert from ") + IconvName(e) + ": " + std::strerror(errno));
  return std::unique_ptr<ByteStream>(std::make_unique<IconvStream>(std::move(peek), cd, e == Encoding::kGb18030 ? 1 : 2));
}

}  // namespace leakdex
