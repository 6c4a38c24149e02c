// REFERENCE ONLY — compiled into the tests, the fuzz target fuzz_normalize and
// bench/normalize_bench, never into leakdex_core. This is the address normaliser
// exactly as it was before the fast rewrite of src/normalize/address.cpp (commit
// aa1c047), kept verbatim apart from its namespace (leakdex::norm::reference) so
// the differential test (tests/normalize_address_differential_test.cpp), the fuzz
// target and the benchmark can check that the fast code gives identical output.
// Do not optimise it; do not "fix" it without fixing src/normalize/address.cpp
// the same way (the differential test then shows they still agree).
//
// Postal addresses (docs/NORMALISATION.md §Addresses).
//
// Canonical form = resolved region prefix + normalised remainder, e.g.
//   "中国上海市市辖区浦东新区X路一百二十三弄四号501"  -> "上海市浦东新区X路123弄4栋501室"
//   "上海浦东X路123弄4号501室（放快递柜）"           -> the same
// Steps: NFKC, t2s, drop phone numbers / postcodes / leading names of one-line
// delivery strings, drop bracketed remarks and trailing delivery notes, remove
// whitespace and punctuation; resolve country/province/city/municipal district
// against data/regions/divisions.tsv (GB/T 2260 names, renamed units folded);
// Chinese numerals before unit words -> Arabic; 号楼/幢/座 -> 栋, 房/户 -> 室;
// "3-2-501" -> 3栋2单元501室; floor dropped before a room; bare trailing room
// number gets 室, bare road number gets 号.
//
// There is no maintained C/C++ library for Chinese address parsing (libpostal has
// no Chinese model, is 2 GB and is not in Debian; cpca & co. are Python/Java and
// only extract the region), hence this hand-written code.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "address_reference.h"
#include "normalize/internal.h"

