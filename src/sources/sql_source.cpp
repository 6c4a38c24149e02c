// SQL dumps: mysqldump (extended INSERTs) and pg_dump (COPY ... FROM stdin,
// or --inserts). Hand-written: Debian has no streaming SQL-dump reader, and a
// full SQL parser would be both too slow and too strict for damaged dumps. This
// reads only what carries data and skips every other statement:
//   CREATE TABLE t (...)          -> the column names of t, in order
//   INSERT/REPLACE INTO t [(cols)] VALUES (...),(...);  -> one record per tuple
//   COPY t [(cols)] FROM stdin; rows... \.              -> one record per row
// Field names are the column names, so column recognition works as for CSV.
// A statement of any size streams: records are parsed tuple by tuple.
//
// Values: '...' and "..." strings with MySQL escapes (\' \\ \n \r \t \0 \Z \b)
// and '' doubling; NULL (the field is omitted); numbers and other bare words as
// their text; _charset introducers (_binary, _utf8mb4); hex literals X'..' and
// 0x.. (decoded when the bytes are UTF-8 text, else kept as their hex text so
// a BLOB marks its column non-empty without failing the record). A dump that
// declares standard_conforming_strings (pg_dump) treats backslashes in '...'
// as literal, except in E'...' strings.
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include <simdjson.h>

#include "sources/record_source.h"

namespace leakdex {
namespace {

constexpr size_t kMaxTupleBytes = 64 << 20;   // one tuple or statement head

enum class P { kOk, kNeedMore, kBad };

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
inline bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
inline char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}
std::string LowerStr(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = Lower(c);
  return o;
}
int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A cursor over [p, end) for the statement-head parser.
struct Cur {
  const char* p;
  const char* end;
  bool need_more = false;  // ran into the end of the buffer
  bool AtEnd() {
    if (p >= end) need_more = true;
    return p >= end;
  }
  void SkipSpace() {
    for (;;) {
      while (p < end && IsSpace(*p)) ++p;
      if (p + 1 < end && p[0] == '-' && p[1] == '-') {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        if (!nl) { need_more = true; return; }  // p stays at the comment
        p = nl + 1;
        continue;
      }
      if (p + 1 < end && p[0] == '/' && p[1] == '*') {
        const char* q = p + 2;
        while (q + 1 < end && !(q[0] == '*' && q[1] == '/')) ++q;
        if (q + 1 >= end) { need_more = true; return; }  // p stays at the comment
        p = q + 2;
        continue;
      }
      if (p == end || (p + 1 == end && (*p == '-' || *p == '/'))) need_more = true;
      return;
    }
  }
  // A bare word (keyword); empty if none.
  std::string_view Word() {
    SkipSpace();
    const char* s = p;
    while (p < end && IsWordChar(*p)) ++p;
    if (p == end) need_more = true;
    return std::string_view(s, static_cast<size_t>(p - s));
  }
  bool Keyword(std::string_view kw) {
    const char* save = p;
    if (IEquals(Word(), kw)) return true;
    p = save;
    return false;
  }
  // An identifier, possibly quoted (`x`, "x", [x]) and qualified (db.x): the last part.
  bool Ident(std::string* out) {
    for (;;) {
      SkipSpace();
      if (AtEnd()) return false;
      char open = *p, close = open == '[' ? ']' : open;
      if (open == '`' || open == '"' || open == '[') {
        const char* s = ++p;
        const char* e = static_cast<const char*>(std::memchr(p, close, static_cast<size_t>(end - p)));
        if (!e) { p = end; need_more = true; return false; }
        out->assign(s, e);
        p = e + 1;
      } else {
        std::string_view w = Word();
        if (w.empty()) return false;
        out->assign(w);
      }
      if (p < end && *p == '.') { ++p; continue; }
      if (p == end) need_more = true;
      return true;
    }
  }
  bool Char(char c) {
    SkipSpace();
    if (AtEnd() || *p != c) return false;
    ++p;
    return true;
  }
};

class SqlSource final : public RecordSource {
 public:
  SqlSource(std::unique_ptr<StreamBuffer> buf, std::string table) : buf_(std::move(buf)), only_table_(LowerStr(table)) {}

