// The C interface of leakdex-i18n.so, the plugin that wraps libphonenumber and
// ICU's IDNA (src/plugins/i18n_plugin.cpp; loaded by
// src/normalize/i18n_library.cpp).
//
// Why a plugin (issue 6): libphonenumber drags protobuf, ICU and abseil (~20
// shared libraries) into every process that links it, and mapping and
// initialising them cost most of a `check`'s 20-30 ms. The core asks the
// library only about numbers its fast path cannot answer (landlines, foreign
// numbers, unusual forms), and ICU only about non-ASCII e-mail domains, so it
// opens this plugin on the first such value. A C interface keeps the boundary
// free of C++ ABI and mangled names.
#pragma once

#include <stddef.h>
#include <stdint.h>

extern "C" {

// Bumped on any change below; the core refuses a plugin with another version.
#define LEAKDEX_I18N_PLUGIN_ABI 1
int leakdex_i18n_abi(void);

// Parses `n` bytes of `text` with `region` (ISO 3166, e.g. "CN") as the
// default region. If it is a valid number, writes its E.164 form and a NUL to
// `out` (`cap` >= 20 bytes) and returns its length; otherwise returns 0.
int leakdex_phone_e164(const char* text, size_t n, const char* region, char* out, size_t cap);

// The country calling code of `region`, 0 if libphonenumber does not know it.
int leakdex_phone_country_code(const char* region);

// 1 if +86 `national` is a valid number, else 0.
int leakdex_phone_cn_valid(uint64_t national);

// ICU UTS #46 (non-transitional) ToASCII of the UTF-8 domain `domain` (`n`
// bytes): writes the A-label form and a NUL to `out` and returns its length;
// returns 0 on any IDNA error or if it does not fit in `cap` bytes.
int leakdex_idna_to_ascii(const char* domain, size_t n, char* out, size_t cap);

}  // extern "C"
