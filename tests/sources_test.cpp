#include <catch2/catch.hpp>

#include <cstring>
#include <map>

#include "sources/record_source.h"
#include "test_util.h"

using namespace leakdex;

namespace {

// A ByteStream over a string that hands out at most `chunk` bytes per read,
// so records straddle buffer refills.
class StringStream final : public ByteStream {
 public:
  StringStream(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, chunk_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
  std::string name_ = "test";
};

struct Collected {
  std::vector<std::map<std::string, std::string>> records;
  std::vector<BadRecord> bad;
  std::vector<uint64_t> lines;
  InputFormat format = InputFormat::kAuto;
};

Collected ReadAll(const std::string& data, SourceOptions opt = {}, size_t chunk = 1 << 20) {
  auto src = OpenRecordSource(std::make_unique<StringStream>(data, chunk), opt);
  REQUIRE(src.ok());
  Collected c;
  c.format = (*src)->format();
  Record rec;
  BadRecord bad;
  for (;;) {
    auto n = (*src)->Read(&rec, &bad);
    if (n == RecordSource::Next::kEnd) break;
    if (n == RecordSource::Next::kBad) {
      c.bad.push_back(bad);
      continue;
    }
    std::map<std::string, std::string> m;
    for (const Field& f : rec.fields)
      m[f.name.empty() ? "#" + std::to_string(f.index + 1) : std::string(f.name)] += std::string(f.value);
    c.records.push_back(m);
    c.lines.push_back(rec.line);
  }
  REQUIRE((*src)->status().ok());
  return c;
}

}  // namespace

TEST_CASE("NDJSON: Elasticsearch _source flattened, numbers kept as text", "[sources]") {
  std::string data =
      "{\"_index\":\"p\",\"_source\":{\"xm\":\"\\u5f20\\u4e09\",\"sjhm\":13812345678,\"sfzh\":310101199001011234}}\n"
      "\n"
      "{\"_source\":{\"dz\":\"a\",\"tags\":[\"x\",\"y\"],\"ok\":true,\"n\":null}}\r\n";
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
    Collected c = ReadAll(data, {}, chunk);
    CHECK(c.format == InputFormat::kNdjson);
    REQUIRE(c.records.size() == 2);
    CHECK(c.records[0]["_source.xm"] == "张三");
    CHECK(c.records[0]["_source.sjhm"] == "13812345678");
    CHECK(c.records[0]["_source.sfzh"] == "310101199001011234");  // never through a double
    CHECK(c.records[1]["_source.tags"] == "xy");
    CHECK(c.lines[1] == 3);
    CHECK(c.bad.empty());
  }
}

TEST_CASE("NDJSON: a bad line costs only itself", "[sources]") {
  std::string data = "{\"a\":\"1\"}\n{\"a\":\"2\n{\"a\":\"3\"}\n\xff\xfe{\"a\":\"4\"}\n{\"a\":\"5\"}";
  Collected c = ReadAll(data, {}, 5);
  REQUIRE(c.records.size() == 3);
  CHECK(c.records[0]["a"] == "1");
  CHECK(c.records[1]["a"] == "3");
  CHECK(c.records[2]["a"] == "5");
  REQUIRE(c.bad.size() == 2);
  CHECK(c.bad[0].line == 2);
  CHECK(c.bad[1].line == 4);
}

TEST_CASE("CSV: quotes, embedded delimiters and newlines, CRLF, BOM", "[sources]") {
  std::string data =
      "\xEF\xBB\xBFname,phone,address\r\n"
      "\"Wang, Wei\",13812345678,\"Line 1\nLine 2\"\r\n"
      "\"He said \"\"hi\"\"\",139,plain\r\n"
      "name,phone,address\r\n"  // header repeated mid-file: skipped
      "last,137,end";
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{1} << 20}) {
    Collected c = ReadAll(data, {}, chunk);
    CHECK(c.format == InputFormat::kCsv);
    REQUIRE(c.records.size() == 3);
    CHECK(c.records[0]["name"] == "Wang, Wei");
    CHECK(c.records[0]["address"] == "Line 1\nLine 2");
    CHECK(c.records[1]["name"] == "He said \"hi\"");
    CHECK(c.records[2]["address"] == "end");
    CHECK(c.lines[1] == 4);
    CHECK(c.lines[2] == 6);
  }
}

TEST_CASE("CSV: too many fields and an unterminated quote are rejected, reading resumes", "[sources]") {
  std::string data = "a,b\n1,2\n1,2,3\n\"open,2\n5,6\n";
  Collected c = ReadAll(data);
  REQUIRE(c.bad.size() == 2);
  CHECK(c.bad[0].reason == "too_many_fields");
  CHECK(c.bad[0].line == 3);
  CHECK(c.bad[1].reason == "unterminated_quote");
  CHECK(c.bad[1].line == 4);
  REQUIRE(c.records.size() == 2);
  CHECK(c.records[1]["a"] == "5");
}

