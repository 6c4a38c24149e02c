// leakdex batch: a customer list, row by row, against the index (SPEC §4.4).
//
// Pipeline (constant memory whatever the list length):
//   reader thread   parses rows, splits them into persons (PersonExtractor, as
//                   ingest does) and copies the identity values of kMaxRows
//                   rows into a Chunk;
//   worker threads  canonicalise, derive keys, look them up (LookupAll, the
//                   one place batch touches the index), format the rows;
//   caller thread   writes chunks in input order, sums the statistics,
//                   appends to the baseline being written.
// At most kChunksPerWorker chunks per worker are in flight; the reader waits
// for a free one.
#include "leakdex/batch.h"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <unordered_set>

#include <simdjson.h>

#include "batch_output.h"
#include "file_io.h"
#include "leakdex/check.h"
#include "leakdex/columns.h"
#include "leakdex/normalize.h"
#include "persons.h"
#include "sources/record_source.h"

namespace leakdex {

using namespace batch_internal;

namespace {

constexpr size_t kChunksPerWorker = 3;

// ---- Index access -----------------------------------------------------------

// Looks up every tag; (*out)[i] is the exposure of tags[i] or not found.
// The one function batch uses to reach the index (Index::LookupRefs sorts
// and prefetches, and copies no source names).
Status LookupAll(const Index& index, const std::vector<Tag>& tags, std::vector<ExposureRef>* out) {
  return index.LookupRefs(std::span<const Tag>(tags), out);
}

// Unites `from` into `into`, a kind two values of one row matched (rare: two
// phone numbers of a row both in the dump). The united source names go to
// `names`, which `into` then points at.
void MergeExposure(ExposureRef* into, const ExposureRef& from, std::vector<std::string>* names) {
  into->classes |= from.classes;
  into->roles |= from.roles;
  into->records = into->records + from.records < into->records ? UINT32_MAX : into->records + from.records;
  if (names != into->sources) names->assign(into->sources->begin(), into->sources->end());
  names->insert(names->end(), from.sources->begin(), from.sources->end());
  std::sort(names->begin(), names->end());
  names->erase(std::unique(names->begin(), names->end()), names->end());
  into->sources = names;
}

// ---- Baseline ---------------------------------------------------------------
//
// A baseline is NDJSON (docs/CHECK_AND_BATCH.md "Baseline file"):
//   {"leakdex_baseline":1}
//   {"id":"C000012","row":12,"matches":[{"key":"phone","sources":["shga-2022"]}]}
// Rows are identified by their id column, or by row number without one.
// In memory it is a set of 64-bit hashes of (row identity, key kind, source).

constexpr std::string_view kBaselineHeader = "{\"leakdex_baseline\":1}\n";

uint64_t ExposureHash(std::string_view row_key, std::string_view kind, std::string_view source) {
  std::string buf;
  buf.reserve(row_key.size() + kind.size() + source.size() + 12);
  for (std::string_view part : {row_key, kind, source}) {
    uint32_t n = static_cast<uint32_t>(part.size());
    buf.append(reinterpret_cast<const char*>(&n), 4);
    buf.append(part);
  }
  return XXH3_64bits(buf.data(), buf.size());
}

// "i:<id>" with an id column, else "r:<row>".
void RowKey(std::optional<std::string_view> id, uint64_t row, std::string* out) {
  out->clear();
  if (id) {
    out->append("i:");
    out->append(*id);
  } else {
    out->append("r:");
    AppendUint(out, row);
  }
}

class Baseline {
 public:
  Status Load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::InputError(path + ": cannot open baseline file");
    std::string line;
    uint64_t line_no = 0;
    simdjson::ondemand::parser parser;
    std::string row_key;
    while (std::getline(in, line)) {
      ++line_no;
      const std::string where = path + ":" + std::to_string(line_no) + ": ";
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      simdjson::padded_string padded(line);
      simdjson::ondemand::document doc;
      simdjson::ondemand::object obj;
      if (parser.iterate(padded).get(doc) || doc.get_object().get(obj))
        return Status::InputError(where + "not a baseline line (invalid JSON)");
      if (line_no == 1) {
        int64_t version = 0;
        if (obj["leakdex_baseline"].get_int64().get(version) || version != 1)
          return Status::InputError(where + "not a leakdex baseline (expected {\"leakdex_baseline\":1} first)");
        continue;
      }
      std::optional<std::string_view> id;
      uint64_t row = 0;
      simdjson::ondemand::array matches;
      bool have_matches = false;
      for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key)) return Status::InputError(where + "invalid JSON");
        simdjson::ondemand::value v = field.value();
        if (key == "id") {
          simdjson::ondemand::json_type type;
          if (v.type().get(type)) return Status::InputError(where + "invalid JSON");
          if (type == simdjson::ondemand::json_type::null) continue;
          std::string_view s;
          if (v.get_string().get(s)) return Status::InputError(where + "\"id\" must be a string or null");
          id_storage_.assign(s);
          id = id_storage_;
        } else if (key == "row") {
          if (v.get_uint64().get(row)) return Status::InputError(where + "\"row\" must be a number");
        } else if (key == "matches") {
          RowKey(id, row, &row_key);  // id and row come first in files we write
          if (v.get_array().get(matches)) return Status::InputError(where + "\"matches\" must be an array");
          have_matches = true;
          for (auto m : matches) {
            simdjson::ondemand::object mo;
            if (m.get_object().get(mo)) return Status::InputError(where + "a match must be an object");
            std::string kind;
            for (auto mf : mo) {
              std::string_view mk;
              if (mf.unescaped_key().get(mk)) return Status::InputError(where + "invalid JSON");
              simdjson::ondemand::value mv = mf.value();
              if (mk == "key") {
                std::string_view s;
                if (mv.get_string().get(s)) return Status::InputError(where + "\"key\" must be a string");
                kind.assign(s);
              } else if (mk == "sources") {
                simdjson::ondemand::array srcs;
                if (mv.get_array().get(srcs)) return Status::InputError(where + "\"sources\" must be an array");
                if (kind.empty()) return Status::InputError(where + "\"key\" must come before \"sources\"");
                for (auto sv : srcs) {
                  std::string_view s;
                  if (sv.get_string().get(s)) return Status::InputError(where + "a source must be a string");
                  hashes_.insert(ExposureHash(row_key, kind, s));
                }
              }
            }
          }
        }
      }
      if (!have_matches) return Status::InputError(where + "a baseline line needs \"matches\"");
    }
    if (line_no == 0) return Status::InputError(path + ": empty baseline file");
    return Status::Ok();
  }
  bool Contains(uint64_t h) const { return hashes_.count(h) != 0; }
  size_t size() const { return hashes_.size(); }

 private:
  std::unordered_set<uint64_t> hashes_;
  std::string id_storage_;
};

