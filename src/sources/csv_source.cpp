// Delimited text: CSV (RFC 4180 quoting), TSV, PSV and other one-byte
// delimiters. Hand-written rather than a library: Debian has no streaming
// CSV parser that reports per-record errors and resynchronises after an
// unbalanced quote, which real dumps need.
#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "sources/record_source.h"
#include "sources/scan.h"

namespace leakdex {
namespace {

// A record larger than this is rejected (an unbalanced quote would otherwise
// swallow the rest of the file into one field).
constexpr size_t kMaxRecordBytes = 4 << 20;

class CsvSource final : public RecordSource {
 public:
  CsvSource(std::unique_ptr<StreamBuffer> buf, InputFormat format, char delimiter, bool header,
            std::function<bool(std::string_view)> known_column, NameTable* names)
      : buf_(std::move(buf)), format_(format), delim_(delimiter), want_header_(header),
        known_column_(std::move(known_column)), names_(names) {}

  Next Read(Record* rec, BadRecord* bad) override {
    for (;;) {
      const uint64_t line_no = line_no_;
      const uint64_t offset = buf_->offset();
      ParseResult r = ParseOne(rec);
      if (r == ParseResult::kEnd) return Next::kEnd;
      if (r == ParseResult::kBadQuote || r == ParseResult::kTooLong) {
        *bad = BadRecord{r == ParseResult::kBadQuote ? "unterminated_quote" : "record_too_long", line_no, offset};
        SkipLine();
        return Next::kBad;
      }
      if (IsBlank(*rec)) continue;
      if (want_header_ && header_.empty()) {
        want_header_ = false;
        if (IsHeader(*rec)) {
          header_valid_utf8_ = true;
          for (const Field& f : rec->fields) {
            header_.emplace_back(f.value);
            header_ids_.push_back(names_ ? names_->Intern(f.value) : 0);
            if (!simdjson::validate_utf8(f.value.data(), f.value.size())) header_valid_utf8_ = false;
          }
          continue;
        }
      }
      if (IsRepeatedHeader(*rec)) continue;
      if (!header_.empty() && rec->fields.size() > header_.size()) {
        *bad = BadRecord{"too_many_fields", line_no, offset};
        return Next::kBad;
      }
      for (Field& f : rec->fields) {
        const size_t i = static_cast<size_t>(f.index);
        if (i >= header_.size()) continue;
        f.name_id = header_ids_[i];
        f.name = f.name_id != 0 ? names_->Get(f.name_id) : std::string_view(header_[i]);
      }
      rec->line = line_no;
      rec->offset = offset;
      return Next::kRecord;
    }
  }

  Status status() const override { return status_; }
  uint64_t bytes_consumed() const override { return buf_->offset(); }
  InputFormat format() const override { return format_; }
  const std::vector<std::string>* header() const override { return header_.empty() ? nullptr : &header_; }
  // Names come from the header (checked once) or are empty (no header).
  bool names_valid_utf8() const override { return header_.empty() || header_valid_utf8_; }

 private:
  enum class ParseResult { kRecord, kEnd, kBadQuote, kTooLong };

  static bool IsBlank(const Record& r) { return r.fields.size() == 1 && r.fields[0].value.empty(); }

  // A first row naming a known column is a header. One holding a value that
  // looks like data (an e-mail address, a run of 7+ digits) and no known
  // column is the first record of a headerless dump ("email:password",
  // Facebook-style colon dumps). Otherwise it is a header.
  bool IsHeader(const Record& r) const {
    if (known_column_)
      for (const Field& f : r.fields)
        if (known_column_(f.value)) return true;
    for (const Field& f : r.fields) {
      if (f.value.find('@') != std::string_view::npos) return false;
      size_t digits = 0;
      for (char c : f.value) {
        digits = (c >= '0' && c <= '9') ? digits + 1 : 0;
        if (digits >= 7) return false;
      }
    }
    return true;
  }

  bool IsRepeatedHeader(const Record& r) const {
    if (header_.empty() || r.fields.size() != header_.size()) return false;
    for (size_t i = 0; i < header_.size(); ++i)
      if (r.fields[i].value != header_[i]) return false;
    return true;
  }

  bool Refill() {
    auto r = buf_->Fill();
    if (!r.ok()) status_ = r.status();
    return r.ok() && r.value();
  }

