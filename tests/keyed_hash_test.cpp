#include <catch2/catch.hpp>
#include <sodium.h>
#include <sys/stat.h>

#include <cstring>
#include <set>

#include "leakdex/keyed_hash.h"
#include "test_util.h"

using namespace leakdex;
using leakdex::testing::TempDir;

TEST_CASE("KeyedHasher frames inputs so field boundaries matter", "[hash]") {
  auto key = MasterKey::Generate();
  REQUIRE(key.ok());
  KeyedHasher h(*key);
  CHECK_FALSE(h.Compute(KeyKind::kNamePhone, "ab", "c") == h.Compute(KeyKind::kNamePhone, "a", "bc"));
  CHECK_FALSE(h.Compute(KeyKind::kNamePhone, "", "abc") == h.Compute(KeyKind::kNamePhone, "abc", ""));
}

TEST_CASE("KeyedHasher uses a separate subkey per key kind", "[hash]") {
  auto key = MasterKey::Generate();
  REQUIRE(key.ok());
  KeyedHasher h(*key);
  std::set<std::pair<uint64_t, uint64_t>> tags;
  for (KeyKind kind : kAllKeyKinds) {
    Tag t = h.Compute(kind, "+8613812345678");
    tags.insert({t.lo, t.hi});
  }
  CHECK(tags.size() == kAllKeyKinds.size());
}

TEST_CASE("Tags are deterministic for one key and differ across keys", "[hash]") {
  auto k1 = MasterKey::Generate();
  auto k2 = MasterKey::Generate();
  REQUIRE(k1.ok());
  REQUIRE(k2.ok());
  KeyedHasher h1(*k1), h1b(*k1), h2(*k2);
  CHECK(h1.Compute(KeyKind::kPhone, "+8613812345678") == h1b.Compute(KeyKind::kPhone, "+8613812345678"));
  CHECK_FALSE(h1.Compute(KeyKind::kPhone, "+8613812345678") == h2.Compute(KeyKind::kPhone, "+8613812345678"));
  CHECK_FALSE(k1->Id() == k2->Id());
}

TEST_CASE("Tag equals libsodium SipHash-2-4-128 over the documented framing (known answer)", "[hash]") {
  TempDir dir;
  const std::string path = (dir / "k.key").string();
  // A fixed, non-secret test key: bytes 0x00..0x1f.
  std::string text = "LEAKDEX-KEY-1\n";
  for (int i = 0; i < 32; ++i) {
    char b[3];
    snprintf(b, sizeof b, "%02x", i);
    text += b;
  }
  text += "\n";
  leakdex::testing::WriteFile(path, text);
  chmod(path.c_str(), 0600);
  auto key = MasterKey::LoadFile(path);
  REQUIRE(key.ok());
  // Independent computation: subkey = KDF(id 1, "leakdex1"), input = u32le(len) || bytes.
  unsigned char master[32];
  for (int i = 0; i < 32; ++i) master[i] = static_cast<unsigned char>(i);
  unsigned char sub[16];
  crypto_kdf_derive_from_key(sub, 16, 1, "leakdex1", master);
  const std::string v = "+8613812345678";
  std::string framed = std::string("\x0e\x00\x00\x00", 4) + v;
  unsigned char out[16];
  crypto_shorthash_siphashx24(out, reinterpret_cast<const unsigned char*>(framed.data()), framed.size(), sub);
  uint64_t lo, hi;
  memcpy(&lo, out, 8);
  memcpy(&hi, out + 8, 8);
  KeyedHasher h(*key);
  Tag t = h.Compute(KeyKind::kPhone, v);
  CHECK(t.lo == lo);
  CHECK(t.hi == hi);
}

TEST_CASE("Key files are written 0600, refused when readable by others, never overwritten", "[hash]") {
  TempDir dir;
  const std::string path = (dir / "k.key").string();
  auto key = MasterKey::Generate();
  REQUIRE(key.ok());
  REQUIRE(key->SaveFile(path, false).ok());
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = MasterKey::LoadFile(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->Id() == key->Id());
  Status again = key->SaveFile(path, false);
  CHECK(again.code() == Status::Code::kInvalidArgument);
  chmod(path.c_str(), 0644);
  auto unsafe = MasterKey::LoadFile(path);
  REQUIRE_FALSE(unsafe.ok());
  CHECK(unsafe.status().code() == Status::Code::kKeyError);
  CHECK(unsafe.status().message().find("chmod 600") != std::string::npos);
}

TEST_CASE("A damaged key file is a key error", "[hash]") {
  TempDir dir;
  const std::string path = (dir / "bad.key").string();
  leakdex::testing::WriteFile(path, "LEAKDEX-KEY-1\nzz\n");
  chmod(path.c_str(), 0600);
  auto k = MasterKey::LoadFile(path);
  REQUIRE_FALSE(k.ok());
  CHECK(k.status().code() == Status::Code::kKeyError);
  auto missing = MasterKey::LoadFile((dir / "nope").string());
  CHECK(missing.status().code() == Status::Code::kKeyError);
}
