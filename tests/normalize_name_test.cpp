// Names: known-answer tables for pii-formats.md §5.1 and §9.4.
#include "normalize/internal.h"
#include "normalize_helpers.h"
#include "split_mix.h"

using leakdex::Attribute;
using leakdex::NormOutcome;
using namespace leakdex::testing;

TEST_CASE("name: middle-dot variants, spaces and no separator give one form", "[normalize]") {
  ExpectGroup(Attribute::kName, "买买提艾力",
              {"买买提·艾力", "买买提•艾力", "买买提・艾力", "买买提∙艾力", "买买提．艾力", "买买提.艾力",
               "买买提‧艾力", "买买提･艾力", "买买提⋅艾力", "买买提●艾力", "买买提 艾力", "买买提艾力",
               "买买提··艾力", " 买买提 · 艾力 ", "买买提-艾力", "买买提　艾力", "買買提·艾力"});
}

TEST_CASE("name: Traditional, full-width, spaces and invisible characters", "[normalize]") {
  ExpectGroup(Attribute::kName, "王伟",
              {"王伟", "王偉", "王　伟", "王 伟", " 王伟 ", "王\u200B伟", "王\u200D伟", "\uFEFF王伟",
               "王伟（收）", "王伟(收)", "王伟【VIP】", "王伟\t"});
  ExpectGroup(Attribute::kName, "刘德华", {"劉德華", "刘德华", "劉德华"});
  ExpectGroup(Attribute::kName, "欧阳娜娜", {"歐陽娜娜", "欧阳娜娜", "欧阳 娜娜"});
  ExpectGroup(Attribute::kName, "张伟", {"张伟", "張偉", "张  伟"});
  // Full-width Latin letters in a Chinese name (pinyin for a character the encoding lost).
  ExpectGroup(Attribute::kName, "王xin", {"王xin", "王ＸＩＮ", "王 Xin"});
}

TEST_CASE("name: stubs, masks and placeholders are not keyed", "[normalize]") {
  for (const char* raw : {"王先生", "李女士", "张小姐", "刘总", "老王", "小李", "欧阳先生", "陈老师", "赵师傅",
                          "王先生（收）", "張先生", "Mr Wang", "Mrs. Li"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kName, raw) == Outcome(NormOutcome::kStub));
  }
  for (const char* raw : {"张*", "*伟", "王**", "张某", "张某某", "王xx", "王XX", "李○", "陈□"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kName, raw) == Outcome(NormOutcome::kMasked));
  }
  for (const char* raw : {"测试", "无名", "未知", "不详", "匿名", "先生", "女士", "收件人", "-", "NULL", "无", "test",
                          "Unknown", "測試"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kName, raw) == Outcome(NormOutcome::kPlaceholder));
  }
  CHECK(Canon(Attribute::kName, "") == Outcome(NormOutcome::kAbsent));
  CHECK(Canon(Attribute::kName, "　") == Outcome(NormOutcome::kAbsent));
}

TEST_CASE("name: lossy encodings, digits, single characters and two people", "[normalize]") {
  for (const char* raw : {"王?", "王\xEF\xBF\xBD", "王\xEE\x80\x80", "\xC3\x28"}) {  // ?, U+FFFD, PUA, bad UTF-8
    INFO(raw);
    CHECK(Canon(Attribute::kName, raw) == Outcome(NormOutcome::kBadEncoding));
  }
  for (const char* raw : {"张伟2", "王", "张三/李四", "张三、李四", "张三,李四"}) {
    INFO(raw);
    CHECK(Canon(Attribute::kName, raw) == Outcome(NormOutcome::kInvalid));
  }
  // A rare character outside GBK (U+2C317) is kept as is.
  CHECK(Canon(Attribute::kName, "王\xF0\xAC\x8C\x97") == "王\xF0\xAC\x8C\x97");
}

TEST_CASE("name: Latin names fold case and diacritics and sort tokens", "[normalize]") {
  ExpectGroup(Attribute::kName, "wang wei",
              {"Wang Wei", "WEI WANG", "wei wang", "Wáng Wěi", "WANG, Wei", "  wang   wei ", "Ｗａｎｇ Ｗｅｉ",
               "Wang-Wei", "Mr. Wang Wei"});
  ExpectGroup(Attribute::kName, "chan man tai", {"Chan Tai Man", "CHAN Tai-man", "Tai Man Chan"});
  ExpectGroup(Attribute::kName, "jose obrien", {"José O'Brien", "O’Brien, Jose", "JOSE OBRIEN"});
  // Written without spaces, a romanised name is one token: deliberately not split into syllables.
  CHECK(Canon(Attribute::kName, "wangwei") == "wangwei");
  CHECK(Canon(Attribute::kName, "wangwei") != Canon(Attribute::kName, "Wang Wei"));
  CHECK(Canon(Attribute::kName, "Müller") == "muller");
}

TEST_CASE("name: Chinese and romanised forms are different classes", "[normalize]") {
  CHECK(Canon(Attribute::kName, "王伟") != Canon(Attribute::kName, "Wang Wei"));
}

