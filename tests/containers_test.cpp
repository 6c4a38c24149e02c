// Containers and encodings (issue 4): compressed streams and archives decoded
// in memory, encodings detected and decoded to UTF-8, undecodable bytes marked.
#include <catch2/catch.hpp>

#include "sources_test_util.h"

using namespace leakdex;
using namespace leakdex::testing;

namespace {

const std::string kCsv = "姓名,手机\n王伟,13800138000\n李娜,13900139000\n";

std::string Big(size_t lines) {
  std::string s = "name,phone\n";
  for (size_t i = 0; i < lines; ++i) s += "张伟" + std::to_string(i) + ",1380013" + std::to_string(1000 + i % 9000) + "\n";
  return s;
}

}  // namespace

TEST_CASE("plain input is one part under its own name", "[sources]") {
  Parts p = ReadParts(NewMemoryStream(kCsv, "dump.csv"));
  REQUIRE(p.status.ok());
  REQUIRE(p.parts.size() == 1);
  CHECK(p.parts[0].first == "dump.csv");
  CHECK(p.parts[0].second == kCsv);
}

TEST_CASE("single compressed streams are decoded", "[sources]") {
  const std::string big = Big(50000);  // > one 1 MiB block
  for (const char* filter : {"gzip", "zstd", "xz", "bzip2", "lz4"}) {
    INFO(filter);
    Parts p = ReadParts(NewMemoryStream(Compress(filter, big), "dump.csv.x"));
    REQUIRE(p.status.ok());
    REQUIRE(p.parts.size() == 1);
    CHECK(p.parts[0].first == "dump.csv.x");
    CHECK(p.parts[0].second == big);
  }
}

TEST_CASE("multi-member gzip is read to the end", "[sources]") {
  std::string two = Compress("gzip", "a,b\n1,2\n") + Compress("gzip", "3,4\n");
  Parts p = ReadParts(NewMemoryStream(two, "cat.gz"));
  REQUIRE(p.status.ok());
  REQUIRE(p.parts.size() == 1);
  CHECK(p.parts[0].second == "a,b\n1,2\n3,4\n");
}

TEST_CASE("a truncated compressed stream is an error saying so", "[sources]") {
  const std::string big = Big(50000);
  for (const char* filter : {"gzip", "zstd", "xz", "bzip2"}) {
    INFO(filter);
    std::string c = Compress(filter, big);
    c.resize(c.size() * 2 / 3);
    Parts p = ReadParts(NewMemoryStream(c, "cut.bin"));
    REQUIRE_FALSE(p.status.ok());
    CHECK(p.status.code() == Status::Code::kInputError);
    CHECK(p.status.message().find("cut.bin") != std::string::npos);
    CHECK(p.status.message().find("truncated") != std::string::npos);
    CHECK(p.status.message().find("张伟") == std::string::npos);  // never content (SPEC P1)
  }
}

TEST_CASE("archive members are parts named archive!member", "[sources]") {
  const std::vector<std::pair<std::string, std::string>> members = {
      {"a.csv", kCsv}, {"dir/b.csv", "name,phone\n赵六,13700137000\n"}, {"__MACOSX/dir/._b.csv", "\x00\x05junk"}};
  for (const char* format : {"zip", "7zip", "tar", "tar.gz"}) {
    INFO(format);
    Parts p = ReadParts(NewMemoryStream(MakeArchive(format, members), "dumps.x"));
    REQUIRE(p.status.ok());
    REQUIRE(p.parts.size() == 2);
    CHECK(p.parts[0].first == "dumps.x!a.csv");
    CHECK(p.parts[0].second == kCsv);
    CHECK(p.parts[1].first == "dumps.x!dir/b.csv");
  }
}

