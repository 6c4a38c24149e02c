// Traditional -> Simplified Chinese with OpenCC's t2s configuration.
//
// OpenCC's converter (max-match segmentation + two dictionary lookups) costs
// microseconds; nearly every name in a mainland dump is already Simplified.
// So once per process we read the keys of the two dictionaries t2s uses
// (TSPhrases, TSCharacters) and mark every code point that a conversion can
// change. A string with no marked code point is provably left as is by t2s and
// skips OpenCC. This reads OpenCC's own data rather than duplicating it.
#include <opencc/Lexicon.hpp>
#include <opencc/MarisaDict.hpp>
#include <opencc/SimpleConverter.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "normalize/internal.h"

namespace leakdex::norm {
namespace {

constexpr char32_t kMaxCp = 0x40000;
std::vector<uint64_t>* g_may_change = nullptr;  // bitset over [0, kMaxCp); immutable once built
std::once_flag g_once;
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

void BuildOnce() {
  g_dir = FindOpenccDir();
  if (g_dir.empty()) {
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
  g_may_change = bits;
}

}  // namespace

struct T2s::Impl {
  std::unique_ptr<opencc::SimpleConverter> converter;
};

T2s::T2s() : impl_(std::make_unique<Impl>()) {}
T2s::~T2s() = default;

Result<std::unique_ptr<T2s>> T2s::Create() {
  std::call_once(g_once, BuildOnce);
  if (!g_may_change) return Status::Internal(g_error);
  std::unique_ptr<T2s> t(new T2s());
  try {
    t->impl_->converter = std::make_unique<opencc::SimpleConverter>(g_dir + "/t2s.json");
  } catch (const std::exception&) {
    return Status::Internal("cannot load OpenCC configuration " + g_dir + "/t2s.json");
  }
  return t;
}

bool T2s::MayChange(char32_t c) {
  if (!g_may_change) return true;  // not built (no T2s created yet): assume it may
  return c < kMaxCp && ((*g_may_change)[c >> 6] >> (c & 63)) & 1;
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
    s = impl_->converter->Convert(s);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace leakdex::norm
