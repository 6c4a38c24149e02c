// Person names (docs/NORMALISATION.md §Names).
//
// Chinese names: NFKC, remarks in brackets dropped, whitespace and every
// middle-dot variant removed (so "买买提·艾力", "买买提•艾力", "买买提 艾力" and
// "买买提艾力" are one form), Traditional -> Simplified (OpenCC t2s).
// Latin names: NFKD, marks stripped, case folded, tokens sorted ("wang wei").
// Not keyed: honorific stubs (kStub), masked names (kMasked), stand-ins such as
// 测试/无名/未知 (kPlaceholder), text that lost characters to a bad encoding
// (kBadEncoding), single characters, digits (kInvalid).
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <unordered_set>

#include "normalize/internal.h"

namespace leakdex::norm {
namespace {

// Stand-ins for a name (UTF-8, after NFKC and t2s).
const std::unordered_set<std::string_view>& NamePlaceholderSet() {
  static const std::unordered_set<std::string_view> kSet = {
      "测试", "测试用户", "测试人员", "测试测试", "无名", "无名氏", "未知", "不详", "匿名",
      "本人", "客户", "顾客", "用户", "会员", "先生", "女士", "小姐", "太太", "夫人",
      "收件人", "寄件人", "联系人", "姓名", "名字", "某某", "某人", "同上", "保密", "业主",
      "住户", "家人", "朋友", "老板", "老师", "师傅", "员工", "暂无", "未填", "无", "空",
      "test", "tester", "unknown", "anonymous", "name", "none", "null", "customer", "user",
      "asdf", "abc", "xxx", "aaa"};
  return kSet;
}

// A 4096-bit filter of (length, first two bytes) over the placeholders: nearly
// every real name fails it and skips hashing the whole name into the set
// (the set lookup was ~1.5% of batch CPU).
size_t PlaceholderFilterBit(std::string_view s) {
  const size_t b0 = s.empty() ? 0 : static_cast<unsigned char>(s[0]);
  const size_t b1 = s.size() < 2 ? 0 : static_cast<unsigned char>(s[1]);
  return (s.size() * 257 + b0 * 31 + b1 * 7) & 4095;
}

bool IsNamePlaceholder(std::string_view s) {
  static const std::bitset<4096> kFilter = [] {
    std::bitset<4096> f;
    for (std::string_view p : NamePlaceholderSet()) f.set(PlaceholderFilterBit(p));
    return f;
  }();
  return kFilter.test(PlaceholderFilterBit(s)) && NamePlaceholderSet().count(s) != 0;
}

// Titles that make "surname + title" a stub.
constexpr std::array<std::u32string_view, 26> kTitles2 = {
    U"先生", U"女士", U"小姐", U"太太", U"夫人", U"老师", U"师傅", U"经理", U"老板",
    U"阿姨", U"同学", U"医生", U"大姐", U"大哥", U"姐姐", U"哥哥", U"叔叔", U"主任",
    U"书记", U"校长", U"总监", U"律师", U"老总", U"总裁", U"董事", U"大夫"};
constexpr std::u32string_view kTitles1 = U"总哥姐叔姨工董";

bool IsStub(std::u32string_view n) {
  if (n.size() == 2 && (n[0] == U'老' || n[0] == U'小' || n[0] == U'阿')) return true;
  if (n.size() == 2 && kTitles1.find(n[1]) != std::u32string_view::npos) return true;
  if (n.size() == 3 || n.size() == 4) {
    std::u32string_view tail = n.substr(n.size() - 2);
    for (std::u32string_view t : kTitles2) {
      if (tail == t) return true;
    }
  }
  return false;
}

bool IsMaskChar(char32_t c) {
  return c == '*' || c == U'某' || c == U'○' || c == U'□' || c == U'■' || c == U'×' || c == U'◯' ||
         c == U'〇' || c == U'?';
}

// Middle-dot variants and other separators seen between parts of a name.
bool IsNameSeparator(char32_t c) {
  switch (c) {
    case 0x00B7: case 0x2022: case 0x30FB: case 0x2219: case 0xFF0E: case '.': case 0x2027:
    case 0xFF65: case 0x22C5: case 0x25CF: case 0x2024: case 0x0387: case 0x2E31: case 0x16EB:
    case '-': case '_': case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
    case 0x2015: case 0xFF0D: case 0x2E3A:
      return true;
    default:
      return IsSpace(c);
  }
}

bool IsOpenBracket(char32_t c) {
  return c == '(' || c == '[' || c == '{' || c == '<' || c == U'【' || c == U'〔' || c == U'《' ||
         c == U'〈' || c == U'「' || c == U'『';
}
bool IsCloseBracket(char32_t c) {
  return c == ')' || c == ']' || c == '}' || c == '>' || c == U'】' || c == U'〕' || c == U'》' ||
         c == U'〉' || c == U'」' || c == U'』';
}

bool IsLetter(char32_t c) {
  utf8proc_category_t cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT ||
         cat == UTF8PROC_CATEGORY_LM || cat == UTF8PROC_CATEGORY_LO;
}

// Chinese-name checks on the final code points.
NormOutcome CheckCjk(std::u32string_view cps, std::string_view utf8) {
  if (IsNamePlaceholder(utf8)) return NormOutcome::kPlaceholder;
  if (IsStub(cps)) return NormOutcome::kStub;
  return NormOutcome::kOk;
}

NormOutcome LatinName(std::string_view text, std::vector<std::string>& out) {
  std::string folded;
  if (!StripMarksCaseFold(text, folded)) return NormOutcome::kBadEncoding;
  std::vector<std::string> tokens;
  std::string cur;
  size_t i = 0;
  while (i < folded.size()) {
    char32_t c = NextCodePoint(folded, i);
    if (c == kBadCodePoint) return NormOutcome::kBadEncoding;
    if (c == '\'' || c == 0x2019 || c == 0x02BC) continue;  // O'Brien -> obrien
    if (c >= '0' && c <= '9') return NormOutcome::kInvalid;
    if (c == '*') return NormOutcome::kMasked;
    if (IsLetter(c)) {
      AppendUtf8(cur, c);
    } else if (!cur.empty()) {
      tokens.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) tokens.push_back(std::move(cur));
  static const std::unordered_set<std::string_view> kLatinTitles = {
      "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mme", "mlle", "herr", "frau"};
  size_t before = tokens.size();
  std::erase_if(tokens, [](const std::string& t) { return kLatinTitles.count(t) > 0; });
  if (tokens.empty()) return before ? NormOutcome::kStub : NormOutcome::kInvalid;
  if (tokens.size() == 1 && before > 1) return NormOutcome::kStub;  // "Mr Wang"
  std::sort(tokens.begin(), tokens.end());
  std::string joined;
  for (const std::string& t : tokens) {
    if (!joined.empty()) joined.push_back(' ');
    joined += t;
  }
  // IsNullPlaceholder too: "#na" cleans to "na", which must not be a canonical
  // form that itself normalises to kPlaceholder (found by fuzz_normalize).
  if (IsNamePlaceholder(joined) || IsNullPlaceholder(joined)) return NormOutcome::kPlaceholder;
  if (tokens.size() == 1 && std::all_of(joined.begin(), joined.end(), [](char c) { return c == 'x'; }))
    return NormOutcome::kMasked;
  out.push_back(std::move(joined));
  return NormOutcome::kOk;
}

}  // namespace

NormOutcome NormalizeName(std::string_view raw, T2s& t2s, std::string& text,
                          std::vector<std::string>& out) {
  // Fast path: 2-15 code points, all CJK Unified Ideographs (which NFKC leaves
  // alone), none that t2s could change.
  if (raw.size() >= 6 && raw.size() <= 45) {
    char32_t cps[15];
    size_t n = 0, i = 0;
    bool fast = true;
    while (i < raw.size()) {
      char32_t c = NextCodePoint(raw, i);
      if (!(c >= 0x4E00 && c <= 0x9FFF) || T2s::MayChange(c) || c == U'某') { fast = false; break; }
      cps[n++] = c;
    }
    if (fast) {
      NormOutcome o = CheckCjk(std::u32string_view(cps, n), raw);
      if (o == NormOutcome::kOk) out.emplace_back(raw);
      return o;
    }
  }

  if (!Nfkc(raw, text)) return NormOutcome::kBadEncoding;
  std::string_view v = Trim(text);
  if (v.empty()) return NormOutcome::kAbsent;
  if (IsNullPlaceholder(v)) return NormOutcome::kPlaceholder;
  std::u32string cps;
  if (!DecodeUtf8(v, cps)) return NormOutcome::kBadEncoding;

  // Drop bracketed remarks: "王伟(收)", "李四【vip】".
  std::u32string kept;
  int depth = 0;
  for (char32_t c : cps) {
    if (IsOpenBracket(c)) { ++depth; continue; }
    if (IsCloseBracket(c)) { if (depth > 0) --depth; continue; }
    if (depth == 0) kept.push_back(c);
  }

  bool cjk = false;
  for (char32_t c : kept) {
    if (IsLossyMarker(c)) return NormOutcome::kBadEncoding;
    if (IsMaskChar(c)) return c == '?' ? NormOutcome::kBadEncoding : NormOutcome::kMasked;
    if (IsCjkIdeograph(c)) cjk = true;
  }
  if (!cjk) {
    std::string latin;
    for (char32_t c : kept) AppendUtf8(latin, c);
    return LatinName(latin, out);
  }

  // Chinese name: keep ideographs and (lower-cased) Latin letters; drop separators.
  std::u32string name;
  std::string latin_run;
  size_t ideographs = 0;
  auto flush_latin = [&]() -> bool {
    if (latin_run.empty()) return true;
    bool all_x = std::all_of(latin_run.begin(), latin_run.end(), [](char c) { return c == 'x'; });
    latin_run.clear();
    return !all_x;
  };
  for (char32_t c : kept) {
    if (IsCjkIdeograph(c)) {
      if (!flush_latin()) return NormOutcome::kMasked;
      name.push_back(c);
      ++ideographs;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      char l = static_cast<char>(c | 0x20);
      latin_run.push_back(l);
      name.push_back(static_cast<char32_t>(l));
    } else if (c >= '0' && c <= '9') {
      return NormOutcome::kInvalid;
    } else if (IsNameSeparator(c)) {
      if (!flush_latin()) return NormOutcome::kMasked;
    } else if (c == ',' || c == '/' || c == ';' || c == '|' || c == U'、' || c == '&' || c == '+') {
      return NormOutcome::kInvalid;  // two people in one field
    } else {
      // other symbols (quotes, stray punctuation): dropped
    }
  }
  if (!flush_latin()) return NormOutcome::kMasked;
  if (ideographs == 0 || name.size() < 2) return NormOutcome::kInvalid;
  if (name.size() > 40) return NormOutcome::kInvalid;

  text.clear();
  for (char32_t c : name) AppendUtf8(text, c);
  if (!t2s.Convert(text)) return NormOutcome::kBadEncoding;
  std::u32string final_cps;
  if (!DecodeUtf8(text, final_cps)) return NormOutcome::kBadEncoding;
  NormOutcome o = CheckCjk(final_cps, text);
  if (o == NormOutcome::kOk) out.push_back(text);
  return o;
}

}  // namespace leakdex::norm