TEST_CASE("an archive inside an archive and a gzip inside a zip are opened", "[sources]") {
  std::string inner = MakeArchive("tar.gz", {{"x.csv", kCsv}});
  std::string zip = MakeArchive("zip", {{"in.tar.gz", inner}, {"y.csv.gz", Compress("gzip", kCsv)}});
  Parts p = ReadParts(NewMemoryStream(zip, "outer.zip"));
  REQUIRE(p.status.ok());
  REQUIRE(p.parts.size() == 2);
  CHECK(p.parts[0].first == "outer.zip!in.tar.gz!x.csv");
  CHECK(p.parts[0].second == kCsv);
  CHECK(p.parts[1].first == "outer.zip!y.csv.gz");
  CHECK(p.parts[1].second == kCsv);
}

TEST_CASE("a truncated archive is an error saying so, for every archive format", "[sources]") {
  // Incompressible enough that every format keeps a large compressed body.
  std::string data = "name,phone\n";
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 40000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift: deterministic pseudo-random digits
    data += "张伟," + std::to_string(13000000000ull + x % 1000000000ull) + "\n";
  }
  for (const char* format : {"zip", "7zip", "tar", "tar.gz"}) {
    for (int cut : {1, 2}) {  // keep 1/3 or 2/3 of the archive
      INFO(format << " cut to " << cut << "/3");
      std::string archive = MakeArchive(format, {{"a.csv", data}});
      archive.resize(archive.size() * cut / 3);
      Parts p = ReadParts(NewMemoryStream(archive, "cut.arc"));
      REQUIRE_FALSE(p.status.ok());
      CHECK(p.status.code() == Status::Code::kInputError);
      CHECK(p.status.message().find("cut.arc") != std::string::npos);
      CHECK(p.status.message().find("truncated") != std::string::npos);
      CHECK(p.status.message().find("张伟") == std::string::npos);  // never content (SPEC P1)
    }
  }
}

TEST_CASE("a truncated lz4 stream and a gzip cut inside its second member are errors", "[sources]") {
  std::string lz4 = Compress("lz4", Big(50000));
  lz4.resize(lz4.size() / 2);
  Parts p = ReadParts(NewMemoryStream(lz4, "cut.lz4"));
  CHECK(p.status.code() == Status::Code::kInputError);
  CHECK(p.status.message().find("truncated") != std::string::npos);
  // Multi-member gzip: the first member is whole, the second cut.
  std::string second = Compress("gzip", Big(50000));
  std::string two = Compress("gzip", kCsv) + second.substr(0, second.size() / 2);
  p = ReadParts(NewMemoryStream(two, "cat.gz"));
  CHECK(p.status.code() == Status::Code::kInputError);
  CHECK(p.status.message().find("truncated") != std::string::npos);
}

TEST_CASE("UTF-8 with and without BOM passes through, BOM removed", "[sources]") {
  Parts p = ReadParts(NewMemoryStream("\xEF\xBB\xBF" + kCsv, "bom.csv"));
  REQUIRE(p.status.ok());
  CHECK(p.parts[0].second == kCsv);
}

TEST_CASE("GB18030 is detected and decoded, 4-byte characters included", "[sources]") {
  // 𬌗 is a 4-byte GB18030 character (9931D239) outside GBK.
  const std::string text = "姓名,地址\n王伟,上海市浦东新区\n𬌗明,北京市·朝阳区\n";
  std::string gb = Encode(text, "GB18030");
  REQUIRE(gb.find("\x99\x31\xD2\x39") != std::string::npos);
  Parts p = ReadParts(NewMemoryStream(gb, "gb.csv"));
  REQUIRE(p.status.ok());
  CHECK(p.parts[0].second == text);
  // Explicit encodings too.
  Parts q = ReadParts(NewMemoryStream(gb, "gb.csv"), Encoding::kGb18030);
  CHECK(q.parts[0].second == text);
}

