// Minimal normaliser (placeholder for issue 3's full rules): phones to E.164
// for Chinese mobiles, NFKC + trim for text, upper-case for ID numbers.
#include <utf8proc.h>

#include <cctype>
#include <cstdlib>
#include <memory>

#include "leakdex/normalize.h"

namespace leakdex {
namespace {

// NFKC with case kept; returns false on invalid UTF-8.
bool Nfkc(std::string_view in, std::string& out) {
  utf8proc_uint8_t* buf = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()),
                                    static_cast<utf8proc_ssize_t>(in.size()), &buf,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                                   UTF8PROC_COMPAT));
  if (n < 0) return false;
  out.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  std::free(buf);
  return true;
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

class BasicNormalizer final : public Normalizer {
 public:
  NormOutcome Normalize(Attribute a, std::string_view raw, std::vector<std::string>& out) override {
    if (!Nfkc(raw, text_)) return NormOutcome::kBadEncoding;
    std::string_view v = TrimAscii(text_);
    if (v.empty()) return NormOutcome::kAbsent;
    switch (a) {
      case Attribute::kPhone: return Phone(v, out);
      case Attribute::kIdNumber: {
        std::string s;
        for (char c : v) s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        out.push_back(std::move(s));
        return NormOutcome::kOk;
      }
      case Attribute::kEmail: {
        std::string s;
        for (char c : v) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        out.push_back(std::move(s));
        return NormOutcome::kOk;
      }
      case Attribute::kAddress: {
        std::string s;
        for (char c : v) if (c != ' ') s.push_back(c);
        out.push_back(std::move(s));
        return NormOutcome::kOk;
      }
      default:
        out.emplace_back(v);
        return NormOutcome::kOk;
    }
  }

 private:
  static NormOutcome Phone(std::string_view v, std::vector<std::string>& out) {
    std::string digits;
    for (char c : v) {
      if (c >= '0' && c <= '9') digits.push_back(c);
      else if (c == '*') return NormOutcome::kMasked;
      else if (c == 'E' || c == 'e') return NormOutcome::kMangled;
    }
    if (digits.size() == 15 && digits.starts_with("0086")) digits.erase(0, 4);
    if (digits.size() == 13 && digits.starts_with("86")) digits.erase(0, 2);
    if (digits.size() != 11 || digits[0] != '1') return NormOutcome::kInvalid;
    out.push_back("+86" + digits);
    return NormOutcome::kOk;
  }
  std::string text_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> Normalizer::Create(const NormalizeOptions&) {
  return std::unique_ptr<Normalizer>(std::make_unique<BasicNormalizer>());
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
  }
  return "unknown";
}

}  // namespace leakdex
