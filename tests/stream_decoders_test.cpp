// gzip and zstd streams decoded without libarchive (src/sources/stream_decoders.h):
// the bytes must equal the input before compression and libarchive's decoding
// of the same file, and every cut, flipped checksum or trailing junk must be
// an error, never a short success.
#include <zstd.h>

#include <catch2/catch.hpp>

#include "sources/codec_api.h"
#include "sources/stream_decoders.h"
#include "sources_test_util.h"
#include "split_mix.h"

using namespace leakdex;
using namespace leakdex::testing;

namespace {

// Text-like runs (compressible) mixed with random bytes; never starts like a
// container, so the decoded part is handed out as is.
std::string Mixed(size_t n, uint64_t seed) {
  SplitMix64 rng{seed};
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    if (rng.Chance(50)) {
      s += "name,phone\n王伟," + std::to_string(13800000000ull + rng.Below<uint64_t>(100000000)) + "\n";
    } else {
      for (int i = 0; i < 64; ++i) s += static_cast<char>(rng.Below<uint32_t>(256));
    }
  }
  s.resize(n);
  if (!s.empty()) s[0] = 'R';
  return s;
}

// Hands out its input a few bytes per Read (1 to 13, pseudo-random), as a
// pipe may: member and frame boundaries, headers and trailers then fall
// across reads.
class TrickleStream final : public ByteStream {
 public:
  explicit TrickleStream(std::unique_ptr<ByteStream> in) : in_(std::move(in)) {}
  Result<size_t> Read(char* buf, size_t n) override { return in_->Read(buf, std::min<size_t>(n, 1 + rng_.Below(13))); }
  const std::string& name() const override { return in_->name(); }

 private:
  std::unique_ptr<ByteStream> in_;
  SplitMix64 rng_{7};
};

// Every part of a container, its raw bytes concatenated (no text decoding),
// read `chunk` bytes at a time (the input a trickle when `trickle`); or the error.
Result<std::string> DecodeAll(const std::string& file, StreamDecoders decoders, size_t chunk = 1 << 20,
                              bool trickle = false) {
  std::unique_ptr<ByteStream> in = NewMemoryStream(file, "dump.bin");
  if (trickle) in = std::make_unique<TrickleStream>(std::move(in));
  LEAKDEX_ASSIGN_OR_RETURN(auto c, OpenInputStream(std::move(in), 0, decoders));
  std::string out;
  std::vector<char> buf(chunk);
  for (;;) {
    InputPart part;
    LEAKDEX_ASSIGN_OR_RETURN(bool more, c->Next(&part));
    if (!more) return out;
    for (;;) {
      LEAKDEX_ASSIGN_OR_RETURN(size_t got, part.stream->Read(buf.data(), buf.size()));
      if (got == 0) break;
      out.append(buf.data(), got);
    }
  }
}

// The error of decoding `file` with the native decoders (empty if none).
std::string NativeError(const std::string& file, bool trickle = false) {
  auto r = DecodeAll(file, StreamDecoders::kNative, 1 << 20, trickle);
  if (r.ok()) return "";
  CHECK(r.status().code() == Status::Code::kInputError);
  return r.status().message();
}

uint32_t Crc32(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return ~c;
}

void PutLe(std::string* s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s->push_back(static_cast<char>(v >> (8 * i)));
}

// A gzip member of `data` whose header carries the optional fields gzip
// allows (FEXTRA, FNAME, FCOMMENT, FHCRC): libarchive's deflate body and
// trailer behind a header written here.
enum : uint8_t { kFhcrc = 0x02, kFextra = 0x04, kFname = 0x08, kFcomment = 0x10 };
std::string GzipWithHeaderFields(const std::string& data, uint8_t flags = kFextra | kFname | kFcomment | kFhcrc) {
  std::string plain = Compress("gzip", data);
  REQUIRE(static_cast<unsigned char>(plain[3]) == 0);  // libarchive writes a bare 10-byte header
  std::string h = "\x1f\x8b\x08";
  h.push_back(static_cast<char>(flags));
  h += std::string("\x00\x00\x00\x00\x00\x03", 6);  // MTIME, XFL, OS
  if (flags & kFextra) {
    PutLe(&h, 7, 2);
    h += std::string("AB\x03\x00xyz", 7);  // one extra subfield: id "AB", length 3
  }
  if (flags & kFname) h += std::string("dump.csv\0", 9);
  if (flags & kFcomment) h += std::string("a comment\0", 10);
  if (flags & kFhcrc) PutLe(&h, Crc32(h) & 0xFFFF, 2);
  return h + plain.substr(10);
}