TEST_CASE("name: t2s pre-check marks Traditional characters only", "[normalize]") {
  using leakdex::norm::T2s;
  auto t = T2s::Create();
  REQUIRE(t.ok());
  CHECK(T2s::MayChange(U'偉'));
  CHECK(T2s::MayChange(U'劉'));
  CHECK(T2s::MayChange(U'張'));
  CHECK_FALSE(T2s::MayChange(U'伟'));
  CHECK_FALSE(T2s::MayChange(U'王'));
  CHECK_FALSE(T2s::MayChange(U'张'));
  CHECK_FALSE(t.value()->NeedsConversion("王伟"));
  CHECK(t.value()->NeedsConversion("王偉"));
}

// T2s::MayChangeAt answers "no change" for a phrase-only code point (沈, 俱, 么)
// outside its phrases without asking OpenCC; OpenCC itself is the oracle here.
// Random strings over those code points, the other characters of their
// phrases (some Traditional, some not: 船, 默) and ordinary Simplified ones:
// whenever the pre-check says "no change", OpenCC must return the string as is.
TEST_CASE("name: t2s phrase-only pre-check agrees with OpenCC", "[normalize]") {
  using leakdex::norm::T2s;
  auto t = T2s::Create();
  REQUIRE(t.ok());
  T2s& t2s = *t.value();
  REQUIRE(T2s::EmbeddedSetCurrent());
  CHECK(T2s::MayChange(U'沈'));
  CHECK_FALSE(t2s.NeedsConversion("辽宁省沈阳市和平区"));
  CHECK_FALSE(t2s.NeedsConversion("沈伟"));
  CHECK(t2s.NeedsConversion("沈船"));
  CHECK(t2s.NeedsConversion("沈默路1号"));
  CHECK(t2s.NeedsConversion("沈阳沈沒"));
  CHECK(t2s.NeedsConversion("沈\xff"));  // malformed after a phrase-only code point: as before
  const std::u32string pool = U"沈俱么沒積船默雁杳魚傢麼麽阳市路号家具王伟沉没积鱼 1";
  leakdex::testing::SplitMix64 rng{20261206};
  size_t unchanged_claims = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const uint32_t n = 1 + rng.Below<uint32_t>(8);
    for (uint32_t k = 0; k < n; ++k) leakdex::norm::AppendUtf8(s, pool[rng.Below(pool.size())]);
    if (t2s.NeedsConversion(s)) continue;
    ++unchanged_claims;
    std::string converted = s;
    REQUIRE(t2s.ConvertWithOpencc(converted));
    INFO("round " << round);  // the string itself is synthetic, but stays out of the log
    CHECK(converted == s);
  }
  CHECK(unchanged_claims > 1000);
}

// T2s::Convert runs t2s itself from OpenCC's tables embedded at build time
// (src/normalize/t2s.cpp); OpenCC stays the authority.
TEST_CASE("t2s: the embedded tables give OpenCC's answer", "[normalize]") {
  using leakdex::norm::AppendUtf8;
  using leakdex::norm::T2s;
  auto t = T2s::Create();
  REQUIRE(t.ok());
  REQUIRE(T2s::EmbeddedSetCurrent());
  std::vector<char32_t> may_change;
  for (char32_t c = 0x80; c < 0x40000; ++c)
    if (T2s::MayChange(c)) may_change.push_back(c);
  REQUIRE(may_change.size() > 3000);
  const std::u32string plain = U"王伟张李国发后面干里a1 ·-";
  auto utf8 = [](std::u32string_view cps) {
    std::string s;
    for (char32_t c : cps) AppendUtf8(s, c);
    return s;
  };
  size_t changed = 0;
  auto compare = [&](const std::string& in) {
    std::string fast = in, slow = in;
    REQUIRE(t.value()->Convert(fast));
    REQUIRE(t.value()->ConvertWithOpencc(slow));
    CHECK(fast == slow);
    if (fast != in) ++changed;
  };
  for (char32_t c : may_change) {
    compare(utf8(std::u32string(1, c)));
    compare(utf8(std::u32string{U'王', c, U'伟'}));
    compare(utf8(std::u32string{c, U'a', c}));
  }
  auto cps = [](const std::string& u) {
    std::u32string out;
    for (size_t i = 0; i < u.size();) out.push_back(leakdex::norm::NextCodePoint(u, i));
    return out;
  };
  const std::vector<std::string> phrases = T2s::EmbeddedPhrases();
  REQUIRE(phrases.size() > 100);
  for (const std::string& p : phrases) {
    compare(p);
    compare("王" + p + "伟");
    const std::u32string k = cps(p);
    compare(p + utf8(k.substr(0, k.size() - 1)));  // a phrase, then its prefix
    compare(utf8(k.substr(1)) + p);                // its suffix, then the phrase
  }
  uint64_t x = 20261206;
  auto next = [&](size_t n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((x >> 33) % n);
  };
  for (int i = 0; i < 20000; ++i) {
    std::u32string s;
    const size_t len = 2 + next(4);
    for (size_t k = 0; k < len; ++k)
      s.push_back(next(10) < 7 ? may_change[next(may_change.size())] : plain[next(plain.size())]);
    compare(utf8(s));
    // With phrases and pieces of phrases: overlapping and nested candidates.
    std::u32string mixed = s;
    for (int k = 0; k < 3; ++k) {
      const std::u32string p = cps(phrases[next(phrases.size())]);
      mixed.insert(next(mixed.size() + 1), next(2) ? p : p.substr(0, next(p.size() + 1)));
    }
    compare(utf8(mixed));
  }
  CHECK(changed > 20000);  // the strings did exercise conversions
}
