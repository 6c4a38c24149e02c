// Phone numbers: libphonenumber is the reference (docs/NORMALISATION.md §Phones).
//
// libphonenumber costs ~10-20 µs per number (Parse + IsValidNumber + Format), which
// is hours of CPU at dump scale. Most values in Chinese dumps are plain 11-digit
// mobiles, so PhoneFastPath answers those in nanoseconds. It duplicates a slice of
// the library on purpose, and never on its own authority: whether a mobile prefix
// is valid is asked of the library itself (once per 5-digit prefix, cached), and a
// differential test (tests/normalize_phone_differential_test.cpp) checks over 1M
// generated inputs that it agrees with the library path wherever it answers.
//
// The library itself lives in the plugin leakdex-i18n.so (src/plugins/), opened
// with dlopen on the first number the fast path cannot answer, so a `check` of
// a mobile number never maps libphonenumber, protobuf, ICU or abseil (issue 6).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <string>

#include "normalize/internal.h"

namespace leakdex::norm {
namespace {


// Validity of 1[3-9]xxxxxxxxx numbers depends only on the first 5 digits in every
// libphonenumber CN metadata to date (mobile patterns 1(?:[38]\d|4[57]|...)\d{8},
// 1740[0-5]\d{6}, 1610\d{7}); three probes per prefix guard the assumption and the
// differential test checks it. The verdicts are asked of the library at build time
// (cn_mobile_prefixes.inc, see src/normalize/gen/), so that an ordinary mobile
// number never costs the library's initialisation; a test compares the table with
// MobilePrefixValidByLibrary for every prefix.
#include "cn_mobile_prefixes.inc"

bool MobilePrefixValid(const char* m11) {
  int p5 = (m11[0] - '0') * 10000 + (m11[1] - '0') * 1000 + (m11[2] - '0') * 100 +
           (m11[3] - '0') * 10 + (m11[4] - '0');
  if (p5 < 13000 || p5 > 19999) return false;
  const int i = p5 - 13000;
  return (kCnMobilePrefixBits[i / 64] >> (i % 64)) & 1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool MobilePrefixValidByLibrary(int p5) {
  const I18nLibrary& lib = I18n();
  for (uint64_t tail : {uint64_t{0}, uint64_t{999999}, uint64_t{501234}}) {
    if (!lib.phone_cn_valid(static_cast<uint64_t>(p5) * 1000000 + tail)) return false;
  }
  return true;
}

bool PhoneFastPath(std::string_view raw, bool cn_default, std::string& e164) {
  if (raw.size() > 80) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  const size_t n = raw.size();
  char d[16];
  int nd = 0;
  bool plus = false;
  // "1381234567.0" is a float column's 10-digit number, not a dotted 11-digit one:
  // the full rules strip a final ".0", so the fast path must not read it as a digit.
  int dot_at = -1;  // digit count when the last '.' was seen
  bool sep_after_dot = false;
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = p[i];
    if (c >= '0' && c <= '9') {
      if (nd == 15) return false;
      d[nd++] = static_cast<char>(c);
    } else if (c == '.') {
      dot_at = nd;
      sep_after_dot = false;
    } else if (c == '-' || c == '(' || c == ')') {
      sep_after_dot = true;
    } else if (c == ' ' || c == '\t') {
      // separator
    } else if (c == '+') {
      if (nd > 0 || plus) return false;
      plus = true;
    } else if (c == 0xEF && i + 2 < n && p[i + 1] == 0xBC) {
      unsigned char c2 = p[i + 2];
      if (c2 >= 0x90 && c2 <= 0x99) {  // U+FF10..U+FF19 full-width digits
        if (nd == 15) return false;
        d[nd++] = static_cast<char>('0' + (c2 - 0x90));
      } else if (c2 == 0x8B) {  // U+FF0B full-width plus
        if (nd > 0 || plus) return false;
        plus = true;
      } else if (c2 == 0x88 || c2 == 0x89 || c2 == 0x8D) {  // （ ） －
        sep_after_dot = true;
      } else {
        return false;
      }
      i += 2;
    } else if (c == 0xE3 && i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0x80) {  // U+3000
      i += 2;
    } else {
      return false;
    }
  }
  if (dot_at >= 0 && dot_at == nd - 1 && d[nd - 1] == '0' && !sep_after_dot) return false;
  const char* m;
  if (plus) {
    if (nd != 13 || d[0] != '8' || d[1] != '6') return false;
    m = d + 2;
  } else if (!cn_default) {
    return false;
  } else if (nd == 11) {
    m = d;
  } else if (nd == 12 && d[0] == '0') {
    m = d + 1;
  } else if (nd == 13 && d[0] == '8' && d[1] == '6') {
    m = d + 2;
  } else if (nd == 15 && d[0] == '0' && d[1] == '0' && d[2] == '8' && d[3] == '6') {
    m = d + 4;
  } else {
    return false;
  }
  if (m[0] != '1' || m[1] < '3') return false;
  if (!MobilePrefixValid(m)) return false;
  e164.assign("+86");
  e164.append(m, 11);
  return true;
}

bool PhoneRegionSupported(const std::string& region) {
  if (region.size() != 2) return false;
  if (region == "CN") return true;  // the default (+86): answered without initialising the library
  return I18n().phone_country_code(region.c_str()) != 0;
}

// The library is initialised on the first value the fast path cannot answer.
PhoneNormalizer::PhoneNormalizer(std::string default_region)
    : region_(std::move(default_region)), cn_default_(region_ == "CN") {}

bool PhoneNormalizer::LibraryE164(std::string_view part, std::string& e164) const {
  char buf[32];
  int n = I18n().phone_e164(part.data(), part.size(), region_.c_str(), buf, sizeof(buf));
  if (n <= 0) return false;
  e164.assign(buf, static_cast<size_t>(n));
  return true;
}

namespace {

// Strips a leading label ("手机:", "Tel.", "电话", "mobile：") — any run of
// letters, CJK and label punctuation before the first digit, '+' or '('.
std::string_view StripLabel(std::string_view s) {
  size_t i = 0;
  size_t cut = 0;
  while (i < s.size()) {
    size_t j = i;
    char32_t c = NextCodePoint(s, j);
    if (c == kBadCodePoint) return s;
    if ((c >= '0' && c <= '9') || c == '+' || c == '(' || c == '*') break;
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsCjkIdeograph(c);
    bool labelish = c == ':' || c == '.' || c == ' ' || c == '-' || c == '_' || IsSpace(c);
    if (!letter && !labelish) return s;
    i = j;
    cut = i;
  }
  if (cut == 0 || cut == s.size()) return s;
  // A masked number like "xxxx5678" starts with letters too: keep it whole.
  std::string_view label = s.substr(0, cut);
  if (label.find_first_not_of("xX ") == std::string_view::npos) return s;
  return s.substr(cut);
}

bool LooksScientific(std::string_view s) {
  // 1.38123E+10, 1.3812345678e10, 13812345678E0
  size_t e = s.find_first_of("eE");
  if (e == std::string_view::npos || e == 0) return false;
  std::string_view mant = s.substr(0, e), ex = s.substr(e + 1);
  if (!ex.empty() && (ex[0] == '+' || ex[0] == '-')) ex.remove_prefix(1);
  if (ex.empty() || ex.find_first_not_of("0123456789") != std::string_view::npos) return false;
  if (mant.find_first_not_of("0123456789.") != std::string_view::npos) return false;
  return std::count(mant.begin(), mant.end(), '.') <= 1 && IsDigit(mant[0]);
}

// '*', '?', '●', '○', '×' anywhere, or a run of 2+ x/X: a masked number
// ("138****5678", "138xxxx5678"). A single x is an extension mark ("1234x801").
bool LooksMasked(std::string_view s) {
  if (s.find_first_of("*?") != std::string_view::npos) return true;
  for (std::string_view m : {"●", "○", "×", "xx", "xX", "Xx", "XX"}) {
    if (s.find(m) != std::string_view::npos) return true;
  }
  return false;
}

// Cuts an extension: "转801", "分机801", "ext801", "ext. 801", " x801", "#801".
std::string_view StripExtension(std::string_view s) {
  static constexpr std::string_view kMarks[] = {"转", "分机", "ext", "EXT", "Ext", "#", "~"};
  size_t cut = std::string_view::npos;
  for (std::string_view m : kMarks) {
    size_t p = s.find(m);
    if (p != std::string_view::npos && p > 0) cut = std::min(cut, p);
  }
  // "x801" / " X801": x after a digit or space, followed by a digit.
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    if ((s[i] == 'x' || s[i] == 'X') && (s[i - 1] == ' ' || IsDigit(s[i - 1])) && IsDigit(s[i + 1]))
      cut = std::min(cut, i);
  }
  return cut == std::string_view::npos ? s : s.substr(0, cut);
}

// Keeps what libphonenumber can read: digits, '+', and punctuation (as space).
// Letters and CJK left over after label/extension handling are trailing remarks
// ("微信同号") and are dropped; tabs become spaces (the library rejects tabs).
// Other characters between digits ("138a12345678") mean a damaged value: out is
// left empty.
void CleanForLibrary(std::string_view s, std::string& out) {
  out.clear();
  size_t i = 0;
  bool digit_seen = false, junk_after_digit = false;
  while (i < s.size()) {
    char32_t c = NextCodePoint(s, i);
    if (c == kBadCodePoint) { out.clear(); return; }
    if ((c >= '0' && c <= '9') || c == '+' || c == '(' || c == ')' || c == '-' || c == '.') {
      if (c >= '0' && c <= '9') {
        if (junk_after_digit) { out.clear(); return; }
        digit_seen = true;
      }
      out.push_back(static_cast<char>(c));
    } else if (IsSpace(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else if (digit_seen) {
      junk_after_digit = true;
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '.' || out.back() == '-')) out.pop_back();
}

// The tokens of `s` if it is 2+ white-space-separated runs of 10+ digits (with
// optional + - ( )), else nothing.
std::vector<std::string_view> SpaceSeparatedNumbers(std::string_view s) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i, digits = 0;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') {
      if (IsDigit(s[i])) ++digits;
      else if (s[i] != '+' && s[i] != '-' && s[i] != '(' && s[i] != ')') return {};
      ++i;
    }
    if (i == start) break;
    if (digits < 10) return {};
    tokens.push_back(s.substr(start, i - start));
  }
  if (tokens.size() < 2) return {};
  return tokens;
}

}  // namespace

