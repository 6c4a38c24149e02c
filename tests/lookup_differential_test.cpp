// Differential test of the segment lookup (skip table over payload codes,
// groups read in place across page boundaries) against a straightforward
// reference: every key the Cursor enumerates (itself checked against the
// builder's input), matched by brute force. Dictionaries of one entry, a few,
// and many (codes longer than the fast and skip tables), mixed precision with
// several matches a lookup, and a clustered segment whose largest group spans
// three pages or more.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "coding.h"
#include "index/segment.h"
#include "leakdex/index_format.h"
#include "test_util.h"

namespace leakdex {
namespace {

namespace fs = std::filesystem;

struct Key {
  uint64_t value;
  uint8_t precision;
  bool operator<(const Key& o) const { return value != o.value ? value < o.value : precision < o.precision; }
};
struct Input {
  uint32_t payload;  // PayloadTable id
  uint32_t records;
};
using Keys = std::map<Key, Input>;

// Payload number i: one or two of three sources, a class set derived from i.
Payload PayloadNumber(uint32_t i) {
  Payload p;
  p.sources = {i % 3};
  if (i % 7 == 0) p.sources = {0, 2};
  p.classes = (uint64_t{i} << 1) | 1;
  p.roles = 1 + i % 2;
  return p;
}

// Builds a segment of `keys` keeping each key's precision (as compact and merge do).
std::string Build(const fs::path& path, const Keys& keys, PayloadTable* table) {
  KeyId id{};
  SegmentBuilder b(id, 1, table);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) REQUIRE(b.Begin(path.string()).ok());
    for (const auto& [k, in] : keys) {
      SegmentEntry e{k.value, k.precision, in.payload, in.records};
      REQUIRE((pass == 0 ? b.Observe(e) : b.Add(e)).ok());
    }
  }
  REQUIRE(b.Finish().ok());
  return path.string();
}

// The reference: stored keys by (value, precision), answered by brute force.
class Reference {
 public:
  explicit Reference(const SegmentReader& seg) : seg_(seg) {
    auto c = seg.NewCursor();
    SegmentEntry e;
    for (;;) {
      auto more = c.Next(&e);
      REQUIRE(more.ok());
      if (!*more) break;
      stored_.push_back(e);
      precisions_.insert(e.precision);
      by_key_.emplace(std::make_pair(e.value, e.precision), stored_.size() - 1);
    }
  }
  const std::vector<SegmentEntry>& stored() const { return stored_; }
  std::optional<SegmentReader::Hit> Lookup(uint64_t fp) const {
    std::optional<SegmentReader::Hit> hit;
    for (uint8_t p : precisions_) {
      auto [lo, hi] = by_key_.equal_range(std::make_pair(TruncateFingerprint(fp, p), p));
      for (auto it = lo; it != hi; ++it) {
        const SegmentEntry& e = stored_[it->second];
        if (!hit) {
          hit.emplace();
          hit->payload = seg_.PayloadOf(e.payload);
          hit->count = e.records;
        } else {
          hit->payload.Merge(seg_.PayloadOf(e.payload));
          hit->count = std::min(hit->count + e.records, format::kRecordCountMax);
        }
      }
    }
    return hit;
  }

 private:
  const SegmentReader& seg_;
  std::vector<SegmentEntry> stored_;
  std::set<uint8_t> precisions_;
  std::multimap<std::pair<uint64_t, uint8_t>, size_t> by_key_;
};