  Next Read(Record* rec, BadRecord* bad) override {
    for (;;) {
      if (!status_.ok()) return Next::kEnd;
      const char* p = buf_->data();
      const char* end = p + buf_->size();
      size_t used = 0;
      P r = P::kOk;
      const uint64_t line = line_, offset = buf_->offset();
      switch (state_) {
        case State::kTop: r = ParseHead(p, end, &used); break;
        case State::kSkip: r = SkipStatement(p, end, &used); break;
        case State::kValues: r = ParseTuple(p, end, &used, rec, bad); break;
        case State::kCopy: r = ParseCopyRow(p, end, &used, rec, bad); break;
        case State::kEnd: return Next::kEnd;
      }
      if (r == P::kNeedMore) {
        if (buf_->size() > kMaxTupleBytes) {  // one tuple larger than any real one: give up on the statement
          *bad = BadRecord{"record_too_long", line, offset};
          Advance(buf_->size());
          state_ = State::kSkip;
          return Next::kBad;
        }
        if (!buf_->eof()) {
          auto f = buf_->Fill();
          if (!f.ok()) status_ = f.status();
          continue;
        }
        // End of input inside a statement.
        Advance(buf_->size());
        State was = state_;
        state_ = State::kEnd;
        if ((was == State::kValues || was == State::kCopy) && !AllSpace(p, end)) {
          *bad = BadRecord{"truncated_record", line, offset};
          return Next::kBad;
        }
        return Next::kEnd;
      }
      if (r == P::kBad) {  // bad is filled
        Advance(used);
        if (resync_) {  // a syntax error: resynchronise at the end of the statement
          resync_ = false;
          state_ = State::kSkip;
          skip_quote_ = 0;
        }
        return Next::kBad;
      }
      Advance(used);
      if (emitted_) {
        emitted_ = false;
        rec->line = line + pending_lines_;
        rec->offset = offset + pending_offset_;
        return Next::kRecord;
      }
    }
  }

  Status status() const override { return status_; }
  uint64_t bytes_consumed() const override { return buf_->offset(); }
  InputFormat format() const override { return InputFormat::kSql; }

 private:
  enum class State { kTop, kSkip, kValues, kCopy, kEnd };

  static bool AllSpace(const char* p, const char* end) {
    for (; p < end; ++p)
      if (!IsSpace(*p)) return false;
    return true;
  }

  void Advance(size_t n) {
    line_ += static_cast<uint64_t>(std::count(buf_->data(), buf_->data() + n, '\n'));
    buf_->Consume(n);
  }

  bool Selected(const std::string& table) const { return only_table_.empty() || LowerStr(table) == only_table_; }

  // Between statements: comments, empty statements, then a statement head.
  P ParseHead(const char* p, const char* end, size_t* used) {
    Cur c{p, end};
    c.SkipSpace();
    if (c.need_more) {  // at the end of the buffer, or inside an unfinished comment
      *used = static_cast<size_t>(c.p - p);  // the comments and space seen
      if (buf_->eof()) {
        *used = static_cast<size_t>(end - p);
        state_ = State::kEnd;
        return P::kOk;
      }
      return *used == 0 ? P::kNeedMore : P::kOk;
    }
    if (*c.p == ';') {
      *used = static_cast<size_t>(c.p + 1 - p);
      return P::kOk;
    }
    const char* stmt = c.p;
    std::string_view w = c.Word();
    if (c.need_more && !buf_->eof()) return P::kNeedMore;  // the word may go on
    if (IEquals(w, "SET")) {  // pg_dump: SET standard_conforming_strings = on;
      std::string name;
      if (c.Ident(&name) && IEquals(name, "standard_conforming_strings")) {
        c.SkipSpace();
        if (c.p < end && (*c.p == '=' || *c.p == 't' || *c.p == 'T')) {
          if (*c.p == '=') ++c.p;
          else c.Keyword("TO");
          std::string v;
          if (c.Ident(&v) || !c.need_more) backslash_escapes_ = !(IEquals(v, "on") || IEquals(v, "'on'"));
        }
      }
      if (c.need_more && !buf_->eof()) return P::kNeedMore;
      return Skip(p, stmt, used);
    }
    if (IEquals(w, "INSERT") || IEquals(w, "REPLACE")) return ParseInsertHead(c, p, stmt, used);
    if (IEquals(w, "CREATE")) return ParseCreate(c, p, stmt, used);
    if (IEquals(w, "COPY")) return ParseCopyHead(c, p, stmt, used);
    if (w.empty() && c.need_more && !buf_->eof()) return P::kNeedMore;
    return Skip(p, stmt, used);
  }

