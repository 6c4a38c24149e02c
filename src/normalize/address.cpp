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
//
// Speed (address normalisation was ~half of ingest's CPU): every step works in
// place on per-thread scratch buffers (no allocation per call once warm);
// division names are found by walking a trie from the start position instead of
// hashing every candidate substring; character classes come from one table
// lookup instead of searching short strings. The previous, straightforward
// implementation is kept as the reference in tests/address_reference.cpp; a
// differential test, the fuzz target fuzz_normalize and bench/normalize_bench
// check that both give identical outcomes and forms. Any rule change must be
// made in both (or the reference replaced by the new code once agreed).
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "normalize/internal.h"

namespace leakdex::norm {
namespace {

constexpr std::string_view kDivisionsTsv =
#include "divisions.inc"
    ;

enum class Level { kProvince = 0, kCity = 1, kDistrict = 2 };
enum class Kind { kFull, kAlias, kShort, kFormer };

struct Division {
  std::u32string name;
  std::string name_utf8;  // written into the canonical prefix
  Level level;
  int province;  // index of its province (itself for a province)
  bool municipality;
};

struct Target {
  int division;
  Kind kind;
};

// A name of the table: the divisions it may denote, in the order they were added
// (the resolution rules depend on that order).
struct Name {
  std::vector<Target> targets;
  bool homonym = false;  // also a district name of another city ("X" row)
};

// Trie over the names. Children are kept sorted for a binary search; the root's
// children are a direct array over the BMP (every name starts with a BMP code
// point in practice; a name that does not is never found, as before).
struct TrieNode {
  std::vector<std::pair<char32_t, int>> kids;  // sorted by code point
  int name = -1;                               // index into Table::names, or -1
};

// The trie as looked up: a node's children are consecutive nodes, each holding
// its own code point, so one step of a walk reads one run of nodes (the
// children's code points and, in the same cache lines, the child's own run):
// no separate arrays of child code points and child indexes to chase. Nodes are
// laid out depth first with each child run right after its parent's run, so
// the nodes of one name are close together. A parent link (Table::parent)
// lets the longest-match walk go back up without recursion (see DeepestKept).
struct FlatNode {
  char32_t ch = 0;         // the code point leading to this node
  int32_t name = -1;       // index into Table::names, or -1
  uint32_t first_kid = 0;  // index of the first child in Table::flat
  uint32_t kid_count = 0;  // children, sorted by code point
};

struct Table {
  std::vector<Division> divs;
  std::vector<Name> names;
  std::vector<TrieNode> nodes;      // built by TrieInsert, released by Flatten; nodes[0] is the root
  std::vector<int32_t> root_kids;   // BMP code point -> node, or -1
  std::vector<FlatNode> flat;       // nodes, flattened (flat[0] unused: the root is root_kids)
  std::vector<int32_t> parent;      // per flat node; -1 for the root's children
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

int TrieChild(const Table& t, int node, char32_t c);

void TrieInsert(Table& t, const std::u32string& name, int name_index) {
  if (name[0] >= 0x10000) return;  // never looked up (see TrieNode)
  int node = t.root_kids[name[0]];
  if (node < 0) {
    node = static_cast<int>(t.nodes.size());
    t.nodes.emplace_back();
    t.root_kids[name[0]] = node;
  }
  for (size_t i = 1; i < name.size(); ++i) {
    int next = TrieChild(t, node, name[i]);
    if (next < 0) {
      next = static_cast<int>(t.nodes.size());
      t.nodes.emplace_back();
      auto& kids = t.nodes[node].kids;
      kids.insert(std::lower_bound(kids.begin(), kids.end(), std::make_pair(name[i], 0)), {name[i], next});
    }
    node = next;
  }
  t.nodes[node].name = name_index;
}

// Fills flat node `at` from build node `node` and lays out its descendants
// from t.flat[next] on: the children's run first, then each child's subtree.
void PlaceSubtree(Table& t, int node, uint32_t at, uint32_t& next) {
  const auto& kids = t.nodes[node].kids;
  const uint32_t first = next;
  t.flat[at].name = t.nodes[node].name;
  t.flat[at].first_kid = first;
  t.flat[at].kid_count = static_cast<uint32_t>(kids.size());
  next += static_cast<uint32_t>(kids.size());
  for (size_t k = 0; k < kids.size(); ++k) {
    t.flat[first + k].ch = kids[k].first;
    t.parent[first + k] = static_cast<int32_t>(at);
  }
  for (size_t k = 0; k < kids.size(); ++k) PlaceSubtree(t, kids[k].second, first + static_cast<uint32_t>(k), next);
}

// Copies t.nodes into the lookup form (t.flat, t.parent; root_kids renumbered).
void Flatten(Table& t) {
  t.flat.assign(t.nodes.size(), FlatNode{});
  t.parent.assign(t.nodes.size(), -1);
  uint32_t next = 1;  // t.nodes[0], the root, has no kids of its own (root_kids has them)
  for (size_t c = 0; c < t.root_kids.size(); ++c) {
    if (t.root_kids[c] < 0) continue;
    const uint32_t at = next++;
    t.flat[at].ch = static_cast<char32_t>(c);
    PlaceSubtree(t, t.root_kids[c], at, next);
    t.root_kids[c] = static_cast<int32_t>(at);
  }
  std::vector<TrieNode>().swap(t.nodes);  // build-time only
}

// The name table is built exactly as the reference builds its hash map (same
// names, same target order), then moved into the trie.
Table BuildTable() {
  Table t;
  std::unordered_map<std::u32string, std::vector<Target>> by_name;
  std::unordered_set<std::u32string> homonyms;
  std::unordered_map<std::u32string, int> province_by_name;
  // Short forms that are everyday words or other places: never matched bare.
  static const std::unordered_set<std::u32string> kNoShort = {
      U"东方", U"中山", U"北海", U"黄山", U"白山", U"朝阳", U"吉林", U"文昌", U"万宁", U"海南"};
  auto add = [&](const std::u32string& name, int div, Kind kind) {
    if (name.size() < 2) return;
    auto& v = by_name[name];
    for (const Target& x : v) {
      if (x.division == div) return;
    }
    v.push_back({div, kind});
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
      homonyms.insert(name);
      continue;
    }
    int idx = static_cast<int>(t.divs.size());
    Division d;
    d.name = name;
    d.name_utf8 = std::string(f[2]);
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
  t.nodes.emplace_back();  // root
  t.root_kids.assign(0x10000, -1);
  for (auto& [name, targets] : by_name) {
    int k = static_cast<int>(t.names.size());
    t.names.push_back({std::move(targets), homonyms.count(name) > 0});
    TrieInsert(t, name, k);
  }
  Flatten(t);
  return t;
}

int TrieChild(const Table& t, int node, char32_t c) {
  const auto& kids = t.nodes[node].kids;
  auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(c, 0),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
  return it != kids.end() && it->first == c ? it->second : -1;
}

// TrieChild on the flattened trie. Most nodes have a handful of children: a
// linear scan beats the binary search there.
inline int FlatChild(const Table& t, int node, char32_t c) {
  const FlatNode& n = t.flat[node];
  const FlatNode* kids = t.flat.data() + n.first_kid;
  if (n.kid_count <= 8) {
    for (uint32_t k = 0; k < n.kid_count; ++k) {
      if (kids[k].ch == c) return static_cast<int>(n.first_kid + k);
    }
    return -1;
  }
  const FlatNode* it = std::lower_bound(kids, kids + n.kid_count, c,
                                        [](const FlatNode& kid, char32_t x) { return kid.ch < x; });
  return it != kids + n.kid_count && it->ch == c ? static_cast<int>(n.first_kid + (it - kids)) : -1;
}

const Table& Divisions() {
  static const Table t = BuildTable();
  return t;
}

// ------------------------------------------------------- character classes

// Class bits of the BMP code points the rules test for. Built from the same
// character lists as the reference's string searches.
enum : uint16_t {
  kNumeral = 1 << 0,      // 零〇一二三四五六七八九十百千两
  kUnitWord = 1 << 1,     // 号弄栋幢座单室楼层房户期排组支: a Chinese numeral before it is a number
  kOpenBr = 1 << 2,       // ([{<【〔《〈「『
  kCloseBr = 1 << 3,      // )]}>】〕》〉」』
  kPlaceSuffix = 1 << 4,  // 市县区州旗盟
  kNoteFirst = 1 << 5,    // first character of a delivery note
  kPositional = 1 << 6,   // 十百千
  kNameStop = 1 << 7,     // 省市区县路街号弄室村镇乡: not in a leading name
  kCjk = 1 << 8,          // IsCjkIdeograph (text.cpp)
  kSpace = 1 << 9,        // IsSpace (text.cpp)
  kLossy = 1 << 10,       // IsLossyMarker (text.cpp)
  kTailMark = 1 << 11,    // # 第 幢 楼 座 房 户 层: NormaliseTail has work for them
  kStar = 1 << 12,        // '*': a masked value
  kKept = 1 << 13,        // CleanText keeps it: kCjk, ASCII letters and digits, '-', '#'
  kMayChange = 1 << 14,   // T2s::MayChange, for U+4E00..U+9FFF only (DecodeSimple's range)
};

// Delivery notes: the text from the first of these to the end is dropped.
constexpr std::u32string_view kNotes[] = {
    U"放快递柜", U"快递柜", U"放门口", U"放门卫", U"门卫", U"放前台", U"前台", U"放驿站", U"驿站",
    U"丰巢", U"菜鸟", U"电话联系", U"联系电话", U"打电话", U"送货前", U"送货上门", U"周末送",
    U"工作日送", U"请送", U"请放", U"谢谢", U"备注", U"代收", U"放物业", U"收件人", U"放门卫室"};
constexpr size_t kNoteCount = sizeof kNotes / sizeof kNotes[0];
static_assert(kNoteCount <= 32, "the note search keeps a 32-bit mask");

// The class table, built by InitClasses (NormalizeAddress calls it first through
// a function-local static, whose guard also publishes the table to every thread).
// Not built at load time: a process that never sees an address does not pay.
const uint16_t* g_class = nullptr;

// DecodeSimple's range: CJK Unified Ideographs without the extensions.
constexpr char32_t kCjkFirst = 0x4E00, kCjkLast = 0x9FFF;

// The class table over DecodeSimple's ideographs in one byte a code point
// (20 KB, which stays in the L1 cache where the 40 KB of their 16-bit entries
// did not: the decoder's table reads were its slowest instructions). Every one
// of them has kCjk and kKept; byte bit i stands for kCjkByteClasses[i].
// InitClasses checks that this gives back every 16-bit entry.
constexpr uint16_t kCjkByteClasses[8] = {kNumeral, kUnitWord,  kPlaceSuffix, kNoteFirst,
                                         kPositional, kNameStop, kTailMark,  kMayChange};
constexpr uint8_t kMayChangeByte = 1 << 7;
static_assert(kCjkByteClasses[7] == kMayChange);
const uint8_t* g_cjk_class = nullptr;           // [c - kCjkFirst]
const uint16_t* g_cjk_class_expanded = nullptr;  // byte -> Class bits (kCjk, kKept not included)

bool InitClasses() {
  static const std::vector<uint16_t> t = [] {
    std::vector<uint16_t> v(0x10000, 0);
    auto mark = [&](std::u32string_view set, uint16_t bit) {
      for (char32_t c : set) v[c] |= bit;
    };
    mark(U"零〇一二三四五六七八九十百千两", kNumeral);
    mark(U"号弄栋幢座单室楼层房户期排组支", kUnitWord);
    mark(U"([{<【〔《〈「『", kOpenBr);
    mark(U")]}>】〕》〉」』", kCloseBr);
    mark(U"市县区州旗盟", kPlaceSuffix);
    mark(U"十百千", kPositional);
    mark(U"省市区县路街号弄室村镇乡", kNameStop);
    mark(U"#第幢楼座房户层", kTailMark);
    mark(U"*", kStar);
    mark(U"-#0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", kKept);
    for (std::u32string_view n : kNotes) v[n[0]] |= kNoteFirst;
    // T2s::MayChange as a class bit: the one-scan decoder asks it for every
    // ideograph, and one table lookup for both is cheaper than the 2.6 KB
    // bitset it had besides.
    for (char32_t c = kCjkFirst; c <= kCjkLast; ++c) {
      if (T2s::MayChange(c)) v[c] |= kMayChange;
    }
    for (char32_t c = 0; c < 0x10000; ++c) {
      if (IsCjkIdeograph(c)) v[c] |= kCjk | kKept;
      if (IsSpace(c)) v[c] |= kSpace;
      if (IsLossyMarker(c)) v[c] |= kLossy;
    }
    return v;
  }();
  g_class = t.data();
  static const std::vector<uint16_t> expanded = [] {
    std::vector<uint16_t> e(256, 0);
    for (int b = 0; b < 256; ++b) {
      for (int i = 0; i < 8; ++i) {
        if (b >> i & 1) e[b] |= kCjkByteClasses[i];
      }
    }
    return e;
  }();
  static const std::vector<uint8_t> cjk = [&] {
    std::vector<uint8_t> v(kCjkLast - kCjkFirst + 1, 0);
    for (char32_t c = kCjkFirst; c <= kCjkLast; ++c) {
      uint8_t b = 0;
      for (int i = 0; i < 8; ++i) {
        if (t[c] & kCjkByteClasses[i]) b |= static_cast<uint8_t>(1 << i);
      }
      // A programming error, not an input one (every run builds this table
      // first, so any test shows it): a class bit an ideograph may carry
      // that kCjkByteClasses lacks.
      if ((expanded[b] | kCjk | kKept) != t[c]) std::abort();
      v[c - kCjkFirst] = b;
    }
    return v;
  }();
  g_cjk_class = cjk.data();
  g_cjk_class_expanded = expanded.data();
  return true;
}

inline uint16_t Class(char32_t c) { return c < 0x10000 ? g_class[c] : 0; }
// Class plus, beyond the BMP, the bits of the text.cpp predicates.
inline uint16_t FullClass(char32_t c) {
  if (c < 0x10000) return g_class[c];
  return static_cast<uint16_t>((IsCjkIdeograph(c) ? kCjk | kKept : 0) | (IsLossyMarker(c) ? kLossy : 0));
}
inline bool Has(char32_t c, uint16_t bit) { return (Class(c) & bit) != 0; }


// For the rarely tested sets.
bool In(char32_t c, std::u32string_view set) { return set.find(c) != std::u32string_view::npos; }
inline bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }
inline bool IsAlnum(char32_t c) { return IsDigit(c) || (c >= 'A' && c <= 'Z'); }
inline bool IsNumeral(char32_t c) { return Has(c, kNumeral); }
inline bool IsUnitWord(char32_t c) { return Has(c, kUnitWord); }
// The text.cpp predicates, from the table for the BMP.
inline bool Cjk(char32_t c) { return c < 0x10000 ? Has(c, kCjk) : IsCjkIdeograph(c); }
inline bool Space(char32_t c) { return c < 0x10000 ? Has(c, kSpace) : IsSpace(c); }

// AppendUtf8 (text.cpp) over a whole string. Sizes `out` once for the worst
// case (4 bytes a code point), writes through a pointer and trims at the end:
// the former push_back/append per code point went through a 3-byte stack
// buffer whose bytes were reloaded as a word (a store-forwarding stall) and
// re-checked capacity each time; that was ~8% of address normalisation.
void AppendUtf8All(std::string& out, std::u32string_view s) {
  const size_t start = out.size();
  out.resize(start + 4 * s.size());
  char* p = out.data() + start;
  for (char32_t c : s) {
    if (c < 0x80) {
      *p++ = static_cast<char>(c);
    } else if (c < 0x800) {
      *p++ = static_cast<char>(0xC0 | (c >> 6));
      *p++ = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      *p++ = static_cast<char>(0xE0 | (c >> 12));
      *p++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *p++ = static_cast<char>(0x80 | (c & 0x3F));
    } else {
      *p++ = static_cast<char>(0xF0 | (c >> 18));
      *p++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      *p++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *p++ = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  out.resize(static_cast<size_t>(p - out.data()));
}

// ------------------------------------------------------------ region prefix

// A bare short name followed by a road word is a street name ("江西路", "四川北路").
bool RoadFollows(std::u32string_view s, size_t p) {
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
bool BareRejected(std::u32string_view s, size_t end, Kind kind) {
  if (kind != Kind::kShort && kind != Kind::kAlias) return false;
  return RoadFollows(s, end) || (end < s.size() && Has(s[end], kPlaceSuffix));
}

// The longest name at s[pos..] with at least one target that `keep` accepts.
struct Match {
  size_t len = 0;
  const Name* name = nullptr;  // null: no match
};

// The deepest trie node that s[pos..] leads to (walking down as far as s
// follows the trie), and its depth; node -1 if s[pos] starts no name.
struct Walk {
  int node = -1;
  size_t depth = 0;
};

Walk WalkDown(const Table& t, std::u32string_view s, size_t pos) {
  Walk w;
  if (pos >= s.size() || s[pos] >= 0x10000) return w;
  int node = t.root_kids[s[pos]];
  if (node < 0) return w;
  size_t depth = 1;
  while (pos + depth < s.size()) {
    const int next = FlatChild(t, node, s[pos + depth]);
    if (next < 0) break;
    node = next;
    ++depth;
  }
  return {node, depth};
}

// The deepest terminal node on the walk (depth >= 2) with a kept target, going
// back up through the parent links. Same answer as the depth-first recursion
// it replaces (first terminal, deepest first, with a kept target wins).
template <typename Filter>
Match DeepestKept(const Table& t, Walk w, const Filter& keep) {
  for (int node = w.node; w.depth >= 2; --w.depth, node = t.parent[node]) {
    const int n = t.flat[node].name;
    if (n < 0) continue;
    const Name& name = t.names[n];
    for (const Target& x : name.targets) {
      if (keep(t.divs[x.division])) return Match{w.depth, &name};
    }
  }
  return Match{};
}

// The longest name at s[pos..] with a target that `keep` accepts, for one s.
// Keeps the last walk: ResolveRegion asks twice at the same position (any name
// in SkipFiller, then a district or city of the province), and the walk down
// is the costly half.
class NameFinder {
 public:
  NameFinder(const Table& t, std::u32string_view s) : t_(t), s_(s) {}
  template <typename Filter>
  Match Longest(size_t pos, const Filter& keep) {
    if (pos != walked_pos_) {
      walk_ = WalkDown(t_, s_, pos);
      walked_pos_ = pos;
      // The walk read s_[pos..pos+depth] at most; whoever takes a match (ending
      // at pos+depth at most) reads at most two code points after it (RoadFollows).
      NoteRead(pos + walk_.depth + 2);
    }
    if (walk_.node < 0) return Match{};
    return DeepestKept(t_, walk_, keep);
  }

  // Records that s_[0..end) may have been read (see ResolveRegion's read_end).
  void NoteRead(size_t end) { read_end_ = std::max(read_end_, end); }
  size_t read_end() const { return read_end_; }

 private:
  const Table& t_;
  std::u32string_view s_;
  size_t walked_pos_ = std::u32string_view::npos;
  Walk walk_;
  size_t read_end_ = 0;
};

constexpr auto kAny = [](const Division&) { return true; };

// Skips repeats of already-resolved names and filler ("上海市上海市", "市辖区").
size_t SkipFiller(NameFinder& finder, std::u32string_view s, size_t pos, std::initializer_list<int> resolved) {
  while (true) {
    finder.NoteRead(pos + 3);  // the size test and the 市辖区 test read s[pos..pos+3) at most
    if (pos >= s.size()) break;
    std::u32string_view rest = s.substr(pos);
    if (rest.starts_with(U"市辖区")) { pos += 3; continue; }
    if (rest.starts_with(U"辖区")) { pos += 2; continue; }
    Match m = finder.Longest(pos, kAny);
    if (!m.name) break;
    bool repeat = false;
    for (const Target& x : m.name->targets) {
      // A short form followed by a unit word is another place with the same stem
      // ("喀什地区喀什市": the county-level city 喀什市 is not a repeat of 喀什地区).
      if ((x.kind == Kind::kShort || x.kind == Kind::kAlias) && pos + m.len < s.size() && Has(s[pos + m.len], kPlaceSuffix)) continue;
      for (int r : resolved) repeat |= (r >= 0 && x.division == r);
    }
    if (!repeat) break;
    pos += m.len;
  }
  return pos;
}

struct Region {
  int prov = -1, city = -1, dist = -1;
};

// Resolves the region prefix of s; returns the position after it.
// `read_end` (if given) receives a bound on what was read: the result depends
// only on s[0..read_end) as long as s.size() >= read_end (every test of s.size()
// compares it with a position below read_end, so any such s answers them the
// same way). IsOwnFixedPoint relies on it to skip a second resolution.
size_t ResolveRegion(std::u32string_view s, Region& r, size_t* read_end = nullptr) {
  const Table& t = Divisions();
  size_t pos = 0;
  for (std::u32string_view country : {std::u32string_view(U"中华人民共和国"), std::u32string_view(U"中国")}) {
    if (s.starts_with(country)) { pos = country.size(); break; }
  }
  int prov = -1, city = -1, dist = -1;
  NameFinder finder(t, s);
  Match m = finder.Longest(pos, kAny);
  if (m.name) {
    // A province wins over a same-named city ("海南"); otherwise the name must be unique.
    const Target* pick = nullptr;
    for (const Target& x : m.name->targets) {
      if (t.divs[x.division].level == Level::kProvince) pick = &x;
    }
    if (!pick && m.name->targets.size() == 1) pick = &m.name->targets[0];
    if (pick) {
      const Division& d = t.divs[pick->division];
      bool ok = !BareRejected(s, pos + m.len, pick->kind);
      if (d.level == Level::kDistrict) {
        // A district alone names its municipality only if no other city has one like it.
        ok = ok && pick->kind != Kind::kShort && !m.name->homonym;
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
    pos = SkipFiller(finder, s, pos, {prov, city, dist});
    const bool muni = t.divs[prov].municipality;
    if ((muni && dist < 0) || (!muni && city < 0)) {
      const Level want = muni ? Level::kDistrict : Level::kCity;
      auto keep = [&](const Division& d) { return d.level == want && d.province == prov; };
      Match c = finder.Longest(pos, keep);
      const Target* only = nullptr;
      int kept = 0;
      if (c.name) {
        for (const Target& x : c.name->targets) {
          if (keep(t.divs[x.division])) ++kept, only = &x;
        }
      }
      if (kept == 1 && !BareRejected(s, pos + c.len, only->kind)) {
        pos += c.len;
        (muni ? dist : city) = only->division;
        pos = SkipFiller(finder, s, pos, {prov, city, dist});
      }
    }
  }
  r = {prov, city, dist};
  if (read_end) *read_end = std::max<size_t>(finder.read_end(), 7);  // 7: the country test above
  return pos;
}

// Bytes AppendPrefix writes.
size_t PrefixSize(const Region& r) {
  const Table& t = Divisions();
  size_t n = 0;
  for (int d : {r.prov, r.city, r.dist}) n += d >= 0 ? t.divs[d].name_utf8.size() : 0;
  return n;
}

void AppendPrefix(const Region& r, std::string& out) {
  const Table& t = Divisions();
  out += t.divs[r.prov].name_utf8;
  if (r.city >= 0) out += t.divs[r.city].name_utf8;
  if (r.dist >= 0) out += t.divs[r.dist].name_utf8;
}

// ------------------------------------------------------------------ the rest

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

// Appends the Arabic form of a run of numerals: "一百二十三" -> "123",
// "五〇一" -> "501", "十二" -> "12".
void AppendArabic(std::u32string_view run, std::u32string& out) {
  bool positional = false;
  for (char32_t c : run) positional |= Has(c, kPositional);
  if (!positional) {
    for (char32_t c : run) out.push_back(static_cast<char32_t>('0' + NumeralDigit(c)));
    return;
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
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, total);
  (void)ec;  // cannot fail: 24 characters hold any long
  for (const char* p = buf; p < end; ++p) out.push_back(static_cast<char32_t>(*p));
}

// Chinese numerals directly before a unit word or after 第 become Arabic. Writes
// into `out` (a numeral run may grow: "千" -> "1000").
void ConvertNumerals(const std::u32string& s, std::u32string& out) {
  out.clear();
  for (size_t i = 0; i < s.size();) {
    if (!IsNumeral(s[i])) { out.push_back(s[i++]); continue; }
    size_t j = i;
    while (j < s.size() && IsNumeral(s[j])) ++j;
    bool after_di = i > 0 && s[i - 1] == U'第';
    if ((j < s.size() && IsUnitWord(s[j])) || after_di) {
      AppendArabic(std::u32string_view(s).substr(i, j - i), out);
    } else {
      out.append(s, i, j - i);
    }
    i = j;
  }
}

// Replaces every non-overlapping "ab" (left to right) by `to`, in place.
void ReplacePair(std::u32string& s, char32_t a, char32_t b, char32_t to) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == a && i + 1 < s.size() && s[i + 1] == b) {
      s[w++] = to;
      i += 2;
    } else {
      s[w++] = s[i++];
    }
  }
  s.resize(w);
}

// Shorthand at the end: a-b-c -> a栋b单元c室; a-b (b of 3+ digits) -> a栋b室.
void ExpandShorthand(std::u32string& s, std::u32string& tmp) {
  size_t end = s.size();
  if (end > 0 && s[end - 1] == U'室') --end;
  size_t p = end;
  std::array<std::pair<size_t, size_t>, 3> rev;  // [start, end) of groups, rightmost first
  size_t n = 0;
  while (true) {
    size_t e = p;
    while (p > 0 && IsAlnum(s[p - 1])) --p;
    if (p == e) break;
    rev[n++] = {p, e};
    if (p > 0 && s[p - 1] == '-' && n < 3) { --p; continue; }
    break;
  }
  const bool starts_clean = p == 0 || !(IsAlnum(s[p - 1]) || s[p - 1] == '-');
  if (!starts_clean) return;
  auto group = [&](size_t k) {  // k-th group from the left
    const auto& g = rev[n - 1 - k];
    return std::u32string_view(s).substr(g.first, g.second - g.first);
  };
  if (n == 3) {
    tmp.assign(s, 0, p);
    tmp += group(0);
    tmp += U"栋";
    tmp += group(1);
    tmp += U"单元";
    tmp += group(2);
    tmp += U"室";
    s.swap(tmp);
  } else if (n == 2 && group(1).size() >= 3 && group(0).size() <= 3) {
    tmp.assign(s, 0, p);
    tmp += group(0);
    tmp += U"栋";
    tmp += group(1);
    tmp += U"室";
    s.swap(tmp);
  }
}

// House-number rules on the text after the region prefix, in place; `tmp` is scratch.
// `marks`: the Class bits of s's code points, or a superset (AddressPass's, taken
// before cleaning: cleaning and region resolution only remove code points or
// upper-case ASCII letters, which carry none of the bits tested here). It says
// which of the first steps have anything to do (a step without its characters
// is a no-op; none of them creates a character another one looks for, except
// 号 from '#', which matters only next to 楼, tested here already).
void NormaliseTail(std::u32string& s, std::u32string& tmp, uint16_t marks) {
  size_t w = 0;
  if (marks & kTailMark) {
    // '#' after a number is 号 (Chinese numerals count: "十#"); other '#' go.
    for (size_t i = 0; i < s.size(); ++i) {
      char32_t c = s[i];
      if (c != '#') { s[w++] = c; continue; }
      if (w > 0 && (IsAlnum(s[w - 1]) || IsNumeral(s[w - 1]))) s[w++] = U'号';
    }
    s.resize(w);
  }
  if (marks & kNumeral) {
    ConvertNumerals(s, tmp);
    s.swap(tmp);
  }
  if (marks & kTailMark) {
    // 第 before a number goes (the next character is read before it is overwritten).
    w = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      char32_t c = s[i];
      if (c == U'第' && i + 1 < s.size() && IsDigit(s[i + 1])) continue;
      s[w++] = c;
    }
    s.resize(w);
    ReplacePair(s, U'号', U'楼', U'栋');
    std::replace(s.begin(), s.end(), U'幢', U'栋');
    ReplacePair(s, U'栋', U'楼', U'栋');
    // 座/房/户 after a number or letter.
    for (size_t i = 1; i < s.size(); ++i) {
      if (!IsAlnum(s[i - 1])) continue;
      if (s[i] == U'座') s[i] = U'栋';
      else if (s[i] == U'房' || s[i] == U'户') s[i] = U'室';
    }
  }
  ExpandShorthand(s, tmp);
  // A bare number at the end: a room after a building/unit/number word, a road number after a road.
  {
    size_t p = s.size();
    while (p > 0 && IsAlnum(s[p - 1])) --p;
    if (p < s.size() && p > 0 && In(s[p - 1], U"号栋元弄楼层")) s.push_back(U'室');
    else if (p < s.size() && p > 0 && In(s[p - 1], U"路街道巷")) s.push_back(U'号');
  }
  // Floor before a room: "5楼501室", "5层501室" -> "501室".
  for (size_t i = 0; (marks & kTailMark) && i < s.size(); ++i) {
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
  w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '0' && (w == 0 || !IsDigit(s[w - 1])) && i + 1 < s.size() && IsDigit(s[i + 1])) continue;
    s[w++] = s[i];
  }
  s.resize(w);
}

bool PhoneLike(std::u32string_view tok) {
  size_t digits = 0;
  for (char32_t c : tok) {
    if (IsDigit(c)) ++digits;
    else if (c != '+' && c != '-' && c != '(' && c != ')') return false;
  }
  return digits >= 7;
}

// Pre-cleaning on whitespace tokens, in place: phone numbers, postcodes and a
// leading name of a one-line delivery string ("张三 13812345678 浙江省杭州市… 311121").
// White space goes in any case.
// `marks`: the FullClass bits of s's code points, or a superset.
void DropDeliveryNoise(std::u32string& s, std::u32string& tmp, std::vector<std::pair<size_t, size_t>>& toks,
                       uint16_t marks) {
  // One token (no whitespace, the common case): nothing to drop but the token itself
  // if it is a phone number.
  if (!(marks & kSpace)) {
    if (PhoneLike(s)) s.clear();
    return;
  }
  toks.clear();
  bool had_phone = false;
  for (size_t i = 0; i < s.size();) {
    if (Space(s[i])) { ++i; continue; }
    size_t j = i;
    while (j < s.size() && !Space(s[j])) ++j;
    if (PhoneLike(std::u32string_view(s).substr(i, j - i))) had_phone = true;
    else toks.push_back({i, j});
    i = j;
  }
  auto view = [&](size_t k) { return std::u32string_view(s).substr(toks[k].first, toks[k].second - toks[k].first); };
  auto postcode = [](std::u32string_view tok) {
    return tok.size() == 6 && std::all_of(tok.begin(), tok.end(), IsDigit);
  };
  size_t first = 0, last = toks.size();  // kept tokens [first, last)
  if (last - first > 1 && postcode(view(last - 1))) --last;
  if (last - first > 1 && postcode(view(first))) ++first;
  if (had_phone && last - first > 1) {
    std::u32string_view f = view(first);
    bool name_like = f.size() >= 2 && f.size() <= 4 && std::all_of(f.begin(), f.end(), Cjk) &&
                     std::none_of(f.begin(), f.end(), [](char32_t c) { return Has(c, kNameStop); });
    if (name_like) ++first;
  }
  tmp.clear();
  for (size_t k = first; k < last; ++k) tmp += view(k);
  s.swap(tmp);
}

// Where CutNotes cuts s (s.size() if nowhere).
size_t NoteCut(std::u32string_view s) {
  uint32_t at_start = 0;  // notes found at position 0
  for (size_t i = 0; i < s.size(); ++i) {
    if (!Has(s[i], kNoteFirst)) continue;
    std::u32string_view rest = s.substr(i);
    for (size_t k = 0; k < kNoteCount; ++k) {
      if (!rest.starts_with(kNotes[k])) continue;
      if (i == 0) {
        at_start |= uint32_t{1} << k;
      } else if (!(at_start >> k & 1)) {
        return i;
      }
    }
  }
  return s.size();
}

// Cuts at the earliest delivery note that is not at the start. As in the
// reference, each note counts at its first occurrence only, and a note whose
// first occurrence is at position 0 is ignored entirely.
void CutNotes(std::u32string& s) { s.resize(NoteCut(s)); }

// The common case in one scan: true if raw is valid UTF-8 made only of ASCII and
// CJK Unified Ideographs U+4E00..U+9FFF (so NFKC leaves it as it is: see
// AlreadyNfkc in text.cpp) none of which t2s may change where it stands
// (T2s::MayChangeAt: the general path's NeedsConversion gives the same answer
// on the trimmed text, as no t2s phrase key holds ASCII), and then s holds its
// code points. False: use the general path (s is garbage).
// `marks` receives the union of the code points' Class bits; `may_change_seen`
// whether a code point of T2s::MayChange's set was there (one that t2s leaves
// as it is only because of what surrounds it: 沈, 俱, 么).
bool DecodeSimple(std::string_view raw, std::u32string& s, uint16_t& marks, bool& may_change_seen) {
  s.resize(raw.size());  // at least one byte per code point
  char32_t* out = s.data();
  size_t n = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  uint16_t k = 0;
  uint8_t kb = 0;  // the ideographs' g_cjk_class bytes
  bool seen = false, ideograph = false;
  for (size_t i = 0; i < raw.size();) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      out[n++] = b;
      k |= g_class[b];
      ++i;
      continue;
    }
    // Three-byte sequences only; anything else is not in the simple set.
    if ((b & 0xF0) != 0xE0 || i + 2 >= raw.size() || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80)
      return false;
    const char32_t c = (char32_t{b & 0x0Fu} << 12) | (char32_t{p[i + 1] & 0x3Fu} << 6) | (p[i + 2] & 0x3Fu);
    if (c < kCjkFirst || c > kCjkLast) return false;
    const uint8_t cls = g_cjk_class[c - kCjkFirst];
    if (cls & kMayChangeByte) {
      if (T2s::MayChangeAt(raw, i, c)) return false;
      seen = true;
    }
    out[n++] = c;
    kb |= cls;
    ideograph = true;
    i += 3;
  }
  s.resize(n);
  marks = k | g_cjk_class_expanded[kb] | (ideograph ? kCjk | kKept : 0);
  may_change_seen = seen;
  return true;
}

