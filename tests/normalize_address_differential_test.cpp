// Differential test of the address normaliser: the fast implementation
// (src/normalize/address.cpp) against the pre-rewrite reference kept in
// tests/address_reference.cpp. Outcome and every canonical form must be
// identical on
//   (a) every address value the synthetic generator writes (tests/address_corpus.py
//       runs data/gen/generate.py's own functions; 200,000 persons by default,
//       LEAKDEX_ADDRESS_DIFF_PERSONS overrides) including its remarks, junk values and
//       the customer list's "上海" spelling;
//   (b) the fuzz seed corpus fuzz/corpus/normalize (whole files and without the
//       attribute byte);
//   (c) random mutations of real-looking addresses: deleted, inserted, swapped and
//       duplicated characters, full-width digits, Chinese numerals, brackets, white
//       space, 栋/幢/号楼/室/房, notes, phone numbers, Traditional characters, bad bytes.
// All data is synthetic.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "address_reference.h"
#include "normalize/internal.h"
#include "split_mix.h"

namespace {

using leakdex::NormOutcome;
namespace norm = leakdex::norm;

using Rng = leakdex::testing::SplitMix64;

norm::T2s& Converter() {
  static std::unique_ptr<norm::T2s> t2s = [] {
    auto r = norm::T2s::Create();
    REQUIRE(r.ok());
    return std::move(r).value();
  }();
  return *t2s;
}

// Compares new and reference on each input; keeps the first few disagreements.
// The new code is also run with every confirming pass in full
// (NormalizeAddressFullPasses), the oracle of NormalizeAddress's shortcut
// (IsOwnFixedPoint in address.cpp): all three must agree.
struct Differ {
  size_t checked = 0, ok = 0, mismatches = 0;
  std::vector<std::string> examples;

  void Check(std::string_view raw) {
    std::vector<std::string> a{"sentinel"}, b{"sentinel"}, full{"sentinel"};
    NormOutcome oa = norm::NormalizeAddress(raw, Converter(), a);
    NormOutcome ob = norm::reference::NormalizeAddress(raw, Converter(), b);
    NormOutcome of = norm::NormalizeAddressFullPasses(raw, Converter(), full);
    ++checked;
    ok += oa == NormOutcome::kOk;
    if (oa == ob && a == b && of == oa && full == a) return;
    ++mismatches;
    if (examples.size() < 10) {
      std::string e = "input [" + std::string(raw) + "] new " + std::string(leakdex::NormOutcomeName(oa)) + " {";
      for (size_t i = 1; i < a.size(); ++i) e += a[i] + ";";
      e += "} reference " + std::string(leakdex::NormOutcomeName(ob)) + " {";
      for (size_t i = 1; i < b.size(); ++i) e += b[i] + ";";
      e += "} full passes " + std::string(leakdex::NormOutcomeName(of)) + " {";
      for (size_t i = 1; i < full.size(); ++i) e += full[i] + ";";
      examples.push_back(e + "}");
    }
  }

  void Require() {
    std::string all;
    for (const auto& e : examples) all += e + "\n";
    INFO("checked " << checked << ", ok " << ok << ", mismatches " << mismatches << "\n" << all);
    REQUIRE(mismatches == 0);
  }
};

// The generator's addresses, NUL-separated, from tests/address_corpus.py.
std::vector<std::string> GeneratorAddresses(int persons) {
  std::string cmd = std::string("python3 '") + LEAKDEX_TESTS_DIR + "/address_corpus.py' " + std::to_string(persons);
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string all;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) all.append(buf, n);
  REQUIRE(pclose(p) == 0);
  std::vector<std::string> out;
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find('\0', start);
    REQUIRE(end != std::string::npos);
    out.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int PersonsFromEnv() {
  const char* e = std::getenv("LEAKDEX_ADDRESS_DIFF_PERSONS");
  return e && *e ? std::atoi(e) : 200000;
}

// Calls fn(parent, names) for every row of data/regions/divisions.tsv: the
// parent's name ("-" for none) and the division's names (full name, then its
// aliases and former names).
template <typename Fn>
void ForEachDivision(Fn&& fn) {
  std::ifstream in(std::string(LEAKDEX_DATA_DIR) + "/regions/divisions.tsv");
  REQUIRE(in);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, '\t')) f.push_back(x);
    if (f.size() < 6) continue;
    std::vector<std::string> names = {f[2]};
    for (int col : {4, 5}) {
      if (f[col] == "-") continue;
      std::stringstream cs(f[col]);
      while (std::getline(cs, x, ',')) names.push_back(x);
    }
    fn(f[3], names);
  }
}