// ---- Chunks -----------------------------------------------------------------

struct ValueIn {
  uint8_t person;     // index of the person within the row
  uint8_t role;
  uint8_t attribute;
  uint32_t offset;    // into Chunk::arena
  uint32_t length;
};

struct RowIn {
  uint64_t row = 0;
  uint64_t line = 0;
  uint32_t values_begin = 0, values_end = 0;
  uint32_t id_offset = 0, id_length = 0;
  bool has_id = false;
  bool bad = false;               // a malformed record: reason in arena at id... see bad_*
  uint32_t bad_offset = 0, bad_length = 0;
  uint8_t persons = 0;
};

struct ChunkStats {
  uint64_t rows = 0, checked = 0, unchecked = 0, errors = 0, exposed = 0, fresh = 0, keys = 0;
  std::array<uint64_t, 16> by_kind{};
  std::map<std::string, uint64_t> by_source;
  std::map<std::string, uint64_t> by_reason;
  void Clear() { *this = ChunkStats(); }
};

struct Chunk {
  uint64_t seq = 0;
  std::string arena;
  std::vector<RowIn> rows;
  std::vector<ValueIn> values;
  // Filled by the worker:
  std::string out;
  std::string baseline_out;
  ChunkStats stats;
  void Reset() {
    arena.clear();
    rows.clear();
    values.clear();
    out.clear();
    baseline_out.clear();
    stats.Clear();
  }
};

// ---- The id column ----------------------------------------------------------

