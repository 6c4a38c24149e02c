// E-mail addresses (docs/NORMALISATION.md §E-mail).
//
// One canonical form: NFKC, trimmed, "mailto:" and <...> removed, trailing dots
// dropped, lower-cased, domain converted to its IDNA A-label (ICU UTS #46).
// Gmail (gmail.com, googlemail.com) is folded: dots and "+tag" removed from the
// local part and the domain set to gmail.com, because Gmail delivers all those
// spellings to one mailbox. No other provider is folded: '+' and '.' are
// significant elsewhere, and vip.qq.com / qq.com, 163.com / 126.com are distinct
// mailboxes.
#include <algorithm>

#include "normalize/internal.h"

namespace leakdex::norm {
namespace {

bool ToAsciiDomain(const std::string& domain, std::string& out) {
  bool ascii = std::all_of(domain.begin(), domain.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) { out = domain; return true; }
  // ICU, through the plugin: opened on the first non-ASCII domain (i18n_library.cpp).
  char buf[256];
  int n = I18n().idna_to_ascii(domain.data(), domain.size(), buf, sizeof buf);
  if (n <= 0) return false;
  out.assign(buf, static_cast<size_t>(n));
  return true;
}

bool LocalCharOk(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

}  // namespace

NormOutcome NormalizeEmail(std::string_view raw, std::vector<std::string>& out) {
  std::string text;
  if (!NfkcCaseFold(raw, text)) return NormOutcome::kBadEncoding;
  std::string_view v = Trim(text);
  if (v.empty()) return NormOutcome::kAbsent;
  if (IsNullPlaceholder(v)) return NormOutcome::kPlaceholder;
  if (v.find("\xEF\xBF\xBD") != std::string_view::npos) return NormOutcome::kBadEncoding;
  if (v.starts_with("mailto:")) v.remove_prefix(7);
  // "Name <a@b.c>" or "<a@b.c>"
  if (size_t lt = v.rfind('<'); lt != std::string_view::npos) {
    size_t gt = v.find('>', lt);
    if (gt != std::string_view::npos) v = v.substr(lt + 1, gt - lt - 1);
  }
  v = Trim(v);
  while (!v.empty() && (v.back() == '.' || v.back() == ',' || v.back() == ';')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == '"' || v.front() == '\'')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '"' || v.back() == '\'')) v.remove_suffix(1);
  size_t at = v.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= v.size()) return NormOutcome::kInvalid;
  std::string_view local = v.substr(0, at), domain_in = v.substr(at + 1);
  if (local.find('*') != std::string_view::npos || domain_in.find('*') != std::string_view::npos)
    return NormOutcome::kMasked;
  for (char c : local) {
    if (!LocalCharOk(c)) return NormOutcome::kInvalid;
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return NormOutcome::kInvalid;
  std::string domain;
  if (!ToAsciiDomain(std::string(domain_in), domain)) return NormOutcome::kInvalid;
  if (domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string::npos)
    return NormOutcome::kInvalid;
  for (char c : domain) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return NormOutcome::kInvalid;
  }
  std::string canon;
  if (domain == "gmail.com" || domain == "googlemail.com") {
    for (char c : local) {
      if (c == '+') break;
      if (c != '.') canon.push_back(c);
    }
    if (canon.empty()) return NormOutcome::kInvalid;
    canon += "@gmail.com";
  } else {
    canon.assign(local);
    canon.push_back('@');
    canon += domain;
  }
  if (canon.size() > 254) return NormOutcome::kInvalid;
  out.push_back(std::move(canon));
  return NormOutcome::kOk;
}

}  // namespace leakdex::norm