  // Parses one record starting at the buffer's first byte. If the record runs
  // past the buffer, refills and parses it again from its start.
  ParseResult ParseOne(Record* rec) {
    for (;;) {
      if (buf_->size() == 0 && (buf_->eof() || !Refill())) return ParseResult::kEnd;
      size_t used = 0;
      bool complete = false;
      bool bad_quote = false;
      Tokenize(rec, &used, &complete, &bad_quote);
      if (complete) {
        line_no_ += static_cast<uint64_t>(std::count(buf_->data(), buf_->data() + used, '\n'));
        rec->raw = std::string_view(buf_->data(), used);  // Consume keeps the bytes until the next Fill
        buf_->Consume(used);
        return ParseResult::kRecord;
      }
      if (buf_->size() > kMaxRecordBytes) return ParseResult::kTooLong;
      if (!buf_->eof()) {
        // Fill may grow (move) the buffer even when it then finds the end of
        // the input, so the fields just tokenised may point into freed memory:
        // tokenise again either way.
        if (!Refill() && !status_.ok()) return ParseResult::kEnd;
        continue;
      }
      if (!status_.ok()) return ParseResult::kEnd;
      if (bad_quote) return ParseResult::kBadQuote;
      // End of input without a final newline: the rest is the last record.
      line_no_ += static_cast<uint64_t>(std::count(buf_->data(), buf_->data() + used, '\n'));
      rec->raw = std::string_view(buf_->data(), used);
      buf_->Consume(used);
      return ParseResult::kRecord;
    }
  }

  // Splits the record at the buffer start into fields. Sets `complete` when a
  // record-ending newline was reached, `used` to the bytes it spans, and
  // `open_quote` when the buffer ended inside a quoted field.
  void Tokenize(Record* rec, size_t* used, bool* complete, bool* open_quote) {
    rec->fields.clear();
    arena_.clear();
    arena_.reserve(buf_->size());  // quoted fields are copied here: it must not reallocate
    const char* p = buf_->data();
    const char* end = p + buf_->size();
    const char* q = p;
    int index = 0;
    for (;;) {
      std::string_view value;
      if (q < end && *q == '"') {  // quoted field: "" is a quote, newlines allowed
        const size_t start = arena_.size();
        ++q;
        bool closed = false;
        while (q < end) {
          const char* quote = static_cast<const char*>(std::memchr(q, '"', static_cast<size_t>(end - q)));
          if (quote == nullptr) break;
          arena_.append(q, quote);
          if (quote + 1 < end && quote[1] == '"') {
            arena_.push_back('"');
            q = quote + 2;
            continue;
          }
          if (quote + 1 == end && !buf_->eof()) break;  // can't tell "" from " yet
          q = quote + 1;
          closed = true;
          break;
        }
        if (!closed) {
          *open_quote = true;
          *used = buf_->size();
          return;
        }
        // Lenient: text after the closing quote and before the delimiter is kept.
        while (q < end && *q != delim_ && *q != '\n' && *q != '\r') arena_.push_back(*q++);
        value = std::string_view(arena_).substr(start);
      } else {
        const char* f = q;
        q = FindDelimiterOrNewline(q, end, delim_);
        const char* fend = q;
        if (fend > f && fend[-1] == '\r' && (q == end || *q == '\n')) --fend;
        value = std::string_view(f, static_cast<size_t>(fend - f));
      }
      if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n') ++q;  // CRLF after a quoted field
      rec->fields.push_back(Field{{}, value, index++});
      if (q == end) {
        *used = static_cast<size_t>(q - p);
        *complete = false;
        return;
      }
      if (*q == '\n') {
        *used = static_cast<size_t>(q - p) + 1;
        *complete = true;
        return;
      }
      ++q;  // delimiter
    }
  }

  void SkipLine() {
    for (;;) {
      const void* nl = buf_->size() ? std::memchr(buf_->data(), '\n', buf_->size()) : nullptr;
      if (nl != nullptr) {
        buf_->Consume(static_cast<size_t>(static_cast<const char*>(nl) - buf_->data()) + 1);
        ++line_no_;
        return;
      }
      buf_->Consume(buf_->size());
      if (buf_->eof() || !Refill()) return;
    }
  }

  std::unique_ptr<StreamBuffer> buf_;
  InputFormat format_;
  char delim_;
  bool want_header_;
  std::function<bool(std::string_view)> known_column_;
  std::vector<std::string> header_;
  std::vector<uint32_t> header_ids_;  // NameTable numbers (0: none)
  NameTable* names_;                  // may be null
  bool header_valid_utf8_ = false;
  std::string arena_;
  Status status_;
  uint64_t line_no_ = 1;
};

}  // namespace

std::unique_ptr<RecordSource> NewCsvSource(std::unique_ptr<StreamBuffer> buf, InputFormat format, char delimiter,
                                           bool header, std::function<bool(std::string_view)> known_column,
                                           NameTable* names) {
  return std::make_unique<CsvSource>(std::move(buf), format, delimiter, header, std::move(known_column), names);
}

}  // namespace leakdex