class IdColumn {
 public:
  explicit IdColumn(const std::string& spec) : spec_(spec) {
    int n = 0;
    auto [p, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), n);
    if (!spec.empty() && ec == std::errc() && p == spec.data() + spec.size() && n > 0) number_ = n;
  }
  bool enabled() const { return !spec_.empty(); }
  bool Matches(const Field& f) const {
    if (number_ > 0) return f.index + 1 == number_;
    return f.name == spec_;
  }

 private:
  std::string spec_;
  int number_ = 0;
};

// ---- Shared pipeline state --------------------------------------------------

class Pipeline {
 public:
  Pipeline(const Index& index, const KeyedHasher& hasher, const BatchOptions& options, const Baseline* baseline)
      : index_(index), hasher_(hasher), options_(options), baseline_(baseline) {}

  Status Run(const OutputSink& sink, BatchSummary* summary);

 private:
  // Reader side.
  void ReadLoop(RecordSource* source, ColumnMapper* mapper);
  Status CheckHeader(const Record& first, const RecordSource& source, const ColumnMapper& mapper);
  std::string InputName() const { return options_.input == "-" ? "stdin" : options_.input; }
  Chunk* AcquireFree();
  void SubmitWork(Chunk* c);

  // Worker side.
  void WorkLoop();
  // A chunk: canonicalise and derive the single keys, look them up, derive
  // the pairs whose parts were found, look those up, then format the rows.
  Status ProcessChunk(Chunk* c, struct WorkerState* w);
  void DeriveSingles(Chunk* c, struct WorkerState* w);
  void DerivePairs(Chunk* c, struct WorkerState* w);
  void FormatRows(Chunk* c, struct WorkerState* w);

  void Abort(Status st) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.ok()) status_ = std::move(st);
    aborted_ = true;
    cv_.notify_all();
  }

  const Index& index_;
  const KeyedHasher& hasher_;
  const BatchOptions& options_;
  const Baseline* baseline_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Chunk>> all_;
  std::vector<Chunk*> free_;
  std::deque<Chunk*> work_;
  std::vector<Chunk*> done_;  // slot seq % done_.size()
  uint64_t chunks_submitted_ = 0;
  bool reader_finished_ = false;
  bool aborted_ = false;
  Status status_;
  uint64_t bytes_read_ = 0;
  bool any_record_ = false;  // a record (not a bad row) was read; set with reader_finished_
};

Chunk* Pipeline::AcquireFree() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return aborted_ || !free_.empty(); });
  if (aborted_) return nullptr;
  Chunk* c = free_.back();
  free_.pop_back();
  return c;
}

void Pipeline::SubmitWork(Chunk* c) {
  std::lock_guard<std::mutex> lock(mu_);
  c->seq = chunks_submitted_++;
  work_.push_back(c);
  cv_.notify_all();
}

Status Pipeline::CheckHeader(const Record& first, const RecordSource& source, const ColumnMapper& mapper) {
  const InputFormat f = source.format();
  if (f != InputFormat::kCsv && f != InputFormat::kTsv && f != InputFormat::kPsv) return Status::Ok();
  bool any = false, id_found = false;
  IdColumn id(options_.id_column);
  // The header's names, not the first row's fields: a short first row would
  // hide the columns after its end.
  std::vector<Field> header_fields;
  if (const std::vector<std::string>* names = source.header())
    for (size_t i = 0; i < names->size(); ++i) header_fields.push_back(Field{(*names)[i], {}, static_cast<int>(i)});
  for (const Field& field : header_fields.empty() ? first.fields : header_fields) {
    auto t = mapper.Resolve(field.name, field.index);
    if (t && t->is_attribute && t->attribute != Attribute::kGender) any = true;
    if (id.enabled() && id.Matches(field)) id_found = true;
  }
  LEAKDEX_RETURN_IF_ERROR(mapper.CheckAllRulesMatched(InputName()));
  if (!any)
    return Status::InputError(options_.input +
                              ": no column of the list holds a name, phone, e-mail, ID number, address or birth "
                              "date that leakdex recognises; name them with --map FIELD=COLUMN");
  if (id.enabled() && !id_found && !options_.no_header)
    return Status::InputError(options_.input + ": --id-column '" + options_.id_column +
                              "' names no column of the list's header");
  return Status::Ok();
}