struct Scratch {
  std::string text, conv;
  std::u32string s, tmp;
  std::vector<std::pair<size_t, size_t>> toks;
  // Left by a pass that returned kOk through the Chinese rules (tail_ready):
  // the region it resolved, and in `s` the tail it encoded after the prefix.
  // IsOwnFixedPoint reads them.
  bool tail_ready = false;
  Region region;
  // Also from that pass: the union of the Class bits of its text after decoding
  // (a superset of the tail's, but for the code points NormaliseTail writes),
  // and whether DecodeSimple took it without meeting a MayChange code point.
  uint16_t marks = 0;
  bool simple = false;
  // And whether the text it resolved the region on (size text_size) began with
  // the region's names as written in the prefix (prefix_canonical), with the
  // code points after them that the resolution read (`head`: up to read_end,
  // when that is within the text).
  bool prefix_canonical = false;
  size_t text_size = 0, read_end = 0;
  std::u32string head;
  std::u32string text32, tail;  // IsOwnFixedPoint's scratch
};

Scratch& ThreadScratch() {
  thread_local Scratch w;
  return w;
}

// Fills Scratch's prefix_canonical, text_size, read_end and head from AddressPass's
// region resolution on s (region, ending at pos, having read s[0..read_end)).
void RecordRegionReads(std::u32string_view s, size_t pos, const Region& region, size_t read_end, Scratch& w) {
  w.text_size = s.size();
  w.read_end = read_end;
  w.prefix_canonical = false;
  if (read_end > s.size() || read_end < pos) return;
  const Table& t = Divisions();
  size_t at = 0;
  for (int d : {region.prov, region.city, region.dist}) {
    if (d < 0) continue;
    const std::u32string& name = t.divs[d].name;
    if (s.substr(at, name.size()) != name) return;
    at += name.size();
  }
  if (at != pos) return;
  w.prefix_canonical = true;
  w.head.assign(s.substr(pos, read_end - pos));
}

