// Build-time generator (not part of leakdex_core): reads the keys of the two
// OpenCC dictionaries t2s uses (TSPhrases, TSCharacters) and writes, as a C++
// bitset, every code point a t2s conversion can change, plus a fingerprint
// (size and XXH3 of each dictionary file).
//
// Why: T2s::MayChange lets names and addresses that are already Simplified skip
// OpenCC. Building that set at run time meant linking OpenCC's C++ API (and
// marisa) into every leakdex process and reading its dictionaries (~5-10 ms);
// a `check` must take < 5 ms (issue 6). At run time OpenCC is now only opened
// (dlopen, C API) to convert a string that holds a marked code point, and
// t2s.cpp compares the fingerprint with the installed dictionaries on first
// use: if they differ, it assumes every non-ASCII code point may change
// (always correct, only slower). OpenCC's data stays the authority.
//
// It also writes the phrase-only code points: marked only because they sit at a
// differing position of a TSPhrases key (沈 of 沈沒 -> 沉没), never a
// TSCharacters key. t2s changes such a code point only inside one of those
// phrases, so T2s::MayChangeAt looks for the phrase keys around it (listed
// here with the code point's byte offset in each) instead of running OpenCC:
// 沈 is the only one in the division names (沈阳), and a common surname.
//
// Usage: t2s_may_change OPENCC_DATA_DIR OUTPUT.inc
#include <opencc/Lexicon.hpp>
#include <opencc/MarisaDict.hpp>
#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr char32_t kMaxCp = 0x40000;  // same bound as t2s.cpp

// OpenCC's keys and values are its own valid UTF-8; a small decoder keeps this
// generator free of leakdex_core (which includes its output). Returns false on
// a malformed sequence.
bool Decode(const std::string& s, std::u32string& out) {
  out.clear();
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t c = n == 1 ? b : b & (0x7F >> n);
    for (int k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(c);
    i += n;
  }
  return true;
}

void Mark(std::vector<uint64_t>& bits, char32_t c) {
  if (c < kMaxCp) bits[c >> 6] |= uint64_t{1} << (c & 63);
}

bool Marked(const std::vector<uint64_t>& bits, char32_t c) {
  return c < kMaxCp && (bits[c >> 6] >> (c & 63)) & 1;
}

// What MarkDict learnt beyond the bits.
struct DictKeys {
  std::vector<std::string> changing;  // keys with a candidate value that differs
  bool multi_char_key = false;        // some key has more than one code point
};

// Marks every key code point whose conversion (any candidate value) differs.
bool MarkDict(const std::string& path, std::vector<uint64_t>& bits, DictKeys& keys) {
  FILE* fp = std::fopen(path.c_str(), "rb");
  if (!fp) return false;
  opencc::MarisaDictPtr dict = opencc::MarisaDict::NewFromFile(fp);
  std::fclose(fp);
  std::u32string key, value;
  for (const auto& entry : *dict->GetLexicon()) {
    if (!Decode(entry->Key(), key)) continue;
    keys.multi_char_key |= key.size() > 1;
    bool changing = false;
    for (const std::string& v : entry->Values()) {
      if (!Decode(v, value)) continue;
      if (value.size() != key.size()) {
        for (char32_t c : key) Mark(bits, c);
        changing = true;
        continue;
      }
      for (size_t i = 0; i < key.size(); ++i)
        if (key[i] != value[i]) Mark(bits, key[i]), changing = true;
    }
    if (changing) keys.changing.push_back(entry->Key());
  }
  return true;
}

// One changing TSPhrases key around a phrase-only code point.
struct PhraseRow {
  char32_t pivot;
  size_t offset;  // byte offset of the pivot in key
  std::string key;
};

// Phrase-only code points (see the top of this file) and the changing phrase
// keys that hold them. A code point is left out (stays "always convert") when
// the argument does not hold for it: TSCharacters has a multi-code-point key
// (the group dictionary could then match it across the text), or a phrase key
// holding it has an ASCII byte (trimming could then cut an occurrence).
std::vector<PhraseRow> PhraseOnlyRows(const std::vector<uint64_t>& all_bits, const std::vector<uint64_t>& char_bits,
                                      const DictKeys& characters, const DictKeys& phrases) {
  std::vector<PhraseRow> rows;
  if (characters.multi_char_key) return rows;
  std::set<char32_t> excluded;
  std::u32string key;
  for (const std::string& k : phrases.changing) {
    if (!Decode(k, key)) return {};
    bool ascii = false;
    for (char ch : k) ascii |= static_cast<unsigned char>(ch) < 0x80;
    size_t offset = 0;
    for (char32_t c : key) {
      const size_t len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      if (Marked(all_bits, c) && !Marked(char_bits, c)) {
        if (ascii) excluded.insert(c);
        rows.push_back({c, offset, k});
      }
      offset += len;
    }
  }
  std::vector<PhraseRow> kept;
  for (const PhraseRow& r : rows) {
    if (!excluded.count(r.pivot)) kept.push_back(r);
  }
  return kept;
}

