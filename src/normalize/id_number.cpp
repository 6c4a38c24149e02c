// Resident identity numbers (GB 11643-1999; docs/NORMALISATION.md §ID numbers).
//
// Canonical form: 18 characters, 17 digits + check character ('0'-'9' or 'X').
// 15-digit legacy numbers (GB 11643-1989) are upgraded: "19" inserted before the
// two-digit year (every 15-digit number was issued to someone born in 19xx) and
// the check character computed, so both forms give the same key.
// Rejected: bad check character (kBadChecksum), impossible or future birth date,
// unknown province code, 17 digits, any other length (kInvalid), masked (kMasked),
// spreadsheet float forms (kMangled).
#include <cstring>

#include "normalize/internal.h"

namespace leakdex::norm {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// First two digits of a citizen number: the GB/T 2260 province-level codes,
// plus 81/82/83 (Hong Kong / Macau / Taiwan residence permits, 2018).
bool KnownProvince(char a, char b) {
  int p = (a - '0') * 10 + (b - '0');
  return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
         (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 ||
         (p >= 81 && p <= 83);
}

// Validates an 18-character candidate (17 digits + digit/X).
NormOutcome Validate18(const char* s, const Date& today) {
  for (int i = 0; i < 17; ++i) {
    if (!IsDigit(s[i])) return NormOutcome::kInvalid;
  }
  if (!IsDigit(s[17]) && s[17] != 'X') return NormOutcome::kInvalid;
  // 2023 foreigner permanent residence card: '9' + issuing province + nationality.
  bool province_ok = s[0] == '9' ? KnownProvince(s[1], s[2]) : KnownProvince(s[0], s[1]);
  if (!province_ok) return NormOutcome::kInvalid;
  int y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
  int m = (s[10] - '0') * 10 + (s[11] - '0');
  int d = (s[12] - '0') * 10 + (s[13] - '0');
  if (y < 1880 || !IsRealDate(y, m, d) || today < Date{y, m, d}) return NormOutcome::kInvalid;
  if (IdCheckChar(std::string_view(s, 17)) != s[17]) return NormOutcome::kBadChecksum;
  return NormOutcome::kOk;
}

bool LooksScientific(std::string_view s) {
  size_t e = s.find_first_of("eE");
  if (e == std::string_view::npos || e == 0) return false;
  for (size_t i = 0; i < e; ++i) {
    if (!IsDigit(s[i]) && s[i] != '.') return false;
  }
  return true;
}

}  // namespace

char IdCheckChar(std::string_view body17) {
  // ISO 7064:1983 MOD 11-2, weights 2^(17-i) mod 11.
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

NormOutcome NormalizeIdNumber(std::string_view raw, const Date& today, std::vector<std::string>& out) {
  // Fast path: already 18 plain ASCII characters.
  if (raw.size() == 18 && (raw[17] == 'x' || raw[17] == 'X' || IsDigit(raw[17]))) {
    bool plain = true;
    for (int i = 0; i < 17; ++i) plain &= IsDigit(raw[i]);
    if (plain) {
      char buf[18];
      std::memcpy(buf, raw.data(), 18);
      if (buf[17] == 'x') buf[17] = 'X';
      NormOutcome o = Validate18(buf, today);
      if (o == NormOutcome::kOk) out.emplace_back(buf, 18);
      return o;
    }
  }

  std::string text;
  if (!Nfkc(raw, text)) return NormOutcome::kBadEncoding;
  std::string_view v = Trim(text);
  if (v.empty()) return NormOutcome::kAbsent;
  if (IsNullPlaceholder(v)) return NormOutcome::kPlaceholder;
  // Excel text markers: a leading apostrophe / backtick / quote.
  while (!v.empty() && (v.front() == '\'' || v.front() == '`' || v.front() == '"')) v.remove_prefix(1);
  while (v.starts_with("‘") || v.starts_with("’")) v.remove_prefix(3);
  while (!v.empty() && v.back() == '"') v.remove_suffix(1);
  v = Trim(v);
  if (v.empty()) return NormOutcome::kAbsent;
  if (LooksScientific(v)) return NormOutcome::kMangled;

  // Keep ID characters; drop separators; note masking.
  std::string s;
  bool masked = false;
  size_t i = 0;
  while (i < v.size()) {
    char32_t c = NextCodePoint(v, i);
    if (c == kBadCodePoint || c == 0xFFFD) return NormOutcome::kBadEncoding;
    if (c >= '0' && c <= '9') s.push_back(static_cast<char>(c));
    else if (c == 'x' || c == 'X' || c == 0xD7 /* × */) s.push_back('X');
    else if (c == ' ' || c == '-' || IsSpace(c)) continue;
    else if (c == '*' || c == '?' || c == 0x25CF /* ● */ || c == 0x25CB /* ○ */) masked = true, s.push_back('*');
    else if (c == '.') s.push_back('.');
    else return NormOutcome::kInvalid;  // letters (passport numbers), CJK glued on, ...
  }
  // ".0": the value went through a float column. 15 digits survive a double exactly;
  // 16+ digits do not (the tail is rounded away).
  if (s.ends_with(".0")) {
    s.resize(s.size() - 2);
    if (s.size() > 15) return NormOutcome::kMangled;
  }
  if (s.find('.') != std::string::npos) return NormOutcome::kInvalid;
  if (masked) return NormOutcome::kMasked;
  // X anywhere but last: masking with X ("1101XXXXXXXX0021").
  size_t x = s.find('X');
  if (x != std::string::npos && x != s.size() - 1) return NormOutcome::kMasked;

  if (s.size() == 15) {
    if (x != std::string::npos) return NormOutcome::kInvalid;
    std::string up = s.substr(0, 6) + "19" + s.substr(6);
    up.push_back(IdCheckChar(up));
    s = std::move(up);
  }
  if (s.size() != 18) return NormOutcome::kInvalid;
  NormOutcome o = Validate18(s.data(), today);
  if (o == NormOutcome::kOk) out.push_back(std::move(s));
  return o;
}

}  // namespace leakdex::norm
