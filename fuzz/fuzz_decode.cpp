// Encoding detection and decoding (sources/decode.cpp, glibc iconv) on
// arbitrary bytes. Byte 0 picks the encoding (auto, UTF-8, GB18030, UTF-16LE,
// UTF-16BE) and the chunking; the rest is the input.
// Invariants: no crash or sanitizer report; the decoded text is the same read
// whole and read in random chunk sizes (detection and decoding never depend
// on read boundaries); output size is bounded (at most 3 bytes per 2 input
// bytes, plus slack); ASCII-compatible decodings (UTF-8, GB18030) keep every
// newline, so the line numbers of records survive (decode.cpp's contract).
#include "fuzz_util.h"
#include "sources/input.h"

using namespace leakdex;
using namespace leakdex::fuzz;

namespace {

struct Decoded {
  bool opened = false;
  Encoding detected = Encoding::kAuto;
  std::string text;
};

Decoded DecodeAll(const std::string& body, Encoding enc, uint64_t seed, size_t max_chunk) {
  Decoded d;
  auto s = OpenDecodedStream(std::make_unique<ChunkedStream>(body, seed, max_chunk), enc, &d.detected);
  if (!s.ok()) return d;
  d.opened = true;
  char buf[4096];
  for (;;) {
    const size_t want = 1 + static_cast<size_t>(seed % sizeof buf);  // the reader's sizes vary too
    auto r = (*s)->Read(buf, want);
    FUZZ_CHECK(r.ok());  // a memory stream never fails; undecodable bytes are marked, not errors
    if (*r == 0) break;
    d.text.append(buf, *r);
    FUZZ_CHECK(d.text.size() <= 3 * body.size() / 2 + 16);
  }
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr Encoding kEncodings[] = {Encoding::kAuto, Encoding::kUtf8, Encoding::kGb18030,
                                            Encoding::kUtf16Le, Encoding::kUtf16Be, Encoding::kAuto,
                                            Encoding::kAuto, Encoding::kGb18030};
  const uint8_t opts = data[0];
  const Encoding enc = kEncodings[opts & 7];
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  Decoded whole = DecodeAll(body, enc, 1, SIZE_MAX);
  Decoded chunked = DecodeAll(body, enc, size * 0x9E3779B97F4A7C15ull, 1 + (opts >> 3));
  FUZZ_CHECK(whole.opened == chunked.opened);
  if (!whole.opened) return 0;
  FUZZ_CHECK(whole.detected == chunked.detected);
  FUZZ_CHECK(whole.detected != Encoding::kAuto);
  FUZZ_CHECK(whole.text == chunked.text);
  if (whole.detected == Encoding::kUtf8 || whole.detected == Encoding::kGb18030) {
    auto newlines = [](std::string_view s) { return std::count(s.begin(), s.end(), '\n'); };
    FUZZ_CHECK(newlines(whole.text) == newlines(body));
  }
  return 0;
}
