#include "sources/codec_api.h"

#include "lazy_library.h"

namespace leakdex {

// Binds each function of an X-macro list (codec_api.h) into `a` with `lib`.
#define LEAKDEX_CODEC_BIND(f) \
  if (st.ok()) st = lib.Bind(a.f, #f);

Result<const IsalApi*> LoadIsalApi() {
  static LazyLibrary lib("libisal.so.2", "libisal2", "to read gzip input");
  static LazyApi<IsalApi> api;
  return api.Get([](IsalApi& a) {
    Status st;
    LEAKDEX_ISAL_FUNCTIONS(LEAKDEX_CODEC_BIND)
    return st;
  });
}

Result<const ZstdApi*> LoadZstdApi() {
  static LazyLibrary lib("libzstd.so.1", "libzstd1", "to read zstd input");
  static LazyApi<ZstdApi> api;
  return api.Get([](ZstdApi& a) {
    Status st;
    LEAKDEX_ZSTD_FUNCTIONS(LEAKDEX_CODEC_BIND)
    return st;
  });
}

#undef LEAKDEX_CODEC_BIND

}  // namespace leakdex
