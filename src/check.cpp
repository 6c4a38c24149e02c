#include "leakdex/check.h"

#include <algorithm>
#include <map>

#include "persons.h"

namespace leakdex {
namespace {

// Why a query value cannot be checked, in words (never the value itself).
std::string UnusableValue(Attribute attr, NormOutcome o) {
  std::string option = "--" + std::string(AttributeName(attr));
  for (char& c : option)
    if (c == '_') c = '-';
  std::string what;
  switch (attr) {
    case Attribute::kPhone: what = "a phone number (such as 138 1234 5678 or +86 138 1234 5678)"; break;
    case Attribute::kIdNumber: what = "an 18-character ID number"; break;
    case Attribute::kEmail: what = "an e-mail address"; break;
    case Attribute::kBirthDate: what = "a date (such as 1990-03-07)"; break;
    default: what = "a usable " + std::string(AttributeName(attr)); break;
  }
  switch (o) {
    case NormOutcome::kAbsent: return option + ": the value is empty";
    case NormOutcome::kPlaceholder: return option + ": the value is a placeholder, not " + what;
    case NormOutcome::kMasked: return option + ": the value is partly hidden (*): give it in full";
    case NormOutcome::kMangled: return option + ": the value looks damaged (scientific notation?): give it in full";
    case NormOutcome::kBadEncoding: return option + ": the value is not valid UTF-8 text";
    case NormOutcome::kBadChecksum: return option + ": the check character does not match (a typing error?)";
    case NormOutcome::kStub: return option + ": a surname with a title, or a nickname, is not a full name";
    case NormOutcome::kInvalid:
    case NormOutcome::kOk: break;
  }
  return option + ": the value is not " + what + " (" + std::string(NormOutcomeName(o)) + ")";
}

}  // namespace

Result<CheckResult> Check(const Index& index, const KeyedHasher& hasher, Normalizer& normalizer, const Query& q) {
  CanonicalPerson person;
  for (int a = 0; a < kAttributeCount; ++a) {
    if (!q.values[a]) continue;
    const Attribute attr = static_cast<Attribute>(a);
    NormOutcome o = normalizer.Normalize(attr, *q.values[a], person.values[a]);
    if (o != NormOutcome::kOk) return Status::InputError(UnusableValue(attr, o));
  }
  // One lookup per kind and tag; a kind matches if any of its tags does.
  std::map<KeyKind, std::vector<Tag>> tags;
  DeriveKeys(hasher, person, [&](KeyKind kind, const Tag& tag) { tags[kind].push_back(tag); });
  if (tags.empty())
    return Status::InputError("nothing to check: give --phone, --email, --id-number or --address, or --name "
                              "together with one of them or --birth-date (a name alone is never a key)");
  CheckResult result;
  for (KeyKind kind : kAllKeyKinds) {
    auto it = tags.find(kind);
    if (it == tags.end()) continue;
    result.checked.push_back(kind);
    std::optional<KeyExposure> merged;
    for (const Tag& tag : it->second) {
      LEAKDEX_ASSIGN_OR_RETURN(auto hit, index.Lookup(tag));
      if (!hit) continue;
      if (!merged) {
        merged = std::move(*hit);
        continue;
      }
      merged->classes |= hit->classes;
      merged->roles |= hit->roles;
      merged->records += hit->records;
      for (auto& s : hit->sources) merged->sources.push_back(s);
      std::sort(merged->sources.begin(), merged->sources.end());
      merged->sources.erase(std::unique(merged->sources.begin(), merged->sources.end()), merged->sources.end());
    }
    if (merged) result.matches.push_back(KeyMatch{kind, std::move(*merged)});
  }
  result.exposed = !result.matches.empty();
  return result;
}

}  // namespace leakdex
