#include "index/segment.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "index/index_writer.h"
#include "leakdex/index_format.h"
#include "test_util.h"

namespace leakdex {
namespace {

namespace fs = std::filesystem;

KeyId TestKeyId() {
  KeyId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i * 7 + 1);
  return id;
}

struct Built {
  std::string path;
  uint64_t size = 0;
  std::map<uint64_t, std::pair<Payload, uint32_t>> keys;  // fingerprint -> payload, records
};

// A realistic payload mix: one or two sources, a few class combinations,
// mostly subjects, counts mostly 1.
Payload RandomPayload(std::mt19937_64& rng) {
  Payload p;
  p.sources = {static_cast<uint32_t>(rng() % 3 == 0 ? 1 : 0)};
  if (rng() % 10 == 0) p.sources = {0, 1};
  static const DataClassSet kCombos[] = {0x13, 0x1b, 0x3, 0x11, 0x7f, (1ull << 16) | 0x3};
  p.classes = kCombos[rng() % 6];
  p.roles = rng() % 8 == 0 ? 2 : 1;
  return p;
}

// Builds a fresh segment (ingest-like) of n random 64-bit fingerprints.
Built BuildFresh(const fs::path& dir, uint64_t n, uint32_t seed, uint8_t floor_bits = 0) {
  std::mt19937_64 rng(seed);
  std::map<uint64_t, std::pair<Payload, uint32_t>> keys;
  while (keys.size() < n) {
    // Records per key: Pareto, P(records >= k) = k^-1.5 (65% once, a long tail).
    const double u = (static_cast<double>(rng() >> 11) + 1) / 9007199254740992.0;
    const uint32_t records = static_cast<uint32_t>(std::min(1e6, std::floor(std::pow(u, -1 / 1.5))));
    keys.emplace(rng(), std::make_pair(RandomPayload(rng), records));
  }
  PayloadTable table;
  SegmentBuilder b(TestKeyId(), 1, &table);
  b.SetFreshPrecision(floor_bits);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) REQUIRE(b.Begin((dir / "seg.ldx").string()).ok());
    for (const auto& [fp, v] : keys) {
      SegmentEntry e{fp, 64, table.Intern(v.first), v.second};
      REQUIRE((pass == 0 ? b.Observe(e) : b.Add(e)).ok());
    }
  }
  auto size = b.Finish();
  REQUIRE(size.ok());
  return Built{(dir / "seg.ldx").string(), *size, std::move(keys)};
}

}  // namespace

TEST_CASE("PrecisionFor gives 1e-9 per lookup", "[segment]") {
  for (uint64_t n : {uint64_t{1}, uint64_t{1000}, uint64_t{1000000}, uint64_t{10000000}, uint64_t{100000000},
                     uint64_t{1000000000}}) {
    const uint8_t f = PrecisionFor(n);
    CHECK(static_cast<double>(n) / std::ldexp(1.0, f) <= 1e-9);
    CHECK(static_cast<double>(n) / std::ldexp(1.0, f - 1) > 1e-9);  // and no more bits than needed
  }
  CHECK(PrecisionFor(1000000) == 50);
  CHECK(PrecisionFor(1000, 60) == 60);
  CHECK(PrecisionFor(uint64_t{1} << 40) == 64);  // capped
}

