// Phone numbers: known-answer tables for pii-formats.md §3.4 and §9.2.
#include "normalize/internal.h"
#include "normalize_helpers.h"

using leakdex::Attribute;
using leakdex::NormOutcome;
using namespace leakdex::testing;

TEST_CASE("phone: every written form of one mobile gives one E.164 key", "[normalize]") {
  ExpectGroup(Attribute::kPhone, "+8613812345678",
              {"13812345678", "138 1234 5678", "138-1234-5678", "138.1234.5678",
               "+86 138 1234 5678", "+86-138-1234-5678", "(+86)13812345678", "+86(0)13812345678",
               "0086 13812345678", "86-13812345678", "8613812345678", "013812345678",
               "17951 13812345678", "12593 13812345678", "＋８６　１３８１２３４５６７８",
               "１３８１２３４５６７８", "138 1234 5678（微信同号）", "tel:+86-138-1234-5678",
               "手机：13812345678", "手机:13812345678", "电话 13812345678", "Mobile: 138-1234-5678",
               "  13812345678  ", "\t13812345678\t", "138\t1234\t5678", "(138)1234-5678",
               "13812345678.0", "'13812345678", "138 1234 5678 (本人)", "13812345678微信同号",
               "+86 138-1234-5678 转 801", "13812345678　"});
}

TEST_CASE("phone: landlines with area code, extensions stripped", "[normalize]") {
  ExpectGroup(Attribute::kPhone, "+862155551234",
              {"021-5555-1234", "(021)55551234", "+86 21 5555 1234", "021 5555 1234 转 801",
               "021-55551234-", "021 5555 1234 ext. 801", "021-55551234 x801", "021-55551234#801",
               "（０２１）５５５５１２３４", "电话：021-55551234", "0086 21 5555 1234", "021 5555 1234 分机 801"});
  ExpectGroup(Attribute::kPhone, "+861012345678", {"010-12345678", "(010) 1234 5678", "+86 10 1234 5678"});
  ExpectGroup(Attribute::kPhone, "+8657187654321", {"0571-87654321", "0571 8765 4321"});
}

TEST_CASE("phone: two numbers in one field give both", "[normalize]") {
  const std::string both = "+8613812345678 | +8613987654321";
  ExpectGroup(Attribute::kPhone, both,
              {"13812345678/13987654321", "13812345678, 13987654321", "13812345678；13987654321",
               "13812345678、13987654321", "13812345678|13987654321", "13812345678 或 13987654321",
               "手机：13812345678 / 13987654321", "13812345678，13987654321"});
  CHECK(Canon(Attribute::kPhone, "13812345678/021-55551234") == "+8613812345678 | +862155551234");
  // White space alone separates two numbers only when both are long digit runs.
  CHECK(Canon(Attribute::kPhone, "13812345678 13987654321") == both);
  CHECK(Canon(Attribute::kPhone, "13812345678  +8613987654321") == both);
  CHECK(Canon(Attribute::kPhone, "手机：13812345678 13987654321") == both);
  CHECK(Canon(Attribute::kPhone, "021 5555 1234") == "+862155551234");
  // The same number twice is one key.
  CHECK(Canon(Attribute::kPhone, "13812345678/138-1234-5678") == "+8613812345678");
  // One good and one masked: the good one is kept.
  CHECK(Canon(Attribute::kPhone, "13812345678/139****4321") == "+8613812345678");
}

TEST_CASE("phone: masked and spreadsheet-mangled numbers are never keyed", "[normalize]") {
  for (const char* raw : {"138****5678", "138xxxx5678", "138XXXX5678", "138＊＊＊＊5678", "1381234****",
                          "****5678", "138●●●●5678", "138????5678", "138 **** 5678", "138××××5678"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kPhone, raw) == Outcome(NormOutcome::kMasked));
  }
  for (const char* raw : {"1.38123E+10", "1.38123e+10", "1.3812345678E10", "1.38123E+010", "13812345678E0"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kPhone, raw) == Outcome(NormOutcome::kMangled));
  }
}

TEST_CASE("phone: empty, placeholders and invalid numbers", "[normalize]") {
  CHECK(Canon(Attribute::kPhone, "") == Outcome(NormOutcome::kAbsent));
  CHECK(Canon(Attribute::kPhone, "  \t　") == Outcome(NormOutcome::kAbsent));
  for (const char* raw : {"-", "NULL", "null", "无", "0", "00", "N/A", "空"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kPhone, raw) == Outcome(NormOutcome::kPlaceholder));
  }
  for (const char* raw : {"55551234",        // local number without area code: not keyed
                          "15412345678",     // 154: unallocated
                          "19412345678",     // 194: unallocated
                          "17912345678",     // 179: IP-dial prefix, not a mobile
                          "14012345678",     // 140-144: 13-digit IoT numbers
                          "1381234567",      // 10 digits
                          "138123456789",    // 12 digits
                          "1440123456789",   // 13-digit IoT number
                          "95588", "10086",  // service short codes
                          "0013812345678",   // 00 + 1: IDD to +1 with a Chinese mobile: not valid
                          "138a12345678", "1381234567８号8",  // damaged: letters between digits
                          "12345", "abc", "手机", "11010519491231002X"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kPhone, raw) == Outcome(NormOutcome::kInvalid));
  }
}

