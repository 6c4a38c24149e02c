#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <set>
#include <sstream>

#include "batch_output.h"
#include "leakdex/batch.h"
#include "leakdex/ingest.h"
#include "leakdex/normalize.h"
#include "persons.h"
#include "split_mix.h"
#include "test_util.h"

using namespace leakdex;
using leakdex::testing::TempDir;
using leakdex::testing::WriteFile;

namespace {

// Ingests DIR/dump.csv as source "s" into DIR/idx and opens that index.
std::unique_ptr<Index> IngestDump(const TempDir& dir, const MasterKey& key) {
  IngestOptions io;
  io.index_dir = (dir / "idx").string();
  io.source = "s";
  io.inputs = {(dir / "dump.csv").string()};
  IngestReport report;
  REQUIRE(Ingest(io, key, &report).ok());
  auto index = Index::Open(io.index_dir);
  REQUIRE(index.ok());
  return std::move(index.value());
}

}  // namespace

TEST_CASE("Fail thresholds parse counts and shares", "[batch]") {
  auto t = ParseFailThreshold("0");
  REQUIRE(t.ok());
  CHECK_FALSE(t->percent);
  CHECK(t->value == 0);
  t = ParseFailThreshold("2.5%");
  REQUIRE(t.ok());
  CHECK(t->percent);
  CHECK(t->value == 2.5);
  for (const char* bad : {"", "%", "-1", "1.5", "abc", "101%", "5%%", "nan", "inf"}) {
    INFO(bad);
    CHECK(ParseFailThreshold(bad).status().code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("A threshold fails only past it", "[batch]") {
  BatchSummary s;
  s.rows = 200;
  s.rows_new = 10;
  CHECK(ThresholdExceeded(s, FailThreshold{false, 9}));
  CHECK_FALSE(ThresholdExceeded(s, FailThreshold{false, 10}));
  CHECK(ThresholdExceeded(s, FailThreshold{true, 4.9}));
  CHECK_FALSE(ThresholdExceeded(s, FailThreshold{true, 5}));
  s.rows_new = 0;
  CHECK_FALSE(ThresholdExceeded(s, FailThreshold{}));  // default: any exposure
  s.rows = 0;
  CHECK_FALSE(ThresholdExceeded(s, FailThreshold{true, 0}));
}

TEST_CASE("Batch output formats parse", "[batch]") {
  CHECK(ParseBatchFormat("ndjson").value() == BatchFormat::kNdjson);
  CHECK(ParseBatchFormat("sarif").value() == BatchFormat::kSarif);
  CHECK(ParseBatchFormat("xml").status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("JSON strings stay valid whatever the bytes", "[batch]") {
  std::string out;
  batch_internal::AppendJsonString(&out, std::string("a\"b\\c\n\x01\xE5\xBC\xA0\xFF", 11));
  CHECK(out == "\"a\\\"b\\\\c\\n\\u0001\xE5\xBC\xA0\xEF\xBF\xBD\"");
  out.clear();
  batch_internal::AppendJsonString(&out, "\xED\xA0\x80");  // a UTF-16 surrogate encoded in UTF-8
  CHECK(out == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

// RowFormatter caches the JSON of whole matches, a bounded number per key kind:
// a row must read the same whether its matches were cached, formatted fresh,
// or looked up among entries that differ in one field only. The source lists
// are refilled in place from row to row, as a worker's merged lists are.
TEST_CASE("A row's NDJSON is the same from a warm formatter as from a fresh one", "[batch]") {
  using batch_internal::RowFormatter;
  using batch_internal::RowMatch;
  using batch_internal::RowView;
  testing::SplitMix64 rng{20261206};
  RowFormatter warm(BatchFormat::kNdjson, "list.csv");
  const std::array<std::string, 3> names = {"shga-2022", "kd-2020", "a\"quoted\\source"};
  std::array<std::vector<std::string>, 3> lists;  // storage reused by every row
  for (int row = 1; row <= 3000; ++row) {
    std::vector<RowMatch> matches;
    const int n = static_cast<int>(rng.Next() % 4);
    for (int k = 0; k < n; ++k) {
      RowMatch m;
      m.kind = kAllKeyKinds[rng.Next() % 3];  // few kinds: their caches fill up
      m.exposure.classes = rng.Next() % 4;
      m.exposure.roles = rng.Next() % 3;
      m.exposure.records = static_cast<uint32_t>(1 + rng.Next() % 12);
      lists[k].clear();
      for (const std::string& s : names)
        if (rng.Next() % 2) lists[k].push_back(s);
      m.exposure.sources = &lists[k];
      matches.push_back(m);
    }
    RowView view;
    view.row = static_cast<uint64_t>(row);
    view.matches = matches;
    std::string from_warm, from_fresh;
    warm.Append(view, &from_warm);
    RowFormatter(BatchFormat::kNdjson, "list.csv").Append(view, &from_fresh);
    REQUIRE(from_warm == from_fresh);
  }
}

TEST_CASE("SARIF artifact URIs are URI references", "[batch]") {
  CHECK(batch_internal::ArtifactUri("./lists/customers 2024.csv") == "lists/customers%202024.csv");
  CHECK(batch_internal::ArtifactUri("-") == "stdin");
}

TEST_CASE("Batch output is in input order and the same for any thread count", "[batch]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  std::string dump = "name,phone\n", list = "id,name,phone\n";
  // Names are letters only: the normaliser rejects digits in a name.
  auto letters = [](int i) {
    std::string s = "wang q";
    do { s += static_cast<char>('a' + i % 26); i /= 26; } while (i > 0);
    return s;
  };
  for (int i = 0; i < 3000; ++i) {
    const std::string phone = "1380000" + std::to_string(1000 + i);
    if (i % 3 == 0) dump += letters(i) + "," + phone + "\n";
    list += "C" + std::to_string(i) + "," + letters(i) + "," + (i % 7 == 0 ? "bad" : phone) + "\n";
  }
  WriteFile(dir / "dump.csv", dump);
  WriteFile(dir / "list.csv", list);
  auto index = IngestDump(dir, key);
  KeyedHasher hasher(key);

  std::map<int, std::string> outputs;
  for (int threads : {1, 2, 5}) {
    BatchOptions bo;
    bo.input = (dir / "list.csv").string();
    bo.id_column = "id";
    bo.threads = threads;
    bo.chunk_rows = 64;  // many chunks: exercises the ordered writer
    std::string out;
    BatchSummary s;
    REQUIRE(RunBatch(*index, hasher, bo, [&](std::string_view b) { out += b; return Status::Ok(); }, &s).ok());
    CHECK(s.rows == 3000);
    CHECK(s.rows == s.rows_checked + s.rows_unchecked);
    // Rows with i % 3 == 0 are in the dump, unless their phone is "bad" (i % 7 == 0).
    uint64_t exposed = 0, errors = 0;
    for (int i = 0; i < 3000; ++i) {
      if (i % 7 == 0) ++errors;
      else if (i % 3 == 0) ++exposed;
    }
    CHECK(s.rows_exposed == exposed);
    CHECK(s.rows_new == exposed);
    CHECK(s.rows_with_errors == errors);
    CHECK(s.errors_by_reason["phone.invalid"] == errors);
    std::istringstream lines(out);
    std::string line;
    int row = 0;
    while (std::getline(lines, line)) {
      ++row;
      REQUIRE(line.rfind("{\"row\":" + std::to_string(row) + ",\"id\":\"C" + std::to_string(row - 1) + "\"", 0) == 0);
    }
    CHECK(row == 3000);
    outputs[threads] = out;
  }
  CHECK(outputs[1] == outputs[2]);
  CHECK(outputs[1] == outputs[5]);
}

TEST_CASE("A sink failure stops the batch with its status", "[batch]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  WriteFile(dir / "dump.csv", "name,phone\na,13800001111\n");
  std::string list = "phone\n";
  for (int i = 0; i < 20000; ++i) list += "13800001111\n";
  WriteFile(dir / "list.csv", list);
  auto index = IngestDump(dir, key);
  KeyedHasher hasher(key);
  BatchOptions bo;
  bo.input = (dir / "list.csv").string();
  bo.chunk_rows = 100;
  int calls = 0;
  BatchSummary s;
  Status st = RunBatch(*index, hasher, bo, [&](std::string_view) {
    return ++calls > 3 ? Status::IOError("disk full") : Status::Ok();
  }, &s);
  CHECK(st.code() == Status::Code::kIOError);
}

// batch looks a pair key up only when the single keys of its parts were found
// (src/persons.h says why the others cannot be in an index). Its answers must
// be those of looking up every key DeriveKeys derives.
TEST_CASE("Batch finds exactly the keys that looking up every derived key finds", "[batch]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  const int kPersons = 400;
  auto name = [](int i) {
    std::string s = "li ";
    do { s += static_cast<char>('a' + i % 26); i /= 26; } while (i > 0);
    return s;
  };
  // Fresh phones (i >= kPersons) sort before the dump's: with two phones in a
  // row, the absent one comes first.
  auto phone = [&](int i) { return (i < kPersons ? "1391234" : "1381234") + std::to_string(1000 + i); };
  auto address = [](int i) { return "上海市浦东新区张杨路" + std::to_string(i + 1) + "号"; };
  auto id = [](int i) { return "1101051949" + std::to_string(10000000 + i).substr(0, 8); };
  std::string dump = "name,phone,address\n";
  for (int i = 0; i < kPersons; ++i) dump += name(i) + "," + phone(i) + "," + address(i) + "\n";
  WriteFile(dir / "dump.csv", dump);
  // Each list row mixes values of different dump persons and fresh ones, so
  // that singles hit while their pairs do not, and the other way round.
  std::string list = "id,name,phone,address,id_number,mobile\n";
  std::vector<std::array<std::string, 5>> rows;
  uint64_t x = 12345;
  auto next = [&](int n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((x >> 33) % static_cast<uint64_t>(n));
  };
  for (int r = 0; r < 2000; ++r) {
    auto pick = [&](auto value) { return next(4) == 0 ? value(kPersons + next(1000)) : value(next(kPersons)); };
    const int same = next(kPersons);
    std::array<std::string, 5> row;
    if (next(3) == 0) row = {name(same), phone(same), address(same), id(same), ""};
    else row = {pick(name), pick(phone), pick(address), id(next(kPersons)), ""};
    if (next(3) == 0) row[4] = pick(phone);  // a second phone: pairs of each value
    if (next(5) == 0) row[1].clear();
    if (next(5) == 0) row[2].clear();
    rows.push_back(row);
    list += "C" + std::to_string(r) + "," + row[0] + "," + row[1] + "," + row[2] + "," + row[3] + "," + row[4] + "\n";
  }
  WriteFile(dir / "list.csv", list);
  auto index = IngestDump(dir, key);
  KeyedHasher hasher(key);

  BatchOptions bo;
  bo.input = (dir / "list.csv").string();
  bo.chunk_rows = 128;
  std::string out;
  BatchSummary s;
  REQUIRE(RunBatch(*index, hasher, bo, [&](std::string_view b) { out += b; return Status::Ok(); }, &s).ok());

  auto norm = Normalizer::Create({});
  REQUIRE(norm.ok());
  std::istringstream lines(out);
  std::string line;
  uint64_t keys = 0, pair_hits = 0, pairs_without_part = 0;
  for (const auto& row : rows) {
    REQUIRE(std::getline(lines, line));
    RawPerson raw;
    raw.values[static_cast<int>(Attribute::kName)].push_back(row[0]);
    raw.values[static_cast<int>(Attribute::kPhone)].push_back(row[1]);
    raw.values[static_cast<int>(Attribute::kAddress)].push_back(row[2]);
    raw.values[static_cast<int>(Attribute::kIdNumber)].push_back(row[3]);
    if (!row[4].empty()) raw.values[static_cast<int>(Attribute::kPhone)].push_back(row[4]);
    CanonicalPerson canon;
    ValueRejections rej;
    Canonicalize(**norm, raw, &canon, &rej);
    std::set<std::string> expected, got;
    std::set<KeyKind> singles_hit;
    DeriveKeys(hasher, canon, [&](KeyKind kind, const Tag& tag) {
      ++keys;
      auto hit = index->Lookup(tag);
      REQUIRE(hit.ok());
      if (!hit->has_value()) return;
      expected.insert(std::string(KeyKindName(kind)));
      if (!PartsOf(kind).second) singles_hit.insert(kind);
      else ++pair_hits;
    });
    for (KeyKind kind : kAllKeyKinds) {
      const KeyKindParts parts = PartsOf(kind);
      if (!parts.second || !SingleKindOf(*parts.second)) continue;
      if (!singles_hit.count(*SingleKindOf(*parts.second))) ++pairs_without_part;
    }
    for (size_t at = line.find("{\"key\":\""); at != std::string::npos; at = line.find("{\"key\":\"", at + 1)) {
      const size_t b = at + 8;
      got.insert(line.substr(b, line.find('"', b) - b));
    }
    CHECK(got == expected);
  }
  CHECK(s.keys_looked_up == keys);  // pairs answered without a lookup still count as checked
  CHECK(pair_hits > 100);           // the data exercises both branches
  CHECK(pairs_without_part > 100);
}