void Pipeline::ReadLoop(RecordSource* source, ColumnMapper* mapper) {
  PersonExtractor extractor(mapper);
  IdColumn id_column(options_.id_column);
  std::vector<RawPerson> persons;
  Record rec;
  BadRecord bad;
  uint64_t row = 0;
  bool first = true;
  bool end = false;
  while (!end) {
    Chunk* c = AcquireFree();
    if (c == nullptr) return;
    c->Reset();
    while (c->rows.size() < options_.chunk_rows) {
      RecordSource::Next next = source->Read(&rec, &bad);
      if (next == RecordSource::Next::kEnd) {
        end = true;
        break;
      }
      RowIn r;
      r.row = ++row;
      r.values_begin = r.values_end = static_cast<uint32_t>(c->values.size());
      if (next == RecordSource::Next::kBad) {
        r.bad = true;
        r.line = bad.line;
        r.bad_offset = static_cast<uint32_t>(c->arena.size());
        r.bad_length = static_cast<uint32_t>(bad.reason.size());
        c->arena.append(bad.reason);
        c->rows.push_back(r);
        continue;
      }
      if (first) {
        first = false;
        if (Status st = CheckHeader(rec, *source, *mapper); !st.ok()) {
          Abort(std::move(st));
          return;
        }
      }
      r.line = rec.line;
      extractor.Extract(rec, &persons);
      uint8_t pi = 0;
      for (const RawPerson& p : persons) {
        bool any = false;
        for (int a = 0; a < kAttributeCount; ++a) {
          if (static_cast<Attribute>(a) == Attribute::kGender) continue;
          for (std::string_view v : p.values[a]) {
            c->values.push_back(ValueIn{pi, static_cast<uint8_t>(p.role), static_cast<uint8_t>(a),
                                        static_cast<uint32_t>(c->arena.size()), static_cast<uint32_t>(v.size())});
            c->arena.append(v);
            any = true;
          }
        }
        if (any && pi < 255) ++pi;
      }
      r.persons = pi;
      r.values_end = static_cast<uint32_t>(c->values.size());
      if (id_column.enabled()) {
        for (const Field& f : rec.fields) {
          if (!id_column.Matches(f)) continue;
          r.has_id = true;
          r.id_offset = static_cast<uint32_t>(c->arena.size());
          r.id_length = static_cast<uint32_t>(f.value.size());
          c->arena.append(f.value);
          break;
        }
      }
      c->rows.push_back(r);
    }
    if (c->rows.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(c);
    } else {
      SubmitWork(c);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!source->status().ok() && status_.ok()) {
    status_ = source->status();
    aborted_ = true;
  }
  bytes_read_ = source->bytes_consumed();
  any_record_ = !first;
  reader_finished_ = true;
  cv_.notify_all();
}

// Where a person of the chunk is: its row, and the index in WorkerState::tags
// of the single key of each attribute's first value (the others follow it).
struct PersonAt {
  uint32_t row = 0;
  std::array<uint32_t, kAttributeCount> single_at{};
};

struct WorkerState {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<RowFormatter> formatter;
  std::vector<RawPerson> persons;
  std::vector<CanonicalPerson> canons;  // per person of the chunk (reused)
  std::vector<PersonAt> persons_at;     // per person of the chunk
  std::vector<KeyInput> inputs;         // keys to hash (singles, then pairs)
  std::vector<Tag> tags;                // single keys
  std::vector<uint8_t> tag_kinds;
  std::vector<uint32_t> row_tag_begin;  // per row: first single key; plus one past the end
  std::vector<ExposureRef> hits;
  std::vector<Tag> pair_tags;           // pair keys whose single parts were found
  std::vector<uint8_t> pair_kinds;
  std::vector<uint32_t> row_pair_begin;  // per row: first pair key; plus one past the end
  std::vector<ExposureRef> pair_hits;
  std::vector<uint64_t> row_keys;       // per row: keys checked (pairs answered without a lookup included)
  std::vector<std::string> row_errors;  // per row: error reason or empty
  std::vector<RowMatch> matches;
  // Source names of a row's merged matches, one list per key kind (see
  // MergeExposure); reused from row to row.
  std::array<std::vector<std::string>, 16> merged_sources;
  std::string row_key;
  std::vector<std::string_view> sources;
};

Status Pipeline::ProcessChunk(Chunk* c, WorkerState* w) {
  DeriveSingles(c, w);
  LEAKDEX_RETURN_IF_ERROR(LookupAll(index_, w->tags, &w->hits));
  DerivePairs(c, w);
  LEAKDEX_RETURN_IF_ERROR(LookupAll(index_, w->pair_tags, &w->pair_hits));
  FormatRows(c, w);
  return Status::Ok();
}

// Canonicalises every person of the chunk and derives its single keys
// (phone, e-mail, ID number, address); sets each row's error and key count.
void Pipeline::DeriveSingles(Chunk* c, WorkerState* w) {
  const size_t n = c->rows.size();
  w->persons_at.clear();
  w->row_tag_begin.assign(n + 1, 0);
  w->row_keys.assign(n, 0);
  w->row_errors.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const RowIn& r = c->rows[i];
    std::string& error = w->row_errors[i];
    error.clear();
    if (r.bad) {
      error.assign(c->arena, r.bad_offset, r.bad_length);
      continue;
    }
    if (w->persons.size() < r.persons) w->persons.resize(r.persons);
    for (size_t p = 0; p < r.persons; ++p)
      for (auto& v : w->persons[p].values) v.clear();
    for (uint32_t v = r.values_begin; v < r.values_end; ++v) {
      const ValueIn& val = c->values[v];
      RawPerson& p = w->persons[val.person];
      p.role = val.role;
      p.values[val.attribute].push_back(std::string_view(c->arena).substr(val.offset, val.length));
    }
    for (size_t p = 0; p < r.persons; ++p) {
      const size_t k = w->persons_at.size();
      if (w->canons.size() <= k) w->canons.resize(k + 1);
      CanonicalPerson& canon = w->canons[k];
      PersonAt& at = w->persons_at.emplace_back();
      at.row = static_cast<uint32_t>(i);
      ValueRejections rej;
      Canonicalize(*w->normalizer, w->persons[p], &canon, &rej);
      if (error.empty()) {
        for (int a = 0; a < kAttributeCount && error.empty(); ++a)
          for (int o = 0; o < kNormOutcomeCount; ++o)
            if (rej.counts[a][o] != 0) {
              error = std::string(AttributeName(static_cast<Attribute>(a))) + "." +
                      std::string(NormOutcomeName(static_cast<NormOutcome>(o)));
              break;
            }
      }
    }
  }
  // The keys once every person is canonicalised: w->canons no longer grows, so
  // the inputs' views into its strings hold while the chunk's keys are hashed
  // together (8 at a time with AVX-512, KeyedHasher::ComputeMany).
  w->inputs.clear();
  w->tag_kinds.clear();
  size_t person = 0;
  for (size_t i = 0; i < n; ++i) {
    w->row_tag_begin[i] = static_cast<uint32_t>(w->inputs.size());
    for (; person < w->persons_at.size() && w->persons_at[person].row == i; ++person) {
      PersonAt& at = w->persons_at[person];
      ForEachSingleKeyInput(w->canons[person], [&](size_t value, const KeyInput& in) {
        if (value == 0) at.single_at[static_cast<int>(PartsOf(in.kind).first)] = static_cast<uint32_t>(w->inputs.size());
        w->inputs.push_back(in);
        w->tag_kinds.push_back(static_cast<uint8_t>(in.kind));
      });
    }
  }
  w->row_tag_begin[n] = static_cast<uint32_t>(w->inputs.size());
  for (size_t i = 0; i < n; ++i) w->row_keys[i] = w->row_tag_begin[i + 1] - w->row_tag_begin[i];
  w->tags.resize(w->inputs.size());
  hasher_.ComputeMany(w->inputs, w->tags);
}

