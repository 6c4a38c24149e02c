#include "index/paged_file.h"

#include <algorithm>
#include <cstring>

#include "coding.h"

namespace leakdex {

using format::kPageContent;
using format::kPageSize;

// ---- Writer -------------------------------------------------------------------

Result<std::unique_ptr<PagedFileWriter>> PagedFileWriter::Create(const std::string& final_path, uint64_t salt) {
  std::unique_ptr<PagedFileWriter> w(new PagedFileWriter());
  LEAKDEX_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::Create(final_path));
  w->file_ = std::make_unique<AtomicFile>(std::move(f));
  w->salt_ = salt;
  w->page_.reserve(kPageContent);
  w->digest_ = XXH3_createState();
  if (w->digest_ == nullptr) throw std::bad_alloc();
  XXH3_64bits_reset(w->digest_);
  return w;
}

PagedFileWriter::~PagedFileWriter() {
  if (file_) file_->Abandon();
  if (digest_) XXH3_freeState(digest_);
}

Status PagedFileWriter::SealPage() {
  const uint64_t sum = PageChecksum(page_.data(), salt_, pages_);
  if (have_last_) {
    char b[8];
    EncodeFixed64(b, last_checksum_);
    XXH3_64bits_update(digest_, b, 8);
  }
  last_checksum_ = sum;
  have_last_ = true;
  out_ += page_;
  PutFixed64(&out_, sum);
  page_.clear();
  ++pages_;
  if (out_.size() >= (1u << 20)) return FlushOut();
  return Status::Ok();
}

Status PagedFileWriter::FlushOut() {
  Status st = file_->Append(out_);
  out_.clear();
  return st;
}

Status PagedFileWriter::Append(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t n = std::min(bytes.size(), kPageContent - page_.size());
    page_.append(bytes.data(), n);
    bytes.remove_prefix(n);
    logical_ += n;
    if (page_.size() == kPageContent) LEAKDEX_RETURN_IF_ERROR(SealPage());
  }
  return Status::Ok();
}

Status PagedFileWriter::AppendZeros(uint64_t n) {
  static const char kZeros[4096] = {};
  while (n > 0) {
    size_t k = static_cast<size_t>(std::min<uint64_t>(n, sizeof kZeros));
    LEAKDEX_RETURN_IF_ERROR(Append(std::string_view(kZeros, k)));
    n -= k;
  }
  return Status::Ok();
}

Status PagedFileWriter::Finish(std::string footer, size_t digest_at) {
  // Pad so that the footer ends the last page.
  const size_t used = page_.size();
  if (used + footer.size() > kPageContent) {
    LEAKDEX_RETURN_IF_ERROR(AppendZeros(kPageContent - used));
  }
  LEAKDEX_RETURN_IF_ERROR(AppendZeros(kPageContent - page_.size() - footer.size()));
  // Every page but the last is sealed now (the last one is still in page_),
  // except the previous page's checksum still sits in last_checksum_.
  if (have_last_) {
    char b[8];
    EncodeFixed64(b, last_checksum_);
    XXH3_64bits_update(digest_, b, 8);
    have_last_ = false;
  }
  // The digest also covers the last page's bytes before the footer: without
  // them, two one-page segments with the same size and key count had equal
  // footers, and the MANIFEST (which pins the footer checksum) could not tell
  // a segment swapped in from another index.
  XXH3_64bits_update(digest_, page_.data(), page_.size());
  EncodeFixed64(footer.data() + digest_at, XXH3_64bits_digest(digest_));
  // The footer's last 8 bytes are its own checksum, computed once the digest is in.
  EncodeFixed64(footer.data() + footer.size() - 8, XXH3_64bits(footer.data(), footer.size() - 8));
  page_ += footer;
  logical_ += footer.size();
  const uint64_t sum = PageChecksum(page_.data(), salt_, pages_);
  out_ += page_;
  PutFixed64(&out_, sum);
  page_.clear();
  ++pages_;
  LEAKDEX_RETURN_IF_ERROR(FlushOut());
  Status st = file_->Commit();
  file_.reset();
  return st;
}

// ---- Reader -------------------------------------------------------------------

Result<std::unique_ptr<PagedView>> PagedView::Open(const std::string& path, MappedFile::Mode mode) {
  std::unique_ptr<PagedView> v(new PagedView());
  LEAKDEX_ASSIGN_OR_RETURN(v->file_, MappedFile::Open(path, mode));
  v->pages_ = v->file_.bytes().size() / kPageSize;
  v->verified_.reset(new std::atomic<uint8_t>[v->pages_ + 1]());
  return v;
}

Status PagedView::CheckWholePages() const {
  const uint64_t size = file_size();
  if (size == 0 || size % kPageSize != 0)
    return Status::Corruption(path() + ": size " + std::to_string(size) +
                              " is not a whole number of 4096-byte pages: truncated, or bytes appended");
  return Status::Ok();
}

uint64_t PagedView::stored_checksum(uint64_t p) const { return DecodeFixed64(raw_page(p) + kPageContent); }

Status PagedView::Corrupt(uint64_t logical_off, const std::string& what) const {
  const uint64_t physical = (logical_off / kPageContent) * kPageSize + logical_off % kPageContent;
  return Status::Corruption(path() + ": offset " + std::to_string(physical) + ": " + what);
}