// Checks the cursor against the input, then Lookup against the reference for
// every stored key (stored value, and with random unstored low bits), a
// near miss of each (last stored bit flipped) and `absent` random fingerprints.
// Returns the number of hits seen.
uint64_t Compare(const std::string& path, const Keys& keys, const PayloadTable& table, uint64_t seed,
                 int absent = 20000) {
  // Lazily verified, as for large segments: pages are checked on first use.
  auto r = SegmentReader::Open(path, 0);
  REQUIRE(r.ok());
  const SegmentReader& seg = **r;
  REQUIRE(seg.Verify().ok());
  // Loaded and verified whole at open, as batch opens an index: lookups take
  // the inline verified paths (PagedView::GetVerifiedRange, VerifiedWord).
  auto l = SegmentReader::Open(path, 0, MappedFile::Mode::kLoad);
  REQUIRE(l.ok());
  const SegmentReader& loaded = **l;
  REQUIRE(loaded.VerifyPages().ok());
  Reference ref(seg);
  REQUIRE(ref.stored().size() == keys.size());
  {
    size_t i = 0;
    for (const auto& [k, in] : keys) {
      const SegmentEntry& e = ref.stored()[i++];
      REQUIRE(e.value == k.value);
      REQUIRE(e.precision == k.precision);
      REQUIRE(seg.PayloadOf(e.payload) == table.Get(in.payload));
      REQUIRE(e.records == std::min(in.records, format::kRecordCountMax));
    }
  }
  std::mt19937_64 rng(seed);
  uint64_t hits = 0, checked = 0;
  std::vector<uint32_t> ids;
  auto check = [&](uint64_t fp) {
    const auto want = ref.Lookup(fp);
    auto got = seg.Lookup(fp);
    REQUIRE(got.ok());
    ids.clear();
    REQUIRE(seg.LookupIds(fp, &ids).ok());
    auto got_loaded = loaded.Lookup(fp);
    REQUIRE(got_loaded.ok());
    INFO("fingerprint " << fp);
    REQUIRE(got->has_value() == want.has_value());
    REQUIRE(got_loaded->has_value() == want.has_value());
    REQUIRE(ids.empty() == !want.has_value());
    if (want) {
      REQUIRE((*got)->payload == want->payload);
      REQUIRE((*got)->count == want->count);
      REQUIRE((*got_loaded)->payload == want->payload);
      REQUIRE((*got_loaded)->count == want->count);
      ++hits;
    }
    ++checked;
  };
  for (const SegmentEntry& e : ref.stored()) {
    check(e.value);
    const uint64_t low = e.precision >= 64 ? 0 : rng() & (~uint64_t{0} >> e.precision);
    check(e.value | low);
    check(e.value ^ (uint64_t{1} << (64 - e.precision)));
  }
  for (int i = 0; i < absent; ++i) check(rng());
  CHECK(checked == 3 * keys.size() + absent);
  return hits;
}

uint64_t MaxGroupBytes(const std::string& path) {
  // The footer's max_group_bytes (docs/FORMAT.md "Footer"): the footer ends
  // the last page's content.
  const std::string bytes = testing::ReadFile(path);
  const size_t footer = bytes.size() - format::kPageTrailerSize - format::kSegmentFooterSize;
  return DecodeFixed32(bytes.data() + footer + 32);
}

}  // namespace

TEST_CASE("Lookup equals the reference: one dictionary entry", "[segment][lookup]") {
  testing::TempDir dir;
  PayloadTable table;
  const uint32_t p = table.Intern(PayloadNumber(1));
  std::mt19937_64 rng(1);
  Keys keys;
  while (keys.size() < 30000) keys[{TruncateFingerprint(rng(), 46), 46}] = {p, 1};
  const std::string path = Build(dir / "one.ldx", keys, &table);
  auto r = SegmentReader::Open(path);
  REQUIRE(r.ok());
  CHECK((*r)->header().dict_count == 1);
  CHECK((*r)->header().max_code_len == 0);
  CHECK(Compare(path, keys, table, 11) >= 2 * keys.size());
}

TEST_CASE("Lookup equals the reference: a few dictionary entries", "[segment][lookup]") {
  testing::TempDir dir;
  PayloadTable table;
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < 4; ++i) ids.push_back(table.Intern(PayloadNumber(i)));
  std::mt19937_64 rng(2);
  Keys keys;
  while (keys.size() < 60000) {
    // Skewed: payload 0 for 80 % of keys (a one-bit code), records 1 or 2.
    const uint32_t pick = rng() % 10 < 8 ? 0 : 1 + rng() % 3;
    keys[{TruncateFingerprint(rng(), 50), 50}] = {ids[pick], static_cast<uint32_t>(1 + rng() % 2)};
  }
  const std::string path = Build(dir / "few.ldx", keys, &table);
  auto r = SegmentReader::Open(path);
  REQUIRE(r.ok());
  CHECK((*r)->header().dict_count == 8);
  CHECK(Compare(path, keys, table, 12) >= 2 * keys.size());
}