// Facebook-style dumps write E.164 without the '+' ("353851234567"). When the
// default-region reading is not valid, 10-15 digits not starting with 0 are tried
// as an international number (with default region CN, not 11 digits starting with 1).
bool PhoneNormalizer::InternationalWithoutPlus(const std::string& part) {
  if (part.empty() || part[0] < '1' || part[0] > '9') return false;
  size_t digits = 0;
  for (char c : part) {
    if (IsDigit(c)) ++digits;
    else if (c != ' ' && c != '-' && c != '.') return false;
  }
  if (digits < 10 || digits > 15) return false;
  // In a Chinese dump an 11-digit 1xxxxxxxxxx is a (bad) mobile, not +1 (NANP).
  if (cn_default_ && digits == 11 && part[0] == '1') return false;
  return LibraryE164("+" + part, e164_);
}

NormOutcome PhoneNormalizer::Part(std::string_view part, std::vector<std::string>& out,
                                  bool use_fast_path) {
  part = Trim(part);
  if (part.empty()) return NormOutcome::kAbsent;
  if (IsNullPlaceholder(part)) return NormOutcome::kPlaceholder;
  part = StripLabel(part);
  // "13812345678 13987654321": numbers separated by white space only. Split only when
  // every token is a long digit run (never "021 5555 1234").
  if (std::vector<std::string_view> tokens = SpaceSeparatedNumbers(Trim(part)); !tokens.empty()) {
    NormOutcome result = NormOutcome::kInvalid;
    for (std::string_view token : tokens) {
      if (Part(token, out, use_fast_path) == NormOutcome::kOk) result = NormOutcome::kOk;
    }
    return result;
  }
  if (LooksScientific(part)) return NormOutcome::kMangled;
  if (LooksMasked(part)) return NormOutcome::kMasked;
  part = Trim(StripExtension(part));
  // "13812345678.0": a number that went through a float column; the digits are intact.
  if (part.size() > 2 && part.ends_with(".0") &&
      part.substr(0, part.size() - 2).find_first_not_of("0123456789") == std::string_view::npos)
    part.remove_suffix(2);
  CleanForLibrary(part, part_);
  if (part_.empty()) return NormOutcome::kInvalid;
  if (part_.size() > 40) return NormOutcome::kInvalid;
  if (!(use_fast_path && PhoneFastPath(part_, cn_default_, e164_)) && !LibraryE164(part_, e164_) &&
      !InternationalWithoutPlus(part_))
    return NormOutcome::kInvalid;
  if (std::find(out.begin(), out.end(), e164_) == out.end()) out.push_back(e164_);
  return NormOutcome::kOk;
}