// Latin/pinyin address: lower case, words separated by one space. Not resolved.
NormOutcome LatinAddress(std::string_view text, std::string& result) {
  std::string folded, res;
  if (!NfkcCaseFold(text, folded)) return NormOutcome::kBadEncoding;
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

// Removes brackets with their content, in place.
void DropBracketed(std::u32string& s) {
  size_t w = 0;
  int depth = 0;
  for (char32_t c : s) {
    const uint16_t k = Class(c);
    if (k & kOpenBr) { ++depth; continue; }
    if (k & kCloseBr) { if (depth > 0) --depth; continue; }
    if (depth == 0) s[w++] = c;
  }
  s.resize(w);
}

// Keeps CJK ideographs, digits, '-', '#' and ASCII letters (upper-cased); drops
// everything else (spaces, punctuation, symbols). Branch-free per code point
// (the kept/dropped and letter/ideograph mix is unpredictable): CleanText's
// hottest loop before.
// `simple`: every code point is ASCII or in U+4E00..U+9FFF (DecodeSimple's set),
// so a non-ASCII one is an ideograph, kept, and the class table (whose
// ideograph part does not stay in the L1 cache) need not be read for it.
template <bool kSimple>
void KeepCharacters(std::u32string& s) {
  size_t w = 0;
  for (char32_t c : s) {
    const bool kept = kSimple ? c >= 0x80 || (g_class[c] & kKept) != 0 : (FullClass(c) & kKept) != 0;
    const bool lower = c - U'a' < 26;
    s[w] = lower ? c - (U'a' - U'A') : c;
    w += kept;
  }
  s.resize(w);
}

void KeepAddressCharacters(std::u32string& s, bool simple) {
  if (simple) KeepCharacters<true>(s);
  else KeepCharacters<false>(s);
}

bool AllDigits(std::u32string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); }

