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
  const std::optional<ColumnTarget>& TargetByName(const Field& f);
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  const ColumnMapper* mapper_;
  std::unordered_map<std::string, std::optional<ColumnTarget>, StringHash, std::equal_to<>> by_name_;
  std::vector<std::optional<std::optional<ColumnTarget>>> by_index_;
  // Per field position: the name last seen there and its entry in by_name_
  // (nodes are stable). CSV columns, and the keys of NDJSON records of one
  // shape, sit at the same position in every record, so comparing the name
  // replaces hashing it (the hash lookup was 2-3% of an ingest).
  struct SeenAt {
    std::string name;
    const std::optional<ColumnTarget>* target = nullptr;
  };
  static constexpr size_t kMaxSeenPositions = 1024;
  std::vector<SeenAt> seen_at_;
  // By Field::name_id (names interned in one NameTable): entries of by_name_.
  std::vector<const std::optional<ColumnTarget>*> by_id_;
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
// A template, not a std::function: ingest calls it for every person, and the
// indirect call per tag showed at ~1.5% of an ingest.
template <typename Fn>
void DeriveKeys(const KeyedHasher& hasher, const CanonicalPerson& person, Fn&& fn);

// The inputs of DeriveKeys' keys, in its order, without hashing them: calls
// fn(const KeyInput&) per key, for KeyedHasher::ComputeMany. The views point
// into `person`.
template <typename Fn>
void ForEachKeyInput(const CanonicalPerson& person, Fn&& fn) {
  for (KeyKind kind : kAllKeyKinds) {
    KeyKindParts parts = PartsOf(kind);
    const auto& first = person.values[static_cast<int>(parts.first)];
    KeyInput in;
    in.kind = kind;
    if (!parts.second) {
      for (const std::string& v : first) {
        in.parts[0] = v;
        fn(static_cast<const KeyInput&>(in));
      }
      continue;
    }
    in.part_count = 2;
    const auto& second = person.values[static_cast<int>(*parts.second)];
    for (const std::string& a : first) {
      in.parts[0] = a;
      for (const std::string& b : second) {
        in.parts[1] = b;
        fn(static_cast<const KeyInput&>(in));
      }
    }
  }
}

template <typename Fn>
void DeriveKeys(const KeyedHasher& hasher, const CanonicalPerson& person, Fn&& fn) {
  ForEachKeyInput(person, [&](const KeyInput& in) {
    fn(in.kind, hasher.Compute(in.kind, {in.parts, in.part_count}));
  });
}

// Two-step derivation for lookups (batch). A pair key (name+phone,
// phone+address, ...) is only ever stored together with the single keys of its
// parts that have one (phone, e-mail, ID number, address): ingest derives all
// of a person's keys at once through DeriveKeys, and no command removes keys
// from an index (compact and merge keep every key). So when the single key of
// a part is absent from an index, every pair using that value is absent too;
// looking it up could only ever yield a false positive. ForEachSingleKeyInput
// and ForEachFoundPairInput together give exactly DeriveKeys' keys, minus those
// pairs.

// The single key kind of an attribute, or none (name, birth date, gender).
constexpr std::optional<KeyKind> SingleKindOf(Attribute a) {
  switch (a) {
    case Attribute::kPhone: return KeyKind::kPhone;
    case Attribute::kEmail: return KeyKind::kEmail;
    case Attribute::kIdNumber: return KeyKind::kIdNumber;
    case Attribute::kAddress: return KeyKind::kAddress;
    default: return std::nullopt;
  }
}

// Calls fn(value_index, input) for every single key of the person, in
// DeriveKeys' order. Inputs, not tags: batch hashes a chunk's keys together
// with KeyedHasher::ComputeMany. Templates, as DeriveKeys: no std::function.
template <typename Fn>
void ForEachSingleKeyInput(const CanonicalPerson& person, Fn&& fn) {
  for (KeyKind kind : kAllKeyKinds) {
    const KeyKindParts parts = PartsOf(kind);
    if (parts.second) continue;
    const auto& values = person.values[static_cast<int>(parts.first)];
    KeyInput in;
    in.kind = kind;
    for (size_t i = 0; i < values.size(); ++i) {
      in.parts[0] = values[i];
      fn(i, static_cast<const KeyInput&>(in));
    }
  }
}

// Calls fn(input) for every pair key of the person whose keyed parts were
// found: found(attribute, value_index) tells whether the single key of that
// value is in the index. Returns the number of pair keys the person allows,
// derived or not (what DeriveKeys would have emitted for pairs).
template <typename Found, typename Fn>
uint64_t ForEachFoundPairInput(const CanonicalPerson& person, Found&& found, Fn&& fn) {
  uint64_t allowed = 0;
  for (KeyKind kind : kAllKeyKinds) {
    const KeyKindParts parts = PartsOf(kind);
    if (!parts.second) continue;
    const Attribute fa = parts.first, sa = *parts.second;
    const bool f_keyed = SingleKindOf(fa).has_value(), s_keyed = SingleKindOf(sa).has_value();
    const auto& first = person.values[static_cast<int>(fa)];
    const auto& second = person.values[static_cast<int>(sa)];
    allowed += first.size() * second.size();
    KeyInput in;
    in.kind = kind;
    in.part_count = 2;
    for (size_t i = 0; i < first.size(); ++i) {
      if (f_keyed && !found(fa, i)) continue;
      in.parts[0] = first[i];
      for (size_t j = 0; j < second.size(); ++j) {
        if (s_keyed && !found(sa, j)) continue;
        in.parts[1] = second[j];
        fn(static_cast<const KeyInput&>(in));
      }
    }
  }
  return allowed;
}

// The data classes a person's record exposed: attributes present plus record classes.
DataClassSet ExposedClasses(const RawPerson& raw);

}  // namespace leakdex
