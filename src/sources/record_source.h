// Record sources: turn a byte stream in some format into records of
// (column name or JSON path, value) fields. Malformed records are returned as
// kBad with a reason and location (never content), and reading goes on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "leakdex/status.h"
#include "sources/byte_stream.h"

namespace leakdex {

enum class InputFormat { kAuto, kNdjson, kJson, kCsv, kTsv, kPsv, kSql };
Result<InputFormat> ParseInputFormat(std::string_view name);
std::string_view InputFormatName(InputFormat f);

struct Field {
  std::string_view name;   // header name or dotted JSON path; empty without a header
  std::string_view value;  // raw text; JSON numbers as their literal text
  int index = 0;           // 0-based column number (CSV) or field ordinal (JSON)
  // The name's number in the source's NameTable (SourceOptions::names), 0
  // when it has none: then `name` points into the table and stays valid and
  // unchanged for the table's life, not only until the next Read.
  uint32_t name_id = 0;
};

// Column names (header names, JSON paths) of one ingest, each stored once and
// numbered from 1. Sources that intern their names give each field its number
// and a view into the table, so the ingest reader copies no name into a batch
// and a worker resolves a column once per number instead of comparing names
// record after record. Bounded: once kMaxNames names or kMaxBytes bytes are
// stored (a dump whose keys differ on every line), and for any name longer
// than kMaxNameBytes, Intern returns 0 and sources keep such names
// themselves, as without a table.
// Writes (Intern) from one thread; the views handed out may then be read
// from any thread the records go to.
class NameTable {
 public:
  static constexpr size_t kMaxNames = size_t{1} << 16;
  static constexpr size_t kMaxBytes = size_t{16} << 20;
  static constexpr size_t kMaxNameBytes = 4096;
  // The number of `name`, added if new; 0 when the table is full.
  uint32_t Intern(std::string_view name);
  // REQUIRES: `id` came from Intern.
  std::string_view Get(uint32_t id) const { return *names_[id - 1]; }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::unique_ptr<const std::string>> names_;  // the strings never move
  std::unordered_map<std::string_view, uint32_t> ids_;    // views into names_
  size_t bytes_ = 0;                                       // of all names
};

// Valid until the next call to RecordSource::Next.
struct Record {
  std::vector<Field> fields;
  uint64_t line = 0;    // 1-based line of the record's first byte
  uint64_t offset = 0;  // byte offset of the record's first byte
  // The bytes the record was parsed from, when its field values are these
  // bytes with only ASCII bytes (delimiters, quotes) taken out: then the values
  // are all valid UTF-8 exactly when `raw` is. Valid until the next Read.
  // Only read when the source's names_valid_utf8() is true; such a source
  // (delimited text) sets it on every record it returns. Other sources leave
  // it alone, so it may be stale for them.
  std::string_view raw;
};

struct BadRecord {
  std::string reason;  // stable short name: "invalid_json", "too_many_fields", ...
  uint64_t line = 0;
  uint64_t offset = 0;
};

struct SourceOptions {
  InputFormat format = InputFormat::kAuto;
  char delimiter = 0;      // 0: by format / detection
  bool no_header = false;  // else a first row that looks like data is not taken as a header
  // Whether a column name is known (recognised or named by --map): a first row
  // holding one is a header. Unset: only the look of the row decides.
  std::function<bool(std::string_view)> known_column;
  std::string table;       // SQL dumps: read only this table (empty: all)
  // Where JSON and delimited-text sources intern their field names (see
  // NameTable); null: names are the source's own, valid until the next Read.
  NameTable* names = nullptr;
};

class RecordSource {
 public:
  enum class Next { kRecord, kBad, kEnd };
  virtual ~RecordSource() = default;
  // kRecord fills `rec`; kBad fills `bad`; kEnd when done or on a fatal error (see status()).
  virtual Next Read(Record* rec, BadRecord* bad) = 0;
  // A fatal error (I/O failure) that ended reading early; Ok otherwise.
  virtual Status status() const = 0;
  virtual uint64_t bytes_consumed() const = 0;
  virtual InputFormat format() const = 0;
  // True when the source has itself validated every record it returns as
  // UTF-8 (the JSON parser validates each whole document), so the reader need
  // not run RecordIsValidUtf8 again. That second pass was a third of the
  // JSON input layer's time.
  virtual bool validates_utf8() const { return false; }
  // The header row's column names, once the first record has been read, for
  // sources that have one (delimited text with a header); else nullptr.
  virtual const std::vector<std::string>* header() const { return nullptr; }
  // True when every field name the source returns is known to be valid UTF-8
  // (checked once: a delimited file's header row).
  virtual bool names_valid_utf8() const { return false; }
};

// True when every field name and value of `rec` is valid UTF-8. A record that
// is not is rejected as "invalid_encoding" (decoded streams mark undecodable
// bytes with 0xFF, see sources/input.h). `names_valid`: the caller knows the
// names are (RecordSource::names_valid_utf8), so only the values are checked,
// through rec.raw when the source set it.
bool RecordIsValidUtf8(const Record& rec, bool names_valid = false);

// Detects the format from the first bytes when options.format is kAuto.
Result<std::unique_ptr<RecordSource>> OpenRecordSource(std::unique_ptr<ByteStream> in,
                                                       const SourceOptions& options);

// Format-specific constructors (used by OpenRecordSource and tests).
// `names`: see SourceOptions::names.
std::unique_ptr<RecordSource> NewNdjsonSource(std::unique_ptr<StreamBuffer> buf, NameTable* names = nullptr);
// JSON values one after another, arrays streamed element by element.
std::unique_ptr<RecordSource> NewJsonArraySource(std::unique_ptr<StreamBuffer> buf, NameTable* names = nullptr);
// `header`: the first row is a header unless it looks like data (see SourceOptions).
std::unique_ptr<RecordSource> NewCsvSource(std::unique_ptr<StreamBuffer> buf, InputFormat format, char delimiter,
                                           bool header, std::function<bool(std::string_view)> known_column = {},
                                           NameTable* names = nullptr);
std::unique_ptr<RecordSource> NewSqlSource(std::unique_ptr<StreamBuffer> buf, const std::string& table);

}  // namespace leakdex
