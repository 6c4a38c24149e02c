// Properties of every attribute's rules over random inputs (deterministic):
//  - no crash on arbitrary bytes;
//  - kOk if and only if forms were appended, and forms are valid UTF-8;
//  - canonical forms are fixed points: normalising a form gives the form back, so a
//    user who types the canonical spelling finds the key.
#include <cstdint>
#include <string>
#include <vector>

#include "normalize/internal.h"
#include "normalize_helpers.h"
#include "split_mix.h"

namespace {

using leakdex::Attribute;
using leakdex::NormOutcome;

using Rng = leakdex::testing::SplitMix64;

// Pieces that exercise the rules: digits, separators, CJK place and unit words,
// numerals, names, masks, Latin, full-width forms, Traditional characters.
const char* const kPieces[] = {
    "0", "1", "2", "3", "5", "8", "9", "13", "138", "86", "+86", "0086", "021", "-", ".", " ", "/", ",", "、",
    "(", ")", "（", "）", "*", "x", "X", "×", "@", "gmail.com", "qq.com", "a", "Z", "é", "·", "•", "・",
    "．", "　", "\t", "年", "月", "日", "上海", "上海市", "浦东", "浦东新区", "北京", "朝阳区", "市辖区", "中国",
    "浙江省", "杭州", "西湖区", "吉林", "吉林市", "海南", "路", "街", "弄", "号", "号楼", "栋", "幢", "单元", "室",
    "房", "楼", "层", "第", "一", "二", "十", "百", "〇", "零", "两", "王", "伟", "偉", "張", "李", "先生", "女士",
    "老", "小", "某", "测试", "无", "NULL", "手机：", "转", "ext", "E+", "1.38E+10", "19491231", "002X",
    "110105", "'", "\"", "<", ">", "mailto:", "Wang", "Wei", "O'", "\xEF\xBC\x91", "\xEF\xBF\xBD", "\xF0\xAC\x8C\x97",
    "快递柜", "311121", "#", "-501", "南汇区", "闸北区", "大理", "市", "区", "县"};
// Whole values, sometimes used alone so that every attribute yields forms.
const char* const kWhole[] = {"11010519491231002X", "110105491231002", "１１０１０５１９４９１２３１００２ｘ",
                              "zhang.san+x@gmail.com", "Li@Example.COM", "user@中国.中国", "<a.b@qq.com>",
                              "13812345678", "+86 138-1234-5678", "1990年5月2日", "5/2/1990", "買買提·艾力",
                              "上海市浦东新区张杨路123弄4号501室", "Wáng Wěi"};

std::string RandomValue(Rng& r) {
  std::string s;
  if (r.Below(6) == 0) {  // a whole value, possibly with a piece glued on
    s = kWhole[r.Below(sizeof kWhole / sizeof kWhole[0])];
    if (r.Below(2) == 0) s += kPieces[r.Below(sizeof kPieces / sizeof kPieces[0])];
    return s;
  }
  if (r.Below(20) == 0) {  // raw bytes
    int n = static_cast<int>(r.Below(24));
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(r.Below(256)));
    return s;
  }
  int n = 1 + static_cast<int>(r.Below(10));
  for (int i = 0; i < n; ++i) s += kPieces[r.Below(sizeof kPieces / sizeof kPieces[0])];
  return s;
}

bool ValidUtf8(const std::string& s) {
  std::u32string cps;
  return leakdex::norm::DecodeUtf8(s, cps);
}

}  // namespace

TEST_CASE("normalize properties: outcomes, UTF-8 and fixed points over random inputs", "[normalize]") {
  leakdex::Normalizer& n = leakdex::testing::TestNormalizer();
  Rng r{20240601};
  const Attribute kAttrs[] = {Attribute::kPhone, Attribute::kIdNumber, Attribute::kName,
                              Attribute::kAddress, Attribute::kEmail, Attribute::kBirthDate};
  int ok_count[6] = {};
  std::vector<std::string> failures;
  for (int i = 0; i < 30000; ++i) {
    std::string raw = RandomValue(r);
    for (int a = 0; a < 6; ++a) {
      std::vector<std::string> out;
      NormOutcome o = n.Normalize(kAttrs[a], raw, out);
      if ((o == NormOutcome::kOk) != !out.empty()) {
        failures.push_back("ok/forms mismatch for attribute " + std::to_string(a) + ": [" + raw + "]");
        continue;
      }
      if (o != NormOutcome::kOk) continue;
      ++ok_count[a];
      for (const std::string& f : out) {
        if (!ValidUtf8(f)) failures.push_back("invalid UTF-8 form for attribute " + std::to_string(a));
        std::vector<std::string> again;
        NormOutcome o2 = n.Normalize(kAttrs[a], f, again);
        if (o2 != NormOutcome::kOk || again.size() != 1 || again[0] != f) {
          failures.push_back("not a fixed point, attribute " + std::to_string(a) + ": [" + raw + "] -> [" + f +
                             "] -> [" + (again.empty() ? std::string(leakdex::NormOutcomeName(o2)) : again[0]) + "]");
        }
      }
    }
    if (failures.size() > 30) break;
  }
  for (const auto& f : failures) UNSCOPED_INFO(f);
  CHECK(failures.empty());
  // Each attribute produced some forms (the generator reaches the interesting paths).
  for (int a = 0; a < 6; ++a) {
    INFO("attribute " << a);
    CHECK(ok_count[a] > 20);
  }
}

// NfkcCaseFold and StripMarksCaseFold answer ASCII input without utf8proc
// (src/normalize/text.cpp); utf8proc stays the authority.
TEST_CASE("ASCII case folding gives utf8proc's answer", "[normalize]") {
  using leakdex::norm::NfkcCaseFold;
  using leakdex::norm::NfkcCaseFoldWithUtf8proc;
  using leakdex::norm::StripMarksCaseFold;
  using leakdex::norm::StripMarksCaseFoldWithUtf8proc;
  auto compare = [](const std::string& in) {
    std::string fast, slow;
    REQUIRE(NfkcCaseFoldWithUtf8proc(in, slow));
    REQUIRE(NfkcCaseFold(in, fast));
    CHECK(fast == slow);
    REQUIRE(StripMarksCaseFoldWithUtf8proc(in, slow));
    REQUIRE(StripMarksCaseFold(in, fast));
    CHECK(fast == slow);
  };
  for (int c = 0; c < 0x80; ++c) {
    compare(std::string(1, static_cast<char>(c)));
    compare("Ab" + std::string(1, static_cast<char>(c)) + "Zy");
  }
  Rng rng{20261206};
  for (int i = 0; i < 20000; ++i) {
    std::string s(1 + rng.Below<size_t>(40), ' ');
    for (char& c : s) c = static_cast<char>(rng.Below<int>(0x80));
    compare(s);
  }
  compare("");
}
