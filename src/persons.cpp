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
  if (f.name_id != 0) {  // an interned name: its number stands for it
    if (f.name_id >= by_id_.size()) by_id_.resize(f.name_id + 1, nullptr);
    const std::optional<ColumnTarget>*& target = by_id_[f.name_id];
    if (target == nullptr) target = &TargetByName(f);
    return *target;
  }
  const size_t i = static_cast<size_t>(f.index);
  if (i >= kMaxSeenPositions) return TargetByName(f);
  if (i >= seen_at_.size()) seen_at_.resize(i + 1);
  SeenAt& seen = seen_at_[i];
  if (seen.target == nullptr || seen.name != f.name) {
    seen.target = &TargetByName(f);
    seen.name.assign(f.name);
  }
  return *seen.target;
}

const std::optional<ColumnTarget>& PersonExtractor::TargetByName(const Field& f) {
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
  // The forms are built in a scratch list and copied into `out`'s strings,
  // which keep their storage from person to person. batch keeps a chunk's
  // persons (thousands) alive until the next chunk: freeing and reallocating
  // their strings then missed malloc's per-thread cache (3% of batch CPU);
  // the scratch strings are freed right after their allocation and hit it.
  thread_local std::vector<std::string> forms;
  for (int a = 0; a < kAttributeCount; ++a) {
    const Attribute attr = static_cast<Attribute>(a);
    forms.clear();
    if (attr != Attribute::kGender) {  // gender is exposure only, never keyed
      for (std::string_view v : raw.values[a]) {
        NormOutcome o = norm.Normalize(attr, v, forms);
        if (o != NormOutcome::kOk && o != NormOutcome::kAbsent) rejections->counts[a][static_cast<int>(o)]++;
      }
      std::sort(forms.begin(), forms.end());
      forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
      if (forms.size() > kMaxValuesPerAttribute) forms.resize(kMaxValuesPerAttribute);
    }
    out->values[a].assign(forms.begin(), forms.end());  // copy-assigns into the strings already there
  }
}

DataClassSet ExposedClasses(const RawPerson& raw) {
  DataClassSet set = raw.record_classes;
  for (int a = 0; a < kAttributeCount; ++a)
    if (!raw.values[a].empty()) set |= DataClassBit(static_cast<Attribute>(a));
  return set;
}

}  // namespace leakdex
