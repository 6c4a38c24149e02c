// File primitives: read-only mappings and atomic publication.
//
// Atomic publication (SPEC §5): a file is written aside as "<name>.tmp-<pid>",
// fsynced, renamed over its final name, and the directory fsynced. A crash at
// any moment leaves either the old file or the new one, never a mix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leakdex/status.h"

namespace leakdex {

// A whole file mapped read-only. Empty files map to an empty view.
class MappedFile {
 public:
  MappedFile() = default;  // an empty mapping
  // kMap: mmap of the file (pages read on demand, shared with the page cache).
  // kLoad: the file read into private anonymous memory, on transparent huge
  // pages where the kernel allows: for random access to a file that fits in
  // memory (batch), where 4 KiB pages cost a TLB miss per access.
  enum class Mode { kMap, kLoad };
  static Result<MappedFile> Open(const std::string& path, Mode mode = Mode::kMap);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  ~MappedFile();
  std::string_view bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }
  // Drops the mapped pages of [offset, offset + length) from this process
  // (madvise DONTNEED): a long sequential scan keeps its RSS flat. The data
  // stays in the page cache and is mapped again on the next access. No-op
  // for a loaded file (its memory is the only copy).
  void DontNeed(uint64_t offset, uint64_t length) const;

 private:
  void Release();
  std::string path_;
  const char* data_ = nullptr;
  size_t size_ = 0;
  // What munmap releases: the mapping itself, or (kLoad) the larger region
  // data_ was aligned within.
  char* region_ = nullptr;
  size_t region_size_ = 0;
  bool loaded_ = false;
};

// Writes a file aside and publishes it by rename.
class AtomicFile {
 public:
  // Creates "<final_path>.tmp-<pid>". REQUIRES: Commit() or Abandon() before destruction
  // (the destructor abandons as a safety net). When final_path exists and is
  // not a regular file (/dev/null, a FIFO, a terminal), writes to it directly
  // instead: renaming over it would replace the device with a file (as root,
  // `batch -o /dev/null` once did). A directory is an error.
  static Result<AtomicFile> Create(const std::string& final_path);
  AtomicFile(AtomicFile&& other) noexcept;
  ~AtomicFile();

  Status Append(std::string_view bytes);
  uint64_t size() const { return written_; }
  // fsync, rename over the final path, fsync the directory.
  Status Commit();
  void Abandon();

 private:
  AtomicFile() = default;
  std::string final_path_;
  std::string tmp_path_;
  int fd_ = -1;
  uint64_t written_ = 0;
  bool direct_ = false;  // writing to a non-regular final path itself
};

// Writes `bytes` to `path` atomically (AtomicFile in one call).
Status WriteFileAtomically(const std::string& path, std::string_view bytes);
Status SyncDirectory(const std::string& dir);
Result<std::string> ReadWholeFile(const std::string& path);
// Test hook for crash-safety tests: when the environment sets
// LEAKDEX_TEST_CRASH_AT=N, the Nth call in this process kills it with SIGKILL
// (no cleanup, like a power cut for the process). Writers call it before every
// write, fsync, rename and unlink. Costs one branch otherwise.
void CrashPoint();
// Test hook for fault tests (an injectable file layer): when the environment
// sets LEAKDEX_TEST_FAULT_AT=N, the Nth call in this process returns true and
// sets errno to ENOSPC; the caller then skips its system call and takes its
// real error path, as if the disk had filled at that very call. Writers call
// it in place of every create, write, fsync, rename and directory fsync. A
// sweep N = 1, 2, ... until the command succeeds fails each of them once.
// Costs one branch otherwise.
bool InjectedFault();

// Removes "*.tmp-*" files left in `dir` by a crashed run. Returns how many.
size_t RemoveStaleTempFiles(const std::string& dir);

}  // namespace leakdex
