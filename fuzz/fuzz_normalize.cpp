// Every normaliser attribute on arbitrary bytes. Byte 0 picks the attribute
// (and the default region); the rest is the raw value.
// Invariants: no crash; kOk iff at least one form was appended, otherwise
// `out` is untouched; canonical forms are non-empty valid UTF-8 and bounded in
// size; normalising is deterministic; a canonical form normalises to itself
// (a user who types the canonical form gets the same key).
// Addresses: the fast normaliser gives exactly what the pre-rewrite reference
// (tests/address_reference.cpp, compiled into this target only) and itself with
// every confirming pass run in full (no shortcut) give, and the
// t2s pre-check's "no change" agrees with OpenCC.
#include <utf8proc.h>

#include "address_reference.h"
#include "fuzz_util.h"
#include "leakdex/normalize.h"
#include "normalize/internal.h"

using namespace leakdex;

namespace {

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t n = static_cast<utf8proc_ssize_t>(s.size());
  while (n > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(p, n, &cp);
    if (k <= 0) return false;
    p += k;
    n -= k;
  }
  return true;
}

// True if some code point of valid UTF-8 s is in T2s::MayChange's set.
bool HasMayChange(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const char32_t c = norm::NextCodePoint(s, i);
    if (c == norm::kBadCodePoint) return false;  // (does not advance i)
    if (norm::T2s::MayChange(c)) return true;
  }
  return false;
}

Normalizer& Get(int region) {
  static std::unique_ptr<Normalizer> norms[2];
  if (!norms[region]) {
    NormalizeOptions o;
    o.default_region = region == 0 ? "CN" : "US";
    auto r = Normalizer::Create(o);
    if (!r.ok()) std::abort();
    norms[region] = std::move(r.value());
  }
  return *norms[region];
}

// New and reference address normaliser on the same bytes: same outcome, same forms.
void CompareAddress(std::string_view raw) {
  static std::unique_ptr<norm::T2s> t2s = [] {
    auto r = norm::T2s::Create();
    if (!r.ok()) std::abort();
    return std::move(r.value());
  }();
  // The t2s pre-check: when it says t2s leaves valid UTF-8 as it is although a
  // code point of it may change somewhere (a phrase-only one: T2s::MayChangeAt),
  // OpenCC must agree. (Without such a code point OpenCC is not asked: too slow
  // for every input, and that answer did not change with MayChangeAt.)
  if (ValidUtf8(raw) && HasMayChange(raw) && !t2s->NeedsConversion(raw)) {
    std::string converted(raw);
    if (t2s->ConvertWithOpencc(converted) && converted != raw) {
      std::fprintf(stderr, "t2s: the pre-check says no change, OpenCC changes the text\n");
      std::abort();
    }
  }
  std::vector<std::string> a, b;
  NormOutcome oa = norm::NormalizeAddress(raw, *t2s, a);
  NormOutcome ob = norm::reference::NormalizeAddress(raw, *t2s, b);
  if (oa != ob || a != b) {
    std::fprintf(stderr, "address: new (%s, %zu forms) and reference (%s, %zu forms) differ\n",
                 std::string(NormOutcomeName(oa)).c_str(), a.size(), std::string(NormOutcomeName(ob)).c_str(), b.size());
    std::abort();
  }
  // NormalizeAddress's shortcut for the confirming pass (IsOwnFixedPoint)
  // against running every pass in full.
  std::vector<std::string> full;
  NormOutcome of = norm::NormalizeAddressFullPasses(raw, *t2s, full);
  if (of != oa || full != a) {
    std::fprintf(stderr, "address: new (%s) and new with every pass in full (%s) differ\n",
                 std::string(NormOutcomeName(oa)).c_str(), std::string(NormOutcomeName(of)).c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // Attributes 0..5; gender (6) is exposure-only and never normalised.
  const Attribute attr = static_cast<Attribute>(data[0] % 6);
  const int region = (data[0] >> 7) & 1;
  std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (attr == Attribute::kAddress) CompareAddress(raw);
  Normalizer& norm = Get(region);
  std::vector<std::string> out = {"sentinel"};
  NormOutcome o = norm.Normalize(attr, raw, out);
  FUZZ_CHECK(static_cast<int>(o) < kNormOutcomeCount);
  FUZZ_CHECK(!NormOutcomeName(o).empty());
  FUZZ_CHECK(out[0] == "sentinel");
  if (o != NormOutcome::kOk) {
    FUZZ_CHECK(out.size() == 1);
    return 0;
  }
  FUZZ_CHECK(out.size() >= 2);
  for (size_t i = 1; i < out.size(); ++i) {
    FUZZ_CHECK(!out[i].empty());
    FUZZ_CHECK(ValidUtf8(out[i]));
    FUZZ_CHECK(out[i].size() <= 4 * raw.size() + 64);
  }
  std::vector<std::string> again;
  FUZZ_CHECK(norm.Normalize(attr, raw, again) == NormOutcome::kOk);
  FUZZ_CHECK(again.size() == out.size() - 1);
  for (size_t i = 1; i < out.size(); ++i) FUZZ_CHECK(again[i - 1] == out[i]);
#ifndef LEAKDEX_FUZZ_NO_IDEMPOTENCE
  for (size_t i = 1; i < out.size(); ++i) {
    std::vector<std::string> canon;
    NormOutcome o2 = norm.Normalize(attr, out[i], canon);
    if (o2 != NormOutcome::kOk || canon.size() != 1 || canon[0] != out[i]) {
      std::fprintf(stderr, "attribute %d: canonical form does not normalise to itself (outcome %s)\n",
                   static_cast<int>(attr), std::string(NormOutcomeName(o2)).c_str());
      std::abort();
    }
  }
#endif
  return 0;
}