// A postcode glued at the end ("…501室311121") or start ("311121浙江省…") of a
// cleaned text, which CleanText removes.
bool GluedPostcodeAtEnd(std::u32string_view s) {
  return s.size() > 8 && AllDigits(s.substr(s.size() - 6)) && !IsDigit(s[s.size() - 7]) &&
         !In(s[s.size() - 7], U"栋元弄楼层-");
}
bool GluedPostcodeAtStart(std::u32string_view s) { return s.size() > 8 && AllDigits(s.substr(0, 6)) && !IsDigit(s[6]); }

// Brackets with their content, then delivery notes, then punctuation; in place.
// `marks`: the FullClass bits of s's code points, or a superset; a step whose
// characters are absent is skipped (it would be a no-op).
// `simple`: s is in DecodeSimple's set (see KeepAddressCharacters).
void CleanText(std::u32string& s, uint16_t marks, bool simple) {
  if (marks & (kOpenBr | kCloseBr)) DropBracketed(s);
  if (marks & kNoteFirst) CutNotes(s);
  KeepAddressCharacters(s, simple);
  // Postcode glued at either end ("…501室311121", "311121浙江省…").
  if (GluedPostcodeAtEnd(s)) s.resize(s.size() - 6);
  if (GluedPostcodeAtStart(s)) s.erase(0, 6);
  // Stray marks before the first word ("#杭州…", "-501").
  size_t lead = 0;
  while (lead < s.size() && (s[lead] == '#' || s[lead] == '-')) ++lead;
  s.erase(0, lead);
}

