#include "sources/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace leakdex {
namespace {

class FdStream final : public ByteStream {
 public:
  FdStream(int fd, std::string name, uint64_t size, bool owned)
      : fd_(fd), name_(std::move(name)), size_(size), owned_(owned) {}
  ~FdStream() override {
    if (owned_) ::close(fd_);
  }
  Result<size_t> Read(char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return Status::InputError(name_ + ": read failed: " + std::strerror(errno));
    }
  }
  const std::string& name() const override { return name_; }
  uint64_t size_hint() const override { return size_; }
  bool seekable() const override { return size_ > 0; }  // regular files only
  Result<uint64_t> Seek(int64_t offset, int whence) override {
    off_t r = ::lseek(fd_, static_cast<off_t>(offset), whence);
    if (r < 0) return Status::InputError(name_ + ": seek failed: " + std::strerror(errno));
    return static_cast<uint64_t>(r);
  }

 private:
  int fd_;
  std::string name_;
  uint64_t size_;
  bool owned_;
};

class MemoryStream final : public ByteStream {
 public:
  MemoryStream(std::string bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    n = std::min(n, bytes_.size() - pos_);
    std::memcpy(buf, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  const std::string& name() const override { return name_; }
  uint64_t size_hint() const override { return bytes_.size(); }
  bool seekable() const override { return true; }
  Result<uint64_t> Seek(int64_t offset, int whence) override {
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? static_cast<int64_t>(pos_)
                                                               : static_cast<int64_t>(bytes_.size());
    int64_t to = base + offset;
    if (to < 0) return Status::InputError(name_ + ": seek before start");
    pos_ = std::min(static_cast<size_t>(to), bytes_.size());
    return static_cast<uint64_t>(pos_);
  }

 private:
  std::string bytes_;
  std::string name_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteStream> NewMemoryStream(std::string bytes, std::string name) {
  return std::make_unique<MemoryStream>(std::move(bytes), std::move(name));
}

Result<std::unique_ptr<ByteStream>> OpenFileStream(const std::string& path) {
  if (path == "-") return std::unique_ptr<ByteStream>(std::make_unique<FdStream>(0, "<stdin>", 0, false));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::InputError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InputError(path + ": not a readable file");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteStream>(
      std::make_unique<FdStream>(fd, path, S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0, true));
}

Status PeekStream::Peek(size_t n) {
  head_.resize(n);
  size_t got = 0;
  while (got < n) {
    LEAKDEX_ASSIGN_OR_RETURN(size_t r, in_->Read(head_.data() + got, n - got));
    if (r == 0) break;
    got += r;
  }
  head_.resize(got);
  pos_ = 0;
  return Status::Ok();
}

Result<size_t> PeekStream::Read(char* buf, size_t n) {
  if (pos_ < head_.size()) {
    n = std::min(n, head_.size() - pos_);
    std::memcpy(buf, head_.data() + pos_, n);
    pos_ += n;
    logical_ += n;
    if (pos_ == head_.size()) {
      head_.clear();
      head_.shrink_to_fit();
      pos_ = 0;
    }
    return n;
  }
  auto r = in_->Read(buf, n);
  if (r.ok()) logical_ += *r;
  return r;
}

Result<uint64_t> PeekStream::Seek(int64_t offset, int whence) {
  Result<uint64_t> r = whence == SEEK_CUR ? in_->Seek(static_cast<int64_t>(logical_) + offset, SEEK_SET)
                                          : in_->Seek(offset, whence);
  if (!r.ok()) return r;
  head_.clear();  // the inner stream now stands where the caller asked
  pos_ = 0;
  logical_ = *r;
  return r;
}

StreamBuffer::StreamBuffer(std::unique_ptr<ByteStream> in, size_t chunk) : in_(std::move(in)), chunk_(chunk) {
  // A stream known to be small gets a small buffer (it still grows in Fill if
  // the hint was low, e.g. a compressed file's size): a fresh 2 MiB buffer
  // costs ~500 page faults, which dominated small inputs (fuzzing ran at ~20
  // inputs a second). Not zero-filled: only [begin_, end_) is ever
  // interpreted, and the kPadding bytes after end_ are zeroed by Fill.
  const uint64_t hint = in_->size_hint();
  if (hint > 0 && hint < chunk_) chunk_ = std::max<size_t>(4096, static_cast<size_t>(hint) + 1);
  cap_ = 2 * chunk_;
  buf_.reset(new char[cap_ + kPadding]);
  std::memset(buf_.get(), 0, kPadding);
}

Result<bool> StreamBuffer::Fill() {
  if (eof_) return false;
  if (begin_ > 0 && cap_ - end_ < chunk_) {  // slide the unconsumed bytes to the front
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (cap_ - end_ < chunk_) {  // still no room: one record is larger than the buffer, grow
    size_t ncap = cap_ * 2;
    std::unique_ptr<char[]> nbuf(new char[ncap + kPadding]);
    std::memcpy(nbuf.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    buf_ = std::move(nbuf);
    cap_ = ncap;
    std::memset(buf_.get() + end_, 0, kPadding);  // defined padding even if nothing more is read
  }
  LEAKDEX_ASSIGN_OR_RETURN(size_t n, in_->Read(buf_.get() + end_, cap_ - end_));
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  std::memset(buf_.get() + end_, 0, kPadding);
  return true;
}

}  // namespace leakdex
