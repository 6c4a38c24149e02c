// Helpers for the [sources] tests: build containers and encodings in memory
// (libarchive writer, iconv), read sources back into plain values.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sources/input.h"
#include "sources/record_source.h"

namespace leakdex::testing {

// Compresses `data` as a single stream with a libarchive filter name:
// "gzip", "zstd", "xz", "bzip2", "lz4".
std::string Compress(const std::string& filter, const std::string& data);

// Writes an archive ("zip", "7zip", "tar", "tar.gz") holding `members` in order.
std::string MakeArchive(const std::string& format, const std::vector<std::pair<std::string, std::string>>& members);

// Converts UTF-8 text to `to_encoding` with iconv ("GB18030", "UTF-16LE", ...).
std::string Encode(const std::string& utf8, const char* to_encoding);

// Every part of a container, decoded (name, bytes), or the error.
struct Parts {
  std::vector<std::pair<std::string, std::string>> parts;
  Status status;
};
Parts ReadParts(std::unique_ptr<ByteStream> in, Encoding encoding = Encoding::kAuto);

// A source's records as maps of field name (or "#index") to value, and the
// reasons of its bad records.
struct ReadResult {
  std::vector<std::map<std::string, std::string>> records;
  std::vector<std::string> bad;  // reasons, in order
  std::vector<uint64_t> bad_lines;
  Status status;
  InputFormat format = InputFormat::kAuto;
};
ReadResult ReadRecords(const std::string& bytes, SourceOptions options = {}, Encoding encoding = Encoding::kAuto);

}  // namespace leakdex::testing