TEST_CASE("Delimiter detection: TSV and pipe", "[sources]") {
  CHECK(ReadAll("name\tphone\nx\t1\n").format == InputFormat::kTsv);
  Collected p = ReadAll("name|phone\nx|1\n");
  CHECK(p.format == InputFormat::kPsv);
  CHECK(p.records.at(0)["phone"] == "1");
}

TEST_CASE("Without a header, fields are addressed by number", "[sources]") {
  SourceOptions opt;
  opt.no_header = true;
  Collected c = ReadAll("x,13812345678\ny,139\n", opt);
  REQUIRE(c.records.size() == 2);
  CHECK(c.records[0]["#2"] == "13812345678");
}

TEST_CASE("RecordIsValidUtf8: one check over the record answers as field by field", "[sources]") {
  auto rec = [](std::vector<std::pair<std::string_view, std::string_view>> fields) {
    Record r;
    int i = 0;
    for (auto [n, v] : fields) r.fields.push_back(Field{n, v, i++});
    return r;
  };
  const std::string_view han = "\xe5\xbc\xa0";  // 张
  const std::string_view cut = "\xe5\xbc";       // 张 without its last byte
  const std::string_view tail = "\xa0";          // ... and that byte alone
  const std::string_view han2 = "\xe5\xbc\xa0\xe5\xbc\xa0";
  const std::string_view han_cut = "\xe5\xbc\xa0\xe5\xbc";
  const std::string_view tail_han = "\xa0\xe5\xbc\xa0";
  CHECK(RecordIsValidUtf8(rec({})));
  CHECK(RecordIsValidUtf8(rec({{"name", "ascii"}, {"phone", "13800138000"}})));
  CHECK(RecordIsValidUtf8(rec({{"name", han}, {"addr", han2}})));
  CHECK(RecordIsValidUtf8(rec({{han, "x"}})));
  // A sequence cut at a field's end, completed by the next field's start:
  // invalid field by field, so invalid joined too.
  CHECK_FALSE(RecordIsValidUtf8(rec({{"a", cut}, {"b", tail}})));
  CHECK_FALSE(RecordIsValidUtf8(rec({{"a", han_cut}, {"b", tail_han}})));
  CHECK_FALSE(RecordIsValidUtf8(rec({{"a", han}, {"b", tail}})));
  CHECK_FALSE(RecordIsValidUtf8(rec({{"a", han}, {"b", cut}})));
  CHECK_FALSE(RecordIsValidUtf8(rec({{"a", "\xff"}, {"b", han}})));
  CHECK_FALSE(RecordIsValidUtf8(rec({{cut, han}})));
  CHECK_FALSE(RecordIsValidUtf8(rec({{"a", "\xed\xa0\x80"}})));  // surrogate
  CHECK_FALSE(RecordIsValidUtf8(rec({{"a", "\xc0\xaf"}})));      // overlong
  // A name cut short, completed by its own value.
  CHECK_FALSE(RecordIsValidUtf8(rec({{cut, tail}})));

  // Values as views into one line, one delimiter apart (a CSV line without
  // quotes: validated as one span), against the same values apart.
  auto line_record = [](const std::string& line) {
    Record r;
    size_t start = 0;
    for (int i = 0;; ++i) {
      const size_t comma = line.find(',', start);
      const size_t end = comma == std::string::npos ? line.size() : comma;
      r.fields.push_back(Field{"col", std::string_view(line).substr(start, end - start), i});
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return r;
  };
  for (const std::string& line :
       {std::string("a,\xe5\xbc\xa0,,b"), std::string("\xe5\xbc,\xa0"), std::string("x,\xe5\xbc,\xa0x"),
        std::string("\xe5\xbc\xa0\xe5\xbc\xa0"), std::string(",,"), std::string("a,\xff"),
        std::string("\xe5\xbc\xa0,\xa0\xe5\xbc\xa0")}) {
    Record in_line = line_record(line);
    std::vector<std::string> apart;  // the same values, not contiguous with each other
    for (const Field& f : in_line.fields) apart.emplace_back(f.value);
    Record separate;
    for (size_t i = 0; i < apart.size(); ++i) separate.fields.push_back(Field{"col", apart[i], static_cast<int>(i)});
    bool field_by_field = true;
    for (const Field& f : separate.fields) field_by_field &= RecordIsValidUtf8(rec({{"col", f.value}}));
    INFO("line " << line.size() << " bytes");
    CHECK(RecordIsValidUtf8(in_line) == field_by_field);
    CHECK(RecordIsValidUtf8(separate) == field_by_field);
  }
}
