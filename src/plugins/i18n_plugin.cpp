// leakdex-i18n.so: libphonenumber and ICU's IDNA behind the C interface of i18n_plugin.h.
// Built as a CMake MODULE; never linked into leakdex itself.
#include "plugins/i18n_plugin.h"

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <unicode/uidna.h>

#include <cstring>
#include <string>

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const PhoneNumberUtil& Util() {
  static const PhoneNumberUtil* util = [] {
    PhoneNumberUtil* u = PhoneNumberUtil::GetInstance();
    // leakdex never logs values (SPEC P1); the library's default is already silent, make sure.
    u->SetLogger(new i18n::phonenumbers::NullLogger());
    return u;
  }();
  return *util;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int leakdex_i18n_abi(void) { return LEAKDEX_I18N_PLUGIN_ABI; }

__attribute__((visibility("default"))) int leakdex_phone_e164(const char* text, size_t n, const char* region,
                                                              char* out, size_t cap) {
  const PhoneNumberUtil& u = Util();
  PhoneNumber number;
  if (u.Parse(std::string(text, n), region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) return 0;
  if (!u.IsValidNumber(number)) return 0;
  std::string e164;
  u.Format(number, PhoneNumberUtil::E164, &e164);
  if (e164.empty() || e164.size() + 1 > cap) return 0;
  std::memcpy(out, e164.c_str(), e164.size() + 1);
  return static_cast<int>(e164.size());
}

__attribute__((visibility("default"))) int leakdex_phone_country_code(const char* region) {
  return Util().GetCountryCodeForRegion(region);
}

__attribute__((visibility("default"))) int leakdex_phone_cn_valid(uint64_t national) {
  PhoneNumber n;
  n.set_country_code(86);
  n.set_national_number(national);
  return Util().IsValidNumber(n) ? 1 : 0;
}

__attribute__((visibility("default"))) int leakdex_idna_to_ascii(const char* domain, size_t n, char* out,
                                                                 size_t cap) {
  UErrorCode err = U_ZERO_ERROR;
  // Rare (non-ASCII domains only), so opened per call rather than cached.
  UIDNA* idna = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII, &err);
  if (U_FAILURE(err) || !idna) return 0;
  err = U_ZERO_ERROR;
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  int32_t len = uidna_nameToASCII_UTF8(idna, domain, static_cast<int32_t>(n), out, static_cast<int32_t>(cap), &info,
                                       &err);
  uidna_close(idna);
  if (U_FAILURE(err) || info.errors != 0 || len <= 0 || static_cast<size_t>(len) >= cap) return 0;
  out[len] = '\0';
  return len;
}

}  // extern "C"