std::string Zstd(const std::string& data, bool checksum) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(c);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string SkippableFrame(const std::string& payload) {
  std::string f;
  PutLe(&f, 0x184D2A53u, 4);
  PutLe(&f, payload.size(), 4);
  return f + payload;
}

const std::vector<size_t> kSizes = {0, 1, 2, 3, 100, 511, 512, 513, 4095, 65536, 65537, 262143, 262144, 300001,
                                    1 << 20, (1 << 20) + 7, 3000000};

}  // namespace

TEST_CASE("ISA-L and libzstd load (the tests below would otherwise only test libarchive)", "[sources]") {
  REQUIRE(LoadIsalApi().ok());
  REQUIRE(LoadZstdApi().ok());
}

TEST_CASE("native gzip and zstd decode to the input and to libarchive's bytes, many sizes", "[sources]") {
  for (size_t n : kSizes) {
    const std::string data = Mixed(n, n + 1);
    for (const char* filter : {"gzip", "zstd"}) {
      INFO(filter << " of " << n << " bytes");
      const std::string file = Compress(filter, data);
      auto native = DecodeAll(file, StreamDecoders::kNative);
      REQUIRE(native.ok());
      CHECK(*native == data);
      // Small and odd read sizes exercise output that ends mid-block.
      for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}}) {
        if (n > 70000 && chunk < 4096) continue;
        auto small = DecodeAll(file, StreamDecoders::kNative, chunk);
        REQUIRE(small.ok());
        CHECK(*small == data);
      }
      auto reference = DecodeAll(file, StreamDecoders::kLibarchive);
      if (n > 0) {  // libarchive's raw format yields no part for an empty stream: nothing to compare
        REQUIRE(reference.ok());
        CHECK(*native == *reference);
      }
    }
  }
}

TEST_CASE("multi-member gzip with header fields and empty members is read to the end", "[sources]") {
  const std::string a = Mixed(70000, 11), b = Mixed(5, 12), c = Mixed(300000, 13);
  const std::string file = GzipWithHeaderFields(a) + Compress("gzip", "") + Compress("gzip", b) +
                           GzipWithHeaderFields(c) + GzipWithHeaderFields("") + GzipWithHeaderFields(b, kFextra) +
                           GzipWithHeaderFields(b, kFname) + GzipWithHeaderFields(b, kFcomment | kFhcrc) +
                           GzipWithHeaderFields(b, kFextra | kFhcrc);
  const std::string want = a + b + c + b + b + b + b;
  auto native = DecodeAll(file, StreamDecoders::kNative);
  INFO(native.status().message());
  REQUIRE(native.ok());
  CHECK(*native == want);
  auto reference = DecodeAll(file, StreamDecoders::kLibarchive);
  REQUIRE(reference.ok());
  CHECK(*reference == *native);
  for (size_t chunk : {size_t{3}, size_t{4096}}) {
    for (bool trickle : {false, true}) {
      auto small = DecodeAll(file, StreamDecoders::kNative, chunk, trickle);
      INFO("read " << chunk << " at a time, trickled input: " << trickle << ": " << small.status().message());
      REQUIRE(small.ok());
      CHECK(*small == want);
    }
  }
}

TEST_CASE("gzip: zero padding after the last member is ignored, other trailing bytes are an error", "[sources]") {
  const std::string data = Mixed(1000, 21);
  const std::string file = Compress("gzip", data);
  for (bool trickle : {false, true}) {
    auto padded = DecodeAll(file + std::string(600000, '\0'), StreamDecoders::kNative, 1 << 20, trickle);
    REQUIRE(padded.ok());
    CHECK(*padded == data);
    for (const std::string& junk : {std::string("x"), std::string("\x1f"), std::string(1000, '\0') + "junk"}) {
      std::string err = NativeError(file + junk, trickle);
      CHECK(err.find("dump.bin: truncated or corrupt gzip input") != std::string::npos);
    }
  }
}

TEST_CASE("zstd: concatenated and skippable frames are read; trailing junk is an error", "[sources]") {
  const std::string a = Mixed(200000, 31), b = Mixed(10, 32);
  const std::string file = Zstd(a, true) + SkippableFrame("meta") + Zstd("", false) + SkippableFrame("") +
                           Zstd(b, false) + SkippableFrame(std::string(300000, 'z'));
  auto native = DecodeAll(file, StreamDecoders::kNative);
  REQUIRE(native.ok());
  CHECK(*native == a + b);
  auto reference = DecodeAll(file, StreamDecoders::kLibarchive);
  REQUIRE(reference.ok());
  CHECK(*reference == *native);
  for (bool trickle : {false, true}) {
    auto small = DecodeAll(file, StreamDecoders::kNative, 5, trickle);
    REQUIRE(small.ok());
    CHECK(*small == a + b);
  }
  std::string err = NativeError(file + "junk!");
  CHECK(err.find("dump.bin: truncated or corrupt zstd input") != std::string::npos);
}

