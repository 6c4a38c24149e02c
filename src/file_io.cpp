#include "file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <csignal>
#include <cstdlib>
#include <atomic>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>

namespace leakdex {
namespace {

Status ErrnoStatus(const std::string& path, const char* what, int err) {
  std::string msg = path + ": " + what + ": " + std::strerror(err);
  return Status::IOError(msg);
}

std::string ParentDir(const std::string& path) {
  std::filesystem::path p(path);
  std::string dir = p.parent_path().string();
  return dir.empty() ? "." : dir;
}

}  // namespace

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// Reads all `size` bytes of `fd` into memory at `to`. False with errno set on
// a read error, with errno 0 when the file ends early.
bool ReadWhole(int fd, char* to, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, to + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = 0;  // end of file: the file shrank, no error to report
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Result<MappedFile> MappedFile::Open(const std::string& path, Mode mode) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Corruption(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::Corruption(path + ": cannot stat: " + std::strerror(err));
  }
  MappedFile f;
  f.path_ = path;
  f.size_ = static_cast<size_t>(st.st_size);
  if (f.size_ > 0 && mode == Mode::kLoad) {
    // Aligned to a huge page inside a larger region, so that the kernel can
    // back it with 2 MiB pages (MADV_HUGEPAGE is a hint: without THP this is
    // an ordinary private copy).
    const size_t rounded = (f.size_ + kHugePage - 1) / kHugePage * kHugePage;
    f.region_size_ = rounded + kHugePage;
    void* p = ::mmap(nullptr, f.region_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::IOError(path + ": cannot allocate memory to load it: " + std::strerror(err));
    }
    f.region_ = static_cast<char*>(p);
    f.loaded_ = true;
    char* data = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(p) + kHugePage - 1) & ~uintptr_t{kHugePage - 1});
    ::madvise(data, rounded, MADV_HUGEPAGE);
    const bool ok = ReadWhole(fd, data, f.size_);
    const int err = errno;
    ::close(fd);
    if (!ok) return Status::Corruption(path + ": cannot read: " + (err ? std::strerror(err) : "file shrank"));
    ::mprotect(f.region_, f.region_size_, PROT_READ);
    f.data_ = data;
    return f;
  }
  if (f.size_ > 0) {
    void* p = ::mmap(nullptr, f.size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::Corruption(path + ": cannot map: " + std::strerror(err));
    }
    f.data_ = static_cast<const char*>(p);
    f.region_ = static_cast<char*>(p);
    f.region_size_ = f.size_;
  }
  ::close(fd);
  return f;
}

MappedFile::MappedFile(MappedFile&& o) noexcept
    : path_(std::move(o.path_)),
      data_(o.data_),
      size_(o.size_),
      region_(o.region_),
      region_size_(o.region_size_),
      loaded_(o.loaded_) {
  o.data_ = nullptr;
  o.size_ = 0;
  o.region_ = nullptr;
  o.region_size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    Release();
    path_ = std::move(o.path_);
    data_ = o.data_;
    size_ = o.size_;
    region_ = o.region_;
    region_size_ = o.region_size_;
    loaded_ = o.loaded_;
    o.data_ = nullptr;
    o.size_ = 0;
    o.region_ = nullptr;
    o.region_size_ = 0;
  }
  return *this;
}

void MappedFile::Release() {
  if (region_) ::munmap(region_, region_size_);
  region_ = nullptr;
  region_size_ = 0;
}

void MappedFile::DontNeed(uint64_t offset, uint64_t length) const {
  if (loaded_) return;  // DONTNEED would zero private anonymous memory
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  uint64_t begin = (offset + page - 1) / page * page;
  uint64_t end = std::min<uint64_t>(offset + length, size_) / page * page;
  if (data_ == nullptr || end <= begin) return;
  ::madvise(const_cast<char*>(data_) + begin, end - begin, MADV_DONTNEED);
}

MappedFile::~MappedFile() { Release(); }

void CrashPoint() {
  static const long long crash_at = [] {
    const char* v = std::getenv("LEAKDEX_TEST_CRASH_AT");
    return v ? std::atoll(v) : 0LL;
  }();
  static std::atomic<long long> calls{0};
  if (crash_at > 0 && calls.fetch_add(1) + 1 == crash_at) ::kill(::getpid(), SIGKILL);
}

bool InjectedFault() {
  static const long long fault_at = [] {
    const char* v = std::getenv("LEAKDEX_TEST_FAULT_AT");
    return v ? std::atoll(v) : 0LL;
  }();
  static std::atomic<long long> calls{0};
  if (fault_at <= 0 || calls.fetch_add(1) + 1 != fault_at) return false;
  errno = ENOSPC;
  return true;
}

Result<AtomicFile> AtomicFile::Create(const std::string& final_path) {
  AtomicFile f;
  f.final_path_ = final_path;
  struct stat st {};
  if (::stat(final_path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return ErrnoStatus(final_path, "cannot create", EISDIR);
    f.direct_ = true;
    f.fd_ = ::open(final_path.c_str(), O_WRONLY | O_CLOEXEC);
    if (f.fd_ < 0) return ErrnoStatus(final_path, "cannot open", errno);
    return f;
  }
  f.tmp_path_ = final_path + ".tmp-" + std::to_string(::getpid());
  f.fd_ = InjectedFault() ? -1 : ::open(f.tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f.fd_ < 0) return ErrnoStatus(final_path, "cannot create", errno);
  return f;
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : final_path_(std::move(o.final_path_)), tmp_path_(std::move(o.tmp_path_)), fd_(o.fd_),
      written_(o.written_), direct_(o.direct_) {
  o.fd_ = -1;
  o.tmp_path_.clear();
}

AtomicFile::~AtomicFile() { Abandon(); }

Status AtomicFile::Append(std::string_view bytes) {
  CrashPoint();
  while (!bytes.empty()) {
    ssize_t n = InjectedFault() ? -1 : ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(final_path_, "write failed", errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    written_ += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status AtomicFile::Commit() {
  if (direct_) {  // a device or pipe: nothing to publish, and fsync may not apply
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? Status::Ok() : ErrnoStatus(final_path_, "close failed", errno);
  }
  CrashPoint();
  if (InjectedFault() || ::fsync(fd_) != 0) return ErrnoStatus(tmp_path_, "fsync failed", errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return ErrnoStatus(tmp_path_, "close failed", errno);
  }
  fd_ = -1;
  CrashPoint();
  if (InjectedFault() || ::rename(tmp_path_.c_str(), final_path_.c_str()) != 0)
    return ErrnoStatus(final_path_, "cannot publish (rename)", errno);
  tmp_path_.clear();
  CrashPoint();
  return SyncDirectory(ParentDir(final_path_));
}

void AtomicFile::Abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
  tmp_path_.clear();
}

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  LEAKDEX_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::Create(path));
  LEAKDEX_RETURN_IF_ERROR(f.Append(bytes));
  return f.Commit();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(dir, "cannot open directory", errno);
  int rc = InjectedFault() ? -1 : ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus(dir, "directory fsync failed", err);
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  LEAKDEX_ASSIGN_OR_RETURN(MappedFile f, MappedFile::Open(path));
  return std::string(f.bytes());
}

size_t RemoveStaleTempFiles(const std::string& dir) {
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos && entry.is_regular_file(ec)) {
      if (std::filesystem::remove(entry.path(), ec)) ++removed;
    }
  }
  return removed;
}

}  // namespace leakdex
