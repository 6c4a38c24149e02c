// The whole reading path of ingest on arbitrary bytes: container detection
// (gzip, zstd, xz, bzip2, lz4, zip, 7z, tar ... via libarchive, nested up to
// the limit), then encoding detection and decoding, then format detection and
// records. Byte 0 picks the encoding option (bits 0-1) and the mode (bit 2);
// the rest is "the file".
// Invariants: no crash, hang or sanitizer report; every part has a name; a
// reason is never empty.
// Differential mode (bit 2 set): the file's parts are read as raw bytes twice,
// gzip and zstd streams decoded once by ISA-L / libzstd and once by libarchive
// (src/sources/stream_decoders.h); when both succeed they must give the same
// parts with the same bytes. (They may disagree on success: the native
// decoders reject trailing junk after the last gzip member, which libarchive
// ignores.) Decompression bombs: each part is read through a cap
// (kPartCap decoded bytes) so one input cannot stall the fuzzer; ingest itself
// streams in bounded memory, so a large part is not a bug.
#include "fuzz_util.h"
#include "sources/input.h"

using namespace leakdex;
using namespace leakdex::fuzz;

namespace {

constexpr uint64_t kPartCap = 4u << 20;
constexpr int kMaxParts = 64;

// Ends a stream after `cap` bytes (as if the part were that long).
class CappedStream final : public ByteStream {
 public:
  CappedStream(std::unique_ptr<ByteStream> in, uint64_t cap) : in_(std::move(in)), left_(cap) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (left_ == 0) return size_t{0};
    auto r = in_->Read(buf, std::min<uint64_t>(n, left_));
    if (r.ok()) left_ -= *r;
    return r;
  }
  const std::string& name() const override { return in_->name(); }

 private:
  std::unique_ptr<ByteStream> in_;
  uint64_t left_;
};

// Every non-empty part as "name\0bytes\0" (each part capped), or false on
// any error. (libarchive yields no part for an empty stream, the native
// decoders an empty one: empty parts are left out.)
bool RawParts(std::string file, StreamDecoders decoders, std::string* out) {
  auto c = OpenInputStream(NewMemoryStream(std::move(file), "fuzz"), 0, decoders);
  if (!c.ok()) return false;
  char buf[65536];
  for (int i = 0; i < kMaxParts; ++i) {
    InputPart part;
    auto more = (*c)->Next(&part);
    if (!more.ok()) return false;
    if (!*more) return true;
    CappedStream in(std::move(part.stream), kPartCap);
    std::string bytes;
    for (;;) {
      auto r = in.Read(buf, sizeof buf);
      if (!r.ok()) return false;
      if (*r == 0) break;
      bytes.append(buf, *r);
    }
    if (!bytes.empty()) *out += part.name + '\0' + bytes + '\0';
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  if (data[0] & 4) {
    const std::string file(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::string native, reference;
    if (RawParts(file, StreamDecoders::kNative, &native) && RawParts(file, StreamDecoders::kLibarchive, &reference))
      FUZZ_CHECK(native == reference);
    return 0;
  }
  static constexpr Encoding kEncodings[] = {Encoding::kAuto, Encoding::kUtf8, Encoding::kGb18030, Encoding::kAuto};
  const Encoding enc = kEncodings[data[0] & 3];
  auto c = OpenInputStream(NewMemoryStream(std::string(reinterpret_cast<const char*>(data) + 1, size - 1), "fuzz"));
  if (!c.ok()) {
    FUZZ_CHECK(!c.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(!(*c)->kind().empty());
  for (int i = 0; i < kMaxParts; ++i) {
    InputPart part;
    auto more = (*c)->Next(&part);
    if (!more.ok() || !*more) break;
    FUZZ_CHECK(!part.name.empty());
    FUZZ_CHECK(part.stream != nullptr);
    auto decoded = OpenDecodedStream(std::make_unique<CappedStream>(std::move(part.stream), kPartCap), enc);
    if (!decoded.ok()) continue;
    Collected got = CollectAll(std::move(*decoded), SourceOptions{}, 20000);
    (void)got;  // an archive member may end in an I/O error (truncated archive): not a bug
  }
  return 0;
}
