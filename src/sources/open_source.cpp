// Format detection by content (the extension is not trusted: dumps are renamed).
#include <algorithm>
#include <array>

#include "sources/record_source.h"

namespace leakdex {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Picks the delimiter that splits the first line most often.
char GuessDelimiter(std::string_view head) {
  std::string_view line = head.substr(0, head.find('\n'));
  constexpr std::array<char, 4> kCandidates = {',', '\t', '|', ';'};
  char best = ',';
  size_t best_count = 0;
  for (char c : kCandidates) {
    size_t n = static_cast<size_t>(std::count(line.begin(), line.end(), c));
    if (n > best_count) {
      best = c;
      best_count = n;
    }
  }
  return best;
}

InputFormat FormatForDelimiter(char d) {
  return d == '\t' ? InputFormat::kTsv : d == '|' ? InputFormat::kPsv : InputFormat::kCsv;
}

}  // namespace

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
    if (c == '{' || c == '[') format = InputFormat::kNdjson;
    else {
      if (delimiter == 0) delimiter = GuessDelimiter(head.substr(first == std::string_view::npos ? 0 : first));
      format = FormatForDelimiter(delimiter);
    }
  }
  switch (format) {
    case InputFormat::kNdjson:
    case InputFormat::kJson:
      return NewNdjsonSource(std::move(buf));
    case InputFormat::kCsv:
    case InputFormat::kTsv:
    case InputFormat::kPsv:
      if (delimiter == 0) delimiter = format == InputFormat::kTsv ? '\t' : format == InputFormat::kPsv ? '|' : ',';
      return NewCsvSource(std::move(buf), format, delimiter, !opt.no_header);
    case InputFormat::kSql:
      return Status::InvalidArgument("SQL dumps are not supported yet");
    case InputFormat::kAuto:
      break;
  }
  return Status::Internal("format detection fell through");
}

}  // namespace leakdex
