// Shared libraries loaded on first use (dlopen), not at process start.
//
// Why (issue 6): a `check` must finish in < 5 ms, and mapping, relocating and
// initialising libraries it does not use (libarchive and its eight compression
// libraries; OpenCC and marisa) cost most of that before main(). Libraries only
// some commands need are therefore opened by SONAME the first time they are
// needed; a `check` of a phone or ID number never maps them
// (tests/cli/lazy_libs_test.sh checks this with LD_DEBUG).
//
// The SONAMEs are the ones Debian 12 ships (the -dev packages in
// scripts/packages.txt pull in the runtime packages named in the errors).
#pragma once

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "leakdex/status.h"

namespace leakdex {

class LazyLibrary {
 public:
  // `soname`, e.g. "libarchive.so.13"; `package`, the Debian package that ships
  // it; `purpose`, what it is needed for (all three appear in errors).
  constexpr LazyLibrary(const char* soname, const char* package, const char* purpose)
      : soname_(soname), package_(package), purpose_(purpose) {}

  // A plugin built with leakdex (not a system library): `file` is looked up
  // by PluginPath; `package` then says how to get it.
  struct Plugin {};
  constexpr LazyLibrary(Plugin, const char* file, const char* package, const char* purpose)
      : soname_(file), package_(package), purpose_(purpose), plugin_(true) {}

  // Opens the library once per process (thread-safe); later calls return the
  // first outcome. The error names the library, the package and the reason
  // dlerror gave (a file name, never a data value).
  Result<void*> Handle();

  // Resolves `symbol` into `fn` (typed as the header declares it).
  template <typename F>
  Status Bind(F& fn, const char* symbol) {
    LEAKDEX_ASSIGN_OR_RETURN(void* h, Handle());
    void* p = dlsym(h, symbol);
    if (p == nullptr) return Status::Internal(std::string(soname_) + " has no symbol " + symbol + " (wrong version?)");
    fn = reinterpret_cast<F>(p);
    return Status::Ok();
  }

  const char* soname() const { return soname_; }

 private:
  const char* soname_;
  const char* package_;
  const char* purpose_;
  bool plugin_ = false;
  std::once_flag once_;
  void* handle_ = nullptr;
  std::string error_;
};

// A library's functions, bound once per process. Get() runs `bind_all(api)`
// the first time (it binds each function with LazyLibrary::Bind and returns
// the first failure); every call returns that outcome. One static instance
// per library, beside its LazyLibrary:
//   static LazyLibrary lib("libzstd.so.1", "libzstd1", "to read zstd input");
//   static LazyApi<ZstdApi> api;
//   return api.Get([](ZstdApi& a) { return lib.Bind(a.ZSTD_createDStream, "ZSTD_createDStream"); });
template <typename Api>
class LazyApi {
 public:
  template <typename BindAll>
  Result<const Api*> Get(const BindAll& bind_all) {
    std::call_once(once_, [&] { status_ = bind_all(api_); });
    if (!status_.ok()) return status_;
    return &api_;
  }

 private:
  Api api_{};
  Status status_;
  std::once_flag once_;
};

// Where leakdex's own plugin `file` is: the first that exists of
// $LEAKDEX_PLUGIN_DIR/, the executable's directory, <that>/../lib/leakdex/
// (an installed layout), and the build tree's plugin directory (so test and
// fuzz binaries elsewhere in the build find it). Empty if none exists.
std::string PluginPath(const char* file);

// For code with no Status path (the normalisers): a library that cannot be
// loaded ends the run through the program's FatalErrorHandler
// (leakdex/status.h says why); aborts if none is installed or it returns.
[[noreturn]] void FailMissingLibrary(const Status& status);

}  // namespace leakdex
