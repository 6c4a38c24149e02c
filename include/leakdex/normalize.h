// Canonicalisation of identity values (docs/NORMALISATION.md).
//
// Ingest and query use exactly these functions, so the same person typed two
// ways gives the same canonical string and so the same key. Any change to a
// canonical form must bump kNormalizerVersion: an index built by another
// version is refused (exit 4) because its keys would silently stop matching.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leakdex/identity.h"
#include "leakdex/status.h"

namespace leakdex {

// Bump on any change to any canonical form or to key framing.
inline constexpr uint16_t kNormalizerVersion = 2;

// Why a value yielded no canonical form. Names are stable report keys.
enum class NormOutcome : uint8_t {
  kOk = 0,
  kAbsent,       // empty or whitespace only: the attribute is simply missing
  kPlaceholder,  // "NULL", "无", "-", "测试"...: a stand-in, not a value
  kMasked,       // "138****5678", "张*": partially hidden, cannot be keyed
  kMangled,      // "1.38123E+10": destroyed by a spreadsheet
  kInvalid,      // not a valid value of its kind (bad phone, impossible date)
  kBadEncoding,  // not valid UTF-8 / contains U+FFFD
  kBadChecksum,  // ID number whose GB 11643 check character does not match
  kStub,         // "王先生", "李女士", "老王": surname + title, not a full name
};
inline constexpr int kNormOutcomeCount = 9;
std::string_view NormOutcomeName(NormOutcome o);  // "masked", "invalid_phone"-style short names

// The rules per attribute, with examples, are in docs/NORMALISATION.md. In short:
//   phone       E.164 ("+8613812345678"); several numbers in one field give several
//   id_number   18 characters, upper-case X; 15-digit legacy numbers upgraded to 18
//   name        Chinese: NFKC, Simplified, no spaces or middle dots ("买买提艾力");
//               Latin: lower case, no diacritics, tokens sorted ("wang wei")
//   address     "省市区" prefix resolved from GB/T 2260 names + normalised remainder
//   email       lower case; Gmail dots and +tags folded
//   birth_date  "YYYY-MM-DD"
struct NormalizeOptions {
  std::string default_region = "CN";  // ISO 3166 region for numbers without a country code
};

// Turns raw values into canonical strings. Create one per thread: instances
// hold caches and converters that are not shared across threads.
class Normalizer {
 public:
  static Result<std::unique_ptr<Normalizer>> Create(const NormalizeOptions& options);
  virtual ~Normalizer() = default;

  // Appends the canonical forms of `raw` (an attribute value as found in a
  // dump or typed by a user) to `out`. Most values give one form; a phone
  // field holding two numbers gives two. Returns kOk when at least one form
  // was appended; otherwise the reason, and `out` is unchanged.
  // REQUIRES: a != Attribute::kGender (gender is exposure-only).
  virtual NormOutcome Normalize(Attribute a, std::string_view raw,
                                std::vector<std::string>& out) = 0;
};

}  // namespace leakdex
