// Checking one identity against the index (SPEC §4.3).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "leakdex/identity.h"
#include "leakdex/index.h"
#include "leakdex/keyed_hash.h"
#include "leakdex/normalize.h"
#include "leakdex/status.h"

namespace leakdex {

// The attribute values a user asked about (raw, as typed).
struct Query {
  std::array<std::optional<std::string>, kAttributeCount> values;
};

struct KeyMatch {
  KeyKind kind;
  KeyExposure exposure;
};

struct CheckResult {
  bool exposed = false;
  std::vector<KeyKind> checked;  // every key kind the query allowed, in kAllKeyKinds order
  std::vector<KeyMatch> matches;
};

// Normalises the query exactly as ingest does, derives every key kind it
// allows and looks each up. InputError naming the attribute (never the value)
// when a given value is invalid; InvalidArgument when the query allows no key
// (a name alone is never a key).
Result<CheckResult> Check(const Index& index, const KeyedHasher& hasher, Normalizer& normalizer, const Query& q);

}  // namespace leakdex