namespace leakdex::norm::reference {
namespace {

constexpr std::string_view kDivisionsTsv =
#include "divisions.inc"
    ;

enum class Level { kProvince = 0, kCity = 1, kDistrict = 2 };
enum class Kind { kFull, kAlias, kShort, kFormer };

struct Division {
  std::u32string name;
  Level level;
  int province;  // index of its province (itself for a province)
  bool municipality;
};

struct Target {
  int division;
  Kind kind;
};

struct U32Hash {
  using is_transparent = void;  // lookups by u32string_view, no temporary strings
  size_t operator()(std::u32string_view s) const { return std::hash<std::u32string_view>{}(s); }
};

struct Table {
  std::vector<Division> divs;
  std::unordered_map<std::u32string, std::vector<Target>, U32Hash, std::equal_to<>> by_name;
  // For each BMP code point, the lengths of the names starting with it: bit L
  // for length L < 64, bit 0 for any length >= 64 (lengths 0 and 1 are never
  // names). Empty: no name starts there. Longest() only hashes substrings of
  // a length some name has (the hash lookups were the hot spot of ingest).
  std::vector<uint64_t> lengths_by_first = std::vector<uint64_t>(0x10000);
  std::unordered_set<std::u32string> homonyms;
  size_t max_len = 0;
};

std::u32string U32(std::string_view s) {
  std::u32string out;
  DecodeUtf8(s, out);
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

bool EndsWith(const std::u32string& s, std::u32string_view suffix) {
  return s.size() >= suffix.size() && std::u32string_view(s).substr(s.size() - suffix.size()) == suffix;
}

Table BuildTable() {
  Table t;
  std::unordered_map<std::u32string, int> province_by_name;
  // Short forms that are everyday words or other places: never matched bare.
  static const std::unordered_set<std::u32string> kNoShort = {
      U"东方", U"中山", U"北海", U"黄山", U"白山", U"朝阳", U"吉林", U"文昌", U"万宁", U"海南"};
  auto add = [&](const std::u32string& name, int div, Kind kind) {
    if (name.size() < 2) return;
    auto& v = t.by_name[name];
    for (const Target& x : v) {
      if (x.division == div) return;
    }
    v.push_back({div, kind});
    t.max_len = std::max(t.max_len, name.size());
    if (name[0] < 0x10000) t.lengths_by_first[name[0]] |= uint64_t{1} << (name.size() < 64 ? name.size() : 0);
  };
  auto add_short = [&](const std::u32string& name, int div) {
    for (std::u32string_view suf : {std::u32string_view(U"新区"), std::u32string_view(U"市"),
                                    std::u32string_view(U"区"), std::u32string_view(U"县")}) {
      if (EndsWith(name, suf) && name.size() - suf.size() >= 2) {
        std::u32string s = name.substr(0, name.size() - suf.size());
        if (!kNoShort.count(s) && !province_by_name.count(s)) add(s, div, Kind::kShort);
        return;
      }
    }
  };
  for (std::string_view line : Split(kDivisionsTsv, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> f = Split(line, '\t');
    if (f.size() < 6) continue;
    std::u32string name = U32(f[2]);
    auto list = [](std::string_view field) {
      std::vector<std::u32string> v;
      if (field == "-") return v;
      for (std::string_view x : Split(field, ',')) v.push_back(U32(x));
      return v;
    };
    if (f[0] == "X") {
      t.homonyms.insert(name);
      continue;
    }
    int idx = static_cast<int>(t.divs.size());
    Division d;
    d.name = name;
    if (f[0] == "P") {
      d.level = Level::kProvince;
      d.province = idx;
      d.municipality = f[1] == "110000" || f[1] == "120000" || f[1] == "310000" || f[1] == "500000";
      province_by_name[name] = idx;
    } else {
      auto it = province_by_name.find(U32(f[3]));
      if (it == province_by_name.end()) continue;  // malformed row: parent first
      d.level = f[0] == "C" ? Level::kCity : Level::kDistrict;
      d.province = it->second;
      d.municipality = t.divs[it->second].municipality;
    }
    t.divs.push_back(d);
    add(name, idx, Kind::kFull);
    for (const auto& a : list(f[4])) {
      add(a, idx, Kind::kAlias);
      if (d.level == Level::kProvince) province_by_name[a] = idx;
    }
    for (const auto& a : list(f[5])) {
      add(a, idx, Kind::kFormer);
      if (d.level != Level::kProvince) add_short(a, idx);
    }
    if (d.level != Level::kProvince) add_short(name, idx);
  }
  return t;
}

const Table& Divisions() {
  static const Table t = BuildTable();
  return t;
}

bool In(char32_t c, std::u32string_view set) { return set.find(c) != std::u32string_view::npos; }
bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char32_t c) { return IsDigit(c) || (c >= 'A' && c <= 'Z'); }

// A bare short name followed by a road word is a street name ("江西路", "四川北路").
bool RoadFollows(const std::u32string& s, size_t p) {
  if (p >= s.size()) return false;
  char32_t c = s[p];
  if (In(c, U"路街道巷弄桥里")) return true;
  if (p + 1 < s.size()) {
    char32_t d = s[p + 1];
    if (In(c, U"东西南北中") && In(d, U"路街道")) return true;
    if (c == U'大' && In(d, U"道街路")) return true;
  }
  return false;
}

// A bare form (no 省/市/区 suffix) is not taken when followed by a road word or by a
// unit word of another place with the same stem ("大理市" is not 大理白族自治州).
bool BareRejected(const std::u32string& s, size_t end, Kind kind) {
  if (kind != Kind::kShort && kind != Kind::kAlias) return false;
  return RoadFollows(s, end) || (end < s.size() && In(s[end], U"市县区州旗盟"));
}

struct Match {
  size_t len = 0;
  std::vector<Target> targets;
};

template <typename Filter>
Match Longest(const Table& t, const std::u32string& s, size_t pos, Filter keep) {
  Match m;
  if (pos >= s.size() || s[pos] >= 0x10000) return m;
  const uint64_t lengths = t.lengths_by_first[s[pos]];
  if (lengths == 0) return m;
  size_t max = std::min(t.max_len, s.size() - pos);
  for (size_t len = max; len >= 2; --len) {
    if (!(lengths >> (len < 64 ? len : 0) & 1)) continue;  // no name of this length starts here
    auto it = t.by_name.find(std::u32string_view(s).substr(pos, len));
    if (it == t.by_name.end()) continue;
    for (const Target& x : it->second) {
      if (keep(t.divs[x.division])) m.targets.push_back(x);
    }
    if (!m.targets.empty()) {
      m.len = len;
      return m;
    }
  }
  return m;
}

// Skips repeats of already-resolved names and filler ("上海市上海市", "市辖区").
size_t SkipFiller(const Table& t, const std::u32string& s, size_t pos, std::initializer_list<int> resolved) {
  while (pos < s.size()) {
    std::u32string_view rest = std::u32string_view(s).substr(pos);
    if (rest.starts_with(U"市辖区")) { pos += 3; continue; }
    if (rest.starts_with(U"辖区")) { pos += 2; continue; }
    Match m = Longest(t, s, pos, [](const Division&) { return true; });
    bool repeat = false;
    for (const Target& x : m.targets) {
      // A short form followed by a unit word is another place with the same stem
      // ("喀什地区喀什市": the county-level city 喀什市 is not a repeat of 喀什地区).
      if ((x.kind == Kind::kShort || x.kind == Kind::kAlias) && pos + m.len < s.size() && In(s[pos + m.len], U"市县区州旗盟")) continue;
      for (int r : resolved) repeat |= (r >= 0 && x.division == r);
    }
    if (!repeat) break;
    pos += m.len;
  }
  return pos;
}

// Resolves the region prefix of s; returns the canonical prefix and the position after it.
size_t ResolveRegion(const std::u32string& s, std::u32string& prefix) {
  const Table& t = Divisions();
  size_t pos = 0;
  for (std::u32string_view country : {std::u32string_view(U"中华人民共和国"), std::u32string_view(U"中国")}) {
    if (std::u32string_view(s).starts_with(country)) { pos = country.size(); break; }
  }
  int prov = -1, city = -1, dist = -1;
  Match m = Longest(t, s, pos, [](const Division&) { return true; });
  if (!m.targets.empty()) {
    // A province wins over a same-named city ("海南"); otherwise the name must be unique.
    const Target* pick = nullptr;
    for (const Target& x : m.targets) {
      if (t.divs[x.division].level == Level::kProvince) pick = &x;
    }
    if (!pick && m.targets.size() == 1) pick = &m.targets[0];
    if (pick) {
      const Division& d = t.divs[pick->division];
      bool ok = !BareRejected(s, pos + m.len, pick->kind);
      if (d.level == Level::kDistrict) {
        // A district alone names its municipality only if no other city has one like it.
        ok = ok && pick->kind != Kind::kShort && !t.homonyms.count(s.substr(pos, m.len));
      }
      if (ok) {
        pos += m.len;
        prov = d.province;
        if (d.level == Level::kCity) city = pick->division;
        if (d.level == Level::kDistrict) dist = pick->division;
      }
    }
  }
  if (prov >= 0) {
    pos = SkipFiller(t, s, pos, {prov, city, dist});
    const bool muni = t.divs[prov].municipality;
    if ((muni && dist < 0) || (!muni && city < 0)) {
      const Level want = muni ? Level::kDistrict : Level::kCity;
      Match c = Longest(t, s, pos, [&](const Division& d) { return d.level == want && d.province == prov; });
      if (c.targets.size() == 1) {
        const Target& x = c.targets[0];
        if (!BareRejected(s, pos + c.len, x.kind)) {
          pos += c.len;
          (muni ? dist : city) = x.division;
          pos = SkipFiller(t, s, pos, {prov, city, dist});
        }
      }
    }
    prefix = t.divs[prov].name;
    if (city >= 0) prefix += t.divs[city].name;
    if (dist >= 0) prefix += t.divs[dist].name;
  }
  return pos;
}

// ------------------------------------------------------------------ the rest

bool IsNumeral(char32_t c) { return In(c, U"零〇一二三四五六七八九十百千两"); }

int NumeralDigit(char32_t c) {
  switch (c) {
    case U'零': case U'〇': return 0;
    case U'一': return 1;
    case U'二': case U'两': return 2;
    case U'三': return 3;
    case U'四': return 4;
    case U'五': return 5;
    case U'六': return 6;
    case U'七': return 7;
    case U'八': return 8;
    case U'九': return 9;
    default: return -1;
  }
}

// "一百二十三" -> "123", "五〇一" -> "501", "十二" -> "12".
std::u32string NumeralToArabic(std::u32string_view run) {
  bool positional = false;
  for (char32_t c : run) positional |= In(c, U"十百千");
  std::u32string out;
  if (!positional) {
    for (char32_t c : run) out.push_back(static_cast<char32_t>('0' + NumeralDigit(c)));
    return out;
  }
  long total = 0, cur = 0;
  for (char32_t c : run) {
    int d = NumeralDigit(c);
    if (d >= 0) { cur = d; continue; }
    int mult = c == U'十' ? 10 : c == U'百' ? 100 : 1000;
    total += (cur == 0 && mult == 10 ? 1 : cur) * mult;
    cur = 0;
  }
  total += cur;
  for (char c : std::to_string(total)) out.push_back(static_cast<char32_t>(c));
  return out;
}

// Unit words after which a Chinese numeral is a number.
// Road and place words (路, 街, 村, 里, 区...) are not in the list: "文三路", "三里屯",
// "二七区" are names, and writing them with Arabic digits is rare.
bool IsUnitWord(char32_t c) { return In(c, U"号弄栋幢座单室楼层房户期排组支"); }

std::u32string ConvertNumerals(const std::u32string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    if (!IsNumeral(s[i])) { out.push_back(s[i++]); continue; }
    size_t j = i;
    while (j < s.size() && IsNumeral(s[j])) ++j;
    bool after_di = i > 0 && s[i - 1] == U'第';
    if ((j < s.size() && IsUnitWord(s[j])) || after_di) {
      out += NumeralToArabic(std::u32string_view(s).substr(i, j - i));
    } else {
      out.append(s, i, j - i);
    }
    i = j;
  }
  return out;
}

void ReplaceAll(std::u32string& s, std::u32string_view from, std::u32string_view to) {
  if (s.find(from) == std::u32string::npos) return;
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (std::u32string_view(s).substr(i, from.size()) == from) {
      out.append(to);
      i += from.size();
    } else {
      out.push_back(s[i++]);
    }
  }
  s.swap(out);
}

std::u32string NormaliseTail(const std::u32string& in) {
  std::u32string s;
  // '#' after a number is 号 (Chinese numerals count: "十#"); other '#' go.
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '#') { s.push_back(in[i]); continue; }
    if (!s.empty() && (IsAlnum(s.back()) || IsNumeral(s.back()))) s.push_back(U'号');
  }
  s = ConvertNumerals(s);
  // 第 before a number goes.
  std::u32string t;
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c == U'第' && i + 1 < s.size() && IsDigit(s[i + 1])) continue;
    t.push_back(c);
  }
  s.swap(t);
  ReplaceAll(s, U"号楼", U"栋");
  ReplaceAll(s, U"幢", U"栋");
  ReplaceAll(s, U"栋楼", U"栋");
  // 座/房/户 after a number or letter.
  for (size_t i = 1; i < s.size(); ++i) {
    if (!IsAlnum(s[i - 1])) continue;
    if (s[i] == U'座') s[i] = U'栋';
    else if (s[i] == U'房' || s[i] == U'户') s[i] = U'室';
  }
  // Shorthand at the end: a-b-c -> a栋b单元c室; a-b (b of 3+ digits) -> a栋b室.
  {
    size_t end = s.size();
    if (end > 0 && s[end - 1] == U'室') --end;
    size_t p = end;
    std::vector<std::pair<size_t, size_t>> groups;  // [start, end) of digit groups
    while (true) {
      size_t e = p;
      while (p > 0 && IsAlnum(s[p - 1])) --p;
      if (p == e) break;
      groups.insert(groups.begin(), {p, e});
      if (p > 0 && s[p - 1] == '-' && groups.size() < 3) { --p; continue; }
      break;
    }
    bool starts_clean = p == 0 || !(IsAlnum(s[p - 1]) || s[p - 1] == '-');
    if (starts_clean && groups.size() == 3) {
      auto g = [&](int k) { return s.substr(groups[k].first, groups[k].second - groups[k].first); };
      s = s.substr(0, p) + g(0) + U"栋" + g(1) + U"单元" + g(2) + U"室";
    } else if (starts_clean && groups.size() == 2 && groups[1].second - groups[1].first >= 3 &&
               groups[0].second - groups[0].first <= 3) {
      auto g = [&](int k) { return s.substr(groups[k].first, groups[k].second - groups[k].first); };
      s = s.substr(0, p) + g(0) + U"栋" + g(1) + U"室";
    }
  }
  // A bare number at the end: a room after a building/unit/number word, a road number after a road.
  {
    size_t p = s.size();
    while (p > 0 && IsAlnum(s[p - 1])) --p;
    if (p < s.size() && p > 0 && In(s[p - 1], U"号栋元弄楼层")) s.push_back(U'室');
    else if (p < s.size() && p > 0 && In(s[p - 1], U"路街道巷")) s.push_back(U'号');
  }
  // Floor before a room: "5楼501室", "5层501室" -> "501室".
  for (size_t i = 0; i < s.size(); ++i) {
    if ((s[i] != U'楼' && s[i] != U'层') || i == 0 || !IsDigit(s[i - 1])) continue;
    size_t j = i + 1;
    while (j < s.size() && IsAlnum(s[j])) ++j;
    if (j == i + 1 || j >= s.size() || s[j] != U'室') continue;
    size_t b = i;
    while (b > 0 && IsDigit(s[b - 1])) --b;
    if (b > 0 && s[b - 1] == '-') continue;
    s.erase(b, i + 1 - b);
    i = b;
  }
  // "4号501室" / "4号2单元": 号 of a building -> 栋.
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] != U'号' || !IsAlnum(s[i - 1]) || !IsAlnum(s[i + 1])) continue;
    size_t j = i + 1;
    while (j < s.size() && IsAlnum(s[j])) ++j;
    if (j < s.size() && (s[j] == U'室' || s[j] == U'单' || s[j] == U'栋')) s[i] = U'栋';
  }
  // Leading zeros of every number ("0501" -> "501", "007" -> "7", "0" stays).
  std::u32string z;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '0' && (z.empty() || !IsDigit(z.back())) && i + 1 < s.size() && IsDigit(s[i + 1])) continue;
    z.push_back(s[i]);
  }
  return z;
}

