// Traditional -> Simplified Chinese with OpenCC's t2s configuration.
//
// OpenCC's converter (max-match segmentation + two dictionary lookups) costs
// microseconds; nearly every name in a mainland dump is already Simplified.
// So we keep the set of code points that a t2s conversion can change (every
// key character of TSCharacters, and of TSPhrases where it differs): a string
// with no such code point is provably left as is by t2s and skips OpenCC.
//
// Issue 6 (a `check` in < 5 ms): the set is built at build time from OpenCC's
// own dictionaries (src/normalize/gen/t2s_may_change.cpp) and embedded, and
// OpenCC itself is opened with dlopen (its C API, libopencc.so.1.1) only to
// convert a string that holds such a code point. So a `check` of a phone, an
// ID number or a Simplified name never maps OpenCC or marisa. On first use the
// embedded set's fingerprint is compared with the installed dictionaries; if
// OpenCC's data changed since the build, every non-ASCII code point is assumed
// to change (each such string goes through OpenCC: correct, only slower).
#include <fcntl.h>
#include <opencc/opencc.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "lazy_library.h"
#include "normalize/internal.h"

namespace leakdex::norm {
namespace {

constexpr char32_t kMaxCp = 0x40000;

struct T2sDictPrint {
  const char* file;
  uint64_t size;
  uint64_t xxh3;
};
// A changing TSPhrases key around a phrase-only code point (the generator says why).
struct T2sPhraseKey {
  char32_t pivot;
  size_t offset;  // byte offset of pivot in key
  std::string_view key;
};
struct T2sChar {
  char32_t from;
  const char* to;  // UTF-8
};
struct T2sPhrase {
  const char32_t* key;  // NUL-terminated
  const char* value;    // UTF-8
};
#include "t2s_may_change.inc"
static_assert(sizeof(kT2sMayChangeBits) * 8 == kMaxCp);

// How MayChange answers: from the embedded set, or "maybe" for every code point.
enum SetState : int { kUnchecked = 0, kEmbedded = 1, kAssumeAll = 2 };
std::atomic<int> g_state{kUnchecked};
std::once_flag g_verify_once;
std::once_flag g_dir_once;
std::string g_dir;

std::string FindOpenccDir() {
  if (const char* env = std::getenv("LEAKDEX_OPENCC_DIR"); env && *env) return env;
  for (const char* d : {"/usr/share/opencc", "/usr/local/share/opencc", "/usr/lib/x86_64-linux-gnu/opencc"}) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(d) / "t2s.json", ec)) return d;
  }
  return "";
}

const std::string& OpenccDir() {
  std::call_once(g_dir_once, [] { g_dir = FindOpenccDir(); });
  return g_dir;
}

