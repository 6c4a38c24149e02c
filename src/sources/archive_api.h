// libarchive's reading API, loaded with dlopen on the first compressed or
// archived input (src/lazy_library.h says why). The function types come from
// <archive.h>, so a signature change is a compile error, not a crash.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "leakdex/status.h"

namespace leakdex {

#define LEAKDEX_ARCHIVE_FUNCTIONS(X)                                                        \
  X(archive_read_new) X(archive_read_free) X(archive_read_support_filter_all)                \
  X(archive_read_support_format_tar) X(archive_read_support_format_gnutar)                   \
  X(archive_read_support_format_zip) X(archive_read_support_format_7zip)                     \
  X(archive_read_support_format_cpio) X(archive_read_support_format_raw)                     \
  X(archive_read_support_format_empty) X(archive_read_set_callback_data)                     \
  X(archive_read_set_read_callback) X(archive_read_set_seek_callback)                        \
  X(archive_read_set_skip_callback) X(archive_read_open1) X(archive_read_next_header)        \
  X(archive_read_data) X(archive_entry_filetype) X(archive_entry_pathname_utf8)              \
  X(archive_entry_pathname) X(archive_format) X(archive_format_name) X(archive_filter_count) \
  X(archive_filter_name) X(archive_error_string)

struct ArchiveApi {
#define LEAKDEX_ARCHIVE_MEMBER(f) decltype(&::f) f = nullptr;
  LEAKDEX_ARCHIVE_FUNCTIONS(LEAKDEX_ARCHIVE_MEMBER)
#undef LEAKDEX_ARCHIVE_MEMBER
};

// Loads libarchive.so.13 and resolves every function once per process.
Result<const ArchiveApi*> LoadArchiveApi();

}  // namespace leakdex