// One pass of the address rules; NormalizeAddress repeats it until it settles.
// `raw` must not point into the thread's scratch buffers nor into `result`.
NormOutcome AddressPass(std::string_view raw, T2s& t2s, Scratch& w, std::string& result) {
  w.tail_ready = false;
  std::u32string& s = w.s;
  std::string_view text;
  uint16_t marks = 0;
  bool marks_known = false;  // marks already holds the classes of s (as trimmed)
  bool may_change_seen = true;
  bool decoded_simple = false;  // s is in DecodeSimple's set
  if (DecodeSimple(raw, s, marks, may_change_seen)) {
    decoded_simple = true;
    // NFKC and t2s leave raw as it is (see DecodeSimple); trimming can only
    // remove ASCII white space, one byte per code point.
    size_t lead = 0, trail = 0;
    while (lead < s.size() && Space(s[lead])) ++lead;
    while (trail < s.size() - lead && Space(s[s.size() - 1 - trail])) ++trail;
    std::string_view v = raw.substr(lead, raw.size() - lead - trail);
    if (v.empty()) return NormOutcome::kAbsent;
    if (IsNullPlaceholder(v) || v == "同上" || v == "详见备注" || v == "地址") return NormOutcome::kPlaceholder;
    s.resize(s.size() - trail);
    s.erase(0, lead);
    text = v;
    // Saves a scan over s: DecodeSimple's marks stand unless trimming removed
    // something or there is a lossy marker or '*' (the loop below decides).
    marks_known = lead == 0 && trail == 0 && !(marks & (kLossy | kStar));
  } else {
    if (!Nfkc(raw, w.text)) return NormOutcome::kBadEncoding;
    std::string_view v = Trim(w.text);
    if (v.empty()) return NormOutcome::kAbsent;
    if (IsNullPlaceholder(v) || v == "同上" || v == "详见备注" || v == "地址") return NormOutcome::kPlaceholder;
    text = v;
    if (t2s.NeedsConversion(v)) {  // as T2s::Convert decides; the copy only when it converts
      w.conv.assign(v);
      if (!t2s.Convert(w.conv)) return NormOutcome::kBadEncoding;
      text = w.conv;
    }
    if (!DecodeUtf8(text, s)) return NormOutcome::kBadEncoding;
  }
  // The first lossy marker or '*' decides; the union of the classes tells the
  // later steps which of them have work to do.
  if (!marks_known) {
    marks = 0;
    for (char32_t c : s) {
      const uint16_t k = FullClass(c);
      if (k & (kLossy | kStar)) return c == '*' ? NormOutcome::kMasked : NormOutcome::kBadEncoding;
      marks |= k;
    }
  }
  if (!(marks & kCjk)) return LatinAddress(text, result);

  DropDeliveryNoise(s, w.tmp, w.toks, marks);
  CleanText(s, marks, /*simple=*/decoded_simple);
  Region region;
  size_t read_end = 0;
  const size_t pos = ResolveRegion(s, region, &read_end);
  RecordRegionReads(s, pos, region, read_end, w);
  s.erase(0, pos);
  while (!s.empty() && (s.back() == '-' || s.back() == '#')) s.pop_back();
  NormaliseTail(s, w.tmp, marks);
  while (!s.empty() && s.back() == '-') s.pop_back();
  size_t lead = 0;
  while (lead < s.size() && s[lead] == '-') ++lead;
  s.erase(0, lead);
  if (s.size() < 2) return NormOutcome::kInvalid;  // a region alone is not an address
  // The tail is encoded straight after the prefix (result is only read on kOk),
  // in one allocation at most (growing it in two steps was ~3% of the time).
  result.clear();
  result.reserve(PrefixSize(region) + 4 * s.size());
  if (region.prov >= 0) AppendPrefix(region, result);
  const size_t prefix_size = result.size();
  AppendUtf8All(result, s);
  if (IsNullPlaceholder(std::string_view(result).substr(prefix_size))) return NormOutcome::kPlaceholder;  // "中国NULL"
  // Only notes, phone numbers or Latin letters were Chinese here: nothing left to key.
  if (region.prov < 0 && std::none_of(s.begin(), s.end(), Cjk)) return NormOutcome::kInvalid;
  w.region = region;
  w.marks = marks;
  w.simple = !may_change_seen;
  w.tail_ready = true;
  return NormOutcome::kOk;
}

