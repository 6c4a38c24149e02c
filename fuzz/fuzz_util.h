// Helpers shared by the libFuzzer targets (fuzz/*.cpp). Every target defines
// LLVMFuzzerTestOneInput and aborts (through FUZZ_CHECK) when an invariant
// breaks, so libFuzzer records the input as a crash.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sources/byte_stream.h"
#include "sources/record_source.h"

#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

namespace leakdex::fuzz {

// The only errors a reader of damaged index bytes may return (IndexMissing
// when the bytes leave no MANIFEST).
inline bool IndexError(const Status& s) {
  return s.code() == Status::Code::kCorruption || s.code() == Status::Code::kNotSupported ||
         s.code() == Status::Code::kIndexMissing;
}

// A ByteStream over bytes that hands out reads of sizes drawn from a small
// PRNG (1..max_chunk bytes), so records straddle every kind of refill.
class ChunkedStream final : public ByteStream {
 public:
  ChunkedStream(std::string data, uint64_t seed, size_t max_chunk)
      : data_(std::move(data)), state_(seed | 1), max_chunk_(std::max<size_t>(1, max_chunk)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t want = max_chunk_ == SIZE_MAX ? n : 1 + static_cast<size_t>(Next() % max_chunk_);
    size_t k = std::min({n, want, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  const std::string& name() const override { return name_; }
  uint64_t size_hint() const override { return data_.size(); }

 private:
  uint64_t Next() {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ull;
  }
  std::string data_;
  size_t pos_ = 0;
  uint64_t state_;
  size_t max_chunk_;
  std::string name_ = "fuzz-input";
};

// Everything a source produced, as owned values (for comparisons).
struct Collected {
  bool opened = false;
  InputFormat format = InputFormat::kAuto;
  std::string events;  // one line per record / bad record, canonical text
  size_t records = 0;
  size_t bad = 0;
  bool ok = true;
  uint64_t bytes_consumed = 0;
};

inline void AppendEscaped(std::string* out, std::string_view s) {
  out->append(std::to_string(s.size()));
  out->push_back(':');
  out->append(s);
}

// Reads every record; touches every byte of every field (so ASan sees a view
// that outlived its buffer) and records them canonically.
inline Collected CollectAll(std::unique_ptr<ByteStream> in, const SourceOptions& opt, size_t max_records = 100000) {
  Collected c;
  auto src = OpenRecordSource(std::move(in), opt);
  if (!src.ok()) return c;
  c.opened = true;
  c.format = (*src)->format();
  Record rec;
  BadRecord bad;
  for (size_t i = 0; i < max_records; ++i) {
    RecordSource::Next n = (*src)->Read(&rec, &bad);
    if (n == RecordSource::Next::kEnd) break;
    if (n == RecordSource::Next::kBad) {
      ++c.bad;
      FUZZ_CHECK(!bad.reason.empty());
      // Reasons are short identifiers: a value can never hide in one.
      for (char ch : bad.reason) FUZZ_CHECK((ch >= 'a' && ch <= 'z') || ch == '_' || (ch >= '0' && ch <= '9'));
      c.events += "B " + bad.reason + " " + std::to_string(bad.line) + " " + std::to_string(bad.offset) + "\n";
      continue;
    }
    ++c.records;
    c.events += "R " + std::to_string(rec.line) + " " + std::to_string(rec.offset);
    for (const Field& f : rec.fields) {
      c.events += " ";
      AppendEscaped(&c.events, f.name);
      c.events += "=";
      AppendEscaped(&c.events, f.value);
      c.events += "#" + std::to_string(f.index);
    }
    c.events += "\n";
  }
  c.ok = (*src)->status().ok();
  c.bytes_consumed = (*src)->bytes_consumed();
  return c;
}

// A private scratch directory for targets that must write files (the index
// readers): one per process, removed at exit. Prefers /dev/shm (no disk I/O).
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path().string();
    std::string tmpl = base + "/leakdex-fuzz-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    static std::string keep = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(keep, ec);
    });
    return tmpl;
  }();
  return dir;
}

inline void WriteBytes(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) std::abort();
  std::fclose(f);
}

}  // namespace leakdex::fuzz
