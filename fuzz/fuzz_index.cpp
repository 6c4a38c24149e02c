// A whole index directory on arbitrary bytes. The input is a sequence of
// files, each a u32le length and that many bytes (the last takes what is
// left): the first is MANIFEST, the next seg-000001.ldx, seg-000002.ldx, ...
// (fuzz/pack_index.py turns a real index into such an input).
// Invariants: no crash or sanitizer report; Open/Verify/Lookup errors are
// Corruption or NotSupported; on an index that opens and verifies, every key
// of every segment is found by Index::Lookup with every source the segments
// give it (no wrong answers), and every source name is one the manifest lists.
#include <map>
#include <set>

#include "fuzz_util.h"
#include "index/manifest.h"
#include "index/segment.h"
#include "leakdex/index.h"

using namespace leakdex;
using namespace leakdex::fuzz;
namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string dir = ScratchDir() + "/idx";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  std::vector<std::string> files;
  size_t pos = 0;
  while (pos < size && files.size() < 8) {
    size_t len = size - pos;
    if (size - pos >= 4) {
      uint32_t n;
      std::memcpy(&n, data + pos, 4);
      pos += 4;
      len = std::min<size_t>(n, size - pos);
    }
    files.emplace_back(reinterpret_cast<const char*>(data) + pos, len);
    pos += len;
  }
  if (files.empty()) return 0;
  WriteBytes(dir + "/MANIFEST", files[0]);
  for (size_t i = 1; i < files.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "seg-%06zu.ldx", i);
    WriteBytes(dir + "/" + name, files[i]);
  }
  auto index = Index::Open(dir);
  if (!index.ok()) {
    FUZZ_CHECK(IndexError(index.status()));
    return 0;
  }
  IndexStats stats = (*index)->Stats();
  (void)stats;
  std::set<std::string> names;
  for (const SourceInfo& s : (*index)->sources()) names.insert(s.name);
  Status v = (*index)->Verify();
  std::vector<uint64_t> probes = {0, 1, UINT64_MAX};
  for (size_t f = 1; f < files.size(); ++f)
    for (size_t off = 0; off + 8 <= files[f].size() && probes.size() < 512; off += 8) {
      uint64_t fp;
      std::memcpy(&fp, files[f].data() + off, 8);
      probes.push_back(fp);
    }
  if (!v.ok()) {
    FUZZ_CHECK(IndexError(v));
    for (uint64_t fp : probes) {
      auto hit = (*index)->Lookup(Tag{fp, 0});
      if (!hit.ok()) FUZZ_CHECK(IndexError(hit.status()));
    }
    return 0;
  }
  // Expected answers, from the segments the manifest names.
  auto manifest = ReadManifest(dir);
  FUZZ_CHECK(manifest.ok());
  // Every stored key of every segment: (fingerprint cut to its precision, sources).
  struct Stored {
    uint64_t value;
    uint8_t precision;
    std::set<std::string> sources;
  };
  std::vector<Stored> stored;
  for (const SegmentRef& ref : manifest->segments) {
    auto seg = SegmentReader::Open(dir + "/" + ref.name);
    FUZZ_CHECK(seg.ok());
    auto cursor = (*seg)->NewCursor();
    for (;;) {
      SegmentEntry e;
      auto more = cursor.Next(&e);
      FUZZ_CHECK(more.ok());
      if (!*more) break;
      Stored st{e.value, e.precision, {}};
      for (uint32_t id : (*seg)->PayloadOf(e.payload).sources)
        for (const SourceInfo& s : manifest->sources)
          if (s.id == id) st.sources.insert(s.name);
      stored.push_back(std::move(st));
    }
  }
  // A lookup unites every stored key its fingerprint matches (in any segment).
  for (const Stored& st : stored) probes.push_back(st.value);
  for (uint64_t fp : probes) {
    bool want_hit = false;
    std::set<std::string> want;
    for (const Stored& st : stored)
      if (FingerprintMatches(fp, st.value, st.precision)) {
        want_hit = true;
        want.insert(st.sources.begin(), st.sources.end());
      }
    auto hit = (*index)->Lookup(Tag{fp, 0});
    FUZZ_CHECK(hit.ok());
    FUZZ_CHECK(hit->has_value() == want_hit);
    if (want_hit) FUZZ_CHECK(std::set<std::string>((**hit).sources.begin(), (**hit).sources.end()) == want);
    if (hit->has_value())
      for (const std::string& s : (**hit).sources) FUZZ_CHECK(names.count(s) == 1);
  }
  return 0;
}