TEST_CASE("Segment v2 round trip: every key found with its payload, absent keys not", "[segment]") {
  testing::TempDir dir;
  for (uint64_t n : {uint64_t{1}, uint64_t{7}, uint64_t{1000}, uint64_t{50000}}) {
    Built b = BuildFresh(dir.path(), n, static_cast<uint32_t>(n));
    auto r = SegmentReader::Open(b.path);
    REQUIRE(r.ok());
    const SegmentReader& seg = **r;
    CHECK(seg.header().key_count == n);
    CHECK(seg.header().fp_bits == PrecisionFor(n));
    REQUIRE(seg.Verify().ok());
    CHECK(seg.false_positive_rate() <= 1e-9);
    for (const auto& [fp, v] : b.keys) {
      auto hit = seg.Lookup(fp);
      REQUIRE(hit.ok());
      REQUIRE(hit->has_value());
      CHECK((*hit)->payload == v.first);
      CHECK((*hit)->count == std::min(v.second, format::kRecordCountMax));
    }
    std::mt19937_64 rng(99);
    uint64_t false_hits = 0;
    for (int i = 0; i < 20000; ++i) {
      uint64_t fp = rng();
      if (b.keys.count(fp)) continue;
      auto hit = seg.Lookup(fp);
      REQUIRE(hit.ok());
      false_hits += hit->has_value();
    }
    CHECK(false_hits == 0);
    // The cursor yields the keys in order, cut to the stored precision.
    auto cursor = seg.NewCursor();
    SegmentEntry e;
    auto it = b.keys.begin();
    uint64_t count = 0;
    for (;;) {
      auto more = cursor.Next(&e);
      REQUIRE(more.ok());
      if (!*more) break;
      REQUIRE(it != b.keys.end());
      CHECK(e.value == TruncateFingerprint(it->first, seg.header().fp_bits));
      CHECK(seg.PayloadOf(e.payload) == it->second.first);
      ++it;
      ++count;
    }
    CHECK(count == n);
    fs::remove(b.path);
  }
}

TEST_CASE("Segment v2 is compact: at most 5 bytes a key at 1e6 keys", "[segment]") {
  testing::TempDir dir;
  Built b = BuildFresh(dir.path(), 1000000, 5);
  const double per_key = static_cast<double>(b.size) / 1e6;
  INFO("bytes per key " << per_key);
  WARN("segment bytes per key at 1e6 keys: " << per_key);
  CHECK(per_key <= 5.0);
  auto r = SegmentReader::Open(b.path);
  REQUIRE(r.ok());
  REQUIRE((*r)->Verify().ok());
}

TEST_CASE("Segment v2 false-positive rate matches n / 2^F", "[segment]") {
  testing::TempDir dir;
  // At the production precision: 1e6 keys, 5e5 absent lookups, 0.0005 false hits expected.
  {
    Built b = BuildFresh(dir.path(), 1000000, 21);
    auto r = SegmentReader::Open(b.path);
    REQUIRE(r.ok());
    std::mt19937_64 rng(1234);
    uint64_t false_hits = 0;
    for (int i = 0; i < 500000; ++i) {
      uint64_t fp = rng();
      if (b.keys.count(fp)) continue;
      auto hit = (*r)->Lookup(fp);
      REQUIRE(hit.ok());
      false_hits += hit->has_value();
    }
    CHECK(false_hits <= 1);
    CHECK((*r)->false_positive_rate() == Approx(1e6 / std::ldexp(1.0, 50)));
    fs::remove(b.path);
  }
  // With few bits stored (a merge input of 30-bit keys) the measured rate must
  // match the formula: 100000 keys / 2^30 = 9.3e-5; 4e5 lookups -> ~37 hits.
  {
    std::mt19937_64 rng(77);
    std::vector<uint64_t> values;
    for (int i = 0; i < 100000; ++i) values.push_back(TruncateFingerprint(rng(), 30));
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    PayloadTable table;
    const uint32_t pid = table.Intern(Payload{{0}, 1, 1});
    SegmentBuilder b(TestKeyId(), 1, &table);
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1) REQUIRE(b.Begin((dir.path() / "p30.ldx").string()).ok());
      for (uint64_t v : values) REQUIRE((pass == 0 ? b.Observe({v, 30, pid, 1}) : b.Add({v, 30, pid, 1})).ok());
    }
    REQUIRE(b.Finish().ok());
    auto r = SegmentReader::Open((dir.path() / "p30.ldx").string());
    REQUIRE(r.ok());
    const double expected = static_cast<double>(values.size()) / std::ldexp(1.0, 30);
    CHECK((*r)->false_positive_rate() == Approx(expected));
    uint64_t hits = 0;
    const int kQueries = 400000;
    for (int i = 0; i < kQueries; ++i) {
      auto hit = (*r)->Lookup(rng());
      REQUIRE(hit.ok());
      hits += hit->has_value();
    }
    const double mean = expected * kQueries;
    INFO("measured " << hits << " false hits, expected " << mean);
    CHECK(std::abs(static_cast<double>(hits) - mean) < 5 * std::sqrt(mean));
  }
}

