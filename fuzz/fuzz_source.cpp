// One record-source format on arbitrary bytes (built once per format with
// -DLEAKDEX_FUZZ_FORMAT="ndjson", "csv", "auto", ...). The first input byte
// picks options (no header, delimiter) and how the stream is chunked; the rest
// is the file. Invariants: no crash or sanitizer report; every record and bad
// record has a location inside the input; the stream is consumed to its end
// (or the source says why not); a reason is a stable short name, never content.
#include "fuzz_util.h"

#ifndef LEAKDEX_FUZZ_FORMAT
#error "define LEAKDEX_FUZZ_FORMAT"
#endif

using namespace leakdex;
using namespace leakdex::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t opts = data[0];
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto format = ParseInputFormat(LEAKDEX_FUZZ_FORMAT);
  if (!format.ok()) return 0;  // a format this build does not know yet
  SourceOptions so;
  so.format = *format;
  so.no_header = (opts & 1) != 0;
  static constexpr char kDelims[] = {0, ',', ';', '\t', '|', ':', '"', '\n'};
  so.delimiter = kDelims[(opts >> 1) & 7];
  const size_t max_chunk = (opts & 0x80) ? 1 + (opts >> 4 & 7) : SIZE_MAX;  // tiny reads half the time
  Collected c = CollectAll(std::make_unique<ChunkedStream>(body, size, max_chunk), so);
  if (!c.opened) return 0;
  FUZZ_CHECK(c.ok);  // a string stream never fails
  FUZZ_CHECK(c.bytes_consumed <= body.size());
  // (Reasons are checked in CollectAll, one by one: scanning `events` for
  // "B " also matched field values, a false alarm.)
  return 0;
}
