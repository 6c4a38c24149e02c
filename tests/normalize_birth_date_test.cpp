// Birth dates: known-answer tables for pii-formats.md §8.1.
#include <cstdio>

#include "normalize/internal.h"
#include "normalize_helpers.h"

using leakdex::Attribute;
using leakdex::NormOutcome;
using namespace leakdex::testing;

TEST_CASE("birth date: common formats give YYYY-MM-DD", "[normalize]") {
  ExpectGroup(Attribute::kBirthDate, "1990-05-02",
              {"19900502", "1990-05-02", "1990-5-2", "1990/05/02", "1990/5/2", "1990.05.02", "1990.5.2",
               "1990年5月2日", "1990年05月02日", "1990年5月2号", "1990-05-02 00:00:00", "1990-05-02T00:00:00Z",
               "1990/5/2 0:00", "5/2/1990", "05/02/1990", "１９９０年５月２日", " 19900502 ", "'19900502",
               "19900502.0", "1990-05-02 00:00:00.0"});
  // Day first when the first number cannot be a month.
  CHECK(Canon(Attribute::kBirthDate, "25/12/1985") == "1985-12-25");
  CHECK(Canon(Attribute::kBirthDate, "12/25/1985") == "1985-12-25");
  CHECK(Canon(Attribute::kBirthDate, "2000-02-29") == "2000-02-29");
}

TEST_CASE("birth date: impossible, future, partial and placeholder dates", "[normalize]") {
  for (const char* raw : {"1990-02-30", "19900230", "1990-13-01", "1900-02-29", "2999-01-01", "1850-01-01",
                          "1990", "1990-05", "1990年5月", "90-05-02", "5/2/90", "13/13/1990", "abc", "1990-05-02-01"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kBirthDate, raw) == Outcome(NormOutcome::kInvalid));
  }
  for (const char* raw : {"1900-01-01", "19000101", "1899-12-30", "1899-12-31", "0000-00-00", "00000000",
                          "0001-01-01", "1/1/0001", "-", "NULL"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kBirthDate, raw) == Outcome(NormOutcome::kPlaceholder));
  }
  CHECK(Canon(Attribute::kBirthDate, "32874") == Outcome(NormOutcome::kMangled));  // Excel serial
  CHECK(Canon(Attribute::kBirthDate, "") == Outcome(NormOutcome::kAbsent));
  // 1970-01-01 is a real birthday for some people: kept.
  CHECK(Canon(Attribute::kBirthDate, "1970-01-01") == "1970-01-01");
}

TEST_CASE("birth date: FormatIsoDate writes what %04d-%02d-%02d writes", "[normalize]") {
  using leakdex::norm::Date;
  using leakdex::norm::FormatIsoDate;
  for (int year : {0, 7, 99, 1880, 1999, 2000, 2026, 9999, 10000, -1})
    for (int month : {0, 1, 9, 10, 12, 100})
      for (int day : {1, 5, 10, 31, -3}) {
        char expected[40];
        std::snprintf(expected, sizeof expected, "%04d-%02d-%02d", year, month, day);
        CHECK(FormatIsoDate(Date{year, month, day}) == expected);
      }
}

// Eight ASCII digits skip NFKC, trimming and the Chinese-form rewrite (the fast
// path of NormalizeBirthDate). The same digits with a space around take the
// full path: both must agree on every outcome and form, placeholders and
// impossible dates included.
TEST_CASE("birth date: the YYYYMMDD fast path answers as the full path", "[normalize]") {
  uint64_t x = 88172645463325252ull;
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    char d[9];
    // Mostly plausible dates (years 1850-2099), some anything at all.
    if (i % 4 == 0) std::snprintf(d, sizeof d, "%08llu", static_cast<unsigned long long>(x % 100000000));
    else std::snprintf(d, sizeof d, "%04d%02d%02d", 1850 + static_cast<int>(x % 250), static_cast<int>(x / 250 % 14),
                       static_cast<int>(x / 3500 % 33));
    const std::string fast(d, 8);
    INFO(fast);
    const auto want = Canon(Attribute::kBirthDate, " " + fast + " ");
    REQUIRE(Canon(Attribute::kBirthDate, fast) == want);
    if (want.front() != '<') ++ok;
  }
  CHECK(ok > 5000);  // real dates, besides every kind of refusal
}
