// JSON sources (issue 4; pii-formats.md §2.5, §9.1 items 12-13).
#include <catch2/catch.hpp>

#include "sources_test_util.h"

using namespace leakdex;
using namespace leakdex::testing;

TEST_CASE("elasticdump lines are flattened under _source, numbers keep their text", "[sources]") {
  ReadResult r = ReadRecords(
      R"({"_index":"p","_id":"1","_source":{"xm":"王伟","sjhm":13800138000,"sfzh":110105194912310021,"tel":"021-12345678"}})"
      "\n");
  REQUIRE(r.records.size() == 1);
  CHECK(r.format == InputFormat::kNdjson);
  CHECK(r.records[0]["_source.xm"] == "王伟");
  CHECK(r.records[0]["_source.sjhm"] == "13800138000");
  CHECK(r.records[0]["_source.sfzh"] == "110105194912310021");  // > 2^53: never a double
  CHECK(r.records[0]["_index"] == "p");
}

TEST_CASE("bulk action lines are metadata, not records", "[sources]") {
  ReadResult r = ReadRecords(
      "{\"index\":{\"_index\":\"p\",\"_id\":\"1\"}}\n{\"xm\":\"王伟\",\"sjhm\":\"13800138000\"}\n"
      "{\"create\":{\"_index\":\"p\",\"_id\":\"2\"}}\n{\"xm\":\"李娜\",\"sjhm\":\"13900139000\"}\n"
      "{\"delete\":{\"_index\":\"p\",\"_id\":\"3\"}}\n");
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["xm"] == "王伟");
  CHECK(r.records[1]["sjhm"] == "13900139000");
  CHECK(r.bad.empty());
}

TEST_CASE("mongoexport wrappers are unwrapped", "[sources]") {
  ReadResult r = ReadRecords(
      R"({"_id":{"$oid":"5f1d7a"},"phone":{"$numberLong":"13800138000"},"n":{"$numberInt":"7"},"born":{"$date":{"$numberLong":"0"}}})"
      "\n");
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["_id"] == "5f1d7a");
  CHECK(r.records[0]["phone"] == "13800138000");
  CHECK(r.records[0]["n"] == "7");
  CHECK(r.records[0]["born"] == "0");
}

TEST_CASE("a bad line costs only itself", "[sources]") {
  ReadResult r = ReadRecords("{\"a\":\"1\"}\n{\"a\":\"2\n{\"a\":\"3\"}\nnot json\n{\"a\":\"\xC3\x28\"}\n[1,2]\n{\"a\":\"4\"}\n");
  REQUIRE(r.records.size() == 3);
  CHECK(r.records[2]["a"] == "4");
  REQUIRE(r.bad.size() == 3);
  CHECK(r.bad[0] == "invalid_json");
  CHECK(r.bad_lines[0] == 2);
  CHECK(r.bad[2] == "invalid_encoding");
  CHECK(r.bad_lines[2] == 5);
}

TEST_CASE("a JSON array is streamed element by element", "[sources]") {
  std::string json = "[\n";
  const int n = 40000;  // several MiB
  for (int i = 0; i < n; ++i) {
    if (i) json += ",\n";
    json += "  {\n    \"name\": \"名字" + std::to_string(i) + "\",\n    \"phone\": \"138" + std::to_string(10000000 + i) +
            "\",\n    \"tags\": [\"a]\", \"b}\"]\n  }";
  }
  json += "\n]\n";
  ReadResult r = ReadRecords(json);
  REQUIRE(r.status.ok());
  CHECK(r.format == InputFormat::kJson);
  REQUIRE(r.records.size() == n);
  CHECK(r.records[0]["name"] == "名字0");
  CHECK(r.records[n - 1]["phone"] == "138" + std::to_string(10000000 + n - 1));
  CHECK(r.records[1]["tags"] == "a]|b}");
  CHECK(r.bad.empty());
}

TEST_CASE("a bad array element costs only itself; a cut array reports a truncated record", "[sources]") {
  ReadResult r = ReadRecords("[{\"a\":\"1\"},{\"a\":tru},{\"a\":\"3\"},{\"a\":\"4");
  REQUIRE(r.records.size() == 2);
  REQUIRE(r.bad.size() == 2);
  CHECK(r.bad[0] == "invalid_json");
  CHECK(r.bad[1] == "truncated_record");
}

TEST_CASE("a pretty-printed search page gives one record per hit", "[sources]") {
  ReadResult r = ReadRecords(R"({
  "_scroll_id": "abc", "took": 3,
  "hits": {"total": {"value": 2}, "max_score": 1.0,
           "hits": [{"_id": "1", "_source": {"xm": "王伟", "sjhm": "13800138000"}},
                    {"_id": "2", "_source": {"xm": "李娜", "sjhm": "13900139000"}}]}
})");
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["_source.xm"] == "王伟");
  CHECK(r.records[1]["_source.sjhm"] == "13900139000");
  CHECK(r.records[0].count("_scroll_id") == 0);
}

TEST_CASE("scroll pages one per line, and a line holding an array", "[sources]") {
  ReadResult r = ReadRecords(
      R"({"_scroll_id":"x","hits":{"hits":[{"_source":{"a":"1"}},{"_source":{"a":"2"}}]}})"
      "\n"
      R"({"_scroll_id":"y","hits":{"hits":[]}})"
      "\n"
      R"({"hits":{"total":5}})"
      "\n");
  REQUIRE(r.records.size() == 3);
  CHECK(r.records[1]["_source.a"] == "2");
  CHECK(r.records[2]["hits.total"] == "5");  // "hits" that is not a page is a field
  ReadResult a = ReadRecords("[{\"a\":\"1\"},{\"a\":\"2\"}]\n[{\"a\":\"3\"}]\n", {.format = InputFormat::kNdjson});
  REQUIRE(a.records.size() == 3);
  CHECK(a.records[2]["a"] == "3");
}

TEST_CASE("JSON record lines point at the document", "[sources]") {
  ReadResult r = ReadRecords("[\n{\"a\":\"1\"},\n\n{\"a\":x}\n]");
  REQUIRE(r.bad_lines.size() == 1);
  CHECK(r.bad_lines[0] == 4);
}

TEST_CASE("rejection reasons: not_an_object, too_deep", "[sources]") {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 40; ++i) deep += "}";
  ReadResult r = ReadRecords("{\"a\":\"1\"}\n\"just a string\"\n" + deep + "\n{\"a\":\"2\"}\n");
  REQUIRE(r.records.size() == 2);
  REQUIRE(r.bad.size() == 2);
  CHECK(r.bad[0] == "not_an_object");
  CHECK(r.bad[1] == "too_deep");
}