// Real-looking addresses: the examples of docs/NORMALISATION.md and every
// division name of data/regions/divisions.tsv with a street part.
std::vector<std::string> Bases() {
  std::vector<std::string> v = {
      "上海市浦东新区张杨路123弄4号501室", "上海浦东张杨路123弄4号501", "中国上海市上海市浦东新区张杨路123弄4号501室",
      "上海市市辖区浦东新区张杨路123弄4号501室", "浦东新区张杨路123弄4号501室", "上海市南汇区张杨路123弄4号501室",
      "上海市浦東新區張楊路123弄4號501室", "上海市浦东新区张杨路一百二十三弄四号五〇一室",
      "上海市浦东新区张杨路１２３弄４号５０１室", "上海市浦东新区张杨路123弄4号501室（放快递柜）",
      "上海市浦东新区张杨路123弄4号楼501室", "上海市浦东新区张杨路123弄4栋501房", "上海市浦东新区张杨路123弄4号5楼501室",
      "上海市浦东新区张杨路123弄第4号501室", "上海市浦东新区张杨路123弄4号0501室", "上海市浦东新区张杨路123弄4-501",
      "北京市朝阳区望京西园3号楼2单元501", "北京朝阳区望京西园3-2-501", "北京市朝阳区望京西园三号楼二单元五零一室",
      "北京市朝阳区望京西园3号楼2单元5层501室", "北京市朝阳区望京西园3#2单元501", "北京市朝阳区望京西园3号楼2单元501户",
      "浙江省杭州市西湖区文三路100号", "浙江杭州西湖区文三路100号", "杭州市西湖区文三路100号", "浙江省杭州市西湖区文三路一百号",
      "浙江省杭州市西湖区文三路100号311121", "广西南宁市青秀区民族大道1号", "广西南宁青秀区民族大道1号",
      "张三 13812345678 浙江省杭州市萧山区金城路1号 311121", "浙江省杭州市萧山区金城路1号（周末送）",
      "浙江省杭州市萧山区金城路1号 电话联系", "上海市闸北区共和新路100号", "北京市宣武区广安门内大街1号",
      "朝阳区建国路1号", "新疆喀什地区喀什市人民路1号", "吉林市船营区北京路1号", "云南省大理白族自治州大理市人民路1号",
      "南京东路100号", "四川北路1号", "江西路1号", "上海路", "Room 501, No. 4, Lane 123, Zhangyang Road",
      "中国NULL", "同上", "详见备注", "138****5678", "湖北省襄樊市人民路1号", "天津市塘沽区新港路1号",
      "上海市崇明县城桥镇1号", "喀什地区喀什市1号", "海南省海口市龙华区1号", "311121 浙江省杭州市萧山区金城路1号",
      "广东省深圳市南山区科技园路1号3栋2单元501", "上海市徐汇区漕溪北路100弄3号602室", "第十二号", "十#",
      "千号千弄", "一千零一号", "两百号", "A座12层1201", "B栋-3-1201", "1-2-3-4", "12-0501",
  };
  const char* streets[] = {"人民路1号", "中山二路十八号3幢502", "建设街5弄7号201室", "1号", "东路", "大道8号",
                           "市中心花园2-1-301", "县城关镇", "区政府"};
  size_t k = 0;
  ForEachDivision([&](const std::string& parent, const std::vector<std::string>& names) {
    for (const auto& n : names) {
      v.push_back(n + streets[k++ % 9]);
      if (parent != "-") v.push_back(parent + n + streets[k++ % 9]);
    }
  });
  return v;
}

