// Inputs as the user names them: a path (or "-") that may be a plain file, a
// compressed stream (gzip, zstd, xz, bzip2, lz4) or an archive (zip, 7z, tar,
// tar.gz ...). Each yields one or more logical inputs ("parts"), decoded as
// streams in memory, never unpacked to disk (SPEC P6). Then the text encoding
// of each part is detected and decoded to UTF-8.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "leakdex/status.h"
#include "sources/byte_stream.h"

namespace leakdex {

// One logical input: the file itself, the decompressed content of a
// compressed file, or one member of an archive.
struct InputPart {
  std::string name;  // "dump.csv", "dump.csv.gz", "dumps.zip!a/b.csv", "<stdin>"
  std::unique_ptr<ByteStream> stream;
};

class InputContainer {
 public:
  virtual ~InputContainer() = default;
  // The next part; false when there are no more. The stream of the previous
  // part must have been destroyed first (members of one archive are read in
  // order from one decoder).
  virtual Result<bool> Next(InputPart* part) = 0;
  // Bytes of the named file read so far (compressed bytes for a compressed
  // file): for progress against raw_size(). Safe to call from another thread.
  virtual uint64_t raw_bytes_done() const = 0;
  virtual uint64_t raw_size() const = 0;
  // "plain", or the container and filters seen ("gzip", "zip", "tar+gzip").
  virtual std::string kind() const = 0;
};

// What decodes gzip and zstd streams. kNative: ISA-L and libzstd
// (src/sources/stream_decoders.h), or libarchive when they cannot be loaded;
// kLibarchive: libarchive (the reference the tests compare kNative with).
enum class StreamDecoders { kNative, kLibarchive };

// Opens `path` ("-" is stdin) and detects the container by its first bytes
// (magic numbers; the extension is not trusted).
Result<std::unique_ptr<InputContainer>> OpenInput(const std::string& path);
// The same over any byte stream (tests, nested archives).
Result<std::unique_ptr<InputContainer>> OpenInputStream(std::unique_ptr<ByteStream> in, int depth = 0,
                                                        StreamDecoders decoders = StreamDecoders::kNative);

// Text encodings (SPEC §4.2 --encoding).
enum class Encoding { kAuto, kUtf8, kGb18030, kUtf16Le, kUtf16Be };
// "auto", "utf-8"/"utf8", "gb18030"/"gbk"/"gb2312", "utf-16" (byte order from
// the BOM, little-endian without one), "utf-16le", "utf-16be".
Result<Encoding> ParseEncoding(std::string_view name);
std::string_view EncodingName(Encoding e);

// Wraps `in` so that it yields UTF-8. With kAuto the encoding is detected from
// the first bytes: a BOM (UTF-8, UTF-16LE/BE) decides; else valid UTF-8 (or
// ASCII) means UTF-8; else GB18030. A BOM is always removed. Bytes that cannot
// be decoded become the invalid UTF-8 byte 0xFF (never a replacement
// character), so the record holding them is rejected as invalid_encoding;
// newlines are kept, so the neighbours are unaffected. `detected` (optional)
// receives the encoding used.
Result<std::unique_ptr<ByteStream>> OpenDecodedStream(std::unique_ptr<ByteStream> in, Encoding encoding,
                                                      Encoding* detected = nullptr);

// The byte that marks undecodable input in a decoded stream.
inline constexpr char kUndecodableByte = '\xFF';

}  // namespace leakdex