Status PagedView::VerifyPageChecksum(uint64_t p) const {
  if (p >= pages_) return Status::Corruption(path() + ": page " + std::to_string(p) + " beyond the end of the file");
  if (all_verified_.load(std::memory_order_acquire) || verified_[p].load(std::memory_order_acquire))
    return Status::Ok();
  if (PageChecksum(raw_page(p), salt_, p) != stored_checksum(p))
    return Status::Corruption(path() + ": offset " + std::to_string(p * kPageSize) + ": page " + std::to_string(p) +
                              " checksum mismatch (damaged, or a page from elsewhere)");
  verified_[p].store(1, std::memory_order_release);
  return Status::Ok();
}

Status PagedView::VerifyAll() const {
  for (uint64_t p = 0; p < pages_; ++p) {
    LEAKDEX_RETURN_IF_ERROR(VerifyPage(p));
    if ((p & 1023) == 1023) DropBefore(p * kPageContent);
  }
  DropBefore(logical_size());
  dropped_pages_ = 0;
  all_verified_.store(true, std::memory_order_release);
  return Status::Ok();
}

Result<const char*> PagedView::Get(uint64_t off, uint64_t len, std::vector<char>* scratch) const {
  if (off > logical_size() || len > logical_size() - off)
    return Corrupt(std::min(off, logical_size()), "reference beyond the end of the file");
  const uint64_t first = off / kPageContent;
  const uint64_t in_page = off % kPageContent;
  if (in_page + len <= kPageContent) {
    LEAKDEX_RETURN_IF_ERROR(VerifyPage(first));
    return raw_page(first) + in_page;
  }
  scratch->assign(len + 8, 0);
  uint64_t done = 0;
  while (done < len) {
    const uint64_t p = (off + done) / kPageContent;
    const uint64_t at = (off + done) % kPageContent;
    const uint64_t n = std::min<uint64_t>(kPageContent - at, len - done);
    LEAKDEX_RETURN_IF_ERROR(VerifyPage(p));
    std::memcpy(scratch->data() + done, raw_page(p) + at, n);
    done += n;
  }
  return static_cast<const char*>(scratch->data());
}

Status PagedView::GetRangeChecked(uint64_t off, uint64_t len, PagedRange* out, std::vector<char>* scratch) const {
  if (off > logical_size() || len > logical_size() - off)
    return Corrupt(std::min(off, logical_size()), "reference beyond the end of the file");
  const uint64_t first = off / kPageContent;
  const uint64_t in_page = off % kPageContent;
  out->split_ = UINT64_MAX;
  out->stitched_ = false;
  out->len_ = len;
  if (in_page + len <= kPageContent) {
    LEAKDEX_RETURN_IF_ERROR(VerifyPage(first));
    out->a_ = raw_page(first) + in_page;
    return Status::Ok();
  }
  if (in_page + len > 2 * kPageContent) {  // three pages or more (unusually large group): copy
    LEAKDEX_ASSIGN_OR_RETURN(out->a_, Get(off, len, scratch));
    return Status::Ok();
  }
  // first + 1 exists: the range lies inside the logical size, checked above.
  LEAKDEX_RETURN_IF_ERROR(VerifyPage(first));
  LEAKDEX_RETURN_IF_ERROR(VerifyPage(first + 1));
  out->a_ = raw_page(first) + in_page;
  out->b_ = raw_page(first + 1);
  out->split_ = kPageContent - in_page;
  return Status::Ok();
}

const char* PagedRange::Stitched(uint64_t byte) const {
  if (!stitched_) {
    // a_ + split_ is the end of the first page's content (4088 >= 16 bytes).
    std::memcpy(stitch_, a_ + split_ - 16, 16);
    std::memcpy(stitch_ + 16, b_, 16);
    stitched_ = true;
  }
  return stitch_ + (byte + 16 - split_);
}

namespace {
// Prefetches every cache line holding a byte of [p, p + n).
void PrefetchLines(const char* p, uint64_t n) {
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + n;
  for (uintptr_t a = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{63}; a < end; a += 64)
    __builtin_prefetch(reinterpret_cast<const void*>(a));
}
}  // namespace

void PagedView::PrefetchRange(uint64_t off, uint64_t len) const {
  if (off >= logical_size()) return;
  len = std::min(len, logical_size() - off);
  while (len > 0) {
    const uint64_t in_page = off % kPageContent;
    const uint64_t n = std::min<uint64_t>(len, kPageContent - in_page);
    PrefetchLines(raw_page(off / kPageContent) + in_page, n);
    off += n;
    len -= n;
  }
}

void PagedRange::Prefetch() const {
  PrefetchLines(a_, std::min(len_, split_));
  if (split_ < len_) PrefetchLines(b_, len_ - split_);
}

Status PagedView::Read(uint64_t off, uint64_t len, std::string* out) const {
  std::vector<char> scratch;
  LEAKDEX_ASSIGN_OR_RETURN(const char* p, Get(off, len, &scratch));
  out->assign(p, len);
  return Status::Ok();
}

void PagedView::DropBefore(uint64_t off) const {
  const uint64_t page = off / kPageContent;
  if (page <= dropped_pages_ + 256) return;  // batch the madvise calls
  file_.DontNeed(dropped_pages_ * kPageSize, (page - dropped_pages_) * kPageSize);
  dropped_pages_ = page;
}

}  // namespace leakdex