TEST_CASE("every truncation of a gzip or zstd file is an error", "[sources]") {
  const std::string data = Mixed(3000, 41);
  const std::string two_members = GzipWithHeaderFields(data) + Compress("gzip", data);
  const std::string two_frames = Zstd(data, true) + Zstd(data, false);
  struct Case { const char* kind; std::string file; size_t boundary; };
  for (const Case& c : {Case{"gzip", two_members, GzipWithHeaderFields(data).size()},
                        Case{"zstd", two_frames, Zstd(data, true).size()}}) {
    // From the magic on (shorter is not recognised as compressed); a cut at
    // the member boundary is a complete file.
    for (size_t len = c.kind[0] == 'g' ? 2 : 4; len < c.file.size(); ++len) {
      if (len == c.boundary) continue;
      INFO(c.kind << " cut to " << len << " of " << c.file.size() << " bytes");
      std::string err = NativeError(c.file.substr(0, len), len % 2 == 1);
      REQUIRE(err.find(std::string("dump.bin: truncated or corrupt ") + c.kind + " input") != std::string::npos);
    }
  }
}

TEST_CASE("a flipped CRC, length or content checksum byte is an error", "[sources]") {
  const std::string data = Mixed(8000, 51);
  const std::string gz = GzipWithHeaderFields(data);
  // Every byte after the fixed header fields gzip ignores (MTIME, XFL, OS):
  // header fields (FHCRC covers them), deflate data, CRC-32, length.
  for (size_t i = 10; i < gz.size(); ++i) {
    std::string bad = gz;
    bad[i] ^= 0x01;
    INFO("gzip byte " << i << " of " << gz.size());
    REQUIRE_FALSE(NativeError(bad).empty());
  }
  const std::string zst = Zstd(data, true);
  for (size_t i = zst.size() - 4; i < zst.size(); ++i) {  // the content checksum
    std::string bad = zst;
    bad[i] ^= 0x40;
    INFO("zstd checksum byte " << i);
    std::string err = NativeError(bad);
    CHECK(err.find("truncated or corrupt zstd input") != std::string::npos);
  }
}

TEST_CASE("a .tar.gz and a .tar.zst decoded natively reach libarchive for the tar", "[sources]") {
  const std::vector<std::pair<std::string, std::string>> members = {{"a.csv", "name,phone\n王伟,13800138000\n"},
                                                                    {"b.csv", Mixed(100000, 61)}};
  const std::string tar = MakeArchive("tar", members);
  for (const char* filter : {"gzip", "zstd"}) {
    INFO(filter);
    auto c = OpenInputStream(NewMemoryStream(Compress(filter, tar), "d.tar.x"));
    REQUIRE(c.ok());
    std::vector<std::string> names;
    InputPart part;
    for (;;) {
      auto more = (*c)->Next(&part);
      REQUIRE(more.ok());
      if (!*more) break;
      names.push_back(part.name);
      part.stream.reset();
    }
    CHECK(names == std::vector<std::string>{"d.tar.x!a.csv", "d.tar.x!b.csv"});
    CHECK((*c)->kind().ends_with(std::string("+") + filter));
  }
}

TEST_CASE("the decoders report the stream's name and never its content", "[sources]") {
  auto isal = LoadIsalApi();
  REQUIRE(isal.ok());
  std::string gz = Compress("gzip", "13800138000\n13900139000\n");
  gz.resize(gz.size() - 3);
  auto d = NewGzipDecoder(*isal, NewMemoryStream(gz, "x"), "leak.csv.gz");
  CHECK(d->name() == "leak.csv.gz");
  char buf[64];
  auto r = d->Read(buf, sizeof buf);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("leak.csv.gz: truncated or corrupt gzip input") == 0);
  CHECK(r.status().message().find("13800138000") == std::string::npos);
}

TEST_CASE("gzip and zstd layers stack up to 4 at one nesting level, no deeper", "[sources]") {
  const std::string data = "name,phone\n王伟,13800138000\n";
  std::string file = data;
  for (int layers = 1; layers <= 5; ++layers) {
    file = Compress(layers % 2 ? "gzip" : "zstd", file);
    INFO(layers << " layers");
    auto got = DecodeAll(file, StreamDecoders::kNative);
    if (layers <= 4) {
      REQUIRE(got.ok());
      CHECK(*got == data);
    } else {
      REQUIRE_FALSE(got.ok());
      CHECK(got.status().code() == Status::Code::kInputError);
      CHECK(got.status().message().find("stacked more than 4 deep") != std::string::npos);
    }
  }
}
