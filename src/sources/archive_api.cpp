#include "sources/archive_api.h"

#include <mutex>

#include "lazy_library.h"

namespace leakdex {

Result<const ArchiveApi*> LoadArchiveApi() {
  static LazyLibrary lib("libarchive.so.13", "libarchive13", "to read compressed or archived input");
  static ArchiveApi api;
  static Status status;
  static std::once_flag once;
  std::call_once(once, [] {
#define LEAKDEX_ARCHIVE_BIND(f) \
  if (status.ok()) status = lib.Bind(api.f, #f);
    LEAKDEX_ARCHIVE_FUNCTIONS(LEAKDEX_ARCHIVE_BIND)
#undef LEAKDEX_ARCHIVE_BIND
  });
  if (!status.ok()) return status;
  return &api;
}

}  // namespace leakdex
