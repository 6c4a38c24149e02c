// Little-endian fixed-width encoding (docs/FORMAT.md: all integers are LE).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace leakdex {

inline void EncodeFixed16(void* dst, uint16_t v) { std::memcpy(dst, &v, 2); }  // x86-64/arm64 are LE
inline void EncodeFixed32(void* dst, uint32_t v) { std::memcpy(dst, &v, 4); }
inline void EncodeFixed64(void* dst, uint64_t v) { std::memcpy(dst, &v, 8); }
inline uint16_t DecodeFixed16(const void* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
inline uint32_t DecodeFixed32(const void* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
inline uint64_t DecodeFixed64(const void* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "leakdex's on-disk format code assumes a little-endian host");

inline void PutFixed8(std::string* dst, uint8_t v) { dst->push_back(static_cast<char>(v)); }
inline void PutFixed16(std::string* dst, uint16_t v) { char b[2]; EncodeFixed16(b, v); dst->append(b, 2); }
inline void PutFixed32(std::string* dst, uint32_t v) { char b[4]; EncodeFixed32(b, v); dst->append(b, 4); }
inline void PutFixed64(std::string* dst, uint64_t v) { char b[8]; EncodeFixed64(b, v); dst->append(b, 8); }
// u16 length then bytes; REQUIRES: s.size() <= 65535.
inline void PutString16(std::string* dst, std::string_view s) {
  PutFixed16(dst, static_cast<uint16_t>(s.size()));
  dst->append(s);
}

// Base-128 varint, little-endian groups (docs/FORMAT.md "Varint").
inline void PutVarint(std::string* dst, uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}
// Reads a varint at p (advancing it); false if it runs past `end` or past 10 bytes.
inline bool GetVarint(const char*& p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && p < end; shift += 7) {
    uint64_t byte = static_cast<uint8_t>(*p++);
    result |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}

// Bounds-checked sequential reader over a byte range: every Get fails (returns
// false) instead of reading past the end, so a truncated file is an error.
class Decoder {
 public:
  Decoder(const char* p, size_t n) : p_(p), end_(p + n) {}
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool Skip(size_t n) { if (remaining() < n) return false; p_ += n; return true; }
  bool Get8(uint8_t* v) { if (remaining() < 1) return false; *v = static_cast<uint8_t>(*p_++); return true; }
  bool Get16(uint16_t* v) { if (remaining() < 2) return false; *v = DecodeFixed16(p_); p_ += 2; return true; }
  bool Get32(uint32_t* v) { if (remaining() < 4) return false; *v = DecodeFixed32(p_); p_ += 4; return true; }
  bool Get64(uint64_t* v) { if (remaining() < 8) return false; *v = DecodeFixed64(p_); p_ += 8; return true; }
  bool GetBytes(size_t n, std::string_view* v) {
    if (remaining() < n) return false;
    *v = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool GetString16(std::string* s) {
    uint16_t n;
    std::string_view v;
    if (!Get16(&n) || !GetBytes(n, &v)) return false;
    s->assign(v);
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace leakdex
