// JSON: NDJSON / JSON Lines, and JSON arrays of any size (streamed element by
// element, never loaded whole). Understands the shapes dumps come in:
//   - Elasticsearch: elasticdump lines ({"_source": {...}}), bulk files (the
//     action line {"index":{...}} is metadata, not a record), raw scroll or
//     search pages ({"hits":{"hits":[...]}}: one record per hit);
//   - mongoexport extended JSON: {"$numberLong":"..."}, {"$oid":"..."} and the
//     like are unwrapped (the path has no "$numberLong" part);
//   - a line or file holding an array of objects: one record per object.
//
// Each line (or array element) is parsed on its own with one reused simdjson
// On-Demand parser, not with iterate_many: in simdjson 3.0.1 one bad byte
// fails a whole batch and the stream error is sticky (reference/performance.md
// §1), so a bad line would cost its neighbours. Objects are flattened to
// dotted paths ("_source.sjhm"); numbers keep their literal text, so an
// 18-digit ID number or a phone never passes through a double.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "sources/record_source.h"

namespace leakdex {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kMaxElementBytes = 64 << 20;

// a == b for the dozen-byte names of a record, inline: the call to memcmp
// cost more than the comparison (with the lookup around it, 16% of the JSON
// reader thread's samples).
inline bool SameBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n < 8) {
    for (size_t i = 0; i < n; ++i)
      if (p[i] != q[i]) return false;
    return true;
  }
  uint64_t x, y;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    std::memcpy(&x, p + i, 8);
    std::memcpy(&y, q + i, 8);
    if (x != y) return false;
  }
  std::memcpy(&x, p + n - 8, 8);  // the last 8 bytes (overlapping the loop's)
  std::memcpy(&y, q + n - 8, 8);
  return x == y;
}

bool IsBulkAction(std::string_view key) {
  return key == "index" || key == "create" || key == "update" || key == "delete";
}

class JsonSource final : public RecordSource {
 public:
  JsonSource(std::unique_ptr<StreamBuffer> buf, bool array, NameTable* names)
      : buf_(std::move(buf)), array_(array), names_(names) {}

  Next Read(Record* rec, BadRecord* bad) override {
    for (;;) {
      if (next_pending_ < pending_count_) {
        Pending& pending = pending_[next_pending_++];
        if (pending.bad != nullptr) {  // an array line with scalars in it
          *bad = BadRecord{pending.bad, doc_line_, doc_offset_};
          return Next::kBad;
        }
        Record& p = pending.rec;
        rec->fields.swap(p.fields);
        rec->line = doc_line_;
        rec->offset = doc_offset_;
        return Next::kRecord;
      }
      std::string_view doc;
      const char* reason = nullptr;
      bool got = array_ ? NextElement(&doc, &reason) : NextLine(&doc);
      if (!got) return Next::kEnd;
      if (reason == nullptr) {
        doc = Trim(doc);
        if (doc.empty()) continue;
        reason = Parse(doc);
        // A last line with no newline that does not parse is a cut file.
        if (reason != nullptr && !array_ && line_unterminated_ && std::strcmp(reason, "invalid_json") == 0)
          reason = "truncated_record";
      }
      if (reason != nullptr) {
        *bad = BadRecord{reason, doc_line_, doc_offset_};
        return Next::kBad;
      }
    }
  }

  Status status() const override { return status_; }
  uint64_t bytes_consumed() const override { return buf_->offset(); }
  InputFormat format() const override { return array_ ? InputFormat::kJson : InputFormat::kNdjson; }
  // simdjson's stage 1 validates the UTF-8 of each whole document (a bad byte
  // is UTF8_ERROR, reported as invalid_encoding); strings are unescaped by
  // simdjson (lone surrogates are errors), numbers are ASCII.
  bool validates_utf8() const override { return true; }

