#include <catch2/catch.hpp>

#include <filesystem>

#include "leakdex/check.h"
#include "leakdex/index.h"
#include "leakdex/ingest.h"
#include "test_util.h"

using namespace leakdex;
using leakdex::testing::DataPath;
using leakdex::testing::TempDir;
using leakdex::testing::WriteFile;
namespace fs = std::filesystem;

namespace {

IngestOptions Options(const TempDir& dir, const std::string& source, std::vector<std::string> inputs) {
  IngestOptions o;
  o.index_dir = (dir / "idx").string();
  o.source = source;
  o.inputs = std::move(inputs);
  return o;
}

void CheckIdentity(const IngestReport& r) {
  CHECK(r.records_read == r.records_indexed + r.records_without_identity + r.records_rejected);
  uint64_t by_reason = 0;
  for (const auto& [reason, n] : r.rejected_by_reason) by_reason += n;
  CHECK(by_reason == r.records_rejected);
}

}  // namespace

TEST_CASE("Ingest report balances on clean and malformed samples", "[ingest]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  for (const char* f : {"samples/standard/persons.ndjson", "samples/standard/persons.csv",
                        "samples/standard/deliveries.csv", "samples/malformed/persons.ndjson",
                        "samples/malformed/persons.csv"}) {
    INFO(f);
    IngestReport r;
    REQUIRE(Ingest(Options(dir, f, {DataPath(f).string()}), key, &r).ok());
    CheckIdentity(r);
    CHECK(r.records_read > 0);
    CHECK(r.records_indexed > 0);
    CHECK(r.first_rejections.size() == std::min<size_t>(r.records_rejected, kMaxReportedLocations));
  }
}

TEST_CASE("Re-ingesting the same data adds nothing", "[ingest]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  auto opts = Options(dir, "s", {DataPath("samples/standard/persons.ndjson").string()});
  IngestReport first, second;
  REQUIRE(Ingest(opts, key, &first).ok());
  CHECK(first.keys_new > 0);
  CHECK(first.published);
  REQUIRE(Ingest(opts, key, &second).ok());
  CHECK(second.keys_new == 0);
  CHECK_FALSE(second.published);
  auto idx = Index::Open(opts.index_dir);
  REQUIRE(idx.ok());
  CHECK((*idx)->Stats().segments == 1);
}

TEST_CASE("Strict mode and the bad-record ratio publish nothing", "[ingest]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  auto opts = Options(dir, "bad", {DataPath("samples/malformed/persons.ndjson").string()});
  opts.strict = true;
  IngestReport r;
  Status st = Ingest(opts, key, &r);
  CHECK(st.code() == Status::Code::kInputError);
  CHECK_FALSE(r.published);
  CHECK_FALSE(fs::exists(fs::path(opts.index_dir) / "MANIFEST"));
  opts.strict = false;
  opts.max_bad_ratio = 0.0;
  st = Ingest(opts, key, &r);
  CHECK(st.code() == Status::Code::kInputError);
  CHECK(r.records_rejected > 0);
  CHECK_FALSE(fs::exists(fs::path(opts.index_dir) / "MANIFEST"));
}

TEST_CASE("Ingested persons are found by Check with the right kinds and roles", "[ingest][check]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  WriteFile(dir / "d.csv",
            "sender_name,sender_phone,recipient_name,recipient_phone,recipient_address\n"
            "王五,13700002222,赵六,13600003333,上海市黄浦区人民大道4号\n");
  auto opts = Options(dir, "express", {(dir / "d.csv").string()});
  opts.classes = {"delivery_record"};
  IngestReport r;
  REQUIRE(Ingest(opts, key, &r).ok());
  CHECK(r.persons == 2);
  auto idx = Index::Open(opts.index_dir).value();
  KeyedHasher hasher(key);
  auto norm = Normalizer::Create({}).value();
  Query q;
  q.values[static_cast<int>(Attribute::kName)] = "赵六";
  q.values[static_cast<int>(Attribute::kPhone)] = "+86 136 0000 3333";
  auto res = Check(*idx, hasher, *norm, q);
  REQUIRE(res.ok());
  CHECK(res->exposed);
  REQUIRE(res->matches.size() == 2);
  CHECK(res->matches[0].kind == KeyKind::kPhone);
  CHECK(res->matches[1].kind == KeyKind::kNamePhone);
  CHECK(res->matches[0].exposure.roles == (RoleSet{1} << *ParseRole("recipient")));
  CHECK((res->matches[0].exposure.classes & (DataClassSet{1} << *ParseDataClass("delivery_record"))) != 0);
  q.values[static_cast<int>(Attribute::kName)] = "王五";  // the sender's name with the recipient's phone
  res = Check(*idx, hasher, *norm, q);
  REQUIRE(res.ok());
  REQUIRE(res->matches.size() == 1);
  CHECK(res->matches[0].kind == KeyKind::kPhone);
}