TEST_CASE("phone: edge prefixes follow the pinned libphonenumber (Debian 8.12.57)", "[normalize]") {
  // Valid mobiles: 192 (China Broadnet), MVNO 170/171/162/165/167, satellite 17400-17405.
  for (const char* raw : {"19212345678", "17012345678", "17112345678", "16212345678", "16512345678",
                          "16712345678", "17400123456", "17405123456", "19912345678", "14712345678"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kPhone, raw) == std::string("+86") + raw);
  }
  // 17406-17409 are not allocated to mobiles; 1610 is valid only in newer metadata.
  for (const char* raw : {"17406123456", "17409123456", "16101234567"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kPhone, raw) == Outcome(NormOutcome::kInvalid));
  }
  // 400 / 800 numbers are valid numbers and keyed as such.
  CHECK(Canon(Attribute::kPhone, "400-123-4567") == "+864001234567");
  CHECK(Canon(Attribute::kPhone, "800-820-8820") == "+868008208820");
}

TEST_CASE("phone: numbers from other countries keep their country code", "[normalize]") {
  CHECK(Canon(Attribute::kPhone, "+852 9123 4567") == "+85291234567");    // Hong Kong
  CHECK(Canon(Attribute::kPhone, "+853 6612 3456") == "+85366123456");    // Macau
  CHECK(Canon(Attribute::kPhone, "+886 912 345 678") == "+886912345678"); // Taiwan
  CHECK(Canon(Attribute::kPhone, "+1 650-253-0000") == "+16502530000");
  CHECK(Canon(Attribute::kPhone, "+353 85 123 4567") == "+353851234567");
  CHECK(Canon(Attribute::kPhone, "00852 9123 4567") == "+85291234567");
  // Facebook-style E.164 digits without '+': read in the default region first, then as international.
  CHECK(Canon(Attribute::kPhone, "353851234567") == "+353851234567");
  CHECK(Canon(Attribute::kPhone, "46701234567") == "+46701234567");
  CHECK(Canon(Attribute::kPhone, "8613812345678") == "+8613812345678");
  // ...but with default region CN, 11 digits starting with 1 are a (bad) mobile, never +1.
  CHECK(Canon(Attribute::kPhone, "12025550123") == Outcome(NormOutcome::kInvalid));
  // Without a country code a Hong Kong number is read as Chinese, and is not valid there.
  CHECK(Canon(Attribute::kPhone, "9123 4567") == Outcome(NormOutcome::kInvalid));
}

TEST_CASE("phone: default region changes how national numbers read", "[normalize]") {
  auto r = leakdex::Normalizer::Create(leakdex::NormalizeOptions{"US"});
  REQUIRE(r.ok());
  std::vector<std::string> out;
  CHECK(r.value()->Normalize(Attribute::kPhone, "(650) 253-0000", out) == NormOutcome::kOk);
  CHECK(out == std::vector<std::string>{"+16502530000"});
  out.clear();
  CHECK(r.value()->Normalize(Attribute::kPhone, "+86 138 1234 5678", out) == NormOutcome::kOk);
  CHECK(out == std::vector<std::string>{"+8613812345678"});
  out.clear();
  CHECK(r.value()->Normalize(Attribute::kPhone, "13812345678", out) == NormOutcome::kInvalid);
  for (const char* bad : {"china", "ZZ", "", "C"}) {
    INFO(bad);
    CHECK(leakdex::Normalizer::Create(leakdex::NormalizeOptions{bad}).status().code() ==
          leakdex::Status::Code::kInvalidArgument);
  }
  // Lower case is accepted.
  auto hk = leakdex::Normalizer::Create(leakdex::NormalizeOptions{"hk"});
  REQUIRE(hk.ok());
  out.clear();
  CHECK(hk.value()->Normalize(Attribute::kPhone, "9123 4567", out) == NormOutcome::kOk);
  CHECK(out == std::vector<std::string>{"+85291234567"});
}

TEST_CASE("phone: the fast path answers the common shapes", "[normalize]") {
  std::string e164;
  for (const char* raw : {"13812345678", "138 1234 5678", "+86 138-1234-5678", "0086 13812345678",
                          "8613812345678", "１３８１２３４５６７８", "(+86)13812345678", "013812345678"}) {
    INFO(raw);
    CHECK(leakdex::norm::PhoneFastPath(raw, true, e164));
    CHECK(e164 == "+8613812345678");
  }
  for (const char* raw : {"021-55551234", "138****5678", "手机：13812345678", "15412345678",
                          "1.38123E+10", "13812345678/13987654321", "+852 9123 4567"}) {
    INFO(raw);
    CHECK_FALSE(leakdex::norm::PhoneFastPath(raw, true, e164));
  }
  CHECK_FALSE(leakdex::norm::PhoneFastPath("13812345678", false, e164));
  CHECK(leakdex::norm::PhoneFastPath("+8613812345678", false, e164));
}

TEST_CASE("phone: invalid UTF-8 is reported, not keyed", "[normalize]") {
  CHECK(Canon(Attribute::kPhone, "\xff\xfe" "13812345678") == Outcome(NormOutcome::kBadEncoding));
  CHECK(Canon(Attribute::kPhone, "138\xEF\xBF\xBD" "12345678") == Outcome(NormOutcome::kBadEncoding));
}
