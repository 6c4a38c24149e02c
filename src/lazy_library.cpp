#include "lazy_library.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <vector>

namespace leakdex {

Result<void*> LazyLibrary::Handle() {
  std::call_once(once_, [this] {
    // RTLD_LOCAL: the symbols stay private to this handle (they are reached via
    // dlsym only). RTLD_NOW: a broken install fails here, once, not mid-run.
    const std::string hint = plugin_ ? std::string(package_) : std::string("install the Debian package ") + package_;
    std::string path = plugin_ ? PluginPath(soname_) : soname_;
    if (path.empty()) {
      error_ = std::string("cannot find ") + soname_ + " (needed " + purpose_ +
               ") beside the executable, in ../lib/leakdex or in $LEAKDEX_PLUGIN_DIR; " + hint;
      return;
    }
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      const char* why = dlerror();
      error_ = std::string("cannot load ") + soname_ + " (needed " + purpose_ + "): " +
               (why ? why : "unknown error") + "; " + hint;
    }
  });
  if (handle_ == nullptr) return Status::Internal(error_);
  return handle_;
}

namespace {
std::atomic<FatalErrorHandler> fatal_error_handler{nullptr};
}  // namespace

void FailMissingLibrary(const Status& status) {
  if (FatalErrorHandler handler = fatal_error_handler.load()) handler(status);
  std::abort();
}

std::string PluginPath(const char* file) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("LEAKDEX_PLUGIN_DIR"); env && *env) dirs.emplace_back(env);
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir.resize(dir.rfind('/'));
    dirs.push_back(dir);
    // <prefix>/bin/leakdex -> <prefix>/lib/leakdex (written without "..",
    // so errors and loader traces show the plain path).
    dirs.push_back(dir.substr(0, dir.rfind('/')) + "/lib/leakdex");
  }
#ifdef LEAKDEX_BUILD_PLUGIN_DIR
  dirs.emplace_back(LEAKDEX_BUILD_PLUGIN_DIR);
#endif
  for (const std::string& d : dirs) {
    std::string path = d + "/" + file;
    if (access(path.c_str(), R_OK) == 0) return path;
  }
  return "";
}

void SetFatalErrorHandler(FatalErrorHandler handler) { fatal_error_handler.store(handler); }

}  // namespace leakdex