// Code points of valid UTF-8 (one string per code point).
std::vector<std::string> CodePoints(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = 1;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0xF0) n = 4;
    else if (c >= 0xE0) n = 3;
    else if (c >= 0xC0) n = 2;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

const std::vector<std::string>& Pieces() {
  static const std::vector<std::string> v = {
      "栋", "幢", "号楼", "号", "室", "房", "户", "单元", "单", "元", "楼", "层", "弄", "座", "期", "排", "组", "支",
      "第", "#", "-", " ", "　", "\t", "\n", "（", "）", "(", ")", "[", "]", "【", "】", "《", "》", "「", "」", "<", ">",
      "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "百", "千", "零", "〇", "两",
      "０", "１", "２", "３", "５", "９", "Ａ", "ｂ", "0", "00", "1", "2", "5", "12", "501", "0501", "100", "311121",
      "13812345678", "138-1234-5678", "+86", "a", "B", "x", "X", "*", "\u200b", "\ufeff", "\u00a0",
      "路", "街", "道", "巷", "桥", "里", "大", "东", "西", "南", "北", "中", "市", "区", "县", "州", "旗", "盟", "省",
      "镇", "乡", "村", "新区", "市辖区", "辖区", "中国", "中华人民共和国", "上海", "上海市", "北京", "浦东", "南汇",
      "杭州", "西湖区", "朝阳", "朝阳区", "喀什", "地区", "广西", "吉林", "海南", "大理", "襄樊", "闸北",
      "放快递柜", "快递柜", "门卫", "放门卫室", "电话联系", "周末送", "谢谢", "备注", "收件人",
      "無", "號", "樓", "區", "張", "楊", "NULL", "null", "无", "-", "—", "，", "。", "、", "·", "\ufffd", "\ue000",
      "\x01", "é", "𠀀", "豈"};
  return v;
}

// One random mutation of a code point sequence.
void Mutate(std::vector<std::string>& cps, Rng& r) {
  const auto& pieces = Pieces();
  switch (r.Below(7)) {
    case 0:  // delete
      if (!cps.empty()) cps.erase(cps.begin() + static_cast<long>(r.Below(cps.size())));
      break;
    case 1:
    case 2:  // insert a piece
      cps.insert(cps.begin() + static_cast<long>(r.Below(cps.size() + 1)), pieces[r.Below(pieces.size())]);
      break;
    case 3:  // swap neighbours
      if (cps.size() > 1) {
        size_t i = r.Below(cps.size() - 1);
        std::swap(cps[i], cps[i + 1]);
      }
      break;
    case 4:  // replace
      if (!cps.empty()) cps[r.Below(cps.size())] = pieces[r.Below(pieces.size())];
      break;
    case 5:  // duplicate a span
      if (!cps.empty()) {
        size_t i = r.Below(cps.size()), n = 1 + r.Below(std::min<size_t>(6, cps.size() - i));
        std::vector<std::string> span(cps.begin() + static_cast<long>(i), cps.begin() + static_cast<long>(i + n));
        cps.insert(cps.begin() + static_cast<long>(r.Below(cps.size() + 1)), span.begin(), span.end());
      }
      break;
    default:  // truncate
      if (!cps.empty()) cps.resize(r.Below(cps.size() + 1));
      break;
  }
}

std::string Join(const std::vector<std::string>& cps) {
  std::string s;
  for (const auto& c : cps) s += c;
  return s;
}

}  // namespace

TEST_CASE("address differential: every address of the synthetic generator", "[normalize][differential]") {
  const int persons = PersonsFromEnv();
  std::vector<std::string> values = GeneratorAddresses(persons);
  REQUIRE(values.size() >= static_cast<size_t>(2 * persons));  // dump + 上海 spelling + fresh, less missing ones
  Differ d;
  for (const auto& v : values) d.Check(v);
  d.Require();
  CHECK(d.ok > values.size() * 9 / 10);  // the corpus is mostly real addresses
}

