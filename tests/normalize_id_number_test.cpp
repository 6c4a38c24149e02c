// National ID numbers (GB 11643-1999): known-answer tables for pii-formats.md §4 and §9.3.
// All numbers are synthetic (built from the public check-digit rule).
#include "normalize/internal.h"
#include "normalize_helpers.h"

using leakdex::Attribute;
using leakdex::NormOutcome;
using namespace leakdex::testing;

TEST_CASE("id: check character vectors", "[normalize]") {
  using leakdex::norm::IdCheckChar;
  CHECK(IdCheckChar("11010519491231002") == 'X');
  CHECK(IdCheckChar("44052418800101001") == '4');
  CHECK(IdCheckChar("34052419800101001") == 'X');
  CHECK(IdCheckChar("31010319850615123") == '0');
}

TEST_CASE("id: written forms of one 18-character number give one key", "[normalize]") {
  ExpectGroup(Attribute::kIdNumber, "11010519491231002X",
              {"11010519491231002X", "11010519491231002x", "11010519491231002×", "11010519491231002Ｘ",
               "１１０１０５１９４９１２３１００２Ｘ", "110105 19491231 002X", "110105-19491231-002X",
               "'11010519491231002X", "’11010519491231002X", "  11010519491231002X\t",
               "110 105 194 912 310 02x", "\"11010519491231002X\"",
               "110105491231002"});  // the 15-digit legacy form of the same person
  ExpectGroup(Attribute::kIdNumber, "440524188001010014", {"440524188001010014", "'440524188001010014"});
}

TEST_CASE("id: 15-digit legacy numbers upgrade to 19xx, never 20xx", "[normalize]") {
  // YY = 03 is 1903: the upgrade must not guess 2003.
  CHECK(Canon(Attribute::kIdNumber, "110105030101001") == "110105190301010011");
  CHECK(Canon(Attribute::kIdNumber, "110105 030101 001") == "110105190301010011");
  CHECK(Canon(Attribute::kIdNumber, "110105030101001.0") == "110105190301010011");  // float column, exact
  // Impossible date in a 15-digit number.
  CHECK(Canon(Attribute::kIdNumber, "110105490231002") == Outcome(NormOutcome::kInvalid));
}

TEST_CASE("id: abolished districts, permits and foreigner cards are keyed", "[normalize]") {
  CHECK(Canon(Attribute::kIdNumber, "110104197001012344") == "110104197001012344");  // 宣武区 (abolished 2010)
  CHECK(Canon(Attribute::kIdNumber, "310103198506151230") == "310103198506151230");  // 卢湾区 (abolished 2011)
  CHECK(Canon(Attribute::kIdNumber, "810000199001011230") == "810000199001011230");  // HK residence permit
  CHECK(Canon(Attribute::kIdNumber, "931840199001010011") == "931840199001010011");  // 2023 foreigner card
  CHECK(Canon(Attribute::kIdNumber, "33010620000229031X") == "33010620000229031X");  // 29 Feb 2000
}

TEST_CASE("id: bad check characters, dates, lengths and provinces are rejected", "[normalize]") {
  CHECK(Canon(Attribute::kIdNumber, "110105194912310021") == Outcome(NormOutcome::kBadChecksum));
  CHECK(Canon(Attribute::kIdNumber, "11010519491231002") == Outcome(NormOutcome::kInvalid));    // 17 digits
  CHECK(Canon(Attribute::kIdNumber, "110105194902310020") == Outcome(NormOutcome::kInvalid));   // 31 Feb
  CHECK(Canon(Attribute::kIdNumber, "110105205012310025") == Outcome(NormOutcome::kInvalid));   // born 2050
  CHECK(Canon(Attribute::kIdNumber, "001105194912310023") == Outcome(NormOutcome::kInvalid));   // province 00
  CHECK(Canon(Attribute::kIdNumber, "991105194912310023") == Outcome(NormOutcome::kInvalid));   // province 99
  CHECK(Canon(Attribute::kIdNumber, "110105187001010013") == Outcome(NormOutcome::kInvalid));   // before 1880
  CHECK(Canon(Attribute::kIdNumber, "1101051949123100211") == Outcome(NormOutcome::kInvalid));  // 19 digits
  CHECK(Canon(Attribute::kIdNumber, "E12345678") == Outcome(NormOutcome::kInvalid));             // passport
  CHECK(Canon(Attribute::kIdNumber, "ABC123456789012") == Outcome(NormOutcome::kInvalid));       // old foreigner card
  CHECK(Canon(Attribute::kIdNumber, "11010519491231002X张") == Outcome(NormOutcome::kInvalid));  // CJK glued on
  CHECK(Canon(Attribute::kIdNumber, "1101051949123100张X") == Outcome(NormOutcome::kInvalid));
  CHECK(Canon(Attribute::kIdNumber, "13812345678") == Outcome(NormOutcome::kInvalid));  // a phone, column shift
}

TEST_CASE("id: masked and mangled numbers are never keyed", "[normalize]") {
  for (const char* raw : {"1101**********002X", "110105********002X", "11010519491231****", "110105XXXXXXXX002X",
                          "110105●●●●●●●●002X", "1101051949123100?X"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kIdNumber, raw) == Outcome(NormOutcome::kMasked));
  }
  for (const char* raw : {"1.10105E+17", "1.10105194912310E+17", "110105194912310000.0", "1.10105e17"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kIdNumber, raw) == Outcome(NormOutcome::kMangled));
  }
  for (const char* raw : {"-", "NULL", "无", "0"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kIdNumber, raw) == Outcome(NormOutcome::kPlaceholder));
  }
  CHECK(Canon(Attribute::kIdNumber, "") == Outcome(NormOutcome::kAbsent));
  CHECK(Canon(Attribute::kIdNumber, "'") == Outcome(NormOutcome::kAbsent));
  CHECK(Canon(Attribute::kIdNumber, "\xC0\xAF") == Outcome(NormOutcome::kBadEncoding));
}
