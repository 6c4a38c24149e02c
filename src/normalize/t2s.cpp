// Traditional -> Simplified Chinese with OpenCC's t2s configuration.
//
// OpenCC's converter (max-match segmentation + two dictionary lookups) costs
// microseconds; nearly every name in a mainland dump is already Simplified.
// So once per process we read the keys of the two dictionaries t2s uses
// (TSPhrases, TSCharacters) and mark every code point that a conversion can
// change. A string with no marked code point is provably left as is by t2s and
// skips OpenCC. This reads OpenCC's own data rather than duplicating it.
//
// Both the pre-check set and the converter are built on first use, not when a
// Normalizer is created: a `check` of a phone number or ID number never pays for
// OpenCC (the dictionaries cost ~5-10 ms of a process that should take < 5 ms).
#include <opencc/Lexicon.hpp>
#include <opencc/MarisaDict.hpp>
#include <opencc/SimpleConverter.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <atomic>
#include <mutex>

#include "normalize/internal.h"

namespace leakdex::norm {
namespace {

constexpr char32_t kMaxCp = 0x40000;
// Bitset over [0, kMaxCp); immutable once published; null until built (or if building failed).
std::atomic<std::vector<uint64_t>*> g_may_change{nullptr};
std::once_flag g_once;
std::once_flag g_dir_once;
std::string g_error;  // describes a failure to build the set (file names only)
std::string g_dir;

std::string FindOpenccDir() {
  if (const char* env = std::getenv("LEAKDEX_OPENCC_DIR"); env && *env) return env;
  for (const char* d : {"/usr/share/opencc", "/usr/local/share/opencc", "/usr/lib/x86_64-linux-gnu/opencc"}) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(d) / "t2s.json", ec)) return d;
  }
  return "";
}

void Mark(std::vector<uint64_t>& bits, char32_t c) {
  if (c < kMaxCp) bits[c >> 6] |= uint64_t{1} << (c & 63);
}

bool MarkDict(const std::string& path, std::vector<uint64_t>& bits) {
  FILE* fp = std::fopen(path.c_str(), "rb");
  if (!fp) return false;
  opencc::MarisaDictPtr dict;
  try {
    dict = opencc::MarisaDict::NewFromFile(fp);
  } catch (const std::exception&) {
    std::fclose(fp);
    return false;
  }
  std::fclose(fp);
  std::u32string key, value;
  for (const auto& entry : *dict->GetLexicon()) {
    if (!DecodeUtf8(entry->Key(), key)) continue;
    // Every candidate counts, not only the default: cheap insurance.
    std::vector<std::string> values = entry->Values();
    if (values.empty()) continue;
    for (const std::string& v : values) {
      if (!DecodeUtf8(v, value)) continue;
      if (value.size() != key.size()) {
        for (char32_t c : key) Mark(bits, c);
        continue;
      }
      for (size_t i = 0; i < key.size(); ++i) {
        if (key[i] != value[i]) Mark(bits, key[i]);
      }
    }
  }
  return true;
}

const std::string& OpenccDir() {
  std::call_once(g_dir_once, [] { g_dir = FindOpenccDir(); });
  return g_dir;
}

void BuildOnce() {
  if (OpenccDir().empty()) {
    g_error = "OpenCC data (t2s.json) not found; install libopencc-data or set LEAKDEX_OPENCC_DIR";
    return;
  }
  auto* bits = new std::vector<uint64_t>(kMaxCp / 64, 0);
  for (const char* f : {"TSCharacters.ocd2", "TSPhrases.ocd2"}) {
    if (!MarkDict(g_dir + "/" + f, *bits)) {
      g_error = "cannot read OpenCC dictionary " + g_dir + "/" + f;
      delete bits;
      return;
    }
  }
  g_may_change.store(bits, std::memory_order_release);
}

// The pre-check set, built on first call; null if OpenCC's data cannot be read.
const std::vector<uint64_t>* MayChangeSet() {
  const std::vector<uint64_t>* bits = g_may_change.load(std::memory_order_acquire);
  if (bits) return bits;
  std::call_once(g_once, BuildOnce);
  return g_may_change.load(std::memory_order_acquire);
}

}  // namespace

struct T2s::Impl {
  std::unique_ptr<opencc::SimpleConverter> converter;
};

T2s::T2s() : impl_(std::make_unique<Impl>()) {}
T2s::~T2s() = default;

// Only finds OpenCC's data directory (a few stat calls); the dictionaries and
// the converter are loaded on first use (see the top of this file).
Result<std::unique_ptr<T2s>> T2s::Create() {
  if (OpenccDir().empty())
    return Status::Internal("OpenCC data (t2s.json) not found; install libopencc-data or set LEAKDEX_OPENCC_DIR");
  return std::unique_ptr<T2s>(new T2s());
}

bool T2s::MayChange(char32_t c) {
  const std::vector<uint64_t>* bits = MayChangeSet();
  if (!bits) return true;  // OpenCC's data unreadable: assume it may (Convert then reports the failure)
  return c < kMaxCp && ((*bits)[c >> 6] >> (c & 63)) & 1;
}

bool T2s::NeedsConversion(std::string_view s) const {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    char32_t c = NextCodePoint(s, i);
    if (c == kBadCodePoint) return false;
    if (MayChange(c)) return true;
  }
  return false;
}

bool T2s::Convert(std::string& s) {
  if (!NeedsConversion(s)) return true;
  try {
    if (!impl_->converter) impl_->converter = std::make_unique<opencc::SimpleConverter>(OpenccDir() + "/t2s.json");
    s = impl_->converter->Convert(s);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace leakdex::norm