  P Skip(const char* p, const char* stmt, size_t* used) {
    *used = static_cast<size_t>(stmt - p);
    state_ = State::kSkip;
    skip_quote_ = 0;
    return P::kOk;
  }

  // A statement head that did not parse: wait for more input when the buffer
  // ended inside it, otherwise skip the statement.
  P NeedMoreOrSkip(const Cur& c, const char* p, const char* stmt, size_t* used) {
    return c.need_more && !buf_->eof() ? P::kNeedMore : Skip(p, stmt, used);
  }

  P ParseInsertHead(Cur& c, const char* p, const char* stmt, size_t* used) {
    while (c.Keyword("LOW_PRIORITY") || c.Keyword("DELAYED") || c.Keyword("HIGH_PRIORITY") || c.Keyword("IGNORE")) {
    }
    c.Keyword("INTO");
    std::string table;
    std::vector<std::string> cols;
    if (!ParseTableAndColumns(c, &table, &cols)) return NeedMoreOrSkip(c, p, stmt, used);
    if (!(c.Keyword("VALUES") || c.Keyword("VALUE")))
      return NeedMoreOrSkip(c, p, stmt, used);
    c.SkipSpace();
    if (c.AtEnd()) return buf_->eof() ? Skip(p, stmt, used) : P::kNeedMore;
    if (c.need_more && !buf_->eof()) return P::kNeedMore;
    if (!Selected(table)) return Skip(p, stmt, used);
    if (cols.empty()) {
      auto it = tables_.find(LowerStr(table));
      if (it != tables_.end()) cols = it->second;
    }
    columns_ = std::move(cols);
    state_ = State::kValues;
    *used = static_cast<size_t>(c.p - p);
    return P::kOk;
  }

  // "table" or "table (col, ...)": the statement head shared by INSERT and COPY.
  static bool ParseTableAndColumns(Cur& c, std::string* table, std::vector<std::string>* cols) {
    if (!c.Ident(table)) return false;
    c.SkipSpace();
    if (c.p < c.end && *c.p == '(') {
      ++c.p;
      return ParseNameList(c, cols);
    }
    return true;
  }

  // After "(": names separated by commas up to ")".
  static bool ParseNameList(Cur& c, std::vector<std::string>* out) {
    for (;;) {
      std::string n;
      if (!c.Ident(&n)) return false;
      out->push_back(std::move(n));
      if (c.Char(',')) continue;
      return c.Char(')');
    }
  }