// Derives the pair keys whose single parts were found in w->hits (persons.h
// says why the others cannot be in the index); counts every pair a row
// allows as checked.
void Pipeline::DerivePairs(Chunk* c, WorkerState* w) {
  const size_t n = c->rows.size();
  w->inputs.clear();
  w->pair_kinds.clear();
  w->row_pair_begin.assign(n + 1, 0);
  size_t person = 0;
  for (size_t i = 0; i < n; ++i) {
    w->row_pair_begin[i] = static_cast<uint32_t>(w->inputs.size());
    for (; person < w->persons_at.size() && w->persons_at[person].row == i; ++person) {
      const PersonAt& at = w->persons_at[person];
      auto found = [&](Attribute a, size_t value) {
        return w->hits[at.single_at[static_cast<int>(a)] + value].found();
      };
      w->row_keys[i] += ForEachFoundPairInput(w->canons[person], found, [&](const KeyInput& in) {
        w->inputs.push_back(in);
        w->pair_kinds.push_back(static_cast<uint8_t>(in.kind));
      });
    }
  }
  w->row_pair_begin[n] = static_cast<uint32_t>(w->inputs.size());
  w->pair_tags.resize(w->inputs.size());
  hasher_.ComputeMany(w->inputs, w->pair_tags);
}

