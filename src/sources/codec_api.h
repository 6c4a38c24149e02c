// ISA-L's inflate (gzip) and libzstd's streaming decoder, loaded with dlopen
// on the first gzip or zstd input, like libarchive (src/lazy_library.h says
// why: a `check` must not pay for mapping them). The function types come from
// the libraries' headers, so a signature change is a compile error.
//
// Why not libarchive for these two: its gzip filter inflates with zlib and its
// zstd filter decodes through small intermediate buffers; on the single reader
// thread of ingest they were the largest cost for .gz and .zst input (issue 4).
// ISA-L's inflate is about twice as fast as zlib's on x86-64 and chooses its
// SIMD code at run time (so it needs no -march flags here); libzstd decodes
// straight into the reader's buffer. Both libraries are only needed at run
// time when such input is read; if one cannot be loaded the container falls
// back to libarchive (src/sources/container.cpp).
#pragma once

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include "leakdex/status.h"

namespace leakdex {

#define LEAKDEX_ISAL_FUNCTIONS(X) X(isal_inflate_init) X(isal_inflate_reset) X(isal_inflate) X(crc32_gzip_refl)

struct IsalApi {
#define LEAKDEX_CODEC_MEMBER(f) decltype(&::f) f = nullptr;
  LEAKDEX_ISAL_FUNCTIONS(LEAKDEX_CODEC_MEMBER)
};

#define LEAKDEX_ZSTD_FUNCTIONS(X)                                                                \
  X(ZSTD_createDCtx) X(ZSTD_freeDCtx) X(ZSTD_decompressStream) X(ZSTD_isError) X(ZSTD_getErrorName) \
  X(ZSTD_DStreamInSize)

struct ZstdApi {
  LEAKDEX_ZSTD_FUNCTIONS(LEAKDEX_CODEC_MEMBER)
#undef LEAKDEX_CODEC_MEMBER
};

// Load libisal.so.2 / libzstd.so.1 and resolve every function, once per
// process; later calls return the first outcome.
Result<const IsalApi*> LoadIsalApi();
Result<const ZstdApi*> LoadZstdApi();

}  // namespace leakdex
