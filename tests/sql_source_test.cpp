// SQL dumps (issue 4; pii-formats.md §2.4, §9.1 items 10-11).
#include <catch2/catch.hpp>

#include "sources_test_util.h"

using namespace leakdex;
using namespace leakdex::testing;

namespace {

const std::string kMysqlDump = R"SQL(-- MySQL dump 10.13  Distrib 8.0.32
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `users`;
CREATE TABLE `users` (
  `id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(64) DEFAULT NULL COMMENT 'real name, (given) ; family',
  `phone` varchar(20) DEFAULT NULL,
  `photo` blob,
  PRIMARY KEY (`id`),
  KEY `idx_phone` (`phone`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
LOCK TABLES `users` WRITE;
/*!40000 ALTER TABLE `users` DISABLE KEYS */;
INSERT INTO `users` VALUES (1,'王伟','13800138000',NULL),(2,'O\'Brien','13900139000',0x89504E47),(3,'a''b),(c;d','13700137000',_binary 'x\0y'),
(4,'line\nbreak',NULL,X'E5BCA0');
/*!40000 ALTER TABLE `users` ENABLE KEYS */;
UNLOCK TABLES;
CREATE TABLE `orders` (`oid` bigint, `recipient_name` varchar(32), `recipient_phone` varchar(20));
INSERT INTO `orders` (`oid`, `recipient_name`, `recipient_phone`) VALUES (10,'李娜','13600136000');
)SQL";

}  // namespace

TEST_CASE("mysqldump extended INSERTs give one record per tuple", "[sources]") {
  ReadResult r = ReadRecords(kMysqlDump);
  REQUIRE(r.status.ok());
  CHECK(r.format == InputFormat::kSql);
  CHECK(r.bad.empty());
  REQUIRE(r.records.size() == 5);
  CHECK(r.records[0]["id"] == "1");
  CHECK(r.records[0]["name"] == "王伟");
  CHECK(r.records[0]["phone"] == "13800138000");
  CHECK(r.records[0].count("photo") == 0);  // NULL: absent
  CHECK(r.records[1]["name"] == "O'Brien");
  CHECK(r.records[1]["photo"] == "0x89504E47");  // binary hex: kept as its text
  CHECK(r.records[2]["name"] == "a'b),(c;d");
  CHECK(r.records[2]["phone"] == "13700137000");
  CHECK(r.records[2]["photo"] == std::string("x\0y", 3));
  CHECK(r.records[3]["name"] == "line\nbreak");
  CHECK(r.records[3]["photo"] == "张");  // hex that is UTF-8 text is decoded
  CHECK(r.records[4]["recipient_name"] == "李娜");
  CHECK(r.records[4]["recipient_phone"] == "13600136000");
}

TEST_CASE("The table option reads one table only", "[sources]") {
  SourceOptions o;
  o.table = "orders";
  ReadResult r = ReadRecords(kMysqlDump, o);
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["oid"] == "10");
  o.table = "users";
  CHECK(ReadRecords(kMysqlDump, o).records.size() == 4);
  o.table = "nope";
  CHECK(ReadRecords(kMysqlDump, o).records.empty());
}

TEST_CASE("INSERT without CREATE TABLE gives numbered fields", "[sources]") {
  ReadResult r = ReadRecords("INSERT INTO t VALUES ('a', 1), ('b', -2.5e3);\n");
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["#0"] == "a");
  CHECK(r.records[1]["#1"] == "-2.5e3");
}

TEST_CASE("a huge extended INSERT streams across buffer refills", "[sources]") {
  std::string sql = "CREATE TABLE p (name text, phone text);\nINSERT INTO p VALUES ";
  const int n = 60000;  // several MiB on one line
  for (int i = 0; i < n; ++i) {
    if (i) sql += ",";
    sql += "('名字" + std::to_string(i) + "','138" + std::to_string(10000000 + i) + "')";
  }
  sql += ";\n";
  ReadResult r = ReadRecords(sql);
  REQUIRE(r.status.ok());
  REQUIRE(r.records.size() == n);
  CHECK(r.records[n - 1]["phone"] == "138" + std::to_string(10000000 + n - 1));
  CHECK(r.bad.empty());
}

TEST_CASE("tuples with the wrong number of values are rejected, neighbours kept", "[sources]") {
  ReadResult r = ReadRecords(
      "CREATE TABLE t (a int, b int);\nINSERT INTO t VALUES (1,2),(1,2,3),(4),(5,6);\n");
  CHECK(r.records.size() == 2);
  REQUIRE(r.bad.size() == 2);
  CHECK(r.bad[0] == "too_many_fields");
  CHECK(r.bad[1] == "too_few_fields");
}

TEST_CASE("a syntax error rejects one record and resumes at the next statement", "[sources]") {
  ReadResult r = ReadRecords("INSERT INTO t VALUES (1,2) junk (3,4);\nINSERT INTO t VALUES (5,6);\n");
  REQUIRE(r.bad.size() == 1);
  CHECK(r.bad[0] == "invalid_sql");
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[1]["#0"] == "5");
}

TEST_CASE("a dump cut inside a tuple reports a truncated record", "[sources]") {
  ReadResult r = ReadRecords("INSERT INTO t VALUES (1,'ab'),(2,'c");
  CHECK(r.records.size() == 1);
  REQUIRE(r.bad.size() == 1);
  CHECK(r.bad[0] == "truncated_record");
}

TEST_CASE("PostgreSQL COPY blocks with \\N, escapes and the \\. terminator", "[sources]") {
  const std::string dump =
      "--\n-- PostgreSQL database dump\n--\nSET standard_conforming_strings = on;\n"
      "CREATE TABLE public.people (\n    id integer NOT NULL,\n    xm text,\n    sjhm text,\n    dz text\n);\n"
      "COPY public.people (id, xm, sjhm, dz) FROM stdin;\n"
      "1\t王伟\t13800138000\t上海市\\t浦东\n"
      "2\t李娜\t\\N\t北京市\n"
      "3\ttoo\tmany\tfields\there\n"
      "\\.\n"
      "INSERT INTO public.people VALUES (4, 'C:\\dir', '13900139000', E'a\\nb');\n";
  ReadResult r = ReadRecords(dump);
  REQUIRE(r.status.ok());
  CHECK(r.format == InputFormat::kSql);
  REQUIRE(r.records.size() == 3);
  CHECK(r.records[0]["xm"] == "王伟");
  CHECK(r.records[0]["dz"] == "上海市\t浦东");
  CHECK(r.records[1].count("sjhm") == 0);
  CHECK(r.records[2]["xm"] == "C:\\dir");  // standard strings: backslash is literal
  CHECK(r.records[2]["dz"] == "a\nb");     // E'' strings: escapes
  REQUIRE(r.bad.size() == 1);
  CHECK(r.bad[0] == "too_many_fields");
  CHECK(r.bad_lines[0] == 14);
}

TEST_CASE("SQL record lines point at the tuple", "[sources]") {
  ReadResult r = ReadRecords("-- c\nINSERT INTO t VALUES\n(1),\n(2),\n(3,'x\n', 4 5);\n");
  // The third tuple is malformed ("4 5"): reported at its line.
  REQUIRE(r.bad.size() == 1);
  CHECK(r.bad_lines[0] == 5);
  CHECK(r.records.size() == 2);
}
