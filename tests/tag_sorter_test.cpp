#include "index/tag_sorter.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <tuple>
#include <map>
#include <random>

#include "test_util.h"

namespace leakdex {
namespace {

struct Merged {
  DataClassSet classes = 0;
  RoleSet roles = 0;
  uint64_t count = 0;
  bool operator==(const Merged&) const = default;
};

std::vector<TagEntry> RandomEntries(size_t n, uint64_t distinct, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> keys(distinct);
  for (auto& k : keys) k = rng();
  keys.push_back(0);           // extremes
  keys.push_back(~uint64_t{0});
  std::vector<TagEntry> out;
  for (size_t i = 0; i < n; ++i) {
    TagEntry e;
    e.fingerprint = keys[rng() % keys.size()];
    e.classes = DataClassSet{1} << (rng() % 20);
    e.roles = RoleSet{1} << (rng() % 3);
    e.count = 1 + static_cast<uint32_t>(rng() % 3);
    out.push_back(e);
  }
  return out;
}

std::map<uint64_t, Merged> Reference(const std::vector<TagEntry>& in) {
  std::map<uint64_t, Merged> m;
  for (const TagEntry& e : in) {
    Merged& x = m[e.fingerprint];
    x.classes |= e.classes;
    x.roles |= e.roles;
    x.count += e.count;
  }
  return m;
}

std::vector<TagEntry> Drain(TagSorter& s) {
  auto stream = s.Open();
  REQUIRE(stream.ok());
  std::vector<TagEntry> out;
  TagEntry e;
  for (;;) {
    auto more = (*stream)->Next(&e);
    REQUIRE(more.ok());
    if (!*more) break;
    out.push_back(e);
  }
  return out;
}

size_t CountFiles(const std::filesystem::path& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

}  // namespace

TEST_CASE("TagSorter sorts, merges and spills within the budget", "[tag_sorter]") {
  testing::TempDir dir;
  const auto input = RandomEntries(200000, 60000, 7);
  const auto ref = Reference(input);
  std::vector<std::vector<TagEntry>> results;
  for (uint64_t budget : {uint64_t{64} << 10, uint64_t{1} << 20, uint64_t{256} << 20}) {
    TagSorter sorter(TagSorterOptions{dir.path().string(), budget});
    for (const TagEntry& e : input) REQUIRE(sorter.Add(e).ok());
    REQUIRE(sorter.Finish().ok());
    if (budget < (1u << 20)) {
      CHECK(sorter.runs_spilled() > 10);
      CHECK(CountFiles(dir.path()) > 0);
    }
    if (budget == (uint64_t{256} << 20)) CHECK(sorter.runs_spilled() == 0);
    auto out = Drain(sorter);
    REQUIRE(out.size() == ref.size());
    size_t i = 0;
    for (const auto& [fp, m] : ref) {
      CHECK(out[i].fingerprint == fp);
      CHECK(out[i].classes == m.classes);
      CHECK(out[i].roles == m.roles);
      CHECK(out[i].count == m.count);
      ++i;
    }
    // A second pass reads the same stream (the segment builder makes two).
    auto again = Drain(sorter);
    REQUIRE(again.size() == out.size());
    for (size_t k = 0; k < out.size(); ++k) CHECK(again[k].fingerprint == out[k].fingerprint);
    results.push_back(std::move(out));
  }
  // Run files are gone with the sorter.
  CHECK(CountFiles(dir.path()) == 0);
}

TEST_CASE("TagSorter output does not depend on input order or budget", "[tag_sorter]") {
  testing::TempDir dir;
  auto input = RandomEntries(50000, 20000, 11);
  auto run = [&](const std::vector<TagEntry>& in, uint64_t budget) {
    TagSorter sorter(TagSorterOptions{dir.path().string(), budget});
    for (const TagEntry& e : in) REQUIRE(sorter.Add(e).ok());
    REQUIRE(sorter.Finish().ok());
    return Drain(sorter);
  };
  auto a = run(input, 64 << 10);
  std::shuffle(input.begin(), input.end(), std::mt19937(3));
  auto b = run(input, 1 << 30);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].fingerprint == b[i].fingerprint);
    CHECK(a[i].classes == b[i].classes);
    CHECK(a[i].roles == b[i].roles);
    CHECK(a[i].count == b[i].count);
  }
}

