// Index round trip and corruption sweep through the public API (format-agnostic).
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "index/index_writer.h"
#include "index/segment.h"
#include "index/tag_sorter.h"
#include "leakdex/index.h"
#include "leakdex/normalize.h"
#include "test_util.h"

using namespace leakdex;
using leakdex::testing::ReadFile;
using leakdex::testing::TempDir;
using leakdex::testing::WriteFile;
namespace fs = std::filesystem;

namespace {

std::vector<Tag> RandomTags(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Tag> tags(n);
  for (Tag& t : tags) t = Tag{rng(), rng()};
  return tags;
}

// Builds an index at `dir` with one source holding `tags`, through the
// external sorter as ingest does (a tiny budget, so runs are spilled).
void BuildIndex(const std::string& dir, const MasterKey& key, const std::vector<Tag>& tags, const std::string& source) {
  auto w = IndexWriter::Open(dir, key);
  REQUIRE(w.ok());
  (*w)->SourceIdFor(source);
  TagSorter sorter(TagSorterOptions{dir, 64 << 10});
  for (size_t i = 0; i < tags.size(); ++i)
    REQUIRE(sorter
                .Add(TagEntry{FingerprintOf(tags[i]),
                              DataClassBit(Attribute::kPhone) | (i % 2 ? DataClassBit(Attribute::kName) : 0), 1,
                              static_cast<uint32_t>(1 + i % 3)})
                .ok());
  REQUIRE(sorter.Finish().ok());
  SourceInfo delta;
  delta.name = source;
  delta.records = tags.size();
  uint64_t keys_new = 0;
  REQUIRE((*w)->PublishFromSorter(&sorter, delta, 0, &keys_new).ok());
  CHECK(keys_new == tags.size());
}

}  // namespace

TEST_CASE("Index finds every stored tag and no absent one", "[index]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{1000}, size_t{50000}}) {
    INFO("n = " << n);
    std::string d = (dir / ("idx" + std::to_string(n))).string();
    auto tags = RandomTags(n, n + 1);
    BuildIndex(d, key, tags, "src");
    // Mapped, and read into memory (batch): the same answers.
    Index::OpenOptions loaded;
    loaded.load_up_to_bytes = UINT64_MAX;
    auto idx = n % 2 ? Index::Open(d) : Index::Open(d, loaded);
    if (n == 0) {  // no key, nothing published: there is no index to open
      CHECK_FALSE(idx.ok());
      CHECK(idx.status().message().find("not a leakdex index") != std::string::npos);
      continue;
    }
    REQUIRE(idx.ok());
    REQUIRE((*idx)->Verify().ok());
    CHECK((*idx)->Stats().keys == n);
    for (const Tag& t : tags) {
      auto hit = (*idx)->Lookup(t);
      REQUIRE(hit.ok());
      REQUIRE(hit->has_value());
      CHECK((**hit).sources == std::vector<std::string>{"src"});
      CHECK(((**hit).classes & DataClassBit(Attribute::kPhone)) != 0);
    }
    size_t false_hits = 0;
    for (const Tag& t : RandomTags(20000, 999)) false_hits += (*idx)->Lookup(t)->has_value();
    CHECK(false_hits == 0);
  }
}

TEST_CASE("Two sources: lookups union payloads across segments", "[index]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  std::string d = (dir / "idx").string();
  auto a = RandomTags(100, 1), b = RandomTags(100, 2);
  b[0] = a[0];  // one key in both sources
  BuildIndex(d, key, a, "alpha");
  BuildIndex(d, key, b, "beta");
  auto idx = Index::Open(d);
  REQUIRE(idx.ok());
  CHECK((*idx)->Stats().segments == 2);
  auto hit = (*idx)->Lookup(a[0]);
  REQUIRE(hit.ok());
  REQUIRE(hit->has_value());
  CHECK((**hit).sources == std::vector<std::string>{"alpha", "beta"});
}

TEST_CASE("A wrong key is refused by the writer and by CheckKey", "[index]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  auto other = MasterKey::Generate().value();
  std::string d = (dir / "idx").string();
  BuildIndex(d, key, RandomTags(10, 3), "s");
  auto w = IndexWriter::Open(d, other);
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == Status::Code::kKeyError);
  auto idx = Index::Open(d);
  REQUIRE(idx.ok());
  CHECK((*idx)->CheckKey(other).code() == Status::Code::kKeyError);
  CHECK((*idx)->CheckKey(key).ok());
}

TEST_CASE("Every byte flip and every truncation of every index file is detected", "[index][corruption]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  std::string d = (dir / "idx").string();
  auto tags = RandomTags(300, 7);
  BuildIndex(d, key, tags, "s");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(d))
    if (e.path().filename() != "LOCK") files.push_back(e.path());
  REQUIRE(files.size() == 2);
  size_t cases = 0;
  for (const fs::path& f : files) {
    const std::string original = ReadFile(f);
    Index::OpenOptions loaded;  // read into memory, as batch does
    loaded.load_up_to_bytes = UINT64_MAX;
    auto expect_detected = [&](const std::string& what) {
      ++cases;
      auto idx = cases % 2 ? Index::Open(d) : Index::Open(d, loaded);
      if (idx.ok()) {
        Status v = (*idx)->Verify();
        INFO(f.filename().string() << ": " << what);
        REQUIRE_FALSE(v.ok());
      }
      Status s = idx.ok() ? (*idx)->Verify() : idx.status();
      CHECK((s.code() == Status::Code::kCorruption || s.code() == Status::Code::kNotSupported));
    };
    for (size_t i = 0; i < original.size(); ++i) {
      std::string bad = original;
      bad[i] = static_cast<char>(bad[i] ^ 0x01);
      WriteFile(f, bad);
      expect_detected("flip at " + std::to_string(i));
    }
    for (size_t len = 0; len < original.size(); ++len) {
      WriteFile(f, original.substr(0, len));
      expect_detected("truncated to " + std::to_string(len));
    }
    WriteFile(f, original + "garbage");
    expect_detected("appended garbage");
    WriteFile(f, original);
  }
  auto idx = Index::Open(d);
  REQUIRE(idx.ok());
  REQUIRE((*idx)->Verify().ok());
  INFO(cases << " corruption cases");
  CHECK(cases > 1000);
}
