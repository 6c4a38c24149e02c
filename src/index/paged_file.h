// Paged files (docs/FORMAT.md "Pages"): a logical byte stream cut into 4 KiB
// pages of 4088 content bytes plus the XXH3-64 of that content, seeded with
// (salt + page number). Every page verifies itself, so a lookup that touches
// two pages verifies exactly those two, and a page moved to another position
// or another file fails its check.
#pragma once

#include <xxhash.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "file_io.h"
#include "leakdex/index_format.h"
#include "leakdex/status.h"

namespace leakdex {

inline uint64_t PageChecksum(const char* content, uint64_t salt, uint64_t page) {
  return XXH3_64bits_withSeed(content, format::kPageContent, salt + page);
}

// Writes a paged file aside ("<path>.tmp-<pid>") and publishes it by rename.
class PagedFileWriter {
 public:
  static Result<std::unique_ptr<PagedFileWriter>> Create(const std::string& final_path, uint64_t salt);
  ~PagedFileWriter();  // abandons (removes the temp file) unless committed

  Status Append(std::string_view bytes);
  Status AppendZeros(uint64_t n);
  uint64_t logical_size() const { return logical_; }
  // Zero-pads so that `footer` ends exactly at the end of a page, writes it,
  // fsyncs, renames over the final path and fsyncs the directory. `footer`
  // gets, at `digest_at`, the XXH3-64 of the little-endian checksums of every
  // page before the last (0 when there is one page).
  Status Finish(std::string footer, size_t digest_at);
  uint64_t file_size() const { return pages_ * format::kPageSize; }

 private:
  PagedFileWriter() = default;
  Status SealPage();
  Status FlushOut();
  std::unique_ptr<AtomicFile> file_;
  uint64_t salt_ = 0;
  std::string page_;  // content of the page being filled
  std::string out_;   // sealed pages not yet written
  uint64_t pages_ = 0;
  uint64_t logical_ = 0;
  XXH3_state_t* digest_ = nullptr;
  uint64_t last_checksum_ = 0;
  bool have_last_ = false;
};

// A verified logical byte range read in place, without copying it, although
// it may straddle a page boundary (and so a page trailer): logical bytes
// [0, split) of the range are at `a`, bytes [split, len) at `b` (the next
// page's content). Lookups read groups of 1.5-3.5 KB, about half of which
// cross a boundary; copying them cost more than decoding them.
class PagedRange {
 public:
  // A pointer p such that p[i] is the range's byte `byte + i`, for i < 9.
  // REQUIRES: byte <= len; p[0..8) may be read, and p[8] only when
  // byte + 8 < len (as the bit readers do: a field ends inside the range).
  // Bytes at or past the range's end are readable (page trailer, padding or
  // the next page's bytes) but not part of it: callers mask them off.
  const char* At(uint64_t byte) const {
    if (byte + 9 <= split_) return a_ + byte;
    if (byte >= split_) return b_ + (byte - split_);
    return Stitched(byte);  // the 9 bytes cross the boundary
  }
  // Hints the CPU to fetch the whole range (independent misses overlap).
  void Prefetch() const;

 private:
  friend class PagedView;
  const char* Stitched(uint64_t byte) const;
  const char* a_ = nullptr;
  const char* b_ = nullptr;
  uint64_t len_ = 0;
  uint64_t split_ = UINT64_MAX;  // no boundary inside the range
  // The last 16 content bytes of the first page, then the first 16 of the
  // next; filled on first use (a lookup often never reads near the boundary,
  // and filling it eagerly cost two cache misses).
  mutable bool stitched_ = false;
  mutable char stitch_[32];
};

// Read side: a mapped paged file. Pages are verified on first use (one flag
// per page); every range is bounds-checked against the logical size.
class PagedView {
 public:
  static Result<std::unique_ptr<PagedView>> Open(const std::string& path,
                                                 MappedFile::Mode mode = MappedFile::Mode::kMap);

  const std::string& path() const { return file_.path(); }
  uint64_t file_size() const { return file_.bytes().size(); }
  uint64_t pages() const { return pages_; }
  uint64_t logical_size() const { return pages_ * format::kPageContent; }
  void set_salt(uint64_t salt) { salt_ = salt; }
  uint64_t salt() const { return salt_; }