// One open, fstat and read: this runs inside `check` (istream reads were 5% of
// an address check).
bool MatchesInstalled(const T2sDictPrint& p) {
  int fd = open((OpenccDir() + "/" + p.file).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool same = fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) == p.size;
  if (same) {
    std::string bytes(p.size, '\0');
    same = read(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
           XXH3_64bits(bytes.data(), bytes.size()) == p.xxh3;
  }
  close(fd);
  return same;
}

// ~10 µs (two small files, page cache), once per process, on the first
// non-ASCII character a name or address asks about.
void Verify() {
  bool same = !OpenccDir().empty() && MatchesInstalled(kT2sDict0) && MatchesInstalled(kT2sDict1);
  g_state.store(same ? kEmbedded : kAssumeAll, std::memory_order_release);
}

// OpenCC's C API, opened on the first conversion.
struct OpenccApi {
  decltype(&::opencc_open) open = nullptr;
  decltype(&::opencc_close) close = nullptr;
  decltype(&::opencc_convert_utf8) convert = nullptr;
  decltype(&::opencc_convert_utf8_free) free = nullptr;
};

const OpenccApi& LoadOpencc() {
  static LazyLibrary lib("libopencc.so.1.1", "libopencc1.1", "to convert Traditional Chinese");
  static OpenccApi api;
  static std::once_flag once;
  std::call_once(once, [] {
    Status s = lib.Bind(api.open, "opencc_open");
    if (s.ok()) s = lib.Bind(api.close, "opencc_close");
    if (s.ok()) s = lib.Bind(api.convert, "opencc_convert_utf8");
    if (s.ok()) s = lib.Bind(api.free, "opencc_convert_utf8_free");
    if (!s.ok()) FailMissingLibrary(s);
  });
  return api;
}

// The longest TSPhrases key at the start of `text`, or null.
const T2sPhrase* LongestPhrase(std::u32string_view text) {
  const T2sPhrase* end = kT2sPhrases + std::size(kT2sPhrases);
  const T2sPhrase* it =
      std::lower_bound(kT2sPhrases, end, text[0], [](const T2sPhrase& p, char32_t c) { return p.key[0] < c; });
  const T2sPhrase* best = nullptr;
  size_t best_len = 0;
  for (; it != end && it->key[0] == text[0]; ++it) {
    const std::u32string_view key(it->key);
    if (key.size() > best_len && text.substr(0, key.size()) == key) {
      best = it;
      best_len = key.size();
    }
  }
  return best;
}

const char* MappedChar(char32_t c) {
  const T2sChar* end = kT2sChars + std::size(kT2sChars);
  const T2sChar* it = std::lower_bound(kT2sChars, end, c, [](const T2sChar& p, char32_t v) { return p.from < v; });
  return it != end && it->from == c ? it->to : nullptr;
}

// OpenCC's t2s on OpenCC's own data, embedded at build time (the fingerprint
// check of Verify guarantees it is the installed data). What t2s.json does:
// max-match segmentation on TSPhrases, then each segment converted by the
// longest prefix in TSPhrases, else in TSCharacters, taking the first value.
// A segment that matched no phrase cannot match one when converted (its
// suffixes are prefixes of the text the segmentation tried), so this is a
// greedy longest TSPhrases match at each position, else the character's
// TSCharacters value, else the character. Why not OpenCC: its converter costs
// 2-3 µs a name (segmentation, ostringstream, marisa tries). Returns false,
// leaving `s` unchanged, if the embedded data is not current, a code point is
// one the tables do not cover, or `s` is not valid UTF-8; OpenCC decides then.
// tests/normalize_name_test.cpp compares both on every mapped character,
// every phrase and random mixes.
bool ConvertFromTables(std::string& s) {
  if (g_state.load(std::memory_order_acquire) != kEmbedded) return false;
  thread_local std::u32string cps;
  cps.clear();
  for (size_t i = 0; i < s.size();) {
    const char32_t c = NextCodePoint(s, i);
    if (c == kBadCodePoint || c >= kMaxCp || (kT2sDeclineBits[c >> 6] >> (c & 63)) & 1) return false;
    cps.push_back(c);
  }
  std::string out;
  out.reserve(s.size());
  const std::u32string_view text(cps);
  for (size_t i = 0; i < text.size();) {
    if (const T2sPhrase* p = LongestPhrase(text.substr(i))) {
      out += p->value;
      i += std::char_traits<char32_t>::length(p->key);
      continue;
    }
    if (const char* to = MappedChar(text[i])) out += to;
    else AppendUtf8(out, text[i]);
    ++i;
  }
  s = std::move(out);
  return true;
}

}  // namespace

struct T2s::Impl {
  opencc_t converter = nullptr;  // opened on the first conversion; (opencc_t)-1 if that failed
  ~Impl() {
    if (converter != nullptr && converter != reinterpret_cast<opencc_t>(-1)) LoadOpencc().close(converter);
  }
};

T2s::T2s() : impl_(std::make_unique<Impl>()) {}
T2s::~T2s() = default;