 private:
  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
      s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
      s.remove_prefix(1);
    return s;
  }

  bool Refill() {
    auto filled = buf_->Fill();
    if (!filled.ok()) status_ = filled.status();
    return filled.ok() && *filled;
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
        line_unterminated_ = nl == nullptr;
        doc_offset_ = buf_->offset();
        doc_line_ = line_no_ + 1;
        ++line_no_;
        buf_->Consume(nl ? len + 1 : len);
        return true;
      }
      if (buf_->eof()) return false;
      // Refill is false at the end of the input too: loop once more so that a
      // last line without a newline is returned, not dropped.
      if (!Refill() && !status_.ok()) return false;
    }
  }

  void Advance(size_t n) {
    line_no_ += static_cast<uint64_t>(std::count(buf_->data(), buf_->data() + n, '\n'));
    buf_->Consume(n);
  }

  // Array mode: the next element of a top-level array (several arrays one
  // after another are read in turn). Hand-written scanning: simdjson 3.0.1's
  // document streams cannot split an array into its elements (comma-separated
  // streams came in a later release), and parsing the array as one document
  // would load it whole. Scans brackets and strings to find the
  // element's end; the element itself is parsed by Parse.
  bool NextElement(std::string_view* doc, const char** reason) {
    for (;;) {
      const char* p = buf_->data();
      const char* end = p + buf_->size();
      const char* q = p;
      // Between elements: space, ',' and the array brackets.
      while (q < end) {
        char c = *q;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',') ++q;
        else if (c == '[' && depth0_open_ == false) { depth0_open_ = true; ++q; }
        else if (c == ']' && depth0_open_) { depth0_open_ = false; ++q; }
        else break;
      }
      Advance(static_cast<size_t>(q - p));
      p = buf_->data();
      end = p + buf_->size();
      if (p == end) {
        if (buf_->eof() || !Refill()) return false;
        continue;
      }
      // p is at an element (or at a stray value outside any array).
      const char* e = ScanValue(p, end);
      if (e == nullptr) {  // runs past the buffer
        if (buf_->size() > kMaxElementBytes) {
          doc_line_ = line_no_ + 1;
          doc_offset_ = buf_->offset();
          *reason = "record_too_long";
          Advance(buf_->size());
          return true;
        }
        if (!buf_->eof() && Refill()) continue;
        if (!status_.ok()) return false;
        doc_line_ = line_no_ + 1;  // cut short by the end of the input
        doc_offset_ = buf_->offset();
        *reason = "truncated_record";
        Advance(buf_->size());
        return true;
      }
      doc_line_ = line_no_ + 1;
      doc_offset_ = buf_->offset();
      *doc = std::string_view(p, static_cast<size_t>(e - p));  // stays valid: Consume does not move bytes
      Advance(static_cast<size_t>(e - p));
      return true;
    }
  }

  // End of the JSON value starting at p, or nullptr if it runs past `end`.
  static const char* ScanValue(const char* p, const char* end) {
    const char* q = p;
    if (*q != '{' && *q != '[') {  // a scalar: up to the next separator
      if (*q == '"') {
        for (++q; q < end; ++q) {
          if (*q == '\\') ++q;
          else if (*q == '"') return q + 1;
        }
        return nullptr;
      }
      while (q < end && *q != ',' && *q != ']' && *q != '\n' && *q != ' ') ++q;
      // A stray ']' outside any array is a one-byte (invalid) element: an
      // empty one would never be consumed (ingest looped forever; found by fuzz_source_json).
      if (q == p) return p + 1;
      return q < end ? q : nullptr;
    }
    int depth = 0;
    while (q < end) {
      const char* s = q;
      // Jump to the next structural or quote byte.
      while (s < end && *s != '"' && *s != '{' && *s != '}' && *s != '[' && *s != ']') ++s;
      if (s == end) return nullptr;
      q = s;
      switch (*q) {
        case '"':
          for (++q; q < end && *q != '"'; ++q)
            if (*q == '\\') ++q;
          if (q >= end) return nullptr;
          ++q;
          break;
        case '{':
        case '[':
          ++depth;
          ++q;
          break;
        default:
          --depth;
          ++q;
          if (depth == 0) return q;
      }
    }
    return nullptr;
  }

  // A record being built; its field names are spans of arena_ until FixNames.
  struct Pending {
    Record rec;
    // Per field: the name's (offset, length) in arena_, or kInterned.
    std::vector<std::pair<size_t, size_t>> names;
    // Per field position: the NameTable number last used there and its name
    // (records of one shape repeat their paths position by position; id 0:
    // none yet).
    struct Seen {
      uint32_t id = 0;
      std::string_view name;  // the table's bytes
    };
    std::vector<Seen> seen;
    const char* bad = nullptr;  // set: not a record but a rejection (reason)
  };
  static constexpr std::pair<size_t, size_t> kInterned{SIZE_MAX, 0};

  size_t NewPending() {
    if (pending_count_ == pending_.size()) pending_.emplace_back();
    Pending& p = pending_[pending_count_];
    p.rec.fields.clear();
    p.names.clear();
    p.bad = nullptr;
    return pending_count_++;
  }

  // Parses one document into pending_ records. Returns nullptr on success,
  // else the rejection reason.
  const char* Parse(std::string_view text) {
    pending_count_ = next_pending_ = 0;
    arena_.clear();
    // The buffer keeps >= 64 readable bytes past any document (StreamBuffer::kPadding).
    size_t capacity = static_cast<size_t>(buf_->data() + buf_->capacity() - text.data());
    od::document doc;
    auto err = parser_.iterate(simdjson::padded_string_view(text.data(), text.size(), capacity)).get(doc);
    if (err) return ReasonFor(err);
    od::json_type type;
    if ((err = doc.type().get(type))) return ReasonFor(err);
    if (type == od::json_type::array) {  // an array of objects: one record each
      od::array arr;
      if ((err = doc.get_array().get(arr))) return ReasonFor(err);
      bool scalar_seen = false;
      for (auto element : arr) {
        od::value v;
        if ((err = element.get(v))) return Fail(err);
        od::json_type t;
        if ((err = v.type().get(t))) return Fail(err);
        if (t != od::json_type::object) {  // one not_an_object for the line, however many
          if ((err = Skip(v))) return Fail(err);
          if (!scalar_seen) pending_[NewPending()].bad = "not_an_object";
          scalar_seen = true;
          continue;
        }
        cur_ = NewPending();
        path_.clear();
        if ((err = Walk(v, 0, true))) return Fail(err);
      }
      FixNames();
      return nullptr;
    }
    od::object obj;
    if ((err = doc.get_object().get(obj)))
      return err == simdjson::INCORRECT_TYPE ? "not_an_object" : ReasonFor(err);
    cur_ = NewPending();  // the document's own record: pending_[0]
    bool hits_found = false;
    int top_keys = 0;
    bool action = false;
    for (auto field : obj) {
      std::string_view key;
      if ((err = field.unescaped_key().get(key))) return Fail(err);
      ++top_keys;
      od::value v;
      if ((err = field.value().get(v))) return Fail(err);
      od::json_type t;
      if ((err = v.type().get(t))) return Fail(err);
      if (top_keys == 1 && IsBulkAction(key) && t == od::json_type::object) action = true;
      if (key == "hits" && t == od::json_type::object) {  // a search or scroll page?
        bool found = false;
        if ((err = WalkHits(v, &found))) return Fail(err);
        hits_found |= found;
        continue;
      }
      cur_ = 0;
      path_.assign(key);
      if ((err = Walk(v, 0, false))) return Fail(err);
    }
    // (simdjson 3.0.1's On-Demand document has no at_end(): bytes after the
    // object on the same line are not inspected.)
    FixNames();
    // A bulk action line is metadata; a page's own fields are not a record.
    if ((action && top_keys == 1) || hits_found) next_pending_ = 1;
    return nullptr;
  }

  // {"total":..., "hits":[{...}, ...]}: one record per hit.
  simdjson::error_code WalkHits(od::value hits, bool* found) {
    od::object obj;
    if (auto err = hits.get_object().get(obj)) return err;
    for (auto field : obj) {
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) return err;
      od::value v;
      if (auto err = field.value().get(v)) return err;
      od::json_type t;
      if (auto err = v.type().get(t)) return err;
      if (key != "hits" || t != od::json_type::array) {  // "hits.total" and such: the page's own fields
        cur_ = 0;
        path_.assign("hits.");
        path_ += key;
        if (auto err = Walk(v, 1, false)) return err;
        continue;
      }
      *found = true;
      od::array arr;
      if (auto err = v.get_array().get(arr)) return err;
      for (auto element : arr) {
        od::value hit;
        if (auto err = element.get(hit)) return err;
        cur_ = NewPending();
        path_.clear();
        if (auto err = Walk(hit, 0, true)) return err;
      }
    }
    return simdjson::SUCCESS;
  }

  const char* Fail(simdjson::error_code err) {
    pending_count_ = next_pending_ = 0;
    return ReasonFor(err);
  }

  // Names were built in arena_, which no longer moves: point the fields at it.
  void FixNames() {
    for (size_t r = 0; r < pending_count_; ++r) {
      Pending& p = pending_[r];
      for (size_t k = 0; k < p.rec.fields.size(); ++k)
        if (p.names[k] != kInterned)
          p.rec.fields[k].name = std::string_view(arena_).substr(p.names[k].first, p.names[k].second);
    }
  }

  // On-Demand skips a value nobody reads when the iteration moves on.
  static simdjson::error_code Skip(od::value) { return simdjson::SUCCESS; }

  // Flattens `v` into cur_ under path_. `root` is true for a record's own
  // object (its keys start the path without a dot).
  simdjson::error_code Walk(od::value v, int depth, bool root) {
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
          // mongoexport: {"$numberLong": "..."} is its value; "$oid" likewise.
          if (!key.starts_with('$')) {
            if (!(root && path_.empty())) path_ += '.';
            path_ += key;
          }
          od::value child;
          if (auto err = field.value().get(child)) return err;
          if (auto err = Walk(child, depth + 1, root && path_.empty())) return err;
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
          if (auto err = Walk(child, depth + 1, false)) return err;
        }
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto err = v.get_string().get(s)) return err;
        AddField(s);
        return simdjson::SUCCESS;
      }
      case od::json_type::number: {
        std::string_view raw = v.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\r' ||
                                raw.back() == '\n' || raw.back() == ',' || raw.back() == '}' || raw.back() == ']'))
          raw.remove_suffix(1);
        AddField(raw);
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

  void AddField(std::string_view value) {
    Pending& p = pending_[cur_];
    const size_t k = p.rec.fields.size();
    if (names_ != nullptr) {
      if (k >= p.seen.size()) p.seen.resize(k + 1);
      Pending::Seen& seen = p.seen[k];
      if (seen.id == 0 || !SameBytes(seen.name, path_)) {
        seen.id = names_->Intern(path_);
        seen.name = seen.id != 0 ? names_->Get(seen.id) : std::string_view();
      }
      if (seen.id != 0) {
        p.names.push_back(kInterned);
        p.rec.fields.push_back(Field{seen.name, value, static_cast<int>(k), seen.id});
        return;
      }
    }
    p.names.emplace_back(arena_.size(), path_.size());
    arena_ += path_;
    p.rec.fields.push_back(Field{{}, value, static_cast<int>(p.rec.fields.size())});
  }

  static const char* ReasonFor(simdjson::error_code err) {
    switch (err) {
      case simdjson::UTF8_ERROR: return "invalid_encoding";
      case simdjson::DEPTH_ERROR: return "too_deep";
      default: return "invalid_json";
    }
  }

  std::unique_ptr<StreamBuffer> buf_;
  bool array_;
  NameTable* names_;          // may be null
  bool depth0_open_ = false;  // inside a top-level array
  od::parser parser_;
  Status status_;
  uint64_t line_no_ = 0;  // lines consumed so far
  uint64_t doc_line_ = 0, doc_offset_ = 0;
  bool line_unterminated_ = false;  // the last line read ended at EOF, not '\n'
  std::string path_;
  std::string arena_;
  std::vector<Pending> pending_;
  size_t pending_count_ = 0, next_pending_ = 0;
  size_t cur_ = 0;  // the pending record fields go to
};

}  // namespace

std::unique_ptr<RecordSource> NewNdjsonSource(std::unique_ptr<StreamBuffer> buf, NameTable* names) {
  return std::make_unique<JsonSource>(std::move(buf), false, names);
}

std::unique_ptr<RecordSource> NewJsonArraySource(std::unique_ptr<StreamBuffer> buf, NameTable* names) {
  return std::make_unique<JsonSource>(std::move(buf), true, names);
}

}  // namespace leakdex
