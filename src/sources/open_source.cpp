// Format detection by content (the extension is not trusted: dumps are renamed).
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "sources/record_source.h"

namespace leakdex {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Picks the delimiter by counting candidates over the first lines (as
// eleakxir's leak-utils does): the one found on every line most often wins;
// ties go to the earlier candidate. ':' is last, so "email:password" dumps are
// found but a CSV with times in it stays a CSV.
char GuessDelimiter(std::string_view head) {
  constexpr std::array<char, 5> kCandidates = {',', '\t', '|', ';', ':'};
  std::array<size_t, kCandidates.size()> min_count;
  min_count.fill(SIZE_MAX);
  int lines = 0;
  while (!head.empty() && lines < 10) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    if (nl == std::string_view::npos && lines > 0) break;  // probably cut by the end of the sample
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ++lines;
    for (size_t i = 0; i < kCandidates.size(); ++i)
      min_count[i] = std::min(min_count[i], static_cast<size_t>(std::count(line.begin(), line.end(), kCandidates[i])));
  }
  char best = ',';
  size_t best_count = 0;
  for (size_t i = 0; i < kCandidates.size(); ++i) {
    if (lines > 0 && min_count[i] > best_count) {
      best = kCandidates[i];
      best_count = min_count[i];
    }
  }
  return best;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool IContains(std::string_view s, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= s.size(); ++i)
    if (IStartsWith(s.substr(i), needle)) return true;
  return false;
}

// SQL dumps start with a comment or a statement keyword; a leading comment
// must be followed by data statements within the first bytes.
bool LooksLikeSql(std::string_view head) {
  static constexpr std::string_view kStatements[] = {
      "CREATE TABLE", "INSERT INTO", "INSERT IGNORE", "REPLACE INTO", "DROP TABLE", "LOCK TABLES", "SET ",
      "USE ",         "COPY ",       "BEGIN",         "START TRANSACTION", "SELECT ", "ALTER TABLE"};
  for (std::string_view k : kStatements)
    if (IStartsWith(head, k)) return true;
  if (head.starts_with("--") || head.starts_with("/*"))
    return IContains(head, "INSERT INTO") || IContains(head, "CREATE TABLE") || IContains(head, "COPY ") ||
           IContains(head, "mysqldump") || IContains(head, "PostgreSQL database dump");
  return false;
}

// One object per line is NDJSON; an object spread over lines (pretty
// printed) is read as a stream of JSON values. Judged over the first lines,
// not the first alone: a dump split with `split -b` starts with a cut line,
// and taking it for a pretty-printed stream would lose every record after it.
bool LooksLikeNdjson(std::string_view head, bool whole_input) {
  int lines = 0, one_line_objects = 0;
  while (!head.empty() && lines < 10) {
    size_t nl = head.find('\n');
    if (nl == std::string_view::npos && !whole_input && lines > 0) break;  // cut by the end of the sample
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    ++lines;
    if (line.size() > 1 && line.front() == '{' && line.back() == '}') ++one_line_objects;
  }
  return one_line_objects > 0 && 2 * one_line_objects >= lines;
}

InputFormat FormatForDelimiter(char d) {
  return d == '\t' ? InputFormat::kTsv : d == '|' ? InputFormat::kPsv : InputFormat::kCsv;
}

}  // namespace

namespace {
// ASCII text is valid UTF-8: checked 8 bytes at a time before calling
// simdjson, whose dispatch costs more than the check on short fields.
bool IsAscii(std::string_view s) {
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    acc |= w;
  }
  for (; i < s.size(); ++i) acc |= static_cast<unsigned char>(s[i]);
  return (acc & 0x8080808080808080ull) == 0;
}
}  // namespace

// Non-ASCII fields are validated in one simdjson call over the record's
// names and values joined by '\n' rather than one call per field: the
// per-call dispatch on short CJK fields was 6.6% of a CSV ingest. The
// ASCII separator keeps the answer the same as field by field: a sequence
// cut short at a field's end, or a continuation byte at a field's start,
// stays invalid next to it.
uint32_t NameTable::Intern(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  if (names_.size() >= kMaxNames || name.size() > kMaxNameBytes || bytes_ + name.size() > kMaxBytes) return 0;
  bytes_ += name.size();
  names_.push_back(std::make_unique<const std::string>(name));
  const uint32_t id = static_cast<uint32_t>(names_.size());
  ids_.emplace(*names_.back(), id);
  return id;
}

