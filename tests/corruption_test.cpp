// Corruption of an index (issue 7): every bit flip, truncation and appended
// tail of every file, swapped 4 KiB pages, and segments or manifests swapped
// in from another index are detected — by Index::Open (what check uses) or by
// Verify — and no lookup ever gives a wrong answer: each either fails with
// Corruption/NotSupported or returns exactly what the intact index returns.
// The CLI-level sample (exit codes of verify and check) is
// tests/cli/corruption_test.sh.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "index/index_writer.h"
#include "index/segment.h"
#include "index/tag_sorter.h"
#include "leakdex/index.h"
#include "leakdex/index_format.h"
#include "leakdex/normalize.h"
#include "test_util.h"

using namespace leakdex;
using leakdex::testing::ReadFile;
using leakdex::testing::TempDir;
using leakdex::testing::WriteFile;
namespace fs = std::filesystem;

namespace {

// Under ASan/UBSan (scripts/test.sh sets LEAKDEX_TEST_SANITIZED) the sweeps
// try fewer variants per byte; every byte is still changed.
bool Sanitized() { return std::getenv("LEAKDEX_TEST_SANITIZED") != nullptr; }

std::vector<uint64_t> RandomFps(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::set<uint64_t> s;
  while (s.size() < n) s.insert(rng());
  return {s.begin(), s.end()};
}

// Adds one source holding `fps` as a new segment, built the way ingest builds
// it (TagSorter + PublishFromSorter; a small sort budget so runs are spilled).
void AddSource(const std::string& dir, const MasterKey& key, const std::vector<uint64_t>& fps,
               const std::string& source) {
  auto w = IndexWriter::Open(dir, key);
  REQUIRE(w.ok());
  (*w)->SourceIdFor(source);
  TagSorter sorter(TagSorterOptions{dir, 256 << 10});
  for (size_t i = 0; i < fps.size(); ++i)
    REQUIRE(sorter
                .Add(TagEntry{fps[i], DataClassBit(Attribute::kPhone) | (i % 3 ? DataClassBit(Attribute::kName) : 0),
                              static_cast<RoleSet>(1u << (i % 4)), static_cast<uint32_t>(1 + i % 5)})
                .ok());
  REQUIRE(sorter.Finish().ok());
  SourceInfo delta;
  delta.name = source;
  delta.records = fps.size();
  uint64_t keys_new = 0;
  REQUIRE((*w)->PublishFromSorter(&sorter, delta, 0, &keys_new).ok());
}

struct Answer {
  bool found = false;
  std::vector<std::string> sources;
  DataClassSet classes = 0;
  RoleSet roles = 0;
  uint32_t records = 0;
  friend bool operator==(const Answer&, const Answer&) = default;
};

Answer ToAnswer(const std::optional<KeyExposure>& e) {
  if (!e) return {};
  return Answer{true, e->sources, e->classes, e->roles, e->records};
}

bool IsIndexError(const Status& s) {
  return s.code() == Status::Code::kCorruption || s.code() == Status::Code::kNotSupported;
}

// The answers of the intact index for `probes`.
std::map<uint64_t, Answer> Answers(const std::string& dir, const std::vector<uint64_t>& probes) {
  auto idx = Index::Open(dir);
  REQUIRE(idx.ok());
  REQUIRE((*idx)->Verify().ok());
  std::map<uint64_t, Answer> out;
  for (uint64_t fp : probes) {
    auto hit = (*idx)->Lookup(Tag{fp, 0});
    REQUIRE(hit.ok());
    out[fp] = ToAnswer(*hit);
  }
  return out;
}

struct Outcome {
  bool open_failed = false;
  bool verify_failed = false;
  size_t lookup_errors = 0;
  size_t wrong_answers = 0;
  bool bad_status = false;  // an error that is not Corruption/NotSupported
};

// Opens the (damaged) index as check does, looks every probe up, then verifies.
Outcome Probe(const std::string& dir, const std::map<uint64_t, Answer>& expect) {
  Outcome o;
  auto idx = Index::Open(dir);
  if (!idx.ok()) {
    o.open_failed = true;
    o.bad_status = !IsIndexError(idx.status());
    return o;
  }
  for (const auto& [fp, want] : expect) {
    auto hit = (*idx)->Lookup(Tag{fp, 0});
    if (!hit.ok()) {
      ++o.lookup_errors;
      o.bad_status |= !IsIndexError(hit.status());
      continue;
    }
    if (!(ToAnswer(*hit) == want)) ++o.wrong_answers;
  }
  Status v = (*idx)->Verify();
  o.verify_failed = !v.ok();
  o.bad_status |= !v.ok() && !IsIndexError(v);
  return o;
}

std::vector<fs::path> IndexFiles(const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != format::kLockName) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// A small two-source index and probes: every stored key (some in both
// sources) and as many absent ones.
struct SmallIndex {
  TempDir tmp;
  std::string dir = (tmp / "idx").string();
  MasterKey key = MasterKey::Generate().value();
  std::map<uint64_t, Answer> expect;
  SmallIndex() {
    auto a = RandomFps(120, 1), b = RandomFps(80, 2);
    b[0] = a[5];
    b[1] = a[6];
    std::sort(b.begin(), b.end());
    AddSource(dir, key, a, "alpha");
    AddSource(dir, key, b, "beta");
    std::vector<uint64_t> probes = a;
    probes.insert(probes.end(), b.begin(), b.end());
    for (uint64_t fp : RandomFps(60, 3)) probes.push_back(fp);
    expect = Answers(dir, probes);
  }
};

}  // namespace

