// JSON sources (issue 4; pii-formats.md §2.5, §9.1 items 12-13).
#include <catch2/catch.hpp>

#include "sources_test_util.h"

using namespace leakdex;
using namespace leakdex::testing;

namespace {
SourceOptions NdjsonOptions() {
  SourceOptions o;
  o.format = InputFormat::kNdjson;
  return o;
}
}  // namespace

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
  REQUIRE(r.bad.size() == 4);
  CHECK(r.bad[0] == "invalid_json");
  CHECK(r.bad_lines[0] == 2);
  CHECK(r.bad[2] == "invalid_encoding");
  CHECK(r.bad_lines[2] == 5);
  CHECK(r.bad[3] == "not_an_object");  // [1,2]: counted, not silently dropped
  CHECK(r.bad_lines[3] == 6);
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
  ReadResult a = ReadRecords("[{\"a\":\"1\"},{\"a\":\"2\"}]\n[{\"a\":\"3\"}]\n", NdjsonOptions());
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

TEST_CASE("NDJSON: scalars in an array line, a cut object and a cut last line are each counted", "[sources]") {
  // Every line is a record or a rejection: nothing vanishes from the report's
  // accounting, and a cut object is invalid JSON, not "not an object".
  ReadResult r = ReadRecords(
      "[1,2,3]\n"
      "{\"a\":\"1\",\"b\":\"2\"\n"
      "[{\"a\":\"3\"},4,5]\n"
      "{\"a\":\"5\"}\n"
      "{\"a\":\"6",
      NdjsonOptions());
  REQUIRE(r.status.ok());
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["a"] == "3");
  CHECK(r.records[1]["a"] == "5");
  CHECK(r.bad == std::vector<std::string>{"not_an_object", "invalid_json", "not_an_object", "truncated_record"});
  CHECK(r.bad_lines == std::vector<uint64_t>{1, 2, 3, 5});
  // A last line without a newline that parses is an ordinary record.
  ReadResult ok = ReadRecords("{\"a\":\"1\"}\n{\"a\":\"2\"}", NdjsonOptions());
  CHECK(ok.records.size() == 2);
  CHECK(ok.bad.empty());
}

TEST_CASE("NDJSON past the detection read: a last line without a newline is read, or reported cut", "[sources]") {
  // Format detection reads the first 64 KiB; a longer input reaches its end
  // in the line reader itself, which once dropped an unterminated last line.
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{\"sjhm\":\"139" + std::to_string(10000000 + i) + "\"}\n";
  REQUIRE(text.size() > (256u << 10));
  ReadResult whole = ReadRecords(text + "{\"sjhm\":\"13900001111\"}");
  REQUIRE(whole.records.size() == 20001);
  CHECK(whole.records.back()["sjhm"] == "13900001111");
  CHECK(whole.bad.empty());
  ReadResult cut = ReadRecords(text + "{\"sjhm\":\"1390000");
  CHECK(cut.records.size() == 20000);
  CHECK(cut.bad == std::vector<std::string>{"truncated_record"});
  CHECK(cut.bad_lines == std::vector<uint64_t>{20001});
}

TEST_CASE("NDJSON: bad lines scattered through many buffers cost only themselves", "[sources]") {
  // One invalid byte in a simdjson document stream can fail the whole batch
  // (reference/performance.md §1); here every kind of bad line lands all over
  // 60,000 lines, across many buffer refills, and each costs only itself.
  const char* kBad[] = {"{\"a\":\"\xC3\x28\"}",  // invalid UTF-8
                        "{\"a\":\"x",               // cut object
                        "not json",                     // garbage, not starting like an object
                        "{\"a\":1,}",                 // trailing comma
                        "\"a string\"",               // not an object
                        "{\"a\":tru}"};               // bad literal
  const char* kReason[] = {"invalid_encoding", "invalid_json", "not_an_object", "invalid_json", "not_an_object",
                           "invalid_json"};
  std::string text;
  std::vector<uint64_t> bad_lines;
  std::vector<std::string> bad_reasons;
  size_t good = 0;
  for (int i = 1; i <= 60000; ++i) {
    if (i % 97 == 0 || i % 1013 == 1) {
      const int k = i % 6;
      text += kBad[k];
      bad_lines.push_back(static_cast<uint64_t>(i));
      bad_reasons.push_back(kReason[k]);
    } else {
      text += "{\"_source\":{\"sjhm\":\"139" + std::to_string(10000000 + i) + "\"}}";
      ++good;
    }
    text += "\n";
  }
  ReadResult r = ReadRecords(text);
  REQUIRE(r.status.ok());
  CHECK(r.format == InputFormat::kNdjson);
  REQUIRE(r.records.size() == good);
  CHECK(r.bad_lines == bad_lines);
  CHECK(r.bad == bad_reasons);
  // The neighbours of every bad line are intact.
  CHECK(r.records[94]["_source.sjhm"] == "13910000096");  // line 96, before the bad line 97
  CHECK(r.records[95]["_source.sjhm"] == "13910000098");  // line 98, after it
  CHECK(r.records.back()["_source.sjhm"] == "13910060000");
}

TEST_CASE("NDJSON cut by split -b (first line partial) is still read line by line", "[sources]") {
  std::string text = "sjhm\":\"13900000001\"}}\n";  // the tail of a line cut by the split
  for (int i = 2; i <= 6; ++i) text += "{\"_source\":{\"sjhm\":\"1390000000" + std::to_string(i) + "\"}}\n";
  ReadResult r = ReadRecords(text);
  CHECK(r.format == InputFormat::kNdjson);
  REQUIRE(r.records.size() == 5);
  CHECK(r.records[0]["_source.sjhm"] == "13900000002");
  REQUIRE(r.bad.size() == 1);
  CHECK(r.bad_lines[0] == 1);
  // And one cut at the start of an object: '{' first, but not a whole line.
  ReadResult r2 = ReadRecords("{\"_source\":{\"sjhm\":\"139\n" + text.substr(text.find('\n') + 1));
  CHECK(r2.format == InputFormat::kNdjson);
  CHECK(r2.records.size() == 5);
}
