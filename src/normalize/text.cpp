// Shared text helpers: UTF-8, NFKC (utf8proc), trimming, placeholders, dates.
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cstdio>

#include "normalize/internal.h"

namespace leakdex::norm {

char32_t NextCodePoint(std::string_view s, size_t& i) {
  // Hand-written rather than utf8proc_iterate: this sits on the fast paths and
  // inlines to a few instructions for the 1- and 3-byte cases we see.
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  unsigned char c = p[i];
  if (c < 0x80) { ++i; return c; }
  int len;
  char32_t cp;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
  else return kBadCodePoint;
  if (i + len > n) return kBadCodePoint;
  for (int k = 1; k < len; ++k) {
    unsigned char cc = p[i + k];
    if ((cc & 0xC0) != 0x80) return kBadCodePoint;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return kBadCodePoint;
  i += len;
  return cp;
}

bool DecodeUtf8(std::string_view s, std::u32string& out) {
  out.clear();
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = NextCodePoint(s, i);
    if (c == kBadCodePoint) return false;
    out.push_back(c);
  }
  return true;
}

// Hand-written rather than utf8proc_encode_char: same reason as NextCodePoint (hot path).
void AppendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

namespace {

bool Map(std::string_view in, std::string& out, int options) {
  utf8proc_uint8_t* buf = nullptr;
  utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()),
                   static_cast<utf8proc_ssize_t>(in.size()), &buf, static_cast<utf8proc_option_t>(options));
  if (n < 0) return false;
  out.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  std::free(buf);
  return true;
}

}  // namespace

// True if `in` is valid UTF-8 made only of ASCII and CJK Unified Ideographs
// U+4E00..U+9FFF. Such text is already NFKC: none of these code points has a
// decomposition, none is default-ignorable, and none composes with a neighbour
// from the same set (compositions need a combining mark, which is outside it).
bool AlreadyNfkc(std::string_view in) {
  size_t i = 0;
  while (i < in.size()) {
    if (static_cast<unsigned char>(in[i]) < 0x80) { ++i; continue; }
    char32_t c = NextCodePoint(in, i);
    if (c < 0x4E00 || c > 0x9FFF) return false;  // includes kBadCodePoint: the full path reports it
  }
  return true;
}

bool Nfkc(std::string_view in, std::string& out) {
  // ASCII and common Chinese text (names, addresses) is already NFKC: skip
  // utf8proc's two passes and its malloc (a third of address normalisation).
  if (AlreadyNfkc(in)) { out.assign(in); return true; }
  return Map(in, out, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE);
}

// ASCII text is its own NFKC/NFKD, has no marks and no default-ignorable
// code point, and case-folds to its ASCII lower case. Writes that and returns
// true for ASCII input; false (out untouched) otherwise. Why: utf8proc's two
// passes and malloc cost ~0.8 µs an e-mail address, 6.5% of an ingest's CPU
// on the generated dump. tests/normalize_properties_test.cpp compares it
// with utf8proc on every ASCII character and random ASCII strings.
bool AsciiCaseFold(std::string_view in, std::string& out) {
  for (char c : in)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  out.resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    out[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return true;
}

bool NfkcCaseFold(std::string_view in, std::string& out) {
  if (AsciiCaseFold(in, out)) return true;
  return NfkcCaseFoldWithUtf8proc(in, out);
}

bool NfkcCaseFoldWithUtf8proc(std::string_view in, std::string& out) {
  return Map(in, out,
             UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE | UTF8PROC_CASEFOLD);
}

bool StripMarksCaseFold(std::string_view in, std::string& out) {
  if (AsciiCaseFold(in, out)) return true;
  return StripMarksCaseFoldWithUtf8proc(in, out);
}

bool StripMarksCaseFoldWithUtf8proc(std::string_view in, std::string& out) {
  return Map(in, out,
             UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE |
                 UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
}

// Unicode White_Space plus the invisible characters dumps pad with. utf8proc has no
// White_Space property query (its categories put U+200B in Cf, U+3000 in Zs).
bool IsSpace(char32_t c) {
  switch (c) {
    case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000: case 0x200B: case 0x200C: case 0x200D: case 0x2060:
    case 0xFEFF: case 0x180E:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

std::string_view Trim(std::string_view s) {
  // Leading.
  while (!s.empty()) {
    size_t i = 0;
    char32_t c = NextCodePoint(s, i);
    if (c == kBadCodePoint || !IsSpace(c)) break;
    s.remove_prefix(i);
  }
  // Trailing: step back over one code point at a time.
  while (!s.empty()) {
    size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t i = start;
    char32_t c = NextCodePoint(s, i);
    if (c == kBadCodePoint || !IsSpace(c)) break;
    s.remove_suffix(s.size() - start);
  }
  return s;
}

bool IsCjkIdeograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x323AF) || (c >= 0xF900 && c <= 0xFAFF) || c == 0x3007;
}

bool IsLossyMarker(char32_t c) {
  if (c == 0xFFFD) return true;
  if ((c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000) return true;  // private use
  if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return true;
  if (c >= 0x7F && c < 0xA0) return true;
  return false;
}

bool IsNullPlaceholder(std::string_view s) {
  static constexpr std::array<std::string_view, 40> kNull = {
      "",       "-",      "--",      "---",    "—",     "——",    "/",      "\\",     ".",
      "?",      "??",     "#",       "0",      "00",    "000",   "null",   "(null)", "<null>",
      "none",   "nil",    "nan",     "n/a",    "na",    "\\n",   "undefined", "unknown",
      "无",     "空",     "未知",    "不详",   "暂无",  "无无",  "没有",   "未填",   "未填写",
      "不知道", "1/1/0001", "xxx",   "test",   "#n/a"};
  if (s.size() > 16) return false;
  char lower[17];
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view l(lower, s.size());
  return std::find(kNull.begin(), kNull.end(), l) != kNull.end();
}

bool IsRealDate(int y, int m, int d) {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return false;
  using namespace std::chrono;
  return year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}}.ok();
}

Date Today() {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(system_clock::now())};  // UTC
  return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
              static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

std::string FormatIsoDate(const Date& d) {
  if (d.year < 0 || d.year > 9999 || d.month < 0 || d.month > 99 || d.day < 0 || d.day > 99) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
  }
  // The digits by hand: snprintf was 3.5-5% of an ingest's CPU (one call per
  // birth date). Same output as "%04d-%02d-%02d" in this range.
  std::string out = "0000-00-00";
  out[0] = static_cast<char>('0' + d.year / 1000);
  out[1] = static_cast<char>('0' + d.year / 100 % 10);
  out[2] = static_cast<char>('0' + d.year / 10 % 10);
  out[3] = static_cast<char>('0' + d.year % 10);
  out[5] = static_cast<char>('0' + d.month / 10);
  out[6] = static_cast<char>('0' + d.month % 10);
  out[8] = static_cast<char>('0' + d.day / 10);
  out[9] = static_cast<char>('0' + d.day % 10);
  return out;
}

}  // namespace leakdex::norm
