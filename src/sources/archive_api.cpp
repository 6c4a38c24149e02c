#include "sources/archive_api.h"

#include "lazy_library.h"

namespace leakdex {

Result<const ArchiveApi*> LoadArchiveApi() {
  static LazyLibrary lib("libarchive.so.13", "libarchive13", "to read compressed or archived input");
  static LazyApi<ArchiveApi> api;
  return api.Get([](ArchiveApi& a) {
    Status st;
#define LEAKDEX_ARCHIVE_BIND(f) \
  if (st.ok()) st = lib.Bind(a.f, #f);
    LEAKDEX_ARCHIVE_FUNCTIONS(LEAKDEX_ARCHIVE_BIND)
#undef LEAKDEX_ARCHIVE_BIND
    return st;
  });
}

}  // namespace leakdex