TEST_CASE("Every ingested key carries its own person's exposure, across bulk-hashing batches", "[ingest][check]") {
  // Ingest hashes the keys of many records together (KeyedHasher::ComputeMany,
  // in groups of 256 keys) and writes the fingerprints back into the entries
  // afterwards; a key given another person's fingerprint would show here as a
  // match with the wrong role, or as a miss. 600 persons, 1200 keys.
  TempDir dir;
  auto key = MasterKey::Generate().value();
  const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨"};
  const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"};
  auto name = [&](int i, int salt) {
    return std::string(kSurnames[(i + salt) % 6]) + kGiven[i % 10] + kGiven[(i / 10 + salt) % 10];
  };
  std::string csv = "sender_name,sender_phone,recipient_name,recipient_phone\n";
  constexpr int kRows = 300;
  for (int i = 0; i < kRows; ++i)
    csv += name(i, 0) + "," + std::to_string(13700000000LL + i) + "," + name(i, 3) + "," +
           std::to_string(13600000000LL + i) + "\n";
  WriteFile(dir / "d.csv", csv);
  auto opts = Options(dir, "express", {(dir / "d.csv").string()});
  IngestReport r;
  REQUIRE(Ingest(opts, key, &r).ok());
  REQUIRE(r.persons == 2 * kRows);
  auto idx = Index::Open(opts.index_dir).value();
  KeyedHasher hasher(key);
  auto norm = Normalizer::Create({}).value();
  for (int i = 0; i < kRows; ++i) {
    for (const char* role : {"sender", "recipient"}) {
      const bool sender = role[0] == 's';
      INFO("row " << i << " " << role);
      Query q;
      q.values[static_cast<int>(Attribute::kName)] = name(i, sender ? 0 : 3);
      q.values[static_cast<int>(Attribute::kPhone)] = std::to_string((sender ? 13700000000LL : 13600000000LL) + i);
      auto res = Check(*idx, hasher, *norm, q);
      REQUIRE(res.ok());
      REQUIRE(res->matches.size() == 2);
      for (const auto& m : res->matches) CHECK(m.exposure.roles == (RoleSet{1} << *ParseRole(role)));
    }
  }
}

TEST_CASE("Check refuses unusable values and a lone name without echoing them", "[check]") {
  TempDir dir;
  auto key = MasterKey::Generate().value();
  IngestReport r;
  REQUIRE(Ingest(Options(dir, "s", {DataPath("samples/standard/persons.ndjson").string()}), key, &r).ok());
  auto idx = Index::Open((dir / "idx").string()).value();
  KeyedHasher hasher(key);
  auto norm = Normalizer::Create({}).value();
  Query q;
  q.values[static_cast<int>(Attribute::kPhone)] = "138****5678";
  auto res = Check(*idx, hasher, *norm, q);
  REQUIRE_FALSE(res.ok());
  CHECK(res.status().code() == Status::Code::kInputError);
  CHECK(res.status().message().find("5678") == std::string::npos);
  Query name_only;
  name_only.values[static_cast<int>(Attribute::kName)] = "张三";
  CHECK(Check(*idx, hasher, *norm, name_only).status().code() == Status::Code::kInputError);
}