  P ParseCreate(Cur& c, const char* p, const char* stmt, size_t* used) {
    while (c.Keyword("TEMPORARY") || c.Keyword("UNLOGGED") || c.Keyword("OR") || c.Keyword("REPLACE")) {
    }
    if (!c.Keyword("TABLE")) return NeedMoreOrSkip(c, p, stmt, used);
    if (c.Keyword("IF")) {
      c.Keyword("NOT");
      c.Keyword("EXISTS");
    }
    std::string table;
    if (!c.Ident(&table) || !c.Char('(')) return NeedMoreOrSkip(c, p, stmt, used);
    // Column definitions: each starts with a name, unless it is a constraint or index.
    std::vector<std::string> cols;
    for (;;) {
      c.SkipSpace();
      if (c.AtEnd()) return buf_->eof() ? Skip(p, stmt, used) : P::kNeedMore;
      std::string name;
      const char* def = c.p;
      bool quoted = *def == '`' || *def == '"' || *def == '[';
      if (!c.Ident(&name)) return NeedMoreOrSkip(c, p, stmt, used);
      static constexpr std::string_view kNotColumns[] = {"PRIMARY", "KEY",      "UNIQUE", "INDEX", "CONSTRAINT",
                                                         "FOREIGN", "FULLTEXT", "SPATIAL", "CHECK", "PERIOD",
                                                         "EXCLUDE", "LIKE"};
      bool is_column = quoted || std::none_of(std::begin(kNotColumns), std::end(kNotColumns),
                                              [&](std::string_view k) { return IEquals(name, k); });
      if (is_column) cols.push_back(name);
      // To the ',' or ')' that ends this definition, past nested parentheses and strings.
      int depth = 0;
      for (;;) {
        if (c.p >= c.end) return buf_->eof() ? Skip(p, stmt, used) : P::kNeedMore;
        char ch = *c.p;
        if (ch == '\'' || ch == '"' || ch == '`') {
          const char* e = c.p + 1;
          while (e < c.end && *e != ch) e += (*e == '\\' && ch == '\'' && backslash_escapes_) ? 2 : 1;
          if (e >= c.end) return buf_->eof() ? Skip(p, stmt, used) : P::kNeedMore;
          c.p = e + 1;
          continue;
        }
        if (ch == '(') ++depth;
        else if (ch == ')' && depth > 0) --depth;
        else if ((ch == ',' || ch == ')') && depth == 0) break;
        ++c.p;
      }
      if (*c.p++ == ')') break;
    }
    if (c.need_more && !buf_->eof()) return P::kNeedMore;
    tables_[LowerStr(table)] = std::move(cols);
    return Skip(p, c.p, used);  // the table options that follow
  }

  P ParseCopyHead(Cur& c, const char* p, const char* stmt, size_t* used) {
    std::string table;
    std::vector<std::string> cols;
    if (!ParseTableAndColumns(c, &table, &cols)) return NeedMoreOrSkip(c, p, stmt, used);
    if (!c.Keyword("FROM")) return NeedMoreOrSkip(c, p, stmt, used);
    bool from_stdin = c.Keyword("STDIN");
    if (!from_stdin) return NeedMoreOrSkip(c, p, stmt, used);
    // Options (WITH ..., CSV ...) up to ';', then the rows start on the next line.
    const char* semi = static_cast<const char*>(std::memchr(c.p, ';', static_cast<size_t>(c.end - c.p)));
    if (!semi) return buf_->eof() ? Skip(p, stmt, used) : P::kNeedMore;
    const char* nl = static_cast<const char*>(std::memchr(semi, '\n', static_cast<size_t>(c.end - semi)));
    if (!nl) return buf_->eof() ? Skip(p, stmt, used) : P::kNeedMore;
    if (c.need_more && !buf_->eof()) return P::kNeedMore;
    if (cols.empty()) {
      auto it = tables_.find(LowerStr(table));
      if (it != tables_.end()) cols = it->second;
    }
    columns_ = std::move(cols);
    copy_selected_ = Selected(table);
    state_ = State::kCopy;
    *used = static_cast<size_t>(nl + 1 - p);
    return P::kOk;
  }

  // Skips to the end of the statement: ';' outside strings. Resumable across buffers.
  P SkipStatement(const char* p, const char* end, size_t* used) {
    const char* q = p;
    while (q < end) {
      if (skip_quote_ == 0) {
        // Fast path: to the next interesting byte.
        while (q < end && *q != ';' && *q != '\'' && *q != '"' && *q != '`') ++q;
        if (q == end) break;
        if (*q == ';') {
          *used = static_cast<size_t>(q + 1 - p);
          state_ = State::kTop;
          return P::kOk;
        }
        skip_quote_ = *q++;
        continue;
      }
      const char qc = skip_quote_;
      while (q < end && *q != qc && !(*q == '\\' && backslash_escapes_ && qc == '\'')) ++q;
      if (q == end) break;
      if (*q == '\\') {
        if (q + 1 == end) break;  // need the escaped byte too
        q += 2;
        continue;
      }
      ++q;
      skip_quote_ = 0;  // '' re-opens on the next byte, which is right
    }
    *used = static_cast<size_t>(q - p);
    if (*used == 0) return P::kNeedMore;
    return P::kOk;
  }

