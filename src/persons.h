// From records to persons to keys: the one code path that ingest, check and
// batch share, so a query derives exactly the keys an ingest stored.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "leakdex/columns.h"
#include "leakdex/identity.h"
#include "leakdex/keyed_hash.h"
#include "leakdex/normalize.h"
#include "sources/record_source.h"

namespace leakdex {

// Splits a record into persons by role using a ColumnMapper, caching the
// mapping of each column name (JSON paths repeat on every line).
class PersonExtractor {
 public:
  explicit PersonExtractor(const ColumnMapper* mapper) : mapper_(mapper) {}
  // Fills `persons` (reused across calls) with the non-empty persons of `rec`.
  // Record classes of columns without a role apply to every person.
  void Extract(const Record& rec, std::vector<RawPerson>* persons);

 private:
  const std::optional<ColumnTarget>& TargetOf(const Field& f);
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  const ColumnMapper* mapper_;
  std::unordered_map<std::string, std::optional<ColumnTarget>, StringHash, std::equal_to<>> by_name_;
  std::vector<std::optional<std::optional<ColumnTarget>>> by_index_;
  // With numbered --map rules: (name, target) by position.
  std::vector<std::pair<std::string, std::optional<std::optional<ColumnTarget>>>> by_position_;
};

// Canonical values of one person, per attribute.
struct CanonicalPerson {
  std::array<std::vector<std::string>, kAttributeCount> values;
  void clear() {
    for (auto& v : values) v.clear();
  }
};

// Counts of values that gave no canonical form, by attribute and outcome.
struct ValueRejections {
  uint64_t counts[kAttributeCount][kNormOutcomeCount] = {};
  void Add(const ValueRejections& o);
};

// Normalises every raw value of `raw` into `out`. Returns false if a value was
// rejected for a reason other than being absent; counts it in `rejections`.
void Canonicalize(Normalizer& norm, const RawPerson& raw, CanonicalPerson* out, ValueRejections* rejections);

// Calls fn(kind, tag) for every key kind the person's values allow (SPEC §3),
// pairs combining values of this one person only. At most kMaxValuesPerAttribute
// values of an attribute take part, bounding the pairs of a garbage record.
inline constexpr size_t kMaxValuesPerAttribute = 8;
void DeriveKeys(const KeyedHasher& hasher, const CanonicalPerson& person,
                const std::function<void(KeyKind, const Tag&)>& fn);

// Two-step derivation for lookups (batch). A pair key (name+phone,
// phone+address, ...) is only ever stored together with the single keys of its
// parts that have one (phone, e-mail, ID number, address): ingest derives all
// of a person's keys at once through DeriveKeys, and no command removes keys
// from an index (compact and merge keep every key). So when the single key of
// a part is absent from an index, every pair using that value is absent too;
// looking it up could only ever yield a false positive. DeriveSingleKeys and
// DerivePairKeys together derive exactly DeriveKeys' keys, minus those pairs.

// The single key kind of an attribute, or none (name, birth date, gender).
std::optional<KeyKind> SingleKindOf(Attribute a);

// Calls fn(kind, value_index, tag) for every single key of the person, in
// DeriveKeys' order.
void DeriveSingleKeys(const KeyedHasher& hasher, const CanonicalPerson& person,
                      const std::function<void(KeyKind, size_t, const Tag&)>& fn);

// Calls fn(kind, tag) for every pair key of the person whose keyed parts were
// found: found(attribute, value_index) tells whether the single key of that
// value is in the index. Returns the number of pair keys the person allows,
// derived or not (what DeriveKeys would have emitted for pairs).
uint64_t DerivePairKeys(const KeyedHasher& hasher, const CanonicalPerson& person,
                        const std::function<bool(Attribute, size_t)>& found,
                        const std::function<void(KeyKind, const Tag&)>& fn);

// The data classes a person's record exposed: attributes present plus record classes.
DataClassSet ExposedClasses(const RawPerson& raw);

}  // namespace leakdex
