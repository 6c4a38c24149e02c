#include "sources/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

 private:
  int fd_;
  std::string name_;
  uint64_t size_;
  bool owned_;
};

}  // namespace

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

StreamBuffer::StreamBuffer(std::unique_ptr<ByteStream> in, size_t chunk) : in_(std::move(in)), chunk_(chunk) {
  cap_ = 2 * chunk_;
  buf_.reset(new char[cap_ + kPadding]());
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
    std::unique_ptr<char[]> nbuf(new char[ncap + kPadding]());
    std::memcpy(nbuf.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    buf_ = std::move(nbuf);
    cap_ = ncap;
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