bool RecordIsValidUtf8(const Record& rec, bool names_valid) {
  // One call over the record's own bytes: no copy, and no check of header
  // names repeated on every record (3.5% of a CSV ingest's CPU).
  if (names_valid && !rec.raw.empty()) return simdjson::validate_utf8(rec.raw.data(), rec.raw.size());
  thread_local std::string joined;
  joined.clear();
  auto add = [](std::string_view s) {
    if (IsAscii(s)) return;
    joined.append(s);
    joined.push_back('\n');
  };
  for (const Field& f : rec.fields) {
    if (!names_valid) add(f.name);
    add(f.value);
  }
  return joined.empty() || simdjson::validate_utf8(joined.data(), joined.size());
}

Result<InputFormat> ParseInputFormat(std::string_view name) {
  if (name == "auto") return InputFormat::kAuto;
  if (name == "ndjson" || name == "jsonl") return InputFormat::kNdjson;
  if (name == "json") return InputFormat::kJson;
  if (name == "csv") return InputFormat::kCsv;
  if (name == "tsv") return InputFormat::kTsv;
  if (name == "psv") return InputFormat::kPsv;
  if (name == "sql") return InputFormat::kSql;
  return Status::InvalidArgument("unknown format '" + std::string(name) +
                                 "' (expected auto, ndjson, json, csv, tsv, psv or sql)");
}

std::string_view InputFormatName(InputFormat f) {
  switch (f) {
    case InputFormat::kAuto: return "auto";
    case InputFormat::kNdjson: return "ndjson";
    case InputFormat::kJson: return "json";
    case InputFormat::kCsv: return "csv";
    case InputFormat::kTsv: return "tsv";
    case InputFormat::kPsv: return "psv";
    case InputFormat::kSql: return "sql";
  }
  return "?";
}

Result<std::unique_ptr<RecordSource>> OpenRecordSource(std::unique_ptr<ByteStream> in, const SourceOptions& opt) {
  auto buf = std::make_unique<StreamBuffer>(std::move(in));
  // Detection looks at the first 64 KiB (or the whole input if shorter).
  while (buf->size() < (64u << 10) && !buf->eof()) LEAKDEX_RETURN_IF_ERROR(buf->Fill().status());
  std::string_view head(buf->data(), buf->size());
  if (head.starts_with(kBom)) {
    buf->Consume(kBom.size());
    head.remove_prefix(kBom.size());
  }
  InputFormat format = opt.format;
  char delimiter = opt.delimiter;
  if (format == InputFormat::kAuto) {
    size_t first = head.find_first_not_of(" \t\r\n");
    char c = first == std::string_view::npos ? '\0' : head[first];
    if (c == '[') format = InputFormat::kJson;
    else if (c == '{')
      format = LooksLikeNdjson(head.substr(first), buf->eof()) ? InputFormat::kNdjson : InputFormat::kJson;
    else if (LooksLikeNdjson(head.substr(first == std::string_view::npos ? head.size() : first), buf->eof()))
      format = InputFormat::kNdjson;  // a cut first line, then objects one per line
    else if (LooksLikeSql(head.substr(first == std::string_view::npos ? head.size() : first)))
      format = InputFormat::kSql;
    else {
      if (delimiter == 0) delimiter = GuessDelimiter(head.substr(first == std::string_view::npos ? 0 : first));
      format = FormatForDelimiter(delimiter);
    }
  }
  switch (format) {
    case InputFormat::kNdjson:
      return NewNdjsonSource(std::move(buf), opt.names);
    case InputFormat::kJson:
      return NewJsonArraySource(std::move(buf), opt.names);
    case InputFormat::kCsv:
    case InputFormat::kTsv:
    case InputFormat::kPsv:
      if (delimiter == 0) delimiter = format == InputFormat::kTsv ? '\t' : format == InputFormat::kPsv ? '|' : ',';
      return NewCsvSource(std::move(buf), format, delimiter, !opt.no_header, opt.known_column, opt.names);
    case InputFormat::kSql:
      return NewSqlSource(std::move(buf), opt.table);
    case InputFormat::kAuto:
      break;
  }
  return Status::Internal("format detection fell through");
}

}  // namespace leakdex