NormOutcome PhoneNormalizer::Normalize(std::string_view raw, std::vector<std::string>& out,
                                       bool use_fast_path) {
  if (use_fast_path && PhoneFastPath(raw, cn_default_, e164_)) {
    out.push_back(e164_);
    return NormOutcome::kOk;
  }
  if (!Nfkc(raw, text_)) return NormOutcome::kBadEncoding;
  {
    size_t i = 0;
    while (i < text_.size()) {
      char32_t c = NextCodePoint(text_, i);
      if (c == 0xFFFD || c == kBadCodePoint) return NormOutcome::kBadEncoding;
    }
  }
  std::string_view v = Trim(text_);
  if (v.empty()) return NormOutcome::kAbsent;
  if (IsNullPlaceholder(v)) return NormOutcome::kPlaceholder;
  // Remarks in brackets without digits: "138 1234 5678(微信同号)".
  std::string cleaned;
  cleaned.reserve(v.size());
  for (size_t i = 0; i < v.size();) {
    if (v[i] == '(' || v[i] == '[') {
      char close = v[i] == '(' ? ')' : ']';
      size_t j = v.find(close, i);
      if (j != std::string_view::npos) {
        std::string_view inner = v.substr(i + 1, j - i - 1);
        if (inner.find_first_of("0123456789") == std::string_view::npos) {
          cleaned.push_back(' ');
          i = j + 1;
          continue;
        }
      }
    }
    cleaned.push_back(v[i++]);
  }
  // Split on / , ; 、 | 或 (NFKC already folded the full-width forms).
  const size_t before = out.size();
  NormOutcome worst = NormOutcome::kAbsent;
  auto rank = [](NormOutcome o) {
    switch (o) {
      case NormOutcome::kMasked: return 4;
      case NormOutcome::kMangled: return 3;
      case NormOutcome::kInvalid: return 2;
      case NormOutcome::kPlaceholder: return 1;
      default: return 0;
    }
  };
  std::string_view rest = cleaned;
  while (true) {
    size_t cut = std::string_view::npos, len = 0;
    for (std::string_view sep : {"/", ",", ";", "|", "、", "或", "\n"}) {
      size_t p = rest.find(sep);
      if (p < cut) { cut = p; len = sep.size(); }
    }
    std::string_view part = rest.substr(0, cut);
    NormOutcome o = Part(part, out, use_fast_path);
    if (o != NormOutcome::kOk && rank(o) > rank(worst)) worst = o;
    if (cut == std::string_view::npos) break;
    rest.remove_prefix(cut + len);
  }
  if (out.size() > before) return NormOutcome::kOk;
  return worst == NormOutcome::kAbsent ? NormOutcome::kInvalid : worst;
}

}  // namespace leakdex::norm
