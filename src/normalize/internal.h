// Internal pieces of the normaliser (docs/NORMALISATION.md). Not part of the
// public API: tests and the benchmark include it to reach the fast paths and
// the library path separately.
//
// Privacy: nothing here prints, logs or puts an input value into a message.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leakdex/normalize.h"
#include "leakdex/status.h"

namespace leakdex::norm {

// ---------------------------------------------------------------- text.cpp

// Decodes UTF-8; false on malformed input (overlong, surrogates, > U+10FFFF).
bool DecodeUtf8(std::string_view s, std::u32string& out);
void AppendUtf8(std::string& out, char32_t c);
// Decodes one code point at s[i], advancing i; returns U+FFFD-free 0xFFFFFFFF on error.
char32_t NextCodePoint(std::string_view s, size_t& i);
inline constexpr char32_t kBadCodePoint = 0xFFFFFFFF;

// NFKC (utf8proc), with default-ignorable code points (ZWSP, ZWJ, ZWNJ, U+FEFF,
// soft hyphen...) removed. False on malformed UTF-8.
bool Nfkc(std::string_view in, std::string& out);
// Lower-cases (Unicode case folding) and NFKC. ASCII input takes a fast path.
bool NfkcCaseFold(std::string_view in, std::string& out);
// NFKD + remove combining marks + case fold ("Wáng" -> "wang"). ASCII input
// takes a fast path.
bool StripMarksCaseFold(std::string_view in, std::string& out);
// The same two always through utf8proc (differential tests).
bool NfkcCaseFoldWithUtf8proc(std::string_view in, std::string& out);
bool StripMarksCaseFoldWithUtf8proc(std::string_view in, std::string& out);

bool IsSpace(char32_t c);  // Unicode White_Space plus zero-width and BOM
std::string_view Trim(std::string_view s);
bool IsCjkIdeograph(char32_t c);  // Unified Ideographs (+ extensions), compatibility ideographs, 〇
// True for U+FFFD, private-use code points and C0/C1 controls other than tab/newline.
bool IsLossyMarker(char32_t c);
// Shared stand-ins for "no value" ("", "-", "NULL", "无", "N/A"...). `s` is trimmed, NFKC'd.
bool IsNullPlaceholder(std::string_view s);

// A calendar date.
struct Date {
  int year = 0, month = 0, day = 0;
  friend bool operator<(const Date& a, const Date& b) {
    if (a.year != b.year) return a.year < b.year;
    if (a.month != b.month) return a.month < b.month;
    return a.day < b.day;
  }
};
bool IsRealDate(int y, int m, int d);
Date Today();  // UTC
std::string FormatIsoDate(const Date& d);  // "1990-01-02"

// ------------------------------------------------------------------ phone.cpp

// Fast path for common Chinese mobile shapes: ASCII or full-width digits,
// separators (space, tab, U+3000, - . ( ) and their full-width forms), optional
// +86 / 0086 / 86 / 0 prefix. Writes "+861XXXXXXXXXX" and returns true only when
// the library would return exactly that; returns false ("don't know") otherwise.
// `cn_default`: the default region is CN (else only +86 shapes are answered).
bool PhoneFastPath(std::string_view raw, bool cn_default, std::string& e164);

// ---------------------------------------------------------- i18n_library.cpp

// libphonenumber and ICU's IDNA, in the plugin leakdex-i18n.so
// (src/plugins/i18n_plugin.h says why), opened with dlopen on first call. The
// members have the plugin's C signatures. If the plugin cannot be loaded the
// run ends through the program's FatalErrorHandler (leakdex/status.h), with a
// message naming it.
struct I18nLibrary {
  int (*phone_e164)(const char* text, size_t n, const char* region, char* out, size_t cap) = nullptr;
  int (*phone_country_code)(const char* region) = nullptr;
  int (*phone_cn_valid)(uint64_t national) = nullptr;
  int (*idna_to_ascii)(const char* domain, size_t n, char* out, size_t cap) = nullptr;
};
const I18nLibrary& I18n();

// True for a two-letter region libphonenumber knows ("CN", "US", "HK").
bool PhoneRegionSupported(const std::string& region);

// The library's verdict on a 5-digit CN mobile prefix (13000..19999): true if
// every 11-digit number starting with it is valid. The fast path answers from a
// table generated at build time with the same probes; tests compare the two.
bool MobilePrefixValidByLibrary(int p5);

class PhoneNormalizer {
 public:
  explicit PhoneNormalizer(std::string default_region);
  // Full phone rules. With use_fast_path=false every number goes through
  // libphonenumber: the differential test's oracle.
  NormOutcome Normalize(std::string_view raw, std::vector<std::string>& out,
                        bool use_fast_path = true);
  // libphonenumber alone: Parse(part, region) + IsValidNumber + Format(E164).
  bool LibraryE164(std::string_view part, std::string& e164) const;

