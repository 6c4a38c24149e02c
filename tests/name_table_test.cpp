// NameTable (sources/record_source.h): interned field names give the same
// records as a source's own names, and the same persons.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "leakdex/columns.h"
#include "persons.h"
#include "sources/record_source.h"

namespace leakdex {
namespace {

struct ReadField {
  std::string name, value;
  int index;
  uint32_t id;
  std::string_view name_view;  // the view the source returned, checked later for stability
  bool operator==(const ReadField& o) const {
    return std::tie(name, value, index) == std::tie(o.name, o.value, o.index);
  }
};
struct ReadBack {
  std::vector<std::vector<ReadField>> records;
  std::vector<std::string> bad;
};

ReadBack ReadAll(const std::string& bytes, InputFormat format, NameTable* names) {
  SourceOptions o;
  o.format = format;
  o.names = names;
  auto source = OpenRecordSource(NewMemoryStream(bytes), o);
  REQUIRE(source.ok());
  ReadBack out;
  Record rec;
  BadRecord bad;
  for (;;) {
    RecordSource::Next next = (*source)->Read(&rec, &bad);
    if (next == RecordSource::Next::kEnd) break;
    if (next == RecordSource::Next::kBad) {
      out.bad.push_back(bad.reason);
      continue;
    }
    std::vector<ReadField> fields;
    for (const Field& f : rec.fields)
      fields.push_back(ReadField{std::string(f.name), std::string(f.value), f.index, f.name_id, f.name});
    out.records.push_back(std::move(fields));
  }
  REQUIRE((*source)->status().ok());
  return out;
}

// Lines of varying shape: keys from a pool in random order and number, some
// nested under _source, some lines arrays of objects or search pages (several
// records a line), some broken.
std::string RandomNdjson(std::mt19937_64& rng, int lines) {
  static const char* kKeys[] = {"xm", "sjhm", "sfzh", "dz", "csrq", "_id", "_index", "mz", "zy", "tel", "姓名", "a.b"};
  // Appended piece by piece: `const char* + std::string` trips GCC 12's
  // -Wrestrict false positive.
  auto object = [&](int depth, std::string* s) {
    *s += '{';
    const int n = static_cast<int>(rng() % 7);
    for (int k = 0; k < n; ++k) {
      if (k) *s += ',';
      *s += '"';
      *s += kKeys[rng() % 12];
      *s += "\":";
      if (depth == 0 && rng() % 5 == 0) {
        *s += "{\"sjhm\":\"138";
        *s += std::to_string(rng() % 100000000);
        *s += "\",\"n\":7}";
      } else if (rng() % 3 == 0) {
        *s += std::to_string(rng() % 1000000);
      } else {
        *s += "\"v";
        *s += std::to_string(rng() % 1000);
        *s += '"';
      }
    }
    *s += '}';
  };
  std::string out;
  for (int i = 0; i < lines; ++i) {
    switch (rng() % 10) {
      case 0:
        out += '[';
        for (int k = 0; k < 3; ++k) {
          if (k) out += ',';
          object(0, &out);
        }
        out += ']';
        break;
      case 1:
        out += "{\"hits\":{\"total\":2,\"hits\":[{\"_source\":";
        object(1, &out);
        out += "},{\"_source\":";
        object(1, &out);
        out += "}]}}";
        break;
      case 2:
        out += "{\"_source\":";
        object(1, &out);
        out += ",\"_id\":\"x\"}";
        break;
      case 3: out += "{\"xm\":\"broken"; break;
      default: object(0, &out);
    }
    out += '\n';
  }
  return out;
}

void CheckSame(const ReadBack& plain, const ReadBack& interned, const NameTable& table) {
  CHECK(plain.bad == interned.bad);
  REQUIRE(plain.records.size() == interned.records.size());
  for (size_t r = 0; r < plain.records.size(); ++r) {
    CHECK(plain.records[r] == interned.records[r]);
    for (const ReadField& f : interned.records[r]) {
      if (f.name.empty()) continue;
      // Read after the whole input: the view still shows the name, and the
      // number names the same string.
      REQUIRE(f.id != 0);
      CHECK(f.name_view == f.name);
      CHECK(table.Get(f.id) == f.name);
    }
  }
}

}  // namespace

TEST_CASE("NameTable numbers each name once and keeps its bytes in place", "[sources]") {
  NameTable t;
  const uint32_t a = t.Intern("_source.sjhm");
  const uint32_t b = t.Intern("xm");
  CHECK(a != 0);
  CHECK(b != 0);
  CHECK(a != b);
  CHECK(t.Intern(std::string("_source.") + "sjhm") == a);
  const std::string_view view = t.Get(a);
  for (int i = 0; i < 5000; ++i) t.Intern("k" + std::to_string(i));  // growth moves no name
  CHECK(t.Get(a).data() == view.data());
  CHECK(t.Get(a) == "_source.sjhm");
  CHECK(t.Get(b) == "xm");
}

TEST_CASE("NameTable: a full table numbers nothing new, and sources keep such names", "[sources]") {
  NameTable t;
  for (size_t i = 0; t.size() < NameTable::kMaxNames; ++i) REQUIRE(t.Intern("k" + std::to_string(i)) != 0);
  CHECK(t.Intern("a brand new name") == 0);
  CHECK(t.Intern("k7") != 0);  // known names keep their number
  NameTable bytes;
  CHECK(bytes.Intern(std::string(NameTable::kMaxNameBytes + 1, 'x')) == 0);
  size_t stored = 0, names = 0;
  for (;; ++names) {  // names of kMaxNameBytes bytes each, all different
    std::string name = std::to_string(names);
    name.resize(NameTable::kMaxNameBytes, 'y');
    if (bytes.Intern(name) == 0) break;
    stored += name.size();
    REQUIRE(names < NameTable::kMaxNames);
  }
  CHECK(stored <= NameTable::kMaxBytes);
  CHECK(stored + NameTable::kMaxNameBytes > NameTable::kMaxBytes);  // stopped by the byte bound
  const std::string json = "{\"k7\":\"1\",\"fresh\":\"2\"}\n{\"fresh\":\"3\",\"k7\":\"4\"}\n";
  const ReadBack plain = ReadAll(json, InputFormat::kNdjson, nullptr);
  const ReadBack interned = ReadAll(json, InputFormat::kNdjson, &t);
  REQUIRE(interned.records.size() == 2);
  CHECK(plain.records == interned.records);
  CHECK(interned.records[0][0].id != 0);
  CHECK(interned.records[0][1].id == 0);
  CHECK(interned.records[0][1].name == "fresh");
  CHECK(interned.records[1][0].name == "fresh");
}

TEST_CASE("JSON sources with a NameTable give the records they give without one", "[sources]") {
  std::mt19937_64 rng(41);
  for (int round = 0; round < 20; ++round) {
    const std::string json = RandomNdjson(rng, 200);
    NameTable table;
    const ReadBack plain = ReadAll(json, InputFormat::kNdjson, nullptr);
    const ReadBack interned = ReadAll(json, InputFormat::kNdjson, &table);
    CheckSame(plain, interned, table);
    // The same objects as one JSON array (streamed element by element).
    std::string array = "[";
    for (size_t p = 0, q; (q = json.find('\n', p)) != std::string::npos; p = q + 1) {
      if (json[p] != '{' || json.compare(p, 8, "{\"hits\":") == 0 || json.compare(p, 13, "{\"xm\":\"broken") == 0)
        continue;
      if (array.size() > 1) array += ',';
      array.append(json, p, q - p);
    }
    array += ']';
    NameTable table2;
    CheckSame(ReadAll(array, InputFormat::kJson, nullptr), ReadAll(array, InputFormat::kJson, &table2), table2);
  }
}

TEST_CASE("CSV sources with a NameTable give the records they give without one", "[sources]") {
  const std::string csv =
      "姓名,手机号,dz\n王伟,13800138000,\"上海市, 黄浦区\"\n李娜,13900139000\n"
      "姓名,手机号,dz\n张三,13700137000,x,extra\n赵四,\"13600136000\",y\n";
  NameTable table;
  CheckSame(ReadAll(csv, InputFormat::kCsv, nullptr), ReadAll(csv, InputFormat::kCsv, &table), table);
  CHECK(table.size() == 3);
  // No header: no names, nothing interned.
  NameTable none;
  const std::string rows = "王伟,13800138000\n李娜,13900139000\n";
  CheckSame(ReadAll(rows, InputFormat::kCsv, nullptr), ReadAll(rows, InputFormat::kCsv, &none), none);
  CHECK(none.size() == 0);
}

TEST_CASE("PersonExtractor gives the same persons for interned names", "[sources]") {
  ColumnMapper mapper({}, /*recognize_names=*/true);
  std::mt19937_64 rng(43);
  const std::string json = RandomNdjson(rng, 300);
  NameTable table;
  const ReadBack plain = ReadAll(json, InputFormat::kNdjson, nullptr);
  const ReadBack interned = ReadAll(json, InputFormat::kNdjson, &table);
  REQUIRE(plain.records.size() == interned.records.size());
  PersonExtractor by_name(&mapper), by_id(&mapper);
  std::vector<RawPerson> a, b;
  size_t persons = 0;
  for (size_t r = 0; r < plain.records.size(); ++r) {
    Record ra, rb;
    for (const ReadField& f : plain.records[r]) ra.fields.push_back(Field{f.name, f.value, f.index, 0});
    for (const ReadField& f : interned.records[r]) rb.fields.push_back(Field{f.name_view, f.value, f.index, f.id});
    by_name.Extract(ra, &a);
    by_id.Extract(rb, &b);
    REQUIRE(a.size() == b.size());
    for (size_t p = 0; p < a.size(); ++p) {
      CHECK(a[p].role == b[p].role);
      CHECK(a[p].record_classes == b[p].record_classes);
      CHECK(a[p].values == b[p].values);
    }
    persons += a.size();
  }
  CHECK(persons > 100);  // the corpus has recognised columns
}

}  // namespace leakdex