// For T2s::Convert's own implementation of OpenCC's t2s (src/normalize/t2s.cpp
// says why and proves it equal): every TSPhrases key with its default value,
// and every TSCharacters key of one code point whose default value differs.
// A TSCharacters key of several code points (none in OpenCC 1.1) marks its
// first code point as one where the fast path declines.
struct Phrase {
  std::u32string key;
  std::string value;
};
bool ReadFastPath(const std::string& dir, std::vector<Phrase>& phrases,
                  std::vector<std::pair<char32_t, std::string>>& chars, std::vector<uint64_t>& decline) {
  std::u32string key;
  for (const char* name : {"TSPhrases.ocd2", "TSCharacters.ocd2"}) {
    FILE* fp = std::fopen((dir + "/" + name).c_str(), "rb");
    if (!fp) return false;
    opencc::MarisaDictPtr dict = opencc::MarisaDict::NewFromFile(fp);
    std::fclose(fp);
    const bool is_phrases = std::string(name) == "TSPhrases.ocd2";
    for (const auto& entry : *dict->GetLexicon()) {
      if (!Decode(entry->Key(), key) || key.empty()) continue;
      const std::string value = entry->GetDefault();
      if (is_phrases) {
        phrases.push_back(Phrase{key, value});
      } else if (key.size() != 1) {
        Mark(decline, key[0]);
      } else if (value != entry->Key()) {
        chars.emplace_back(key[0], value);
      }
    }
  }
  std::sort(phrases.begin(), phrases.end(), [](const Phrase& a, const Phrase& b) { return a.key < b.key; });
  std::sort(chars.begin(), chars.end());
  return true;
}

// A C++ string literal of UTF-8 bytes.
std::string Literal(const std::string& s) {
  std::string out = "\"";
  char buf[8];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  }
  return out + "\"";
}

bool Fingerprint(const std::string& path, uint64_t& size, uint64_t& hash) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size = bytes.size();
  hash = XXH3_64bits(bytes.data(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s OPENCC_DATA_DIR OUTPUT.inc\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  std::vector<uint64_t> bits(kMaxCp / 64, 0);
  const char* files[2] = {"TSCharacters.ocd2", "TSPhrases.ocd2"};
  uint64_t sizes[2], hashes[2];
  DictKeys keys[2];
  std::vector<uint64_t> char_bits;  // the bits after TSCharacters alone
  for (int f = 0; f < 2; ++f) {
    const std::string path = dir + "/" + files[f];
    if (f == 1) char_bits = bits;
    try {
      if (!MarkDict(path, bits, keys[f]) || !Fingerprint(path, sizes[f], hashes[f])) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return 1;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cannot read %s: %s\n", path.c_str(), e.what());
      return 1;
    }
  }
  std::vector<Phrase> phrases;
  std::vector<std::pair<char32_t, std::string>> chars;
  std::vector<uint64_t> decline(kMaxCp / 64, 0);
  try {
    if (!ReadFastPath(dir, phrases, chars, decline)) {
      std::fprintf(stderr, "cannot read the t2s dictionaries in %s\n", dir.c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot read the t2s dictionaries: %s\n", e.what());
    return 1;
  }
  FILE* out = std::fopen(argv[2], "w");
  if (!out) return 1;
  int count = 0;
  for (uint64_t w : bits) count += __builtin_popcountll(w);
  std::fprintf(out, "// Generated at build time by leakdex_gen_t2s_may_change from OpenCC's t2s dictionaries.\n");
  std::fprintf(out, "inline constexpr int kT2sMayChangeCount = %d;\n", count);
  for (int f = 0; f < 2; ++f)
    std::fprintf(out, "inline constexpr T2sDictPrint kT2sDict%d = {\"%s\", %lluu, 0x%016llxu};\n", f, files[f],
                 static_cast<unsigned long long>(sizes[f]), static_cast<unsigned long long>(hashes[f]));
  std::fprintf(out, "alignas(64) inline constexpr uint64_t kT2sMayChangeBits[%zu] = {\n", bits.size());
  for (size_t i = 0; i < bits.size(); ++i)
    std::fprintf(out, "0x%llx,%s", static_cast<unsigned long long>(bits[i]), i % 8 == 7 ? "\n" : "");
  std::fprintf(out, "};\n");
  const std::vector<PhraseRow> rows = PhraseOnlyRows(bits, char_bits, keys[0], keys[1]);
  std::fprintf(out, "// Phrase-only code points: {code point, its byte offset in the key, changing TSPhrases key}.\n");
  std::fprintf(out, "inline constexpr std::array<T2sPhraseKey, %zu> kT2sPhraseKeys = {{\n", rows.size());
  for (const PhraseRow& r : rows) {
    std::fprintf(out, "{0x%lxu, %zuu, std::string_view(\"", static_cast<unsigned long>(r.pivot), r.offset);
    for (char ch : r.key) std::fprintf(out, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
    std::fprintf(out, "\", %zu)},\n", r.key.size());
  }
  std::fprintf(out, "}};\n");
  std::fprintf(out, "alignas(64) inline constexpr uint64_t kT2sDeclineBits[%zu] = {\n", decline.size());
  for (size_t i = 0; i < decline.size(); ++i)
    std::fprintf(out, "0x%llx,%s", static_cast<unsigned long long>(decline[i]), i % 8 == 7 ? "\n" : "");
  std::fprintf(out, "};\n");
  std::fprintf(out, "inline constexpr T2sChar kT2sChars[%zu] = {\n", chars.size());
  for (const auto& [c, v] : chars) std::fprintf(out, "{0x%x,%s},\n", static_cast<unsigned>(c), Literal(v).c_str());
  std::fprintf(out, "};\n");
  std::fprintf(out, "inline constexpr T2sPhrase kT2sPhrases[%zu] = {\n", phrases.size());
  for (const Phrase& p : phrases) {
    std::string key = "U\"";
    char buf[16];
    for (char32_t c : p.key) {
      std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
      key += buf;
    }
    key += "\"";
    std::fprintf(out, "{%s,%s},\n", key.c_str(), Literal(p.value).c_str());
  }
  std::fprintf(out, "};\n");
  return std::fclose(out) == 0 ? 0 : 1;
}
