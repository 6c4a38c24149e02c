// Libraries opened on first use (src/lazy_library.h, issue 6). Which objects a
// `check` maps is tested end to end in tests/cli/lazy_libs_test.sh.
#include <catch2/catch.hpp>

#include "lazy_library.h"
#include "normalize/internal.h"

using leakdex::LazyLibrary;

TEST_CASE("lazy library: a missing library is an error naming it and its package", "[lazy]") {
  static LazyLibrary lib("libleakdex-no-such-library.so.7", "libleakdex-none7", "for this test");
  auto h = lib.Handle();
  REQUIRE_FALSE(h.ok());
  CHECK(h.status().message().find("libleakdex-no-such-library.so.7") != std::string::npos);
  CHECK(h.status().message().find("install the Debian package libleakdex-none7") != std::string::npos);
  CHECK(h.status().message().find("for this test") != std::string::npos);
  // The outcome is remembered: a second call gives the same error without retrying.
  CHECK(lib.Handle().status().message() == h.status().message());
  int (*fn)(void) = nullptr;
  CHECK_FALSE(lib.Bind(fn, "anything").ok());
  CHECK(fn == nullptr);
}

TEST_CASE("lazy library: a system library binds typed symbols", "[lazy]") {
  // libm is always present; sqrt has a stable C signature (and is exact here).
  static LazyLibrary lib("libm.so.6", "libc6", "for this test");
  double (*sqrt_fn)(double) = nullptr;
  REQUIRE(lib.Bind(sqrt_fn, "sqrt").ok());
  CHECK(sqrt_fn(16.0) == 4.0);
  int (*none)(void) = nullptr;
  auto s = lib.Bind(none, "leakdex_no_such_symbol");
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("leakdex_no_such_symbol") != std::string::npos);
}

TEST_CASE("lazy library: the i18n plugin is found from a binary in the build tree", "[lazy]") {
  std::string path = leakdex::PluginPath("leakdex-i18n.so");
  REQUIRE_FALSE(path.empty());
  CHECK(path.ends_with("/leakdex-i18n.so"));
  CHECK(leakdex::PluginPath("leakdex-no-such-plugin.so").empty());
  // Through the plugin: a Beijing fixed line and a non-ASCII e-mail domain.
  std::string e164;
  leakdex::norm::PhoneNormalizer phone("CN");
  CHECK(phone.LibraryE164("010-6552 9988", e164));
  CHECK(e164 == "+861065529988");
}

TEST_CASE("t2s: the embedded pre-check set matches the installed OpenCC dictionaries", "[lazy][normalize]") {
  using leakdex::norm::T2s;
  // Built from the same files at build time (src/normalize/gen/t2s_may_change.cpp):
  // the fingerprint must match, so MayChange answers from the set.
  CHECK(T2s::EmbeddedSetCurrent());
  CHECK(T2s::EmbeddedSetSize() > 3000);
  CHECK(T2s::EmbeddedSetSize() < 10000);
}
