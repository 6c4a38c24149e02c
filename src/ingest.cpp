// Ingest: inputs -> records -> persons -> canonical values -> tags -> segment.
//
// Passes (mold style, each a function below):
//   1. open the index for writing (lock, key check, stale temp files);
//   2. produce entries: a reader thread streams every input (containers,
//      encodings, formats) into batches of records, in input order; worker
//      threads turn batches into (fingerprint, payload) entries and hand them
//      to the EntrySink, which feeds the external sorter (index/tag_sorter.h:
//      bounded by --memory, sorted runs spilled inside the index directory);
//   3. stream the sorted, merged entries, drop those the source already has;
//   4. publish one new segment and the manifest (atomic), unless an error.
//
// Determinism: every decision about a record (bad or not, and why) is made by
// the reader in input order; workers only derive keys, and the sink's entries
// are sorted before anything is written (the sorter's output depends only on
// the multiset of entries). So the index bytes and the report depend on
// neither --threads nor --memory.
#include "leakdex/ingest.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "index/index_writer.h"
#include "index/segment.h"
#include "index/tag_sorter.h"
#include "leakdex/columns.h"
#include "leakdex/normalize.h"
#include "persons.h"
#include "sources/input.h"
#include "sources/record_source.h"

namespace leakdex {
namespace {

using Clock = std::chrono::steady_clock;

using Entry = TagEntry;

// ---------------------------------------------------------------------------
// Consumer side: every entry produced goes through EntrySink::Add. (Kept to
// this one class so the in-memory vector can be swapped for an external-memory
// sorter without touching the producer.)
class EntrySink {
 public:
  explicit EntrySink(TagSorter* sorter) : sorter_(sorter) {}
  // Thread-safe. After the first error every later batch is dropped; the
  // error is in status().
  void Add(const std::vector<Entry>& batch) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.ok()) status_ = sorter_->Add(batch.data(), batch.size());
  }
  Status status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }

 private:
  std::mutex mu_;
  TagSorter* sorter_;
  Status status_;
};

// ---------------------------------------------------------------------------
// Producer side.

// Records copied out of a source so a worker can process them later.
struct RecordBatch {
  // 32 bytes: a worker reads every one of them from the reader's core.
  struct FieldRef {
    uint32_t name_len;
    uint32_t value_len;
    // An interned name (name_id != 0) is read in place: the NameTable
    // outlives every batch. Else it was copied to the arena at name_off.
    union {
      const char* name;
      size_t name_off;
    };
    size_t value_off;
    int index;
    uint32_t name_id;
  };
  static_assert(sizeof(FieldRef) == 32);
  std::string arena;
  std::vector<FieldRef> fields;
  std::vector<size_t> record_ends;  // fields of record i: [ends[i-1], ends[i])

  static constexpr size_t kTargetBytes = 256 << 10;
  static constexpr size_t kTargetRecords = 2048;

  // Full size up front: growing the arena by doubling copied it and faulted
  // in fresh pages (a visible share of the reader thread in perf).
  RecordBatch() {
    arena.reserve(kTargetBytes + (64 << 10));
    fields.reserve(kTargetRecords * 8);
    record_ends.reserve(kTargetRecords);
  }

  // Copies the fields of `rec` for which keep(field) is true.
  template <typename Keep>
  void Append(const Record& rec, const Keep& keep) {
    // Members stored one by one into the vector: a FieldRef built on the
    // stack was copied with one 32-byte load over four smaller stores, a
    // store-forwarding stall per field (6% of a CSV ingest's CPU in perf).
    size_t used = fields.size();
    fields.resize(used + rec.fields.size());
    for (const Field& f : rec.fields) {
      if (!keep(f)) continue;
      FieldRef* r = fields.data() + used++;
      r->name_len = static_cast<uint32_t>(f.name.size());
      r->value_len = static_cast<uint32_t>(f.value.size());
      r->name_id = f.name_id;
      if (f.name_id != 0) {
        r->name = f.name.data();
      } else {
        r->name_off = arena.size();
        arena.append(f.name);
      }
      r->value_off = arena.size();
      arena.append(f.value);
      r->index = f.index;
    }
    fields.resize(used);
    record_ends.push_back(fields.size());
  }
  bool full() const { return arena.size() >= kTargetBytes || record_ends.size() >= kTargetRecords; }
  bool empty() const { return record_ends.empty(); }
  void clear() {
    arena.clear();
    fields.clear();
    record_ends.clear();
  }
  // Fills `rec` with record i (views into arena).
  void Get(size_t i, Record* rec) const {
    rec->fields.clear();
    for (size_t k = i == 0 ? 0 : record_ends[i - 1]; k < record_ends[i]; ++k) {
      const FieldRef& r = fields[k];
      const std::string_view name = r.name_id != 0 ? std::string_view(r.name, r.name_len)
                                                   : std::string_view(arena).substr(r.name_off, r.name_len);
      rec->fields.push_back(Field{name, std::string_view(arena).substr(r.value_off, r.value_len), r.index, r.name_id});
    }
  }
};