TEST_CASE("address differential: fuzz seed corpus", "[normalize][differential]") {
  Differ d;
  const std::filesystem::path dir = std::filesystem::path(LEAKDEX_TESTS_DIR) / ".." / "fuzz" / "corpus" / "normalize";
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ++files;
    d.Check(data);
    if (!data.empty()) d.Check(std::string_view(data).substr(1));
  }
  REQUIRE(files > 10);
  d.Require();
}

// Every name of the division table (full names, aliases, former names) and its
// stem without the last character (the short forms).
static std::vector<std::string> DivisionNamesAndStems() {
  std::vector<std::string> v;
  ForEachDivision([&](const std::string&, const std::vector<std::string>& names) {
    for (const auto& n : names) {
      v.push_back(n);
      std::vector<std::string> cps = CodePoints(n);
      if (cps.size() > 2) v.push_back(Join({cps.begin(), cps.end() - 1}));
    }
  });
  return v;
}

// Region names glued to what the first pass rewrites at the start of the text
// after the region ('#', '-', 第, numerals, 号楼, 幢...) and to road and unit
// words: the first pass's region resolution and the confirming pass's see
// different text right after the region, which NormalizeAddress's shortcut
// (IsOwnFixedPoint: skip a second resolution when it would read the same text)
// must notice. Compared with every pass in full and with the reference.
TEST_CASE("address differential: region names next to rewritten text", "[normalize][differential]") {
  const std::vector<std::string> names = DivisionNamesAndStems();
  const std::vector<std::string> glue = {"#", "-", "--", "第", "一", "二", "十", "两", "〇", "号", "楼", "号楼", "幢",
                                         "座", "房", "户", "层", "室", "单元", "路", "街", "道", "东路", "大道", "1",
                                         "12", "0", "05", "A", "市辖区", "辖区", "中国", "市", "区", "县", "#1", "-1-2"};
  Rng r{20261206};
  Differ d;
  const size_t rounds = 400000;
  for (size_t i = 0; i < rounds; ++i) {
    // Names from a window of the table per round: the table lists a province's
    // divisions together, so names of one province meet.
    const size_t window = std::min<size_t>(40, names.size());
    const size_t from = r.Below(static_cast<uint32_t>(names.size() - window + 1));
    std::string s;
    const size_t pieces = 2 + r.Below(6);
    for (size_t k = 0; k < pieces; ++k) {
      if (r.Below(2) == 0) s += names[from + r.Below(static_cast<uint32_t>(window))];
      else s += glue[r.Below(static_cast<uint32_t>(glue.size()))];
    }
    d.Check(s);
  }
  d.Require();
  CHECK(d.ok > rounds / 4);
}

TEST_CASE("address differential: random mutations of real-looking addresses", "[normalize][differential]") {
  std::vector<std::string> bases = Bases();
  {
    // A sample of the generator's addresses too (shapes the table examples lack).
    std::vector<std::string> gen = GeneratorAddresses(2000);
    bases.insert(bases.end(), gen.begin(), gen.end());
  }
  Rng r{20240611};
  Differ d;
  const size_t rounds = 300000;
  for (size_t i = 0; i < rounds; ++i) {
    std::vector<std::string> cps = CodePoints(bases[r.Below(bases.size())]);
    const size_t mutations = 1 + r.Below(6);
    for (size_t m = 0; m < mutations; ++m) Mutate(cps, r);
    std::string s = Join(cps);
    d.Check(s);
    if (!s.empty() && r.Below(20) == 0) {  // a damaged byte now and then
      s[r.Below(s.size())] = static_cast<char>(r.Below(256));
      d.Check(s);
    }
  }
  for (const auto& b : bases) d.Check(b);
  d.Require();
  CHECK(d.ok > rounds / 4);  // mutations keep many inputs valid addresses
}