TEST_CASE("TagSorter run files hold no input values", "[tag_sorter]") {
  // Only fingerprints, payload numbers and counts are spilled: the files are
  // varint streams of those, checked by size here (no strings reach the sorter).
  testing::TempDir dir;
  TagSorter sorter(TagSorterOptions{dir.path().string(), 64 << 10});
  for (const TagEntry& e : RandomEntries(20000, 20000, 5)) REQUIRE(sorter.Add(e).ok());
  REQUIRE(sorter.Finish().ok());
  for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
    std::string name = f.path().filename().string();
    CHECK(name.rfind("sort-", 0) == 0);
    CHECK(name.find(".tmp-") != std::string::npos);
  }
  CHECK(sorter.runs_spilled() > 0);
}

}  // namespace leakdex

namespace leakdex {
namespace {

using Packed = TagSorter::Packed;

// Sorts with SortByFingerprint and checks the result against std::sort: the
// same fingerprint sequence, and the same multiset of whole entries.
void CheckSortMatchesStdSort(std::vector<Packed> v, int threads) {
  std::vector<Packed> expect = v;
  auto by_all = [](const Packed& a, const Packed& b) {
    return std::tie(a.fp, a.payload, a.count) < std::tie(b.fp, b.payload, b.count);
  };
  std::sort(expect.begin(), expect.end(), by_all);
  std::vector<Packed> tmp(v.size());
  SortByFingerprint(v.data(), tmp.data(), v.size(), threads);
  for (size_t i = 1; i < v.size(); ++i) REQUIRE(v[i - 1].fp <= v[i].fp);
  std::sort(v.begin(), v.end(), by_all);  // ties may come in any order
  REQUIRE(v.size() == expect.size());
  for (size_t i = 0; i < v.size(); ++i) {
    REQUIRE(v[i].fp == expect[i].fp);
    REQUIRE(v[i].payload == expect[i].payload);
    REQUIRE(v[i].count == expect[i].count);
  }
}

std::vector<Packed> Entries(size_t n, uint32_t seed, const std::function<uint64_t(std::mt19937_64&, size_t)>& fp) {
  std::mt19937_64 rng(seed);
  std::vector<Packed> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = Packed{fp(rng, i), static_cast<uint32_t>(i), static_cast<uint32_t>(rng() % 7)};
  return v;
}

}  // namespace

TEST_CASE("SortByFingerprint matches std::sort on random input of every size class", "[tag_sorter]") {
  // Around the LSD/std::sort cut (64) and the one-level/two-level cut (2^16).
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{63}, size_t{64}, size_t{65}, size_t{1000},
                   size_t{65535}, size_t{65536}, size_t{65537}, size_t{300000}, size_t{1} << 21}) {
    for (int threads : {1, 2, 3}) {
      INFO("n=" << n << " threads=" << threads);
      CheckSortMatchesStdSort(Entries(n, static_cast<uint32_t>(n + threads), [](auto& r, size_t) { return r(); }),
                              threads);
    }
  }
}