// The steps of IsOwnFixedPoint from CleanText's last ones on, on x's code
// points xs (the region's names, prefix_len of them, then the tail w.s).
// `marks`: the Class bits of xs, or a superset (enough for the steps that
// test them, see NormaliseTail). The steps before CleanText's note cut are the
// caller's to check.
bool ConfirmRegionAndTail(std::u32string_view xs, size_t prefix_len, uint16_t marks, Scratch& w) {
  if ((marks & kNoteFirst) && NoteCut(xs) != xs.size()) return false;
  if (GluedPostcodeAtEnd(xs) || GluedPostcodeAtStart(xs)) return false;
  if (xs[0] == '#' || xs[0] == '-') return false;
  // The region: as the pass resolved it when xs agrees with the pass's text on
  // everything the resolution read (ResolveRegion's read_end), else resolved again.
  const bool same_reads = w.prefix_canonical && w.read_end <= xs.size() && w.read_end >= prefix_len &&
                          xs.substr(prefix_len, w.read_end - prefix_len) == w.head;
  if (!same_reads) {
    Region r;
    if (ResolveRegion(xs, r) != prefix_len || r.prov != w.region.prov || r.city != w.region.city ||
        r.dist != w.region.dist)
      return false;
  }
  std::u32string& tail = w.tail;
  tail.assign(w.s);
  if (!tail.empty() && (tail.back() == '-' || tail.back() == '#')) return false;
  NormaliseTail(tail, w.tmp, marks);
  if (tail != w.s) return false;
  if (tail.empty() || tail.back() == '-' || tail.front() == '-') return false;
  return true;
}