  // Parses a quoted string starting at q (on the quote). Sets *value (a view
  // into the buffer when nothing was escaped, else into arena_).
  P ParseString(const char*& q, const char* end, bool escapes, std::string_view* value) {
    const char quote = *q++;
    const char* start = q;
    bool copied = false;
    size_t arena_start = arena_.size();
    for (;;) {
      const char* s = q;
      while (q < end && *q != quote && !(escapes && *q == '\\')) ++q;
      if (q >= end) return P::kNeedMore;
      if (copied) arena_.append(s, q);
      if (*q == quote) {
        if (q + 1 >= end) return P::kNeedMore;  // can't tell '' from ' yet
        if (q[1] == quote) {                    // doubled quote
          if (!copied) { arena_.append(start, q); copied = true; }
          arena_.push_back(quote);
          q += 2;
          continue;
        }
        ++q;
        break;
      }
      // Backslash escape.
      if (q + 1 >= end) return P::kNeedMore;
      if (!copied) { arena_.append(start, q); copied = true; }
      char e = q[1];
      switch (e) {
        case 'n': arena_.push_back('\n'); break;
        case 'r': arena_.push_back('\r'); break;
        case 't': arena_.push_back('\t'); break;
        case '0': arena_.push_back('\0'); break;
        case 'b': arena_.push_back('\b'); break;
        case 'Z': arena_.push_back('\x1A'); break;
        case '%': case '_': arena_.push_back('\\'); arena_.push_back(e); break;  // LIKE escapes stay
        default: arena_.push_back(e);
      }
      q += 2;
    }
    if (copied) *value = std::string_view(arena_).substr(arena_start);
    else *value = std::string_view(start, static_cast<size_t>(q - 1 - start));
    return P::kOk;
  }

  // Decodes hex digits into arena_; if the bytes are not UTF-8 text, the value
  // is the hex text itself (binary data: non-empty, never a key).
  std::string_view HexValue(std::string_view hex, std::string_view literal) {
    size_t start = arena_.size();
    if (hex.size() % 2 != 0) return literal;
    for (size_t i = 0; i < hex.size(); i += 2) {
      int hi = HexVal(hex[i]), lo = HexVal(hex[i + 1]);
      if (hi < 0 || lo < 0) {
        arena_.resize(start);
        return literal;
      }
      arena_.push_back(static_cast<char>(hi * 16 + lo));
    }
    std::string_view v = std::string_view(arena_).substr(start);
    if (simdjson::validate_utf8(v.data(), v.size()) && v.find('\0') == std::string_view::npos) return v;
    arena_.resize(start);
    return literal;
  }