// Merges each row's matches per key kind, compares them with the baseline,
// counts them and formats the row into c->out.
void Pipeline::FormatRows(Chunk* c, WorkerState* w) {
  const size_t n = c->rows.size();
  ChunkStats& st = c->stats;
  for (size_t i = 0; i < n; ++i) {
    const RowIn& r = c->rows[i];
    const uint64_t keys = w->row_keys[i];
    std::string& error = w->row_errors[i];
    st.rows++;
    if (!r.bad && keys == 0 && error.empty()) error = "nothing_to_check";
    if (keys == 0) st.unchecked++;
    else st.checked++;
    st.keys += keys;
    // The row's matches, one per key kind, in w->matches' first `used`
    // elements (storage kept from row to row). They point at source names
    // the Index owns, or at w->merged_sources: nothing is copied or allocated.
    size_t used = 0;
    int slot[16];
    std::fill(std::begin(slot), std::end(slot), -1);
    auto take = [&](int k, const ExposureRef& hit) {
      if (!hit.found()) return;
      if (slot[k] >= 0) {
        MergeExposure(&w->matches[slot[k]].exposure, hit, &w->merged_sources[k]);
        return;
      }
      slot[k] = static_cast<int>(used);
      if (used == w->matches.size()) w->matches.emplace_back();
      w->matches[used++] = RowMatch{static_cast<KeyKind>(k), hit};
    };
    for (uint32_t t = w->row_tag_begin[i]; t < w->row_tag_begin[i + 1]; ++t) take(w->tag_kinds[t], w->hits[t]);
    for (uint32_t t = w->row_pair_begin[i]; t < w->row_pair_begin[i + 1]; ++t)
      take(w->pair_kinds[t], w->pair_hits[t]);
    const std::span<RowMatch> matches(w->matches.data(), used);
    // Matches in kAllKeyKinds order, as check reports them.
    std::sort(matches.begin(), matches.end(), [](const RowMatch& a, const RowMatch& b) { return a.kind < b.kind; });
    if (!error.empty()) {
      st.errors++;
      st.by_reason[error]++;
    }
    std::optional<std::string_view> id;
    if (r.has_id) id = std::string_view(c->arena).substr(r.id_offset, r.id_length);
    BaselineState bstate = BaselineState::kNone;
    if (!matches.empty()) {
      st.exposed++;
      w->sources.clear();
      for (const RowMatch& m : matches) {
        st.by_kind[static_cast<int>(m.kind)]++;
        for (const std::string& s : *m.exposure.sources) w->sources.push_back(s);
      }
      std::sort(w->sources.begin(), w->sources.end());
      w->sources.erase(std::unique(w->sources.begin(), w->sources.end()), w->sources.end());
      for (std::string_view s : w->sources) st.by_source[std::string(s)]++;
      bool fresh = true;
      if (baseline_ != nullptr || !options_.write_baseline_path.empty()) RowKey(id, r.row, &w->row_key);
      if (baseline_ != nullptr) {
        fresh = false;
        for (const RowMatch& m : matches)
          for (const std::string& s : *m.exposure.sources)
            if (!baseline_->Contains(ExposureHash(w->row_key, KeyKindName(m.kind), s))) fresh = true;
        bstate = fresh ? BaselineState::kNew : BaselineState::kUnchanged;
      }
      if (fresh) st.fresh++;
      if (!options_.write_baseline_path.empty()) {
        std::string& b = c->baseline_out;
        b.append("{\"id\":");
        if (id) AppendJsonString(&b, *id);
        else b.append("null");
        b.append(",\"row\":");
        AppendUint(&b, r.row);
        b.append(",\"matches\":[");
        for (size_t m = 0; m < matches.size(); ++m) {
          if (m) b.push_back(',');
          b.append("{\"key\":\"");
          b.append(KeyKindName(matches[m].kind));
          b.append("\",\"sources\":[");
          const auto& srcs = *matches[m].exposure.sources;
          for (size_t s = 0; s < srcs.size(); ++s) {
            if (s) b.push_back(',');
            AppendJsonString(&b, srcs[s]);
          }
          b.append("]}");
        }
        b.append("]}\n");
      }
    }
    RowView view;
    view.row = r.row;
    view.line = r.line;
    view.id = id;
    view.matches = matches;
    view.error = error;
    view.baseline = bstate;
    w->formatter->Append(view, &c->out);
  }
}