// The union of the Class bits of each division's name, and whether the name is
// in DecodeSimple's set (U+4E00..U+9FFF) with no MayChange code point; and
// whether the code points NormaliseTail writes (号栋室单元, digits) are free
// of MayChange code points too. Built on first use (after InitClasses).
struct PrefixClasses {
  std::vector<uint16_t> marks;
  std::vector<uint8_t> simple;
  uint16_t tail_written_marks = 0;
  bool tail_written_simple = true;
};

const PrefixClasses& DivisionClasses() {
  static const PrefixClasses p = [] {
    const Table& t = Divisions();
    PrefixClasses c;
    auto simple_char = [](char32_t ch) { return ch >= kCjkFirst && ch <= kCjkLast && !T2s::MayChange(ch); };
    for (const Division& d : t.divs) {
      uint16_t m = 0;
      bool simple = !d.name.empty();
      for (char32_t ch : d.name) {
        m |= Class(ch);
        simple &= simple_char(ch);
      }
      c.marks.push_back(m);
      c.simple.push_back(simple);
    }
    for (char32_t ch : std::u32string_view(U"号栋室单元")) {
      c.tail_written_marks |= Class(ch);
      c.tail_written_simple &= simple_char(ch);
    }
    for (char32_t ch = '0'; ch <= '9'; ++ch) c.tail_written_marks |= Class(ch);
    return c;
  }();
  return p;
}