 private:
  NormOutcome Part(std::string_view part, std::vector<std::string>& out, bool use_fast_path);
  bool InternationalWithoutPlus(const std::string& part);
  std::string region_;
  bool cn_default_;
  std::string text_, part_, e164_;
};

// -------------------------------------------------------------- id_number.cpp

// GB 11643-1999 check character for the 17-digit body ('0'..'9' or 'X').
char IdCheckChar(std::string_view body17);
NormOutcome NormalizeIdNumber(std::string_view raw, const Date& today, std::vector<std::string>& out);

// ------------------------------------------------------------------- t2s.cpp

// OpenCC t2s (Traditional -> Simplified Chinese) with a cheap pre-check.
// OpenCC's dictionaries are read on first use, not by Create. One thread uses a
// T2s at a time (its converter is created by the first Convert that needs it);
// MayChange may be called from any thread.
class T2s {
 public:
  static Result<std::unique_ptr<T2s>> Create();
  ~T2s();
  // True if t2s may change a string containing `c` (c is a key character of
  // OpenCC's TSCharacters or, at a differing position, of TSPhrases).
  static bool MayChange(char32_t c);
  // Sharper than MayChange for code point c found at byte offset `at` of s:
  // false also when c is phrase-only (t2s changes it only inside a few
  // TSPhrases keys, 沈 of 沈沒) and none of its phrases is in s there.
  // NeedsConversion asks this for every code point.
  static bool MayChangeAt(std::string_view s, size_t at, char32_t c);
  // True when the embedded set (built from OpenCC's data at build time) matches
  // the installed dictionaries, i.e. MayChange answers from it; false when it
  // answers "maybe" for every non-ASCII code point.
  static bool EmbeddedSetCurrent();
  static int EmbeddedSetSize();  // code points in the embedded set
  // The TSPhrases keys embedded for Convert's own t2s (for tests).
  static std::vector<std::string> EmbeddedPhrases();
  // Converts in place when any code point may change; returns false on an
  // OpenCC failure (s is then unchanged).
  bool Convert(std::string& s);
  // False only when t2s provably leaves s as it is (MayChangeAt false for
  // every code point).
  bool NeedsConversion(std::string_view s) const;
  // OpenCC's t2s on s, whatever the pre-check says and without Convert's own
  // implementation of t2s from the embedded tables: the tests' oracle for both.
  bool ConvertWithOpencc(std::string& s);

 private:
  T2s();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ------------------------------------------------------------------ name.cpp

NormOutcome NormalizeName(std::string_view raw, T2s& t2s, std::string& scratch,
                          std::vector<std::string>& out);

// --------------------------------------------------------------- address.cpp

NormOutcome NormalizeAddress(std::string_view raw, T2s& t2s, std::vector<std::string>& out);
// The same, with every confirming pass run in full (NormalizeAddress skips it
// where it provably returns its input): the oracle of the differential tests.
NormOutcome NormalizeAddressFullPasses(std::string_view raw, T2s& t2s, std::vector<std::string>& out);

// ----------------------------------------------------------------- email.cpp

NormOutcome NormalizeEmail(std::string_view raw, std::vector<std::string>& out);

// ------------------------------------------------------------ birth_date.cpp

NormOutcome NormalizeBirthDate(std::string_view raw, const Date& today, std::vector<std::string>& out);

}  // namespace leakdex::norm