// Only finds OpenCC's data directory (a few stat calls); OpenCC is opened on
// the first conversion (see the top of this file).
Result<std::unique_ptr<T2s>> T2s::Create() {
  if (OpenccDir().empty())
    return Status::Internal("OpenCC data (t2s.json) not found; install libopencc-data or set LEAKDEX_OPENCC_DIR");
  return std::unique_ptr<T2s>(new T2s());
}

bool T2s::MayChange(char32_t c) {
  int state = g_state.load(std::memory_order_acquire);
  if (state == kUnchecked) {
    std::call_once(g_verify_once, Verify);
    state = g_state.load(std::memory_order_acquire);
  }
  if (state != kEmbedded) return c >= 0x80;
  return c < kMaxCp && (kT2sMayChangeBits[c >> 6] >> (c & 63)) & 1;
}

bool T2s::MayChangeAt(std::string_view s, size_t at, char32_t c) {
  if (!MayChange(c)) return false;
  if (g_state.load(std::memory_order_acquire) != kEmbedded) return true;
  // A phrase-only code point changes only inside one of its phrases (see
  // src/normalize/gen/t2s_may_change.cpp): look for them instead of
  // converting. When the conversion was OpenCC's, on the generated lists, where
  // 0.7-1.4% of the addresses hold 沈 (沈家弄路), that took 20% (customers) and
  // 34% (persons) off the CPU time of address normalisation; with the embedded
  // tables it still keeps such an address on DecodeSimple's one-scan path. 沈 is
  // also in every 沈阳 address and a common surname.
  bool phrase_only = false;
  for (const T2sPhraseKey& p : kT2sPhraseKeys) {
    if (p.pivot != c) continue;
    phrase_only = true;
    if (at >= p.offset && s.substr(at - p.offset).starts_with(p.key)) return true;
  }
  return !phrase_only;
}

bool T2s::EmbeddedSetCurrent() {
  MayChange(U'\u4e00');
  return g_state.load(std::memory_order_acquire) == kEmbedded;
}

int T2s::EmbeddedSetSize() { return kT2sMayChangeCount; }

std::vector<std::string> T2s::EmbeddedPhrases() {
  std::vector<std::string> out;
  for (const T2sPhrase& p : kT2sPhrases) {
    std::string key;
    for (const char32_t* c = p.key; *c != 0; ++c) AppendUtf8(key, *c);
    out.push_back(std::move(key));
  }
  return out;
}

bool T2s::NeedsConversion(std::string_view s) const {
  // Malformed UTF-8 ends the scan with the answer MayChange alone gave up to
  // there (true if a phrase-only code point came before), as before
  // MayChangeAt: OpenCC then sees exactly the strings it saw before.
  bool passed_phrase_only = false;
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    const size_t at = i;
    char32_t c = NextCodePoint(s, i);
    if (c == kBadCodePoint) return passed_phrase_only;
    if (MayChangeAt(s, at, c)) return true;
    passed_phrase_only |= MayChange(c);
  }
  return false;
}

bool T2s::Convert(std::string& s) {
  if (!NeedsConversion(s)) return true;
  if (ConvertFromTables(s)) return true;
  return ConvertWithOpencc(s);
}

bool T2s::ConvertWithOpencc(std::string& s) {
  const OpenccApi& api = LoadOpencc();
  if (impl_->converter == nullptr) impl_->converter = api.open((OpenccDir() + "/t2s.json").c_str());
  if (impl_->converter == reinterpret_cast<opencc_t>(-1)) return false;
  // The C API returns a NUL-terminated copy: convert NUL-separated pieces.
  std::string result;
  for (size_t from = 0; from <= s.size();) {
    size_t nul = std::min(s.find('\0', from), s.size());
    char* out = api.convert(impl_->converter, s.data() + from, nul - from);
    if (out == nullptr) return false;
    result += out;
    api.free(out);
    if (nul < s.size()) result += '\0';
    from = nul + 1;
  }
  s = std::move(result);
  return true;
}

}  // namespace leakdex::norm