void Pipeline::WorkLoop() {
  WorkerState w;
  NormalizeOptions no;
  no.default_region = options_.default_region;
  auto norm = Normalizer::Create(no);
  if (!norm.ok()) {
    Abort(norm.status());
    return;
  }
  w.normalizer = std::move(norm.value());
  w.formatter = std::make_unique<RowFormatter>(options_.format, ArtifactUri(options_.input));
  for (;;) {
    Chunk* c;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return aborted_ || !work_.empty() || reader_finished_; });
      if (aborted_) return;
      if (work_.empty()) return;  // reader finished and nothing left
      c = work_.front();
      work_.pop_front();
    }
    Status st = ProcessChunk(c, &w);
    if (!st.ok()) {
      Abort(std::move(st));
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_[c->seq % done_.size()] = c;
    cv_.notify_all();
  }
}

void AddStats(const ChunkStats& c, BatchSummary* s) {
  s->rows += c.rows;
  s->rows_checked += c.checked;
  s->rows_unchecked += c.unchecked;
  s->rows_with_errors += c.errors;
  s->rows_exposed += c.exposed;
  s->rows_new += c.fresh;
  s->keys_looked_up += c.keys;
  for (size_t k = 0; k < c.by_kind.size(); ++k) s->rows_by_key_kind[k] += c.by_kind[k];
  for (const auto& [name, n] : c.by_source) s->rows_by_source[name] += n;
  for (const auto& [reason, n] : c.by_reason) s->errors_by_reason[reason] += n;
}