  // One tuple "(v, v, ...)" followed by "," or ";".
  P ParseTuple(const char* p, const char* end, size_t* used, Record* rec, BadRecord* bad) {
    rec->fields.clear();
    arena_.clear();
    arena_.reserve(static_cast<size_t>(end - p) * 2 + 16);  // views into arena_ must not move
    const char* q = p;
    while (q < end && IsSpace(*q)) ++q;
    if (q == end) return P::kNeedMore;
    pending_offset_ = static_cast<uint64_t>(q - p);
    pending_lines_ = static_cast<uint64_t>(std::count(p, q, '\n'));
    const uint64_t line = line_ + pending_lines_, offset = buf_->offset() + pending_offset_;
    if (*q != '(') {
      *bad = BadRecord{"invalid_sql", line, offset};
      *used = static_cast<size_t>(q - p);
      resync_ = true;
      return P::kBad;
    }
    ++q;
    int index = 0;
    for (;;) {
      while (q < end && IsSpace(*q)) ++q;
      if (q == end) return P::kNeedMore;
      std::string_view value;
      bool is_null = false;
      char c = *q;
      if (c == ')' && index == 0) {  // "()"
        ++q;
        break;
      }
      if (c == '\'' || c == '"') {
        if (P r = ParseString(q, end, backslash_escapes_, &value); r != P::kOk) return r;
      } else if ((c == 'E' || c == 'e') && q + 1 < end && q[1] == '\'') {
        ++q;
        if (P r = ParseString(q, end, true, &value); r != P::kOk) return r;
      } else if ((c == 'X' || c == 'x') && q + 1 < end && q[1] == '\'') {
        const char* lit = q;
        ++q;
        std::string_view hex;
        if (P r = ParseString(q, end, false, &hex); r != P::kOk) return r;
        value = HexValue(hex, std::string_view(lit, static_cast<size_t>(q - lit)));
      } else if (c == '_' && q + 1 < end && IsWordChar(q[1])) {  // _binary '...', _utf8mb4'...'
        const char* s = q;
        while (q < end && IsWordChar(*q)) ++q;
        std::string_view introducer(s, static_cast<size_t>(q - s));
        while (q < end && IsSpace(*q)) ++q;
        if (q == end) return P::kNeedMore;
        if (*q == '\'' || *q == '"') {
          if (P r = ParseString(q, end, backslash_escapes_, &value); r != P::kOk) return r;
          if (IEquals(introducer, "_binary") && !simdjson::validate_utf8(value.data(), value.size()))
            value = "_binary";  // binary data: non-empty, never a key
        } else if (*q == '0' && q + 1 < end && (q[1] == 'x' || q[1] == 'X')) {
          const char* lit = q;
          q += 2;
          const char* h = q;
          while (q < end && HexVal(*q) >= 0) ++q;
          if (q == end) return P::kNeedMore;
          value = HexValue(std::string_view(h, static_cast<size_t>(q - h)), std::string_view(lit, static_cast<size_t>(q - lit)));
        } else {
          value = introducer;
        }
      } else if (c == '0' && q + 1 < end && (q[1] == 'x' || q[1] == 'X')) {
        const char* lit = q;
        q += 2;
        const char* h = q;
        while (q < end && HexVal(*q) >= 0) ++q;
        if (q == end) return P::kNeedMore;
        value = HexValue(std::string_view(h, static_cast<size_t>(q - h)), std::string_view(lit, static_cast<size_t>(q - lit)));
      } else if (c == ',' || c == ')') {
        *bad = BadRecord{"invalid_sql", line, offset};  // an empty value
        *used = static_cast<size_t>(q - p);
        resync_ = true;
        return P::kBad;
      } else {  // number, NULL, TRUE, CURRENT_TIMESTAMP, b'01'...
        const char* s = q;
        int depth = 0;
        while (q < end && (depth > 0 || (*q != ',' && *q != ')' && !IsSpace(*q)))) {
          if (*q == '(') ++depth;
          else if (*q == ')') --depth;
          else if (*q == '\'') {  // b'0101' and the like
            const char* e = static_cast<const char*>(std::memchr(q + 1, '\'', static_cast<size_t>(end - q - 1)));
            if (!e) return P::kNeedMore;
            q = e;
          }
          ++q;
        }
        if (q == end) return P::kNeedMore;
        value = std::string_view(s, static_cast<size_t>(q - s));
        is_null = IEquals(value, "NULL");
      }
      if (!is_null) {
        std::string_view name;
        if (static_cast<size_t>(index) < columns_.size()) name = columns_[static_cast<size_t>(index)];
        rec->fields.push_back(Field{name, value, index});
      }
      ++index;
      while (q < end && IsSpace(*q)) ++q;
      if (q == end) return P::kNeedMore;
      if (*q == ',') {
        ++q;
        continue;
      }
      if (*q == ')') {
        ++q;
        break;
      }
      *bad = BadRecord{"invalid_sql", line, offset};
      *used = static_cast<size_t>(q - p);
      resync_ = true;
      return P::kBad;
    }
    // After the tuple: "," (another follows) or ";" (end of statement).
    while (q < end && IsSpace(*q)) ++q;
    if (q == end) return P::kNeedMore;
    if (*q == ',') ++q;
    else if (*q == ';') {
      ++q;
      state_ = State::kTop;
    }  // else: junk after the tuple, reported by the next call (the tuple itself is fine)
    *used = static_cast<size_t>(q - p);
    if (!columns_.empty() && static_cast<size_t>(index) != columns_.size()) {
      *bad = BadRecord{static_cast<size_t>(index) > columns_.size() ? "too_many_fields" : "too_few_fields", line,
                       offset};
      return P::kBad;
    }
    emitted_ = true;
    return P::kOk;
  }

