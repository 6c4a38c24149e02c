// The segment reader on arbitrary bytes: the input is written as a segment
// file, opened, verified and looked up in.
// Invariants: no crash or sanitizer report; errors are Corruption or
// NotSupported; once a segment opens and verifies, every key it lists is found
// by Lookup with the same payload and count (no wrong answers), and a lookup
// of any other fingerprint is either a miss or one of the listed keys.
#include <optional>
#include <vector>

#include "fuzz_util.h"
#include "index/segment.h"

using namespace leakdex;
using namespace leakdex::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ScratchDir() + "/seg-000001.ldx";
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  WriteBytes(path, bytes);
  auto seg = SegmentReader::Open(path);
  if (!seg.ok()) {
    FUZZ_CHECK(IndexError(seg.status()));
    return 0;
  }
  Status v = (*seg)->Verify();
  // Probe fingerprints taken from the input itself (likely hits) and a few fixed ones.
  std::vector<uint64_t> probes = {0, 1, UINT64_MAX, 0x8000000000000000ull};
  for (size_t off = 0; off + 8 <= size && probes.size() < 256; off += 8) {
    uint64_t fp;
    std::memcpy(&fp, data + off, 8);
    probes.push_back(fp);
  }
  if (!v.ok()) {
    FUZZ_CHECK(IndexError(v));
    for (uint64_t fp : probes) {
      auto hit = (*seg)->Lookup(fp);
      if (!hit.ok()) FUZZ_CHECK(IndexError(hit.status()));
    }
    return 0;
  }
  // Every key the cursor lists, in stored order (fingerprint cut to its precision).
  std::vector<SegmentEntry> all;
  auto cursor = (*seg)->NewCursor();
  for (;;) {
    SegmentEntry e;
    auto more = cursor.Next(&e);
    FUZZ_CHECK(more.ok());
    if (!*more) break;
    FUZZ_CHECK(all.empty() || all.back().value < e.value);  // strictly ascending: unique
    all.push_back(e);
  }
  FUZZ_CHECK(all.size() == (*seg)->header().key_count);
  // A lookup unites every stored key its fingerprint matches (keys of lower
  // precision match several fingerprints), so the answer is checked against
  // that union: no listed key is missed and nothing unlisted is invented.
  auto expected = [&](uint64_t fp) {
    std::optional<SegmentReader::Hit> want;
    for (const SegmentEntry& e : all) {
      if (!FingerprintMatches(fp, e.value, e.precision)) continue;
      if (!want) want.emplace();
      want->payload.Merge((*seg)->PayloadOf(e.payload));
      want->count += e.records;
    }
    return want;
  };
  for (const SegmentEntry& e : all) probes.push_back(e.value);
  for (uint64_t fp : probes) {
    auto hit = (*seg)->Lookup(fp);
    FUZZ_CHECK(hit.ok());
    const auto want = expected(fp);
    FUZZ_CHECK(hit->has_value() == want.has_value());
    if (want) FUZZ_CHECK((**hit).payload == want->payload);
  }
  return 0;
}