Status Pipeline::Run(const OutputSink& sink, BatchSummary* summary) {
  const auto start = std::chrono::steady_clock::now();
  ColumnMapper mapper({}, true);
  {
    std::vector<MapRule> rules;
    for (const std::string& m : options_.maps) {
      LEAKDEX_ASSIGN_OR_RETURN(MapRule r, ParseMapRule(m));
      rules.push_back(std::move(r));
    }
    mapper = ColumnMapper(std::move(rules), /*recognize_names=*/true);
  }
  SourceOptions so;
  LEAKDEX_ASSIGN_OR_RETURN(so.format, ParseInputFormat(options_.input_format));
  if (so.format == InputFormat::kSql)
    return Status::InvalidArgument("--input-format: a customer list is CSV, TSV, PSV, NDJSON or a JSON array, not SQL");
  so.delimiter = options_.delimiter;
  so.no_header = options_.no_header;
  LEAKDEX_ASSIGN_OR_RETURN(auto stream, OpenFileStream(options_.input));
  LEAKDEX_ASSIGN_OR_RETURN(auto source, OpenRecordSource(std::move(stream), so));

  std::optional<AtomicFile> baseline_file;
  if (!options_.write_baseline_path.empty()) {
    LEAKDEX_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::Create(options_.write_baseline_path));
    baseline_file.emplace(std::move(f));
    LEAKDEX_RETURN_IF_ERROR(baseline_file->Append(kBaselineHeader));
  }

  int workers = options_.threads > 0 ? options_.threads : static_cast<int>(std::thread::hardware_concurrency());
  workers = std::clamp(workers, 1, 256);
  const size_t chunks = kChunksPerWorker * static_cast<size_t>(workers) + 2;
  for (size_t i = 0; i < chunks; ++i) {
    all_.push_back(std::make_unique<Chunk>());
    free_.push_back(all_.back().get());
  }
  done_.assign(chunks, nullptr);

  summary->baseline_used = baseline_ != nullptr;
  summary->baseline_entries = baseline_ ? baseline_->size() : 0;
  std::thread reader([&] { ReadLoop(source.get(), &mapper); });
  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i) pool.emplace_back([this] { WorkLoop(); });

  // The caller's thread writes, in order.
  Status write_status = sink(Prologue(options_.format, baseline_ != nullptr));
  bool first_element = true;  // json/sarif: drop the comma before the first element
  uint64_t next = 0;
  while (write_status.ok()) {
    Chunk* c = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] {
        return aborted_ || done_[next % done_.size()] != nullptr || (reader_finished_ && next == chunks_submitted_);
      });
      if (aborted_) break;
      c = done_[next % done_.size()];
      if (c == nullptr) break;  // all written
      done_[next % done_.size()] = nullptr;
    }
    std::string_view out = c->out;
    if (first_element && !out.empty() &&
        (options_.format == BatchFormat::kJson || options_.format == BatchFormat::kSarif)) {
      out.remove_prefix(1);
      first_element = false;
    }
    if (!out.empty()) write_status = sink(out);
    if (write_status.ok() && baseline_file && !c->baseline_out.empty())
      write_status = baseline_file->Append(c->baseline_out);
    AddStats(c->stats, summary);
    ++next;
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(c);
    cv_.notify_all();
  }
  if (!write_status.ok()) Abort(write_status);
  reader.join();
  for (auto& t : pool) t.join();
  summary->bytes_read = bytes_read_;
  summary->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A CSV header was checked against the --map rules before any row; a JSON
  // list's keys vary by row, so its rules are checked once all are read.
  if (status_.ok() && any_record_) status_ = mapper.CheckAllRulesMatched(InputName());
  if (!status_.ok()) {
    if (baseline_file) baseline_file->Abandon();
    return status_;
  }
  LEAKDEX_RETURN_IF_ERROR(sink(Epilogue(options_.format, *summary)));
  if (baseline_file) LEAKDEX_RETURN_IF_ERROR(baseline_file->Commit());
  return Status::Ok();
}

}  // namespace

Result<BatchFormat> ParseBatchFormat(std::string_view name) {
  if (name == "ndjson" || name == "jsonl") return BatchFormat::kNdjson;
  if (name == "csv") return BatchFormat::kCsv;
  if (name == "json") return BatchFormat::kJson;
  if (name == "sarif") return BatchFormat::kSarif;
  return Status::InvalidArgument("--format: unknown output format '" + std::string(name) +
                                 "' (expected ndjson, csv, json or sarif)");
}

Result<FailThreshold> ParseFailThreshold(std::string_view text) {
  FailThreshold t;
  std::string_view num = text;
  if (num.ends_with('%')) {
    t.percent = true;
    num.remove_suffix(1);
  }
  const std::string s(num);
  char* end = nullptr;
  double v = s.empty() ? -1 : std::strtod(s.c_str(), &end);
  const bool whole = end != nullptr && *end == '\0';
  if (!whole || !(v >= 0) || !std::isfinite(v) || (t.percent && v > 100) ||
      (!t.percent && v != std::floor(v)))
    return Status::InvalidArgument("--fail-threshold expects a number of rows (such as 10) or a share of rows "
                                   "(such as 0.5%)");
  t.value = v;
  return t;
}

bool ThresholdExceeded(const BatchSummary& s, const FailThreshold& t) {
  const double counted = static_cast<double>(s.counted());
  if (!t.percent) return counted > t.value;
  if (s.rows == 0) return false;
  return counted * 100.0 / static_cast<double>(s.rows) > t.value;
}

Status RunBatch(const Index& index, const KeyedHasher& hasher, const BatchOptions& options, const OutputSink& sink,
                BatchSummary* summary) {
  *summary = BatchSummary();
  std::optional<Baseline> baseline;
  if (!options.baseline_path.empty()) {
    baseline.emplace();
    LEAKDEX_RETURN_IF_ERROR(baseline->Load(options.baseline_path));
  }
  Pipeline p(index, hasher, options, baseline ? &*baseline : nullptr);
  return p.Run(sink, summary);
}

}  // namespace leakdex
