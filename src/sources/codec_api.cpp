#include "sources/codec_api.h"

#include <mutex>

#include "lazy_library.h"

namespace leakdex {

Result<const IsalApi*> LoadIsalApi() {
  static LazyLibrary lib("libisal.so.2", "libisal2", "to read gzip input");
  static IsalApi api;
  static Status status;
  static std::once_flag once;
  std::call_once(once, [] {
#define LEAKDEX_CODEC_BIND(f) \
  if (status.ok()) status = lib.Bind(api.f, #f);
    LEAKDEX_ISAL_FUNCTIONS(LEAKDEX_CODEC_BIND)
  });
  if (!status.ok()) return status;
  return &api;
}

Result<const ZstdApi*> LoadZstdApi() {
  static LazyLibrary lib("libzstd.so.1", "libzstd1", "to read zstd input");
  static ZstdApi api;
  static Status status;
  static std::once_flag once;
  std::call_once(once, [] {
    LEAKDEX_ZSTD_FUNCTIONS(LEAKDEX_CODEC_BIND)
#undef LEAKDEX_CODEC_BIND
  });
  if (!status.ok()) return status;
  return &api;
}

}  // namespace leakdex
