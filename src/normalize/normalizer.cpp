// The Normalizer: dispatches each attribute to its rules (docs/NORMALISATION.md).
#include <memory>

#include "leakdex/normalize.h"
#include "normalize/internal.h"

namespace leakdex {
namespace {

class RuleNormalizer final : public Normalizer {
 public:
  RuleNormalizer(const NormalizeOptions& options, std::unique_ptr<norm::T2s> t2s)
      : phone_(options.default_region), t2s_(std::move(t2s)), today_(norm::Today()) {}

  NormOutcome Normalize(Attribute a, std::string_view raw, std::vector<std::string>& out) override {
    switch (a) {
      case Attribute::kPhone: return phone_.Normalize(raw, out);
      case Attribute::kIdNumber: return norm::NormalizeIdNumber(raw, today_, out);
      case Attribute::kName: return norm::NormalizeName(raw, *t2s_, scratch_, out);
      case Attribute::kAddress: return norm::NormalizeAddress(raw, *t2s_, out);
      case Attribute::kEmail: return norm::NormalizeEmail(raw, out);
      case Attribute::kBirthDate: return norm::NormalizeBirthDate(raw, today_, out);
      case Attribute::kGender: break;
    }
    return NormOutcome::kInvalid;  // gender is exposure-only (REQUIRES in the header)
  }

 private:
  norm::PhoneNormalizer phone_;
  std::unique_ptr<norm::T2s> t2s_;
  norm::Date today_;
  std::string scratch_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> Normalizer::Create(const NormalizeOptions& options) {
  NormalizeOptions o = options;
  for (char& c : o.default_region) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (!norm::PhoneRegionSupported(o.default_region))
    return Status::InvalidArgument(  // the value is not echoed: it may be a mistyped phone number
        "default region must be a two-letter ISO 3166 region code with a telephone numbering plan (e.g. CN)");
  auto t2s = norm::T2s::Create();
  if (!t2s.ok()) return t2s.status();
  return std::unique_ptr<Normalizer>(std::make_unique<RuleNormalizer>(o, std::move(t2s).value()));
}

std::string_view NormOutcomeName(NormOutcome o) {
  switch (o) {
    case NormOutcome::kOk: return "ok";
    case NormOutcome::kAbsent: return "absent";
    case NormOutcome::kPlaceholder: return "placeholder";
    case NormOutcome::kMasked: return "masked";
    case NormOutcome::kMangled: return "mangled";
    case NormOutcome::kInvalid: return "invalid";
    case NormOutcome::kBadEncoding: return "bad_encoding";
    case NormOutcome::kBadChecksum: return "bad_checksum";
    case NormOutcome::kStub: return "name_stub";
  }
  return "unknown";
}

}  // namespace leakdex
