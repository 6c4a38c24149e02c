// Differential: the same bytes read whole and read in random chunk sizes give
// the same records, the same bad records (reason, line, offset) and the same
// byte count. Chunk-boundary bugs are the classic streaming-parser bug.
// Input: byte 0 picks format and options, bytes 1..8 seed the chunk sizes.
#include "fuzz_util.h"

using namespace leakdex;
using namespace leakdex::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  static const char* kFormats[] = {"auto", "ndjson", "csv", "tsv", "psv", "json", "sql", "auto"};
  const uint8_t opts = data[0];
  uint64_t seed;
  std::memcpy(&seed, data + 1, 8);
  std::string body(reinterpret_cast<const char*>(data) + 9, size - 9);
  auto format = ParseInputFormat(kFormats[opts & 7]);
  if (!format.ok()) return 0;
  SourceOptions so;
  so.format = *format;
  so.no_header = (opts & 8) != 0;
  const size_t max_chunk = 1 + ((opts >> 4) & 15) * ((opts >> 4) & 15);  // 1..226 bytes per read
  Collected whole = CollectAll(std::make_unique<ChunkedStream>(body, 1, SIZE_MAX), so);
  Collected chunked = CollectAll(std::make_unique<ChunkedStream>(body, seed, max_chunk), so);
  FUZZ_CHECK(whole.opened == chunked.opened);
  if (!whole.opened) return 0;
  FUZZ_CHECK(whole.format == chunked.format);
  FUZZ_CHECK(whole.ok && chunked.ok);
  if (whole.events != chunked.events) {
    std::fprintf(stderr, "whole:\n%s\nchunked (max %zu):\n%s\n", whole.events.c_str(), max_chunk,
                 chunked.events.c_str());
  }
  FUZZ_CHECK(whole.events == chunked.events);
  FUZZ_CHECK(whole.bytes_consumed == chunked.bytes_consumed);
  return 0;
}