TEST_CASE("Lookup equals the reference: many entries, codes longer than the tables", "[segment][lookup]") {
  testing::TempDir dir;
  PayloadTable table;
  std::mt19937_64 rng(3);
  Keys keys;
  while (keys.size() < 150000) {
    // Geometric head (entry e used 2^-e of the time: code lengths 1, 2, 3...)
    // and a long flat tail of rare entries: codes of 13 bits and more.
    const unsigned e = static_cast<unsigned>(std::countr_zero(rng() | (uint64_t{1} << 15)));
    const uint32_t payload = rng() % 8 != 0 ? e : 16 + static_cast<uint32_t>(rng() % 3000);
    const uint32_t records = rng() % 50 == 0 ? 300 : 1 + static_cast<uint32_t>(rng() % 2);
    keys[{TruncateFingerprint(rng(), 52), 52}] = {table.Intern(PayloadNumber(payload)), records};
  }
  const std::string path = Build(dir / "many.ldx", keys, &table);
  auto r = SegmentReader::Open(path);
  REQUIRE(r.ok());
  INFO("dictionary entries " << (*r)->header().dict_count << ", longest code " << int{(*r)->header().max_code_len});
  CHECK((*r)->header().dict_count > 2000);
  CHECK((*r)->header().max_code_len > 12);
  CHECK(Compare(path, keys, table, 13) >= 2 * keys.size());
}

TEST_CASE("Lookup equals the reference: mixed precision, several matches a key", "[segment][lookup]") {
  testing::TempDir dir;
  PayloadTable table;
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < 40; ++i) ids.push_back(table.Intern(PayloadNumber(i)));
  std::mt19937_64 rng(4);
  Keys keys;
  const uint8_t precisions[] = {34, 41, 48, 56};
  while (keys.size() < 80000) {
    const uint64_t fp = rng();
    const uint8_t p = precisions[rng() % 4];
    keys[{TruncateFingerprint(fp, p), p}] = {ids[rng() % 40 < 30 ? 0 : rng() % 40], 1};
    // Some keys are also stored at a lower precision with another payload
    // (a merge of partitions built at different sizes): two matches.
    if (rng() % 8 == 0 && p > 34) keys[{TruncateFingerprint(fp, 34), 34}] = {ids[1 + rng() % 39], 2};
  }
  const std::string path = Build(dir / "mixed.ldx", keys, &table);
  auto r = SegmentReader::Open(path);
  REQUIRE(r.ok());
  CHECK((*r)->header().min_precision == 34);
  CHECK((*r)->header().fp_bits == 56);
  CHECK(Compare(path, keys, table, 14) >= 2 * keys.size());
  // A key stored at 56 bits and at 34 bits answers with both payloads united.
  for (const auto& [k, in] : keys) {
    if (k.precision != 56) continue;
    auto low = keys.find({TruncateFingerprint(k.value, 34), 34});
    if (low == keys.end()) continue;
    auto hit = (*r)->Lookup(k.value);
    REQUIRE(hit.ok());
    REQUIRE(hit->has_value());
    Payload both = table.Get(in.payload);
    both.Merge(table.Get(low->second.payload));
    CHECK((*hit)->payload == both);
    CHECK((*hit)->count == 3);
    break;
  }
}

TEST_CASE("Lookup equals the reference: a group spanning three pages or more", "[segment][lookup]") {
  testing::TempDir dir;
  PayloadTable table;
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < 6; ++i) ids.push_back(table.Intern(PayloadNumber(i)));
  std::mt19937_64 rng(5);
  Keys keys;
  // 20000 keys spread out, and 8000 more in one narrow range (one group).
  while (keys.size() < 20000) keys[{TruncateFingerprint(rng(), 48), 48}] = {ids[rng() % 6], 1};
  const uint64_t base = rng() & ~(~uint64_t{0} >> 20);
  while (keys.size() < 28000) keys[{TruncateFingerprint(base | (rng() >> 24), 48), 48}] = {ids[rng() % 6], 1};
  const std::string path = Build(dir / "clustered.ldx", keys, &table);
  CHECK(MaxGroupBytes(path) > 2 * format::kPageContent);
  CHECK(Compare(path, keys, table, 15) >= 2 * keys.size());
}

}  // namespace leakdex