  // Raw (unverified) content of page 0, for reading the salt.
  const char* raw_page(uint64_t p) const { return file_.bytes().data() + p * format::kPageSize; }
  uint64_t stored_checksum(uint64_t p) const;

  // Corruption unless the file is a non-empty whole number of pages.
  Status CheckWholePages() const;
  // Inline: once VerifyAll has run (a loaded index, batch) the check is one
  // flag, and a call per range cost more than the check (~2% of batch).
  Status VerifyPage(uint64_t page) const {
    if (page < pages_ && all_verified()) return Status::Ok();
    return VerifyPageChecksum(page);
  }
  Status VerifyAll() const;
  // Whether VerifyAll has checked every page.
  bool all_verified() const { return all_verified_.load(std::memory_order_acquire); }
  // Pointer to the verified logical bytes [off, off + len). Points into the
  // mapping when the range lies in one page, else into `scratch` (copied).
  // At least 8 readable bytes follow the range either way (page trailer or
  // zero padding), so bit readers may over-read by up to 8 bytes.
  Result<const char*> Get(uint64_t off, uint64_t len, std::vector<char>* scratch) const;
  // The verified logical bytes [off, off + len) as a PagedRange: in place when
  // they span at most two pages (both verified), else copied into `scratch`.
  // At least 8 readable bytes follow the range either way.
  Status GetRange(uint64_t off, uint64_t len, PagedRange* out, std::vector<char>* scratch) const {
    if (GetVerifiedRange(off, len, out)) return Status::Ok();
    return GetRangeChecked(off, len, out, scratch);
  }
  // GetRange's common case, inline and without a Status: a view VerifyAll
  // has checked, a range inside the file spanning at most two pages. False
  // (out untouched) otherwise; GetRange then takes the checked path.
  bool GetVerifiedRange(uint64_t off, uint64_t len, PagedRange* out) const {
    if (!all_verified() || off > logical_size() || len > logical_size() - off) return false;
    const uint64_t first = off / format::kPageContent;
    const uint64_t in_page = off % format::kPageContent;
    if (in_page + len > 2 * format::kPageContent) return false;
    out->a_ = raw_page(first) + in_page;
    out->len_ = len;
    out->stitched_ = false;
    if (in_page + len <= format::kPageContent) {
      out->split_ = UINT64_MAX;
    } else {  // first + 1 exists: the range lies inside the logical size
      out->b_ = raw_page(first + 1);
      out->split_ = format::kPageContent - in_page;
    }
    return true;
  }
  // The 8 verified logical bytes at `off` (8-byte aligned, so inside one
  // page: 4088 = 511 * 8) as a pointer, when VerifyAll has run and they lie
  // inside the file; nullptr otherwise (callers then take Get's checked path).
  const char* VerifiedWord(uint64_t off) const {
    if (!all_verified() || off % 8 != 0 || off >= logical_size() || logical_size() - off < 8) return nullptr;
    return raw_page(off / format::kPageContent) + off % format::kPageContent;
  }
  // Hints the CPU to fetch logical bytes [off, off + len) (clamped to the
  // file; nothing is verified or read).
  void PrefetchRange(uint64_t off, uint64_t len) const;
  // Copies verified logical bytes into `out`.
  Status Read(uint64_t off, uint64_t len, std::string* out) const;
  // Lets the kernel drop mapped pages of logical range [0, off) from this
  // process (sequential scans keep RSS flat); they stay in the page cache.
  void DropBefore(uint64_t off) const;

  Status Corrupt(uint64_t logical_off, const std::string& what) const;

 private:
  PagedView() = default;
  // VerifyPage's out-of-line part: the range check and the page's checksum.
  Status VerifyPageChecksum(uint64_t page) const;
  Status GetRangeChecked(uint64_t off, uint64_t len, PagedRange* out, std::vector<char>* scratch) const;
  MappedFile file_;
  uint64_t pages_ = 0;
  uint64_t salt_ = 0;
  std::unique_ptr<std::atomic<uint8_t>[]> verified_;
  // Set once VerifyAll has checked every page: VerifyPage then reads this
  // one flag instead of a page's (a cache miss per lookup of a large index).
  mutable std::atomic<bool> all_verified_{false};
  mutable uint64_t dropped_pages_ = 0;
};

}  // namespace leakdex
