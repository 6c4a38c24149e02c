// Delimited text (issue 4; pii-formats.md §2.6, §9.1 items 5-9).
#include <catch2/catch.hpp>

#include "sources/scan.h"
#include "sources_test_util.h"
#include "split_mix.h"

using namespace leakdex;
using namespace leakdex::testing;

TEST_CASE("CSV: RFC 4180 quoting, embedded newlines, doubled quotes, CRLF, no final newline", "[sources]") {
  ReadResult r = ReadRecords("name,address,phone\r\n\"Wang, Wei\",\"line1\nline2\",13800138000\r\n"
                             "\"say \"\"hi\"\"\",x,13900139000");
  REQUIRE(r.status.ok());
  CHECK(r.format == InputFormat::kCsv);
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["name"] == "Wang, Wei");
  CHECK(r.records[0]["address"] == "line1\nline2");
  CHECK(r.records[0]["phone"] == "13800138000");
  CHECK(r.records[1]["name"] == "say \"hi\"");
  CHECK(r.records[1]["phone"] == "13900139000");
}

TEST_CASE("CSV: a header repeated mid-file (concatenated splits) is skipped", "[sources]") {
  ReadResult r = ReadRecords("姓名,手机\n王伟,13800138000\n姓名,手机\n李娜,13900139000\n");
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[1]["姓名"] == "李娜");
  CHECK(r.bad.empty());
}

TEST_CASE("CSV: too many fields is rejected, too few is kept", "[sources]") {
  // 3 columns; the second row has an unquoted comma (hotel dump style); the
  // third lacks its last column.
  ReadResult r = ReadRecords("name,phone,taste\n王伟,13800138000,a\n李娜,13900139000,breakfast,internet\n赵六,13700137000\n");
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[1]["name"] == "赵六");
  CHECK(r.records[1].count("taste") == 0);
  REQUIRE(r.bad.size() == 1);
  CHECK(r.bad[0] == "too_many_fields");
  CHECK(r.bad_lines[0] == 3);
}

TEST_CASE("CSV: an unbalanced quote costs its own line only", "[sources]") {
  ReadResult r = ReadRecords("name,phone\n\"Wang,13800138000\n李娜,13900139000\n");
  REQUIRE(r.bad.size() == 1);
  CHECK(r.bad[0] == "unterminated_quote");
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["name"] == "李娜");
}

TEST_CASE("delimiters are detected: tab, pipe, semicolon, colon", "[sources]") {
  CHECK(ReadRecords("name\tphone\nA\t1\n").format == InputFormat::kTsv);
  CHECK(ReadRecords("name|phone\nA|1\n").format == InputFormat::kPsv);
  ReadResult semi = ReadRecords("name;phone\nA;1\n");
  REQUIRE(semi.records.size() == 1);
  CHECK(semi.records[0]["phone"] == "1");
  // Times with colons do not make a comma CSV colon-separated.
  ReadResult times = ReadRecords("name,version\nA,2012-8-18 1:50:04\nB,2012-8-19 2:10:00\n");
  REQUIRE(times.records.size() == 2);
  CHECK(times.records[0]["version"] == "2012-8-18 1:50:04");
}

TEST_CASE("colon dumps without a header: the first row is data", "[sources]") {
  ReadResult r = ReadRecords("user1@example.com:hunter2\nuser2@example.com:letmein\n");
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["#0"] == "user1@example.com");
  CHECK(r.records[0]["#1"] == "hunter2");
  // Facebook style: phone:id:first:last:...; colons inside a value shift columns (no header: not checked).
  ReadResult fb = ReadRecords("8613800138000:100001:Wei:Wang:male\n8613900139000:100002:Na:Li:female\n");
  REQUIRE(fb.records.size() == 2);
  CHECK(fb.records[1]["#0"] == "8613900139000");
  CHECK(fb.records[1]["#3"] == "Li");
}

TEST_CASE("Without a header (--no-header) every row is a record with numbered fields", "[sources]") {
  SourceOptions o;
  o.no_header = true;
  ReadResult r = ReadRecords("name,phone\nA,1\n", o);
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["#0"] == "name");
}

TEST_CASE("a header with a known column is a header even next to data-like cells", "[sources]") {
  SourceOptions o;
  o.known_column = [](std::string_view n) { return n == "phone"; };
  ReadResult r = ReadRecords("phone,13800138000\n13900139000,x\n", o);
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["phone"] == "13900139000");
}