  // One line of a COPY ... FROM stdin block (tab-separated, backslash escapes, \N null).
  P ParseCopyRow(const char* p, const char* end, size_t* used, Record* rec, BadRecord* bad) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!nl && !buf_->eof()) return P::kNeedMore;
    const char* le = nl ? nl : end;
    *used = static_cast<size_t>(le - p) + (nl ? 1 : 0);
    std::string_view line(p, static_cast<size_t>(le - p));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pending_offset_ = 0;
    pending_lines_ = 0;
    if (line == "\\.") {
      state_ = State::kTop;
      return P::kOk;
    }
    if (!copy_selected_) return P::kOk;
    rec->fields.clear();
    arena_.clear();
    arena_.reserve(line.size() + 16);
    int index = 0;
    size_t i = 0;
    for (;;) {
      size_t tab = line.find('\t', i);
      std::string_view raw = line.substr(i, tab == std::string_view::npos ? std::string_view::npos : tab - i);
      if (raw != "\\N") {
        std::string_view value = raw;
        if (raw.find('\\') != std::string_view::npos) {
          size_t start = arena_.size();
          for (size_t k = 0; k < raw.size(); ++k) {
            if (raw[k] != '\\' || k + 1 == raw.size()) {
              arena_.push_back(raw[k]);
              continue;
            }
            char e = raw[++k];
            switch (e) {
              case 'n': arena_.push_back('\n'); break;
              case 'r': arena_.push_back('\r'); break;
              case 't': arena_.push_back('\t'); break;
              case 'b': arena_.push_back('\b'); break;
              case 'f': arena_.push_back('\f'); break;
              case 'v': arena_.push_back('\v'); break;
              case 'x':
                if (k + 1 < raw.size() && HexVal(raw[k + 1]) >= 0) {
                  int v = HexVal(raw[++k]);
                  if (k + 1 < raw.size() && HexVal(raw[k + 1]) >= 0) v = v * 16 + HexVal(raw[++k]);
                  arena_.push_back(static_cast<char>(v));
                } else {
                  arena_.push_back('x');
                }
                break;
              default:
                if (e >= '0' && e <= '7') {
                  int v = e - '0';
                  for (int d = 0; d < 2 && k + 1 < raw.size() && raw[k + 1] >= '0' && raw[k + 1] <= '7'; ++d)
                    v = v * 8 + (raw[++k] - '0');
                  arena_.push_back(static_cast<char>(v));
                } else {
                  arena_.push_back(e);
                }
            }
          }
          value = std::string_view(arena_).substr(start);
        }
        std::string_view name;
        if (static_cast<size_t>(index) < columns_.size()) name = columns_[static_cast<size_t>(index)];
        rec->fields.push_back(Field{name, value, index});
      }
      ++index;
      if (tab == std::string_view::npos) break;
      i = tab + 1;
    }
    if (!columns_.empty() && static_cast<size_t>(index) != columns_.size()) {
      *bad = BadRecord{static_cast<size_t>(index) > columns_.size() ? "too_many_fields" : "too_few_fields", line_,
                       buf_->offset()};
      return P::kBad;
    }
    emitted_ = true;
    return P::kOk;
  }

  std::unique_ptr<StreamBuffer> buf_;
  std::string only_table_;
  State state_ = State::kTop;
  Status status_;
  uint64_t line_ = 1;
  bool backslash_escapes_ = true;  // MySQL; pg_dump turns them off
  char skip_quote_ = 0;
  std::unordered_map<std::string, std::vector<std::string>> tables_;  // CREATE TABLE columns
  std::vector<std::string> columns_;  // of the statement being read
  bool copy_selected_ = true;
  std::string arena_;
  bool emitted_ = false;
  bool resync_ = false;  // the last bad record was a syntax error
  uint64_t pending_lines_ = 0, pending_offset_ = 0;  // record start within the parsed span
};

}  // namespace

std::unique_ptr<RecordSource> NewSqlSource(std::unique_ptr<StreamBuffer> buf, const std::string& table) {
  return std::make_unique<SqlSource>(std::move(buf), table);
}

}  // namespace leakdex
