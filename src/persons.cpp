#include "persons.h"

#include <algorithm>

namespace leakdex {
namespace {

bool IsBlank(std::string_view v) {
  return v.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

RawPerson* PersonFor(int role, std::vector<RawPerson>* persons, size_t* used) {
  for (size_t i = 0; i < *used; ++i)
    if ((*persons)[i].role == role) return &(*persons)[i];
  if (*used == persons->size()) persons->emplace_back();
  RawPerson* p = &(*persons)[(*used)++];
  p->role = role;
  for (auto& v : p->values) v.clear();
  p->record_classes = 0;
  return p;
}

}  // namespace

const std::optional<ColumnTarget>& PersonExtractor::TargetOf(const Field& f) {
  if (f.name.empty()) {
    size_t i = static_cast<size_t>(f.index);
    if (i >= by_index_.size()) by_index_.resize(i + 1);
    if (!by_index_[i]) by_index_[i] = mapper_->Resolve({}, f.index);
    return *by_index_[i];
  }
  if (mapper_->has_number_rules()) {
    // A numbered rule makes the target depend on the position too: cache by
    // position, checked against the name (files of one ingest may differ).
    size_t i = static_cast<size_t>(f.index);
    if (i >= by_position_.size()) by_position_.resize(i + 1);
    auto& [name, target] = by_position_[i];
    if (!target || name != f.name) {
      name.assign(f.name);
      target = mapper_->Resolve(f.name, f.index);
    }
    return *target;
  }
  auto it = by_name_.find(f.name);
  if (it == by_name_.end()) it = by_name_.emplace(std::string(f.name), mapper_->Resolve(f.name, f.index)).first;
  return it->second;
}

void PersonExtractor::Extract(const Record& rec, std::vector<RawPerson>* persons) {
  size_t used = 0;
  DataClassSet shared_classes = 0;  // record classes of role-less columns
  for (const Field& f : rec.fields) {
    const std::optional<ColumnTarget>& t = TargetOf(f);
    if (!t || IsBlank(f.value)) continue;
    if (!t->is_attribute) {
      if (t->role_explicit) PersonFor(t->role, persons, &used)->record_classes |= DataClassSet{1} << t->class_bit;
      else shared_classes |= DataClassSet{1} << t->class_bit;
      continue;
    }
    PersonFor(t->role, persons, &used)->values[static_cast<int>(t->attribute)].push_back(f.value);
  }
  persons->resize(used);
  for (RawPerson& p : *persons) p.record_classes |= shared_classes;
}

void ValueRejections::Add(const ValueRejections& o) {
  for (int a = 0; a < kAttributeCount; ++a)
    for (int r = 0; r < kNormOutcomeCount; ++r) counts[a][r] += o.counts[a][r];
}

void Canonicalize(Normalizer& norm, const RawPerson& raw, CanonicalPerson* out, ValueRejections* rejections) {
  out->clear();
  for (int a = 0; a < kAttributeCount; ++a) {
    const Attribute attr = static_cast<Attribute>(a);
    if (attr == Attribute::kGender) continue;  // exposure only, never keyed
    for (std::string_view v : raw.values[a]) {
      NormOutcome o = norm.Normalize(attr, v, out->values[a]);
      if (o != NormOutcome::kOk && o != NormOutcome::kAbsent) rejections->counts[a][static_cast<int>(o)]++;
    }
    auto& vals = out->values[a];
    std::sort(vals.begin(), vals.end());
    vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
    if (vals.size() > kMaxValuesPerAttribute) vals.resize(kMaxValuesPerAttribute);
  }
}

void DeriveKeys(const KeyedHasher& hasher, const CanonicalPerson& person,
                const std::function<void(KeyKind, const Tag&)>& fn) {
  for (KeyKind kind : kAllKeyKinds) {
    KeyKindParts parts = PartsOf(kind);
    const auto& first = person.values[static_cast<int>(parts.first)];
    if (!parts.second) {
      for (const std::string& v : first) fn(kind, hasher.Compute(kind, v));
      continue;
    }
    const auto& second = person.values[static_cast<int>(*parts.second)];
    for (const std::string& a : first)
      for (const std::string& b : second) fn(kind, hasher.Compute(kind, a, b));
  }
}

std::optional<KeyKind> SingleKindOf(Attribute a) {
  switch (a) {
    case Attribute::kPhone: return KeyKind::kPhone;
    case Attribute::kEmail: return KeyKind::kEmail;
    case Attribute::kIdNumber: return KeyKind::kIdNumber;
    case Attribute::kAddress: return KeyKind::kAddress;
    default: return std::nullopt;
  }
}

void DeriveSingleKeys(const KeyedHasher& hasher, const CanonicalPerson& person,
                      const std::function<void(KeyKind, size_t, const Tag&)>& fn) {
  for (KeyKind kind : kAllKeyKinds) {
    const KeyKindParts parts = PartsOf(kind);
    if (parts.second) continue;
    const auto& values = person.values[static_cast<int>(parts.first)];
    for (size_t i = 0; i < values.size(); ++i) fn(kind, i, hasher.Compute(kind, values[i]));
  }
}

uint64_t DerivePairKeys(const KeyedHasher& hasher, const CanonicalPerson& person,
                        const std::function<bool(Attribute, size_t)>& found,
                        const std::function<void(KeyKind, const Tag&)>& fn) {
  uint64_t allowed = 0;
  for (KeyKind kind : kAllKeyKinds) {
    const KeyKindParts parts = PartsOf(kind);
    if (!parts.second) continue;
    const Attribute fa = parts.first, sa = *parts.second;
    const bool f_keyed = SingleKindOf(fa).has_value(), s_keyed = SingleKindOf(sa).has_value();
    const auto& first = person.values[static_cast<int>(fa)];
    const auto& second = person.values[static_cast<int>(sa)];
    allowed += first.size() * second.size();
    for (size_t i = 0; i < first.size(); ++i) {
      if (f_keyed && !found(fa, i)) continue;
      for (size_t j = 0; j < second.size(); ++j)
        if (!s_keyed || found(sa, j)) fn(kind, hasher.Compute(kind, first[i], second[j]));
    }
  }
  return allowed;
}

DataClassSet ExposedClasses(const RawPerson& raw) {
  DataClassSet set = raw.record_classes;
  for (int a = 0; a < kAttributeCount; ++a)
    if (!raw.values[a].empty()) set |= DataClassBit(static_cast<Attribute>(a));
  return set;
}

}  // namespace leakdex