TEST_CASE("Mixed precision: keys stored with fewer bits still match", "[segment]") {
  testing::TempDir dir;
  PayloadTable table;
  const uint32_t a = table.Intern(Payload{{0}, 1, 1});
  const uint32_t b = table.Intern(Payload{{1}, 2, 1});
  std::mt19937_64 rng(3);
  std::map<std::pair<uint64_t, uint8_t>, uint32_t> entries;
  std::vector<uint64_t> full;
  for (int i = 0; i < 5000; ++i) {
    uint64_t fp = rng();
    full.push_back(fp);
    uint8_t p = i % 3 == 0 ? 40 : 56;
    entries[{TruncateFingerprint(fp, p), p}] = i % 3 == 0 ? a : b;
  }
  SegmentBuilder builder(TestKeyId(), 1, &table);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) REQUIRE(builder.Begin((dir.path() / "m.ldx").string()).ok());
    for (const auto& [k, pid] : entries) {
      SegmentEntry e{k.first, k.second, pid, 1};
      REQUIRE((pass == 0 ? builder.Observe(e) : builder.Add(e)).ok());
    }
  }
  REQUIRE(builder.Finish().ok());
  auto r = SegmentReader::Open((dir.path() / "m.ldx").string());
  REQUIRE(r.ok());
  CHECK((*r)->header().min_precision == 40);
  CHECK((*r)->header().fp_bits == 56);
  for (size_t i = 0; i < full.size(); ++i) {
    auto hit = (*r)->Lookup(full[i]);
    REQUIRE(hit.ok());
    REQUIRE(hit->has_value());
    CHECK((*hit)->payload.sources == std::vector<uint32_t>{i % 3 == 0 ? 0u : 1u});
  }
}

TEST_CASE("Corruption sweep: every byte flipped, every truncation", "[segment][corruption]") {
  testing::TempDir dir;
  Built b = BuildFresh(dir.path(), 2000, 17);  // three pages
  const std::string good = testing::ReadFile(b.path);
  REQUIRE(good.size() % format::kPageSize == 0);
  const std::string bad_path = (dir.path() / "bad.ldx").string();
  std::mt19937_64 rng(5);
  std::vector<uint64_t> absent;
  for (int i = 0; i < 50; ++i) absent.push_back(rng());

  // Opened without the whole-file check, lookups must either fail with
  // Corruption or give exactly the right answer.
  // Every 10th key (200 of them) per damaged file keeps the sweep's 2x12,288
  // cases within CI time.
  auto check_lookups = [&](const SegmentReader& seg) {
    size_t k = 0;
    for (const auto& [fp, v] : b.keys) {
      if (k++ % 10 != 0) continue;
      auto hit = seg.Lookup(fp);
      if (!hit.ok()) {
        CHECK(hit.status().code() == Status::Code::kCorruption);
        continue;
      }
      REQUIRE(hit->has_value());
      CHECK((*hit)->payload == v.first);
    }
    for (uint64_t fp : absent) {
      auto hit = seg.Lookup(fp);
      if (hit.ok()) CHECK(!hit->has_value());
    }
  };
  uint64_t detected = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bytes = good;
    bytes[i] = static_cast<char>(bytes[i] ^ 0x80);
    testing::WriteFile(bad_path, bytes);
    auto r = SegmentReader::Open(bad_path);
    if (r.ok()) {
      FAIL_CHECK("byte " << i << " flipped: opened without error");
      continue;
    }
    CHECK((r.status().code() == Status::Code::kCorruption || r.status().code() == Status::Code::kNotSupported));
    ++detected;
    auto lazy = SegmentReader::Open(bad_path, /*verify_whole_up_to=*/0);
    if (lazy.ok()) check_lookups(**lazy);
  }
  CHECK(detected == good.size());
  for (size_t len = 0; len < good.size(); ++len) {
    testing::WriteFile(bad_path, good.substr(0, len));
    auto r = SegmentReader::Open(bad_path);
    REQUIRE_FALSE(r.ok());
    CHECK((r.status().code() == Status::Code::kCorruption || r.status().code() == Status::Code::kNotSupported));
  }
  // Appended bytes, and a page moved to another position.
  for (size_t extra : {size_t{1}, size_t{8}, format::kPageSize}) {
    testing::WriteFile(bad_path, good + std::string(extra, '\0'));
    CHECK_FALSE(SegmentReader::Open(bad_path).ok());
  }
  REQUIRE(good.size() >= 3 * format::kPageSize);
  {
    std::string swapped = good;
    std::swap_ranges(swapped.begin() + format::kPageSize, swapped.begin() + 2 * format::kPageSize,
                     swapped.begin() + 2 * format::kPageSize);
    testing::WriteFile(bad_path, swapped);
    CHECK_FALSE(SegmentReader::Open(bad_path).ok());
  }
}

