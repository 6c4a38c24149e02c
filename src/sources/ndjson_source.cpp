// NDJSON / JSON Lines, including Elasticsearch exports ({"_source": {...}}).
//
// Each line is parsed on its own with one reused simdjson On-Demand parser,
// not with iterate_many: in simdjson 3.0.1 one bad byte fails a whole batch
// and the stream error is sticky (reference/performance.md §1), so a bad line
// would cost its neighbours. Objects are flattened to dotted paths
// ("_source.sjhm"); numbers keep their literal text, so an 18-digit ID number
// or a phone never passes through a double.
#include <simdjson.h>

#include <cstring>

#include "sources/record_source.h"

namespace leakdex {
namespace {

namespace od = simdjson::ondemand;

class NdjsonSource final : public RecordSource {
 public:
  explicit NdjsonSource(std::unique_ptr<StreamBuffer> buf) : buf_(std::move(buf)) {}

  Next Read(Record* rec, BadRecord* bad) override {
    for (;;) {
      std::string_view line;
      if (!NextLine(&line)) return Next::kEnd;
      const uint64_t line_no = line_no_;
      const uint64_t offset = line_offset_;
      std::string_view trimmed = Trim(line);
      if (trimmed.empty()) continue;
      const char* error_reason = Parse(trimmed, rec);
      if (error_reason == nullptr) {
        rec->line = line_no;
        rec->offset = offset;
        return Next::kRecord;
      }
      *bad = BadRecord{error_reason, line_no, offset};
      return Next::kBad;
    }
  }

  Status status() const override { return status_; }
  uint64_t bytes_consumed() const override { return buf_->offset(); }
  InputFormat format() const override { return InputFormat::kNdjson; }

 private:
  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
  }

  // The next line (without its '\n'), consumed from the buffer. Its bytes stay
  // valid until the next call.
  bool NextLine(std::string_view* line) {
    for (;;) {
      const char* p = buf_->data();
      const size_t n = buf_->size();
      const void* nl = n ? std::memchr(p, '\n', n) : nullptr;
      if (nl != nullptr || (buf_->eof() && n > 0)) {
        size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - p) : n;
        *line = std::string_view(p, len);
        line_offset_ = buf_->offset();
        ++line_no_;
        buf_->Consume(nl ? len + 1 : len);
        return true;
      }
      if (buf_->eof()) return false;
      auto filled = buf_->Fill();
      if (!filled.ok()) {
        status_ = filled.status();
        return false;
      }
    }
  }

  // Returns nullptr on success, else the rejection reason.
  const char* Parse(std::string_view line, Record* rec) {
    rec->fields.clear();
    arena_.clear();
    name_spans_.clear();
    // The buffer keeps >= 64 readable bytes past any line (StreamBuffer::kPadding).
    size_t capacity = static_cast<size_t>(buf_->data() + buf_->capacity() - line.data());
    od::document doc;
    auto err = parser_.iterate(simdjson::padded_string_view(line.data(), line.size(), capacity)).get(doc);
    if (err) return ReasonFor(err);
    od::object obj;
    if (doc.get_object().get(obj)) return "not_an_object";
    path_.clear();
    for (auto field : obj) {
      std::string_view key;
      if ((err = field.unescaped_key().get(key))) return ReasonFor(err);
      path_.assign(key);
      od::value v;
      if ((err = field.value().get(v))) return ReasonFor(err);
      if ((err = Walk(v, rec, 0))) return ReasonFor(err);
    }
    // (simdjson 3.0.1's On-Demand document has no at_end(): bytes after the
    // object on the same line are not inspected.)
    // Names were built in arena_, which no longer moves: point the fields at it.
    for (size_t i = 0; i < rec->fields.size(); ++i)
      rec->fields[i].name = std::string_view(arena_).substr(name_spans_[i].first, name_spans_[i].second);
    return nullptr;
  }

  simdjson::error_code Walk(od::value v, Record* rec, int depth) {
    if (depth > 32) return simdjson::DEPTH_ERROR;
    od::json_type type;
    if (auto err = v.type().get(type)) return err;
    switch (type) {
      case od::json_type::object: {
        od::object obj;
        if (auto err = v.get_object().get(obj)) return err;
        for (auto field : obj) {
          std::string_view key;
          if (auto err = field.unescaped_key().get(key)) return err;
          const size_t old = path_.size();
          path_ += '.';
          path_ += key;
          od::value child;
          if (auto err = field.value().get(child)) return err;
          if (auto err = Walk(child, rec, depth + 1)) return err;
          path_.resize(old);
        }
        return simdjson::SUCCESS;
      }
      case od::json_type::array: {
        od::array arr;
        if (auto err = v.get_array().get(arr)) return err;
        for (auto element : arr) {
          od::value child;
          if (auto err = element.get(child)) return err;
          if (auto err = Walk(child, rec, depth + 1)) return err;
        }
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto err = v.get_string().get(s)) return err;
        AddField(s, rec);
        return simdjson::SUCCESS;
      }
      case od::json_type::number: {
        std::string_view raw = v.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\r' ||
                                raw.back() == '\n'))
          raw.remove_suffix(1);
        AddField(raw, rec);
        return simdjson::SUCCESS;
      }
      case od::json_type::boolean: {
        bool b;
        return v.get_bool().get(b);
      }
      case od::json_type::null: {
        bool is_null;
        return v.is_null().get(is_null);
      }
    }
    return simdjson::INCORRECT_TYPE;
  }

  void AddField(std::string_view value, Record* rec) {
    name_spans_.emplace_back(arena_.size(), path_.size());
    arena_ += path_;
    rec->fields.push_back(Field{{}, value, static_cast<int>(rec->fields.size())});
  }

  static const char* ReasonFor(simdjson::error_code err) {
    switch (err) {
      case simdjson::UTF8_ERROR: return "invalid_encoding";
      case simdjson::DEPTH_ERROR: return "too_deep";
      default: return "invalid_json";
    }
  }

  std::unique_ptr<StreamBuffer> buf_;
  od::parser parser_;
  Status status_;
  uint64_t line_no_ = 0;
  uint64_t line_offset_ = 0;
  std::string path_;
  std::string arena_;
  std::vector<std::pair<size_t, size_t>> name_spans_;
};

}  // namespace

std::unique_ptr<RecordSource> NewNdjsonSource(std::unique_ptr<StreamBuffer> buf) {
  return std::make_unique<NdjsonSource>(std::move(buf));
}

}  // namespace leakdex