TEST_CASE("Every bit flip of every index file is detected and no lookup answers wrongly", "[corruption]") {
  SmallIndex ix;
  const auto files = IndexFiles(ix.dir);
  REQUIRE(files.size() == 3);  // MANIFEST and two segments
  size_t cases = 0, detected_on_open = 0, detected_by_verify = 0;
  for (const fs::path& f : files) {
    const std::string original = ReadFile(f);
    for (size_t i = 0; i < original.size(); ++i) {
      // Every single-bit flip; under the sanitizers one bit per byte (rotating).
      for (int bit = 0; bit < 8; ++bit) {
        if (Sanitized() && bit != static_cast<int>(i % 8)) continue;
        std::string bad = original;
        bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
        WriteFile(f, bad);
        Outcome o = Probe(ix.dir, ix.expect);
        ++cases;
        INFO(f.filename().string() << ": byte " << i << " bit " << bit);
        REQUIRE((o.open_failed || o.verify_failed));
        REQUIRE(o.wrong_answers == 0);
        REQUIRE_FALSE(o.bad_status);
        detected_on_open += o.open_failed;
        detected_by_verify += !o.open_failed;
      }
    }
    WriteFile(f, original);
  }
  // Small segments are verified whole when opened: check (Open + Lookup) sees every flip too.
  CHECK(detected_by_verify == 0);
  REQUIRE(Probe(ix.dir, ix.expect).wrong_answers == 0);
  WARN(cases << " bit flips tried, " << detected_on_open << " detected on open");
}

TEST_CASE("Every truncation and appended tail of every index file is detected", "[corruption]") {
  SmallIndex ix;
  size_t cases = 0;
  for (const fs::path& f : IndexFiles(ix.dir)) {
    const std::string original = ReadFile(f);
    auto expect_detected = [&](const std::string& bytes, const std::string& what) {
      WriteFile(f, bytes);
      Outcome o = Probe(ix.dir, ix.expect);
      ++cases;
      INFO(f.filename().string() << ": " << what);
      REQUIRE(o.open_failed);
      REQUIRE_FALSE(o.bad_status);
    };
    for (size_t len = 0; len < original.size(); ++len) expect_detected(original.substr(0, len), "truncated to " + std::to_string(len));
    std::mt19937 rng(42);
    for (size_t extra : {1, 2, 7, 8, 15, 16, 63, 64, 65, 4096}) {
      std::string tail(extra, '\0');
      expect_detected(original + tail, "appended " + std::to_string(extra) + " zero bytes");
      for (char& c : tail) c = static_cast<char>(rng());
      expect_detected(original + tail, "appended " + std::to_string(extra) + " random bytes");
    }
    expect_detected(original + original, "file appended to itself");
    // The trailing magic repeated (a writer appending a second copy of the trailer).
    expect_detected(original + original.substr(original.size() - 16), "trailer duplicated");
    WriteFile(f, original);
  }
  REQUIRE(Probe(ix.dir, ix.expect).wrong_answers == 0);
  WARN(cases << " truncations and appended tails tried, all detected on open");
}