// What workers count; summed at the end (order-independent).
struct KeyTotals {
  uint64_t records_indexed = 0;
  uint64_t records_without_identity = 0;
  uint64_t persons = 0;
  uint64_t keys_emitted = 0;
  DataClassSet exposed_classes = 0;
  ValueRejections value_rejections;
  void Add(const KeyTotals& o) {
    records_indexed += o.records_indexed;
    records_without_identity += o.records_without_identity;
    persons += o.persons;
    keys_emitted += o.keys_emitted;
    exposed_classes |= o.exposed_classes;
    value_rejections.Add(o.value_rejections);
  }
};

// Turns records into entries. One per worker thread (the normaliser is not
// shared across threads).
class KeyDeriver {
 public:
  KeyDeriver(const KeyedHasher* hasher, const ColumnMapper* mapper, std::unique_ptr<Normalizer> normalizer,
             DataClassSet source_classes)
      : hasher_(hasher), normalizer_(std::move(normalizer)), extractor_(mapper), source_classes_(source_classes) {}

  void Process(const RecordBatch& batch, std::vector<Entry>* out, KeyTotals* totals) {
    for (size_t i = 0; i < batch.record_ends.size(); ++i) {
      batch.Get(i, &rec_);
      uint64_t keys = IndexRecord(out, totals);
      if (keys > 0) totals->records_indexed++;
      else totals->records_without_identity++;
      totals->keys_emitted += keys;
    }
    HashPendingKeys(out);
  }

 private:
  uint64_t IndexRecord(std::vector<Entry>* out, KeyTotals* totals) {
    extractor_.Extract(rec_, &persons_);
    uint64_t keys = 0;
    for (const RawPerson& raw : persons_) {
      if (canon_used_ == canon_pool_.size()) canon_pool_.emplace_back();
      CanonicalPerson& canon = canon_pool_[canon_used_++];
      Canonicalize(*normalizer_, raw, &canon, &totals->value_rejections);
      const DataClassSet classes = ExposedClasses(raw) | source_classes_;
      const RoleSet roles = RoleSet{1} << raw.role;
      uint64_t person_keys = 0;
      // DeriveKeys' keys in its order; the fingerprints come in HashPendingKeys.
      ForEachKeyInput(canon, [&](const KeyInput& in) {
        pending_.push_back(in);
        out->push_back(Entry{0, classes, roles, 1});
        ++person_keys;
      });
      if (person_keys > 0) {
        totals->persons++;
        totals->exposed_classes |= classes;
      }
      keys += person_keys;
    }
    if (pending_.size() >= kPendingKeys) HashPendingKeys(out);
    return keys;
  }

  // Fills in the fingerprints of the last pending_.size() entries of `out`
  // (pushed in the same order) with one ComputeMany call: hashing many keys
  // at once is what lets the 8-lane SipHash fill its lanes.
  void HashPendingKeys(std::vector<Entry>* out) {
    tags_.resize(pending_.size());
    hasher_->ComputeMany(pending_, tags_);
    Entry* first = out->data() + (out->size() - pending_.size());
    for (size_t i = 0; i < tags_.size(); ++i) first[i].fingerprint = FingerprintOf(tags_[i]);
    pending_.clear();
    canon_used_ = 0;
  }

  // Keys gathered before hashing: enough to fill the lanes many times over,
  // few enough that their canonical persons stay in cache.
  static constexpr size_t kPendingKeys = 256;