// The shortcut of IsOwnFixedPoint, from what the pass recorded instead of a
// scan of x, when the pass took DecodeSimple's path without a MayChange code
// point (w.simple) and the prefix names are simple: then
//  - DecodeSimple accepts x: the tail's code points are the pass's (ASCII or
//    U+4E00..U+9FFF, no MayChange one) or NormaliseTail's (号栋室单元, digits);
//  - no white space, lossy marker, '*', bracket or lower-case letter: the tail
//    is what KeepAddressCharacters kept (or NormaliseTail wrote), the prefix
//    is ideographs; and x has an ideograph (the pass's last check);
//  - `marks`, set to the pass's marks | the prefix's | NormaliseTail's, is a
//    superset of x's Class bits.
bool KnownSimple(const Scratch& w, uint16_t& marks) {
  if (!w.simple) return false;
  const PrefixClasses& pc = DivisionClasses();
  if (!pc.tail_written_simple) return false;
  uint16_t m = w.marks | pc.tail_written_marks;
  for (int d : {w.region.prov, w.region.city, w.region.dist}) {
    if (d < 0) continue;
    if (!pc.simple[d]) return false;
    m |= pc.marks[d];
  }
  marks = m;
  return true;
}

// True if AddressPass(x) would return kOk and x itself, where x is the result of
// the pass just run (w.tail_ready: w.region and the tail w.s are that pass's).
// False means "not shown": the caller runs the pass.
//
// It is that pass, run on x's code points rebuilt from the pass's region and
// tail (x = the region's names + the tail, see AddressPass's end) instead of
// decoding x, with each step that cannot change x checked to be a no-op
// instead of run; whatever could differ returns false:
//  - DecodeSimple accepts x: ASCII or U+4E00..U+9FFF, t2s changes nothing;
//    then no trimming (no white space), no placeholder, no lossy marker or '*';
//  - DropDeliveryNoise: no white space, and x (it has an ideograph) is no phone number;
//  - CleanText: no bracket, no delivery note to cut, every code point kept and
//    not lower-case, no glued postcode, no leading '#' or '-';
//  - ResolveRegion finds the same region and ends where the tail starts (not
//    run again when x agrees with the pass's text on all that the pass's
//    resolution read, see ConfirmRegionAndTail);
//  - NormaliseTail returns the tail as it is (run on a copy), no '-' to strip;
//  - the checks after it are the pass's own on the same tail and region.
// The decoding checks come from what the pass recorded when it could (see
// KnownSimple), else from a scan of x's code points.
// tests/normalize_address_differential_test.cpp compares NormalizeAddress with
// NormalizeAddressFullPasses (no shortcut) and with the reference; so does
// fuzz/fuzz_normalize.cpp.
bool IsOwnFixedPoint(std::string_view x, Scratch& w) {
  if (!w.tail_ready) return false;
  const Table& t = Divisions();
  std::u32string& xs = w.text32;
  xs.clear();
  for (int d : {w.region.prov, w.region.city, w.region.dist}) {
    if (d >= 0) xs += t.divs[d].name;
  }
  const size_t prefix_len = xs.size();
  xs += w.s;
  if (IsNullPlaceholder(x) || x == "同上" || x == "详见备注" || x == "地址") return false;
  uint16_t marks = 0;
  if (KnownSimple(w, marks)) return ConfirmRegionAndTail(xs, prefix_len, marks, w);
  // DecodeSimple over x, from its code points; UTF-8 offsets counted for MayChangeAt.
  size_t at = 0;
  for (char32_t c : xs) {
    if (c < 0x80) {
      if (c - U'a' < 26) return false;  // KeepAddressCharacters would upper-case it
      marks |= g_class[c];
      at += 1;
      continue;
    }
    if (c < kCjkFirst || c > kCjkLast) return false;
    if ((g_class[c] & kMayChange) && T2s::MayChangeAt(x, at, c)) return false;
    marks |= g_class[c];
    at += 3;
  }
  if (at != x.size()) return false;  // x is not what the pass wrote (cannot happen)
  // Every code point kept by KeepAddressCharacters: ASCII ones are tested
  // here (a CJK ideograph always is).
  for (char32_t c : xs) {
    if (c < 0x80 && !(g_class[c] & kKept)) return false;
  }
  if (marks & (kSpace | kLossy | kStar | kOpenBr | kCloseBr)) return false;
  if (!(marks & kCjk)) return false;
  return ConfirmRegionAndTail(xs, prefix_len, marks, w);
}

}  // namespace

// The passes are repeated until the text no longer changes, so that a canonical
// address is its own canonical form (a user typing it finds the key). Real
// addresses settle after one pass (the second only confirms); text that does not
// settle within a few passes is garbage.
namespace {

// shortcuts: skip or cheapen the confirming pass where it provably returns its
// input (false: every pass runs, the oracle of the tests).
NormOutcome RepeatPasses(std::string_view raw, T2s& t2s, std::vector<std::string>& out, bool shortcuts) {
  static const bool classes_ready = InitClasses();
  (void)classes_ready;
  Scratch& w = ThreadScratch();
  thread_local std::string next;  // reused; `cur` is moved into `out`
  std::string cur;
  NormOutcome o = AddressPass(raw, t2s, w, cur);
  // Already canonical (the pass returned its input): the pass is a pure function,
  // so a second pass would return the same text again. Saves half the cost for
  // addresses written the canonical way, the common case in customer lists.
  // Otherwise the confirming pass is checked without running it in full where
  // that can be shown (IsOwnFixedPoint): most addresses change in the first pass
  // ("99号1806室" -> "99栋1806室") and not in the second.
  if (shortcuts && o == NormOutcome::kOk && (cur == raw || IsOwnFixedPoint(cur, w))) {
    out.push_back(std::move(cur));
    return NormOutcome::kOk;
  }
  for (int pass = 0; pass < 6 && o == NormOutcome::kOk; ++pass) {
    o = AddressPass(cur, t2s, w, next);
    if (o != NormOutcome::kOk) break;
    if (next == cur) {
      out.push_back(std::move(cur));
      return NormOutcome::kOk;
    }
    cur.swap(next);
  }
  return o == NormOutcome::kOk ? NormOutcome::kInvalid : o;
}

}  // namespace

NormOutcome NormalizeAddress(std::string_view raw, T2s& t2s, std::vector<std::string>& out) {
  return RepeatPasses(raw, t2s, out, /*shortcuts=*/true);
}

NormOutcome NormalizeAddressFullPasses(std::string_view raw, T2s& t2s, std::vector<std::string>& out) {
  return RepeatPasses(raw, t2s, out, /*shortcuts=*/false);
}

}  // namespace leakdex::norm