TEST_CASE("Segments or a manifest swapped in from another index are detected", "[corruption]") {
  SmallIndex ix;
  // Another index with the same layout (same file names): same key, and another key.
  TempDir other;
  std::string same_key = (other / "same").string(), other_key = (other / "other").string();
  auto k2 = MasterKey::Generate().value();
  for (auto [d, k] : {std::pair{same_key, &ix.key}, std::pair{other_key, &k2}}) {
    AddSource(d, *k, RandomFps(120, 11), "alpha");
    AddSource(d, *k, RandomFps(80, 12), "beta");
  }
  size_t cases = 0;
  for (const std::string& donor : {same_key, other_key}) {
    for (const fs::path& f : IndexFiles(ix.dir)) {
      const std::string original = ReadFile(f);
      const std::string donated = ReadFile(fs::path(donor) / f.filename());
      REQUIRE(donated != original);
      WriteFile(f, donated);
      Outcome o = Probe(ix.dir, ix.expect);
      ++cases;
      INFO(f.filename().string() << " from " << donor);
      CHECK(o.open_failed);
      CHECK_FALSE(o.bad_status);
      WriteFile(f, original);
    }
  }
  // The two segments of one index exchanged.
  auto files = IndexFiles(ix.dir);
  std::string s1 = ReadFile(files[1]), s2 = ReadFile(files[2]);
  WriteFile(files[1], s2);
  WriteFile(files[2], s1);
  CHECK(Probe(ix.dir, ix.expect).open_failed);
  ++cases;
  WARN(cases << " swapped files tried, all detected on open");
}

TEST_CASE("Swapped pages of a large segment are detected and lookups never answer wrongly", "[corruption]") {
  // A segment above the verify-on-open limit, so lookups verify pages lazily
  // (the path check takes on a large index). Each page's checksum is salted
  // with its page number, so a page moved elsewhere fails when it is read.
  TempDir tmp;
  std::string dir = (tmp / "idx").string();
  auto key = MasterKey::Generate().value();
  const size_t n = Sanitized() ? 150000 : 1300000;
  auto fps = RandomFps(n, 5);
  AddSource(dir, key, fps, "big");
  auto files = IndexFiles(dir);
  REQUIRE(files.size() == 2);
  const fs::path seg = files[1].filename() == format::kManifestName ? files[0] : files[1];
  const std::string original = ReadFile(seg);
  INFO("segment bytes " << original.size());
  if (!Sanitized()) REQUIRE(original.size() > format::kVerifyWholeOnOpenBytes);
  // Probes: every 61st stored key plus absent ones.
  std::vector<uint64_t> probes;
  for (size_t i = 0; i < fps.size(); i += 61) probes.push_back(fps[i]);
  for (uint64_t fp : RandomFps(2000, 6)) probes.push_back(fp);
  const auto expect = Answers(dir, probes);
  const size_t pages = original.size() / format::kPageSize;
  REQUIRE(pages >= 4);
  // Neighbours spread over the file, the first page with the next-to-last, and
  // one with the middle: about 40 swaps (each case verifies the whole segment).
  std::vector<std::pair<size_t, size_t>> pairs;
  const size_t step = std::max<size_t>(1, pages / 40);
  for (size_t i = 0; i + 1 < pages; i += step) pairs.emplace_back(i, i + 1);
  pairs.emplace_back(0, pages - 2);
  pairs.emplace_back(1, pages / 2);
  size_t cases = 0, lookup_errors = 0;
  for (auto [i, j] : pairs) {
    std::string bad = original;
    const size_t a = i * format::kPageSize, b = j * format::kPageSize;
    std::swap_ranges(bad.begin() + a, bad.begin() + a + format::kPageSize, bad.begin() + b);
    WriteFile(seg, bad);
    Outcome o = Probe(dir, expect);
    ++cases;
    INFO("pages " << i << " and " << j << " swapped");
    REQUIRE((o.open_failed || o.verify_failed));
    REQUIRE(o.wrong_answers == 0);
    REQUIRE_FALSE(o.bad_status);
    lookup_errors += o.lookup_errors;
  }
  WriteFile(seg, original);
  REQUIRE(Probe(dir, expect).wrong_answers == 0);
  WARN(cases << " page swaps tried, all detected; " << lookup_errors << " lookups refused (Corruption), 0 wrong");
}