  const KeyedHasher* hasher_;
  std::unique_ptr<Normalizer> normalizer_;
  PersonExtractor extractor_;
  DataClassSet source_classes_;
  Record rec_;
  std::vector<RawPerson> persons_;
  // Canonical persons whose keys are pending (their values back pending_'s
  // views); a deque, so growing it never moves a person (nor its short,
  // in-place strings). Reused: the strings keep their capacity.
  std::deque<CanonicalPerson> canon_pool_;
  size_t canon_used_ = 0;
  std::vector<KeyInput> pending_;
  std::vector<Tag> tags_;
};

// Used batches go back to the reader: their buffers are large, and fresh
// memory for each one would be faulted in again.
class BatchPool {
 public:
  std::unique_ptr<RecordBatch> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return std::make_unique<RecordBatch>();
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void Put(std::unique_ptr<RecordBatch> b) {
    b->clear();
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(b));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<RecordBatch>> free_;
};

// A bounded queue of batches from the reader to the workers.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}
  // Blocks while full. False once closed.
  bool Push(std::unique_ptr<RecordBatch> b) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_ || closed_; });
    if (closed_) return false;
    q_.push_back(std::move(b));
    not_empty_.notify_one();
    return true;
  }
  // Blocks while empty; nullptr once closed and drained.
  std::unique_ptr<RecordBatch> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return nullptr;
    auto b = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return b;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::unique_ptr<RecordBatch>> q_;
  size_t capacity_;
  bool closed_ = false;
};

// The reader: inputs -> containers -> parts -> decoded text -> records ->
// batches. Counts records read and rejected (the report's part the reader
// decides); `emit` receives each full batch.
class RecordReader {
 public:
  RecordReader(const IngestOptions& options, const ColumnMapper* mapper, BatchPool* pool, IngestReport* report)
      : options_(options), mapper_(mapper), pool_(pool), report_(report) {}

  // Reads every input. On an error, the records already read are still
  // emitted, so the report's accounting identity holds.
  Status Run(const std::function<void(std::unique_ptr<RecordBatch>)>& emit) {
    auto batch = pool_->Get();
    Status st = ReadAll(emit, batch);
    if (!batch->empty()) emit(std::move(batch));
    return st;
  }

  // Safe from another thread.
  IngestProgress Progress() {
    IngestProgress p;
    std::lock_guard<std::mutex> lock(progress_mu_);
    p.bytes_done = bytes_before_ + (container_ ? container_->raw_bytes_done() : 0);
    p.records = records_read_.load(std::memory_order_relaxed);
    p.bytes_decoded = decoded_.load(std::memory_order_relaxed);
    return p;
  }
  uint64_t records_read() const { return records_read_.load(); }

 private:
  Status ReadAll(const std::function<void(std::unique_ptr<RecordBatch>)>& emit,
                 std::unique_ptr<RecordBatch>& batch) {
    SourceOptions so;
    LEAKDEX_ASSIGN_OR_RETURN(so.format, ParseInputFormat(options_.format));
    LEAKDEX_ASSIGN_OR_RETURN(Encoding encoding, ParseEncoding(options_.encoding));
    so.delimiter = options_.delimiter;
    so.no_header = options_.no_header;
    so.table = options_.table;
    so.known_column = [this](std::string_view name) { return mapper_->Resolve(name, -1).has_value(); };
    so.names = &names_;
    Record rec;
    BadRecord bad;
    for (const std::string& input : options_.inputs) {
      LEAKDEX_ASSIGN_OR_RETURN(auto container, OpenInput(input));
      {
        std::lock_guard<std::mutex> lock(progress_mu_);
        container_ = container.get();
      }
      InputPart part;
      for (;;) {
        LEAKDEX_ASSIGN_OR_RETURN(bool more, container->Next(&part));
        if (!more) break;
        LEAKDEX_ASSIGN_OR_RETURN(auto decoded, OpenDecodedStream(std::move(part.stream), encoding));
        LEAKDEX_ASSIGN_OR_RETURN(auto source, OpenRecordSource(std::move(decoded), so));
        for (;;) {
          RecordSource::Next next = source->Read(&rec, &bad);
          if (next == RecordSource::Next::kEnd) break;
          if (next == RecordSource::Next::kRecord && !source->validates_utf8() &&
              !RecordIsValidUtf8(rec, source->names_valid_utf8()))
            next = RecordSource::Next::kBad, bad = BadRecord{"invalid_encoding", rec.line, rec.offset};
          records_read_.fetch_add(1, std::memory_order_relaxed);
          if (next == RecordSource::Next::kBad) {
            Reject(part.name, bad);
            if (options_.strict)
              return Status::InputError(part.name + ":" + std::to_string(bad.line) + " (byte offset " +
                                        std::to_string(bad.offset) + "): bad record (" + bad.reason +
                                        "); --strict stops at the first bad record, nothing was published");
            continue;
          }
          batch->Append(rec, [this](const Field& f) { return Relevant(f); });
          if (batch->full()) {
            decoded_.store(report_->bytes_read + source->bytes_consumed(), std::memory_order_relaxed);
            emit(std::move(batch));
            batch = pool_->Get();
          }
        }
        LEAKDEX_RETURN_IF_ERROR(source->status());
        report_->bytes_read += source->bytes_consumed();
        source.reset();
      }
      {
        std::lock_guard<std::mutex> lock(progress_mu_);
        bytes_before_ += container->raw_size() ? container->raw_size() : container->raw_bytes_done();
        container_ = nullptr;
      }
    }
    return Status::Ok();
  }