TEST_CASE("pinyin header with a BOM; UTF-16LE tab-separated 'Unicode text'", "[sources]") {
  ReadResult r = ReadRecords("\xEF\xBB\xBFXM,SFZH,SJHM,HJDZ\n王伟,11010519491231002X,13800138000,上海市\n");
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["XM"] == "王伟");
  ReadResult u = ReadRecords("\xFF\xFE" + Encode("姓名\t手机\r\n王伟\t13800138000\r\n", "UTF-16LE"));
  REQUIRE(u.records.size() == 1);
  CHECK(u.format == InputFormat::kTsv);
  CHECK(u.records[0]["手机"] == "13800138000");
}

TEST_CASE("NUL bytes, blank lines and a lone CR do not break rows", "[sources]") {
  ReadResult r = ReadRecords(std::string("name,phone\n\nA\0B,1\n\r\nC,2\n", 24));
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["name"] == std::string("A\0B", 3));
  CHECK(r.records[1]["phone"] == "2");
}

TEST_CASE("rejection reason: record_too_long (a quote left open for megabytes)", "[sources]") {
  std::string csv = "name,phone\n\"never closed," + std::string(5 << 20, 'x') + "\nA,1\n";
  ReadResult r = ReadRecords(csv);
  REQUIRE(r.bad.size() == 1);
  CHECK(r.bad[0] == "record_too_long");
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["name"] == "A");
}

// The SSE2 scan of an unquoted field must stop where the byte loop stops,
// whatever the alignment, length and position of the delimiter or newline.
TEST_CASE("CSV: the field-end scan finds what the byte loop finds", "[sources]") {
  testing::SplitMix64 rng{4};
  std::string buf;
  for (int trial = 0; trial < 20000; ++trial) {
    const size_t n = rng.Below<size_t>(70);
    // Padding a scan must not read: 'x' at `end`, then newlines, so reading
    // past `end` returns end + 1 or later instead of `end`.
    buf.assign(n + 16, '\n');
    buf[n] = 'x';
    for (size_t i = 0; i < n; ++i) {
      const uint32_t r = rng.Below<uint32_t>(100);
      buf[i] = r < 3 ? '\n' : r < 6 ? ',' : r < 8 ? '\t' : static_cast<char>(rng.Next());
    }
    const char delim = rng.Chance(50) ? ',' : '\t';
    const size_t from = n == 0 ? 0 : rng.Below<size_t>(n + 1);
    const char* begin = buf.data() + from;
    const char* end = buf.data() + n;  // bytes past `end` must never be taken
    const char* want = begin;
    while (want < end && *want != delim && *want != '\n') ++want;
    INFO("trial " << trial);
    REQUIRE(FindDelimiterOrNewline(begin, end, delim) == want);
  }
}

// ingest checks a CSV record's UTF-8 over the record's own bytes (Record::raw)
// and its header names once (names_valid_utf8), instead of over every name and
// value. Both must give the full field-by-field answer on any input: quotes,
// doubled quotes, CRLF, multi-byte characters cut by a delimiter or a quote,
// stray continuation bytes, an invalid header name.
TEST_CASE("CSV: the record-bytes UTF-8 check agrees with the field-by-field one", "[sources]") {
  testing::SplitMix64 rng{17};
  const std::array<std::string, 12> pieces = {"a", "张", "\xE5\xBC", "\xA0", "\xFF", ",", "\"", "\"\"", "\r\n", "\n",
                                              " ", "13812345678"};
  uint64_t records = 0, invalid = 0;
  for (int doc = 0; doc < 3000; ++doc) {
    std::string text = rng.Chance(20) ? "name,ph\xE5one,addr\n" : "name,phone,地址\n";
    const int n = 1 + rng.Below<int>(60);
    for (int i = 0; i < n; ++i) text += pieces[rng.Below<size_t>(pieces.size())];
    text += "\n";
    SourceOptions so;
    so.format = InputFormat::kCsv;
    auto decoded = OpenDecodedStream(NewMemoryStream(text, "t"), Encoding::kUtf8);
    REQUIRE(decoded.ok());
    auto src = OpenRecordSource(std::move(*decoded), so);
    REQUIRE(src.ok());
    Record rec;
    BadRecord bad;
    for (;;) {
      const auto next = (*src)->Read(&rec, &bad);
      if (next == RecordSource::Next::kEnd) break;
      if (next != RecordSource::Next::kRecord) continue;
      ++records;
      const bool full = RecordIsValidUtf8(rec);
      if (!full) ++invalid;
      INFO("document " << doc);
      REQUIRE(RecordIsValidUtf8(rec, (*src)->names_valid_utf8()) == full);
    }
  }
  CHECK(records > 3000);
  CHECK(invalid > 300);  // both answers occur
  CHECK(records - invalid > 300);
}