TEST_CASE("Builds are deterministic", "[segment]") {
  testing::TempDir d1, d2;
  Built a = BuildFresh(d1.path(), 20000, 8);
  Built b = BuildFresh(d2.path(), 20000, 8);
  CHECK(testing::ReadFile(a.path) == testing::ReadFile(b.path));
}

}  // namespace leakdex

namespace leakdex {

TEST_CASE("SegmentBuilder::ObserveMany gives the file Observe gives", "[segment]") {
  testing::TempDir dir;
  std::mt19937_64 rng(29);
  std::map<uint64_t, std::pair<Payload, uint32_t>> keys;
  while (keys.size() < 50000) keys.emplace(rng(), std::make_pair(RandomPayload(rng), 1 + rng() % 300));
  auto build = [&](bool bulk, const std::string& name) {
    PayloadTable table;
    SegmentBuilder b(TestKeyId(), 1, &table);
    b.SetFreshPrecision(0);
    if (bulk) {  // counts per (payload, capped records), as the sorter tallies them
      std::map<std::pair<uint32_t, uint32_t>, uint64_t> counts;
      for (const auto& [fp, v] : keys) counts[{table.Intern(v.first), std::min(v.second, 255u)}]++;
      for (const auto& [k, n] : counts) REQUIRE(b.ObserveMany(SegmentEntry{0, 64, k.first, k.second}, n).ok());
    } else {
      for (const auto& [fp, v] : keys) REQUIRE(b.Observe(SegmentEntry{fp, 64, table.Intern(v.first), v.second}).ok());
    }
    REQUIRE(b.Begin((dir.path() / name).string()).ok());
    for (const auto& [fp, v] : keys) REQUIRE(b.Add(SegmentEntry{fp, 64, table.Intern(v.first), v.second}).ok());
    REQUIRE(b.Finish().ok());
    return testing::ReadFile(dir.path() / name);
  };
  CHECK(build(false, "a.ldx") == build(true, "b.ldx"));
}

}  // namespace leakdex

namespace leakdex {
namespace {

class VectorEntries final : public SegmentBuilder::EntryArray {
 public:
  explicit VectorEntries(const std::vector<SegmentEntry>& v) : v_(v) {}
  uint64_t size() const override { return v_.size(); }
  void Get(uint64_t begin, uint64_t end, SegmentEntry* out) const override {
    std::copy(v_.begin() + static_cast<ptrdiff_t>(begin), v_.begin() + static_cast<ptrdiff_t>(end), out);
  }

