// Opens leakdex-i18n.so (libphonenumber + ICU IDNA) on first use; see
// src/plugins/i18n_plugin.h for why they are a plugin.
#include <mutex>
#include <string>
#include <type_traits>

#include "lazy_library.h"
#include "normalize/internal.h"
#include "plugins/i18n_plugin.h"

namespace leakdex::norm {

const I18nLibrary& I18n() {
  static LazyLibrary lib(LazyLibrary::Plugin{}, "leakdex-i18n.so",
                         "it is built with leakdex (CMake target leakdex_i18n) and needs libphonenumber8 and ICU",
                         "for phone numbers other than plain CN mobiles and for non-ASCII e-mail domains");
  static I18nLibrary api;
  static std::once_flag once;
  std::call_once(once, [] {
    decltype(&::leakdex_i18n_abi) abi = nullptr;
    Status s = lib.Bind(abi, "leakdex_i18n_abi");
    if (s.ok() && abi() != LEAKDEX_I18N_PLUGIN_ABI)
      s = Status::Internal("leakdex-i18n.so is from another leakdex build (interface " + std::to_string(abi()) +
                           ", expected " + std::to_string(LEAKDEX_I18N_PLUGIN_ABI) + ")");
    // The types are checked against the plugin's declarations at compile time.
    static_assert(std::is_same_v<decltype(api.phone_e164), decltype(&::leakdex_phone_e164)>);
    static_assert(std::is_same_v<decltype(api.phone_country_code), decltype(&::leakdex_phone_country_code)>);
    static_assert(std::is_same_v<decltype(api.phone_cn_valid), decltype(&::leakdex_phone_cn_valid)>);
    static_assert(std::is_same_v<decltype(api.idna_to_ascii), decltype(&::leakdex_idna_to_ascii)>);
    if (s.ok()) s = lib.Bind(api.phone_e164, "leakdex_phone_e164");
    if (s.ok()) s = lib.Bind(api.phone_country_code, "leakdex_phone_country_code");
    if (s.ok()) s = lib.Bind(api.phone_cn_valid, "leakdex_phone_cn_valid");
    if (s.ok()) s = lib.Bind(api.idna_to_ascii, "leakdex_idna_to_ascii");
    if (!s.ok()) FailMissingLibrary(s);
  });
  return api;
}

}  // namespace leakdex::norm