  // False for a field no worker would look at: its name maps to nothing
  // (Elasticsearch's "_index" and "_id", columns leakdex does not know), so
  // it is not copied into a batch. Decided once per interned name; names
  // without a number, and every name under a numbered --map rule (the column
  // number then matters too), are kept and left to the workers.
  bool Relevant(const Field& f) {
    if (f.name_id == 0 || mapper_->has_number_rules()) return true;
    if (f.name_id >= relevant_.size()) relevant_.resize(f.name_id + 1, kUnknown);
    uint8_t& r = relevant_[f.name_id];
    if (r == kUnknown) r = mapper_->Resolve(f.name, f.index).has_value() ? kKeep : kDrop;
    return r == kKeep;
  }

  void Reject(const std::string& input, const BadRecord& bad) {
    IngestReport& r = *report_;
    r.records_rejected++;
    r.rejected_by_reason[bad.reason]++;
    if (r.first_rejections.size() < kMaxReportedLocations)
      r.first_rejections.push_back(RecordLocation{input, bad.line, bad.offset, bad.reason});
  }

  const IngestOptions& options_;
  const ColumnMapper* mapper_;
  BatchPool* pool_;
  IngestReport* report_;  // the reader's fields only, until Run returns
  std::atomic<uint64_t> records_read_{0};
  std::atomic<uint64_t> decoded_{0};  // bytes_read so far, for progress
  std::mutex progress_mu_;
  InputContainer* container_ = nullptr;
  uint64_t bytes_before_ = 0;
  // The names of every input, interned once (sources/record_source.h); the
  // batches point into it, so it outlives them (the reader outlives workers).
  NameTable names_;
  static constexpr uint8_t kUnknown = 0, kKeep = 1, kDrop = 2;
  std::vector<uint8_t> relevant_;  // by name number
};

struct ProducerSetup {
  const KeyedHasher* hasher;
  const ColumnMapper* mapper;
  NormalizeOptions normalize;
  DataClassSet source_classes;
  int threads;
};