TEST_CASE("SortByFingerprint matches std::sort on adversarial input", "[tag_sorter]") {
  const size_t n = 200000;  // two-level path
  const std::vector<std::pair<const char*, std::function<uint64_t(std::mt19937_64&, size_t)>>> shapes = {
      {"all equal", [](auto&, size_t) { return uint64_t{0x1234}; }},
      {"all zero", [](auto&, size_t) { return uint64_t{0}; }},
      {"all ones", [](auto&, size_t) { return ~uint64_t{0}; }},
      {"two values", [](auto& r, size_t) { return r() % 2 ? ~uint64_t{0} : 0; }},
      {"ascending", [](auto&, size_t i) { return uint64_t{i} * 0x9E3779B97F4A7C15ull; }},
      {"sorted", [](auto&, size_t i) { return uint64_t{i} << 40; }},
      {"reverse sorted", [](auto&, size_t i) { return ~(uint64_t{i} << 40); }},
      {"low bits only (one MSD bucket)", [](auto& r, size_t) { return r() & 0xFFFFF; }},
      {"high bits only", [](auto& r, size_t) { return r() & (~uint64_t{0} << 56); }},
      {"one skewed bucket", [](auto& r, size_t) { return r() % 10 ? (r() >> 20) : r(); }},
      {"many duplicates", [](auto& r, size_t) { return (r() % 1000) * 0x9E3779B97F4A7C15ull; }},
      {"middle byte only", [](auto& r, size_t) { return (r() & 0xFF) << 24; }},
  };
  for (const auto& [name, fp] : shapes)
    for (int threads : {1, 2}) {
      INFO(name << " threads=" << threads);
      CheckSortMatchesStdSort(Entries(n, 5, fp), threads);
    }
}

TEST_CASE("TagSorter with sort threads: spilled runs of the two-level sort merge right", "[tag_sorter]") {
  testing::TempDir dir;
  // 4 MiB: about 78k entries a run (over the 2^16 two-level cut), so 600k
  // entries spill several runs, each sorted by the two-level sort.
  const auto input = RandomEntries(600000, 250000, 17);
  const auto ref = Reference(input);
  for (int threads : {1, 2}) {
    for (uint64_t budget : {uint64_t{4} << 20, uint64_t{1} << 30}) {
      TagSorter sorter(TagSorterOptions{dir.path().string(), budget, threads});
      REQUIRE(sorter.Add(input.data(), input.size()).ok());
      REQUIRE(sorter.Finish().ok());
      if (budget == (uint64_t{4} << 20)) CHECK(sorter.runs_spilled() >= 5);
      else CHECK(sorter.runs_spilled() == 0);
      auto out = Drain(sorter);
      REQUIRE(out.size() == ref.size());
      size_t i = 0;
      for (const auto& [fp, m] : ref) {
        REQUIRE(out[i].fingerprint == fp);
        REQUIRE(out[i].classes == m.classes);
        REQUIRE(out[i].roles == m.roles);
        REQUIRE(out[i].count == m.count);
        ++i;
      }
    }
  }
  CHECK(CountFiles(dir.path()) == 0);
}

}  // namespace leakdex

namespace leakdex {

TEST_CASE("TagSorter::StreamCounts tallies the merged stream, only when it stayed in memory", "[tag_sorter]") {
  testing::TempDir dir;
  // Few payloads (5 class bits, unions included), as in an ingest; then the
  // 20-bit mix of RandomEntries, whose unions may be too many to tally.
  auto few = RandomEntries(100000, 30000, 23);
  for (size_t i = 0; i < few.size(); ++i) few[i].classes = DataClassSet{1} << (i % 5);
  for (TagEntry& e : few) e.count = e.count == 3 ? 200 : e.count;  // sums past the 255 cap
  auto many = RandomEntries(100000, 30000, 24);
  for (const std::vector<TagEntry>* input : {&few, &many}) {
    for (uint64_t budget : {uint64_t{64} << 10, uint64_t{1} << 30}) {
      TagSorter sorter(TagSorterOptions{dir.path().string(), budget, 2});
      REQUIRE(sorter.Add(input->data(), input->size()).ok());
      REQUIRE(sorter.Finish().ok());
      auto counts = sorter.StreamCounts();
      if (sorter.runs_spilled() > 0) {
        CHECK_FALSE(counts.has_value());
        continue;
      }
      if (input == &few) REQUIRE(counts.has_value());
      if (!counts) continue;
      std::map<std::pair<uint32_t, uint32_t>, uint64_t> expect, got;
      for (const TagEntry& e : Drain(sorter)) expect[{e.payload, std::min(e.count, TagSorter::kStreamCountCap)}]++;
      for (const auto& c : *counts) got[{c.payload, c.count}] += c.entries;
      CHECK(got == expect);
    }
  }
}

}  // namespace leakdex