TEST_CASE("UTF-16 with a BOM is decoded, both byte orders, tab delimiters kept", "[sources]") {
  const std::string text = "姓名\t手机\r\n王伟\t13800138000\r\n";
  for (const char* enc : {"UTF-16LE", "UTF-16BE"}) {
    INFO(enc);
    std::string bom = std::string(enc) == "UTF-16LE" ? "\xFF\xFE" : "\xFE\xFF";
    Parts p = ReadParts(NewMemoryStream(bom + Encode(text, enc), "u16.txt"));
    REQUIRE(p.status.ok());
    CHECK(p.parts[0].second == text);
  }
  // Without a BOM, the NUL pattern of ASCII text gives it away.
  Parts p = ReadParts(NewMemoryStream(Encode("name,phone\nWang Wei,13800138000\n", "UTF-16LE"), "nobom.txt"));
  CHECK(p.parts[0].second == "name,phone\nWang Wei,13800138000\n");
}

TEST_CASE("undecodable bytes become 0xFF, lines are kept, nothing is replaced", "[sources]") {
  // A GB18030 file with one broken character (a lead byte before a newline).
  std::string gb = Encode("姓名,手机\n王伟,13800138000\n", "GB18030") + "\x81\n" +
                   Encode("李娜,13900139000\n", "GB18030");
  Parts p = ReadParts(NewMemoryStream(gb, "gb.csv"), Encoding::kGb18030);
  REQUIRE(p.status.ok());
  const std::string& s = p.parts[0].second;
  CHECK(s == "姓名,手机\n王伟,13800138000\n\xFF\n李娜,13900139000\n");
  CHECK(s.find("\xEF\xBF\xBD") == std::string::npos);  // no U+FFFD
  // A sequence cut by the end of the input, in UTF-16.
  std::string u16 = "\xFF\xFE" + Encode("ab\n", "UTF-16LE") + "c";
  Parts q = ReadParts(NewMemoryStream(u16, "u16.txt"));
  CHECK(q.parts[0].second == "ab\n\xFF");
  // A 4-byte GB18030 start cut by the end of the input, with a newline inside
  // the would-be sequence (found by fuzz_decode): the newline survives, so
  // line numbers stay right; the bad lead byte is marked, the rest decoded.
  std::string cut = Encode("王伟\n", "GB18030") + "\xBA\x31\n";
  Parts c = ReadParts(NewMemoryStream(cut, "cut.csv"), Encoding::kGb18030);
  REQUIRE(c.status.ok());
  CHECK(c.parts[0].second == "王伟\n\xFF" "1\n");
}

TEST_CASE("a mostly UTF-8 file with a bad byte stays UTF-8; the bad record is rejected", "[sources]") {
  std::string text = "name,address\n";
  for (int i = 0; i < 50; ++i) text += "王伟,上海市浦东新区" + std::to_string(i) + "号\n";
  text += "李娜,\xC0\xAF\n";  // overlong: invalid UTF-8
  text += "赵六,北京市\n";
  ReadResult r = ReadRecords(text);
  REQUIRE(r.status.ok());
  CHECK(r.records.size() == 51);
  REQUIRE(r.bad.size() == 1);
  CHECK(r.bad[0] == "invalid_encoding");
  CHECK(r.bad_lines[0] == 52);
}

TEST_CASE("a GB18030 CSV with Chinese headers gives its records", "[sources]") {
  ReadResult r = ReadRecords(Encode("姓名,手机号,身份证号\n王伟,13800138000,11010519491231002X\n", "GB18030"));
  REQUIRE(r.status.ok());
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["姓名"] == "王伟");
  CHECK(r.records[0]["手机号"] == "13800138000");
  CHECK(r.bad.empty());
}

TEST_CASE("encoding names parse", "[sources]") {
  CHECK(*ParseEncoding("auto") == Encoding::kAuto);
  CHECK(*ParseEncoding("UTF-8") == Encoding::kUtf8);
  CHECK(*ParseEncoding("gbk") == Encoding::kGb18030);
  CHECK(*ParseEncoding("utf-16") == Encoding::kUtf16Le);
  CHECK(*ParseEncoding("utf-16be") == Encoding::kUtf16Be);
  CHECK_FALSE(ParseEncoding("latin1").ok());
}