// Runs the reader and the workers; fills the report's counts and hands every
// entry to `sink`. With one thread everything runs here, in order.
Status ProduceEntries(const IngestOptions& options, const ProducerSetup& setup, EntrySink* sink,
                      IngestReport* report, DataClassSet* exposed_classes, const ProgressFn& progress,
                      Clock::time_point start, uint64_t bytes_total) {
  BatchPool pool;
  RecordReader reader(options, setup.mapper, &pool, report);
  KeyTotals totals;
  Status reader_status;
  if (setup.threads <= 1) {
    LEAKDEX_ASSIGN_OR_RETURN(auto normalizer, Normalizer::Create(setup.normalize));
    KeyDeriver deriver(setup.hasher, setup.mapper, std::move(normalizer), setup.source_classes);
    std::vector<Entry> out;
    Clock::time_point last = start;
    reader_status = reader.Run([&](std::unique_ptr<RecordBatch> b) {
      out.clear();
      deriver.Process(*b, &out, &totals);
      sink->Add(out);
      pool.Put(std::move(b));
      if (progress && Clock::now() - last > std::chrono::milliseconds(250)) {
        last = Clock::now();
        IngestProgress p = reader.Progress();
        p.bytes_total = bytes_total;
        p.seconds = std::chrono::duration<double>(last - start).count();
        progress(p);
      }
    });
  } else {
    const int workers = setup.threads;
    std::vector<std::unique_ptr<KeyDeriver>> derivers;
    for (int i = 0; i < workers; ++i) {
      LEAKDEX_ASSIGN_OR_RETURN(auto normalizer, Normalizer::Create(setup.normalize));
      derivers.push_back(
          std::make_unique<KeyDeriver>(setup.hasher, setup.mapper, std::move(normalizer), setup.source_classes));
    }
    BatchQueue queue(static_cast<size_t>(2 * workers + 2));
    std::vector<KeyTotals> worker_totals(static_cast<size_t>(workers));
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) {
      threads.emplace_back([&, i] {
        std::vector<Entry> out;
        while (auto b = queue.Pop()) {
          out.clear();
          derivers[static_cast<size_t>(i)]->Process(*b, &out, &worker_totals[static_cast<size_t>(i)]);
          sink->Add(out);
          pool.Put(std::move(b));
        }
      });
    }
    // The main thread waits for the reader on a condition variable, not by
    // polling every 20 ms: the sort that follows starts as soon as the
    // workers are done, not up to 20 ms later (a 0.6 s ingest on an idle
    // machine spends ~0.15 s in that serial tail).
    std::mutex reading_mu;
    std::condition_variable reading_cv;
    bool reading = true;
    std::thread reader_thread([&] {
      reader_status = reader.Run([&](std::unique_ptr<RecordBatch> b) { queue.Push(std::move(b)); });
      queue.Close();
      std::lock_guard<std::mutex> lock(reading_mu);
      reading = false;
      reading_cv.notify_all();
    });
    for (;;) {
      std::unique_lock<std::mutex> lock(reading_mu);
      if (!progress) {
        reading_cv.wait(lock, [&] { return !reading; });
        break;
      }
      if (reading_cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return !reading; })) break;
      lock.unlock();
      IngestProgress p = reader.Progress();
      p.bytes_total = bytes_total;
      p.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      progress(p);
    }
    reader_thread.join();
    for (std::thread& t : threads) t.join();
    for (const KeyTotals& t : worker_totals) totals.Add(t);
  }
  if (progress) {  // the final state, so even a short ingest shows one progress line
    IngestProgress p = reader.Progress();
    p.bytes_total = bytes_total;
    p.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    progress(p);
  }
  report->records_read = reader.records_read();
  report->records_indexed = totals.records_indexed;
  report->records_without_identity = totals.records_without_identity;
  report->persons = totals.persons;
  report->keys_emitted = totals.keys_emitted;
  *exposed_classes = totals.exposed_classes;
  for (int a = 0; a < kAttributeCount; ++a)
    for (int o = 0; o < kNormOutcomeCount; ++o)
      if (uint64_t n = totals.value_rejections.counts[a][o])
        report->values_rejected_by_reason[std::string(AttributeName(static_cast<Attribute>(a))) + "." +
                                          std::string(NormOutcomeName(static_cast<NormOutcome>(o)))] += n;
  return reader_status;
}

// ---------------------------------------------------------------------------

Result<ColumnMapper> BuildMapper(const IngestOptions& o) {
  std::vector<MapRule> rules;
  for (const std::string& m : o.maps) {
    LEAKDEX_ASSIGN_OR_RETURN(MapRule r, ParseMapRule(m));
    rules.push_back(std::move(r));
  }
  return ColumnMapper(std::move(rules), /*recognize_names=*/true);
}

// How --map errors name the inputs: paths are the user's own options.
std::string InputsForMessages(const std::vector<std::string>& inputs) {
  if (inputs.size() == 1) return inputs[0] == "-" ? "stdin" : inputs[0];
  return "any of the " + std::to_string(inputs.size()) + " inputs";
}

Result<DataClassSet> ParseClasses(const std::vector<std::string>& names) {
  DataClassSet set = 0;
  for (const std::string& n : names) {
    auto bit = ParseDataClass(n);
    if (!bit) return Status::InvalidArgument("--class: unknown data class '" + n + "' (see docs/DATA_CLASSES.md)");
    set |= DataClassSet{1} << *bit;
  }
  return set;
}

}  // namespace