bool IsOpenBracket(char32_t c) { return In(c, U"([{<【〔《〈「『"); }
bool IsCloseBracket(char32_t c) { return In(c, U")]}>】〕》〉」』"); }

// Delivery notes: the text from the first of these to the end is dropped.
constexpr std::u32string_view kNotes[] = {
    U"放快递柜", U"快递柜", U"放门口", U"放门卫", U"门卫", U"放前台", U"前台", U"放驿站", U"驿站",
    U"丰巢", U"菜鸟", U"电话联系", U"联系电话", U"打电话", U"送货前", U"送货上门", U"周末送",
    U"工作日送", U"请送", U"请放", U"谢谢", U"备注", U"代收", U"放物业", U"收件人", U"放门卫室"};

// Pre-cleaning on whitespace tokens: phone numbers, postcodes and a leading name
// of a one-line delivery string ("张三 13812345678 浙江省杭州市… 311121").
std::u32string DropDeliveryNoise(const std::u32string& s) {
  auto phone_like = [](std::u32string_view tok) {
    size_t digits = 0;
    for (char32_t c : tok) {
      if (IsDigit(c)) ++digits;
      else if (!In(c, U"+-()")) return false;
    }
    return digits >= 7;
  };
  // One token (no whitespace, the common case): nothing to drop but the token itself
  // if it is a phone number; the general path below gives the same result.
  if (std::none_of(s.begin(), s.end(), IsSpace)) return phone_like(s) ? std::u32string() : s;
  std::vector<std::u32string> tokens;
  std::u32string cur;
  for (char32_t c : s) {
    if (IsSpace(c)) {
      if (!cur.empty()) tokens.push_back(std::move(cur)), cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) tokens.push_back(std::move(cur));
  bool had_phone = false;
  std::vector<std::u32string> kept;
  for (auto& tok : tokens) {
    if (phone_like(tok)) { had_phone = true; continue; }
    kept.push_back(std::move(tok));
  }
  auto all_digits = [](const std::u32string& tok) {
    return !tok.empty() && std::all_of(tok.begin(), tok.end(), IsDigit);
  };
  if (kept.size() > 1 && all_digits(kept.back()) && kept.back().size() == 6) kept.pop_back();
  if (kept.size() > 1 && all_digits(kept.front()) && kept.front().size() == 6) kept.erase(kept.begin());
  if (had_phone && kept.size() > 1) {
    const std::u32string& first = kept.front();
    bool name_like = first.size() >= 2 && first.size() <= 4 &&
                     std::all_of(first.begin(), first.end(), IsCjkIdeograph) &&
                     first.find_first_of(U"省市区县路街号弄室村镇乡") == std::u32string::npos;
    if (name_like) kept.erase(kept.begin());
  }
  std::u32string out;
  for (const auto& tok : kept) out += tok;  // whitespace goes anyway
  return out;
}

// One pass of the address rules; NormalizeAddress repeats it until it settles.
NormOutcome AddressPass(std::string_view raw, T2s& t2s, std::string& result) {
  std::string text;
  if (!Nfkc(raw, text)) return NormOutcome::kBadEncoding;
  std::string_view v = Trim(text);
  if (v.empty()) return NormOutcome::kAbsent;
  if (IsNullPlaceholder(v) || v == "同上" || v == "详见备注" || v == "地址") return NormOutcome::kPlaceholder;
  std::string buf(v);
  if (!t2s.Convert(buf)) return NormOutcome::kBadEncoding;
  std::u32string s;
  if (!DecodeUtf8(buf, s)) return NormOutcome::kBadEncoding;
  bool cjk = false;
  for (char32_t c : s) {
    if (IsLossyMarker(c)) return NormOutcome::kBadEncoding;
    if (c == '*') return NormOutcome::kMasked;
    cjk |= IsCjkIdeograph(c);
  }
  if (!cjk) {
    // Latin/pinyin address: lower case, words separated by one space. Not resolved.
    std::string folded, res;
    if (!NfkcCaseFold(buf, folded)) return NormOutcome::kBadEncoding;
    for (char c : folded) {
      bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || static_cast<unsigned char>(c) >= 0x80;
      if (keep) res.push_back(c);
      else if (!res.empty() && res.back() != ' ') res.push_back(' ');
    }
    while (!res.empty() && res.back() == ' ') res.pop_back();
    if (res.size() < 4) return NormOutcome::kInvalid;
    if (IsNullPlaceholder(res)) return NormOutcome::kPlaceholder;
    result = std::move(res);
    return NormOutcome::kOk;
  }

  s = DropDeliveryNoise(s);
  // Brackets with their content, then delivery notes, then punctuation.
  std::u32string c1;
  int depth = 0;
  for (char32_t c : s) {
    if (IsOpenBracket(c)) { ++depth; continue; }
    if (IsCloseBracket(c)) { if (depth > 0) --depth; continue; }
    if (depth == 0) c1.push_back(c);
  }
  size_t note = std::u32string::npos;
  for (std::u32string_view n : kNotes) {
    size_t p = c1.find(n);
    if (p != std::u32string::npos && p > 0) note = std::min(note, p);
  }
  if (note != std::u32string::npos) c1.resize(note);
  std::u32string c2;
  for (char32_t c : c1) {
    if (IsCjkIdeograph(c) || IsDigit(c) || c == '-' || c == '#') c2.push_back(c);
    else if (c >= 'a' && c <= 'z') c2.push_back(c - 'a' + 'A');
    else if (c >= 'A' && c <= 'Z') c2.push_back(c);
    // everything else (spaces, punctuation, symbols) goes
  }
  // Postcode glued at either end ("…501室311121", "311121浙江省…").
  auto digits_run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      if (!IsDigit(c2[i])) return false;
    }
    return true;
  };
  if (c2.size() > 8 && digits_run(c2.size() - 6, c2.size()) && !IsDigit(c2[c2.size() - 7]) &&
      !In(c2[c2.size() - 7], U"栋元弄楼层-"))
    c2.resize(c2.size() - 6);
  if (c2.size() > 8 && digits_run(0, 6) && !IsDigit(c2[6])) c2.erase(0, 6);

  // Stray marks before the first word ("#杭州…", "-501").
  size_t lead = 0;
  while (lead < c2.size() && (c2[lead] == '#' || c2[lead] == '-')) ++lead;
  c2.erase(0, lead);

  std::u32string prefix;
  size_t pos = ResolveRegion(c2, prefix);
  std::u32string rest = c2.substr(pos);
  while (!rest.empty() && (rest.back() == '-' || rest.back() == '#')) rest.pop_back();
  std::u32string tail = NormaliseTail(rest);
  while (!tail.empty() && tail.back() == '-') tail.pop_back();
  while (!tail.empty() && tail.front() == '-') tail.erase(0, 1);
  if (tail.size() < 2) return NormOutcome::kInvalid;  // a region alone is not an address
  result.clear();
  for (char32_t c : tail) AppendUtf8(result, c);
  if (IsNullPlaceholder(result)) return NormOutcome::kPlaceholder;  // "中国NULL"
  // Only notes, phone numbers or Latin letters were Chinese here: nothing left to key.
  if (prefix.empty() && std::none_of(tail.begin(), tail.end(), IsCjkIdeograph)) return NormOutcome::kInvalid;
  result.clear();
  for (char32_t c : prefix) AppendUtf8(result, c);
  for (char32_t c : tail) AppendUtf8(result, c);
  return NormOutcome::kOk;
}

}  // namespace

// The passes are repeated until the text no longer changes, so that a canonical
// address is its own canonical form (a user typing it finds the key). Real
// addresses settle after one pass (the second only confirms); text that does not
// settle within a few passes is garbage.
NormOutcome NormalizeAddress(std::string_view raw, T2s& t2s, std::vector<std::string>& out) {
  std::string cur, next;
  NormOutcome o = AddressPass(raw, t2s, cur);
  // Already canonical (the pass returned its input): the pass is a pure function,
  // so a second pass would return the same text again. Saves half the cost for
  // addresses written the canonical way, the common case in customer lists.
  if (o == NormOutcome::kOk && cur == raw) {
    out.push_back(std::move(cur));
    return NormOutcome::kOk;
  }
  for (int pass = 0; pass < 6 && o == NormOutcome::kOk; ++pass) {
    o = AddressPass(cur, t2s, next);
    if (o != NormOutcome::kOk) break;
    if (next == cur) {
      out.push_back(std::move(cur));
      return NormOutcome::kOk;
    }
    cur.swap(next);
  }
  return o == NormOutcome::kOk ? NormOutcome::kInvalid : o;
}

}  // namespace leakdex::norm::reference