 private:
  const std::vector<SegmentEntry>& v_;
};

// Pass 1 by Observe, then pass 2 by Add (threads == 0) or by AddAll.
// Returns the file's bytes, or the failing status's message.
std::string BuildWith(const std::vector<SegmentEntry>& entries, const PayloadTable& table, bool fresh, int threads,
                      const fs::path& path, const std::vector<SegmentEntry>* pass2 = nullptr) {
  SegmentBuilder b(TestKeyId(), 1, &table);
  if (fresh) b.SetFreshPrecision(0);
  for (const SegmentEntry& e : entries) REQUIRE(b.Observe(e).ok());
  REQUIRE(b.Begin(path.string()).ok());
  const std::vector<SegmentEntry>& second = pass2 ? *pass2 : entries;
  if (threads == 0) {
    for (const SegmentEntry& e : second)
      if (Status st = b.Add(e); !st.ok()) return "error: " + st.message();
  } else if (Status st = b.AddAll(VectorEntries(second), threads); !st.ok()) {
    return "error: " + st.message();
  }
  auto size = b.Finish();
  if (!size.ok()) return "error: " + size.status().message();
  return testing::ReadFile(path);
}

}  // namespace

TEST_CASE("SegmentBuilder::AddAll gives the file Add gives, on any number of threads", "[segment]") {
  testing::TempDir dir;
  PayloadTable table;
  std::vector<uint32_t> ids;
  std::mt19937_64 rng(31);
  for (int i = 0; i < 12; ++i) ids.push_back(table.Intern(RandomPayload(rng)));
  // Sorted entries: random keys, plus a dense run sharing their top 24 bits
  // (one group far larger than the rest, where a split point may fall).
  auto make = [&](size_t n, bool mixed_precision, bool dense) {
    std::vector<SegmentEntry> v;
    for (size_t i = 0; i < n; ++i) {
      uint64_t fp = rng();
      if (dense && i % 2 == 0) fp = (uint64_t{0x9abcde} << 40) | (fp >> 24);
      const uint8_t p = mixed_precision && i % 3 == 0 ? 40 : 64;
      v.push_back(SegmentEntry{TruncateFingerprint(fp, p), p, ids[rng() % ids.size()],
                               static_cast<uint32_t>(rng() % 4 == 0 ? 1 + rng() % 400 : 1)});
    }
    std::sort(v.begin(), v.end(), [](const SegmentEntry& a, const SegmentEntry& b) {
      return a.value != b.value ? a.value < b.value : a.precision < b.precision;
    });
    return v;
  };
  struct Case {
    size_t n;
    bool fresh, mixed, dense;
  };
  for (const Case& c : {Case{1, true, false, false}, Case{1000, true, false, false}, Case{70000, true, false, true},
                        Case{300000, true, false, false}, Case{300000, true, false, true},
                        Case{200000, false, true, false}}) {
    const std::vector<SegmentEntry> entries = make(c.n, c.mixed, c.dense);
    const std::string serial = BuildWith(entries, table, c.fresh, 0, dir.path() / "serial.ldx");
    REQUIRE(serial.rfind("error", 0) != 0);
    for (int threads : {1, 2, 3, 5}) {
      INFO("n " << c.n << " fresh " << c.fresh << " mixed " << c.mixed << " dense " << c.dense << " threads "
                << threads);
      CHECK(BuildWith(entries, table, c.fresh, threads, dir.path() / "all.ldx") == serial);
    }
  }
}

TEST_CASE("SegmentBuilder::AddAll refuses a pass 2 that differs from pass 1", "[segment]") {
  testing::TempDir dir;
  PayloadTable table;
  const uint32_t a = table.Intern(Payload{{0}, 1, 1});
  const uint32_t b = table.Intern(Payload{{1}, 2, 1});
  std::mt19937_64 rng(37);
  std::vector<SegmentEntry> entries;
  for (int i = 0; i < 200000; ++i) entries.push_back(SegmentEntry{rng(), 64, i % 2 ? a : b, 1});
  std::sort(entries.begin(), entries.end(),
            [](const SegmentEntry& x, const SegmentEntry& y) { return x.value < y.value; });
  const fs::path path = dir.path() / "x.ldx";
  std::vector<SegmentEntry> fewer(entries.begin() + 1, entries.end());
  CHECK(BuildWith(entries, table, true, 2, path, &fewer).rfind("error", 0) == 0);
  std::vector<SegmentEntry> unknown = entries;
  unknown[150000].payload = a == 0 ? 7 : 0;  // a payload pass 1 never saw with these records
  unknown[150000].records = 99;
  CHECK(BuildWith(entries, table, true, 2, path, &unknown).rfind("error", 0) == 0);
  std::vector<SegmentEntry> unsorted = entries;
  std::swap(unsorted[10], unsorted[190000]);
  CHECK(BuildWith(entries, table, true, 2, path, &unsorted).rfind("error", 0) == 0);
  std::swap(unsorted[10], unsorted[190000]);
  std::reverse(unsorted.begin() + 50000, unsorted.begin() + 150000);  // across the split point
  CHECK(BuildWith(entries, table, true, 2, path, &unsorted).rfind("error", 0) == 0);
}

}  // namespace leakdex