Status Ingest(const IngestOptions& options, const MasterKey& key, IngestReport* report, const ProgressFn& progress) {
  const Clock::time_point start = Clock::now();
  *report = IngestReport{};
  report->source = options.source;
  report->inputs = options.inputs;
  if (options.source.empty()) return Status::InvalidArgument("--source NAME is required");
  if (options.source.size() > 200) return Status::InvalidArgument("--source: name longer than 200 bytes");
  if (options.inputs.empty()) return Status::InvalidArgument("no INPUT given (a path, or - for stdin)");
  LEAKDEX_RETURN_IF_ERROR(ParseInputFormat(options.format).status());
  LEAKDEX_RETURN_IF_ERROR(ParseEncoding(options.encoding).status());
  LEAKDEX_ASSIGN_OR_RETURN(ColumnMapper mapper, BuildMapper(options));
  LEAKDEX_ASSIGN_OR_RETURN(DataClassSet classes, ParseClasses(options.classes));
  ProducerSetup setup;
  setup.mapper = &mapper;
  setup.normalize.default_region = options.default_region;
  setup.source_classes = classes;
  setup.threads = options.threads > 0 ? options.threads
                                      : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  LEAKDEX_RETURN_IF_ERROR(Normalizer::Create(setup.normalize).status());  // options errors before the index

  LEAKDEX_ASSIGN_OR_RETURN(auto writer, IndexWriter::Open(options.index_dir, key));
  uint64_t bytes_total = 0;
  for (const std::string& input : options.inputs) {
    // Fail early on an unreadable input. A FIFO (a named pipe, a process
    // substitution <(zcat x)) is not opened here: its data goes to the first
    // reader, and the real read below would then wait forever for a writer.
    struct stat st {};
    if (input != "-" && ::stat(input.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) continue;
    LEAKDEX_ASSIGN_OR_RETURN(auto s, OpenFileStream(input));
    bytes_total += s->size_hint();
  }
  KeyedHasher hasher(key);
  setup.hasher = &hasher;
  TagSorter sorter(TagSorterOptions{options.index_dir, options.memory_bytes, setup.threads});
  EntrySink sink(&sorter);
  DataClassSet exposed_classes = 0;
  Status st = ProduceEntries(options, setup, &sink, report, &exposed_classes, progress, start, bytes_total);
  auto finish = [&](Status s) {
    report->seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return s;
  };
  if (st.ok()) st = sink.status();
  if (!st.ok()) return finish(st);
  if (report->records_read > 0 &&
      static_cast<double>(report->records_rejected) / static_cast<double>(report->records_read) >
          options.max_bad_ratio)
    return finish(Status::InputError(
        std::to_string(report->records_rejected) + " of " + std::to_string(report->records_read) +
        " records rejected, more than --max-bad-ratio allows; nothing was published"));
  // Checked after reading because JSON keys vary from record to record, and
  // only when some record was read whole (in rejected ones no rule can match).
  if (report->records_read > report->records_rejected) {
    if (Status m = mapper.CheckAllRulesMatched(InputsForMessages(options.inputs)); !m.ok())
      return finish(Status::InvalidArgument(m.message() + "; nothing was published"));
  }
  // Records, yet not one value to key: columns leakdex did not recognise, or
  // the wrong --format or --encoding. Exit 0 with nothing indexed would read
  // as a finished ingest; the error says what to look at instead.
  if (report->records_read > 0 && report->records_indexed == 0)
    return finish(Status::InputError(
        "none of the " + std::to_string(report->records_read) +
        " records read had a value leakdex could key (no column recognised as a name, phone, e-mail, ID "
        "number, address or birth date, or every such value invalid: the summary counts them by reason); "
        "name the columns with --map FIELD=COLUMN, or check --format and --encoding; nothing was published"));

  LEAKDEX_RETURN_IF_ERROR(finish(sorter.Finish()));
  writer->SourceIdFor(options.source);
  SourceInfo delta;
  delta.name = options.source;
  delta.records = report->records_read;
  delta.records_indexed = report->records_indexed;
  delta.persons = report->persons;
  delta.keys = report->keys_emitted;
  delta.data_classes = exposed_classes;
  const uint8_t floor = options.expected_keys > 0 ? PrecisionFor(options.expected_keys) : 0;
  LEAKDEX_RETURN_IF_ERROR(finish(writer->PublishFromSorter(&sorter, delta, floor, &report->keys_new)));
  if (report->keys_new == 0) return finish(Status::Ok());  // re-ingest: nothing new, nothing written
  report->published = true;
  return finish(Status::Ok());
}

}  // namespace leakdex
