// Ingest: inputs -> records -> persons -> canonical values -> tags -> segment.
//
// Passes (mold style, each a function below):
//   1. open the index for writing (lock, key check, stale temp files);
//   2. stream every input into the external sorter (index/tag_sorter.h:
//      bounded memory, sorted runs spilled inside the index directory);
//   3. stream the sorted, merged entries, drop those the source already has;
//   4. publish one new segment and the manifest (atomic), unless an error.
#include "leakdex/ingest.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "index/index_writer.h"
#include "index/segment.h"
#include "index/tag_sorter.h"
#include "leakdex/columns.h"
#include "leakdex/normalize.h"
#include "persons.h"
#include "sources/record_source.h"

namespace leakdex {
namespace {

using Clock = std::chrono::steady_clock;

struct IngestContext {
  const IngestOptions& options;
  IngestReport* report;
  const ProgressFn& progress;
  KeyedHasher hasher;
  std::unique_ptr<Normalizer> normalizer;
  ColumnMapper mapper;
  DataClassSet source_classes = 0;  // from --class
  TagSorter* sink = nullptr;  // receives every (fingerprint, payload) entry
  Status sink_status;         // first error of the sink
  ValueRejections value_rejections;
  DataClassSet exposed_classes = 0;
  Clock::time_point start = Clock::now();
  Clock::time_point last_progress = start;
  uint64_t bytes_before_input = 0;
  uint64_t bytes_total = 0;
};

Result<ColumnMapper> BuildMapper(const IngestOptions& o) {
  std::vector<MapRule> rules;
  for (const std::string& m : o.maps) {
    LEAKDEX_ASSIGN_OR_RETURN(MapRule r, ParseMapRule(m));
    rules.push_back(std::move(r));
  }
  return ColumnMapper(std::move(rules), /*recognize_names=*/true);
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

void NoteRejection(IngestContext& ctx, const std::string& input, const BadRecord& bad) {
  IngestReport& r = *ctx.report;
  r.records_read++;
  r.records_rejected++;
  r.rejected_by_reason[bad.reason]++;
  if (r.first_rejections.size() < kMaxReportedLocations)
    r.first_rejections.push_back(RecordLocation{input, bad.line, bad.offset, bad.reason});
}

void MaybeReportProgress(IngestContext& ctx, const RecordSource& src) {
  if (!ctx.progress || (ctx.report->records_read & 4095) != 0) return;
  auto now = Clock::now();
  if (now - ctx.last_progress < std::chrono::milliseconds(250)) return;
  ctx.last_progress = now;
  ctx.progress(IngestProgress{ctx.bytes_before_input + src.bytes_consumed(), ctx.bytes_total,
                              ctx.report->records_read, std::chrono::duration<double>(now - ctx.start).count()});
}

// Turns one record into entries. Returns the number of keys it gave.
uint64_t IndexRecord(IngestContext& ctx, PersonExtractor& extractor, const Record& rec,
                     std::vector<RawPerson>& persons, CanonicalPerson& canon) {
  extractor.Extract(rec, &persons);
  uint64_t keys = 0;
  for (const RawPerson& raw : persons) {
    Canonicalize(*ctx.normalizer, raw, &canon, &ctx.value_rejections);
    const DataClassSet classes = ExposedClasses(raw) | ctx.source_classes;
    const RoleSet roles = RoleSet{1} << raw.role;
    uint64_t person_keys = 0;
    DeriveKeys(ctx.hasher, canon, [&](KeyKind, const Tag& tag) {
      if (ctx.sink_status.ok()) ctx.sink_status = ctx.sink->Add(TagEntry{FingerprintOf(tag), classes, roles, 1});
      ++person_keys;
    });
    if (person_keys > 0) {
      ctx.report->persons++;
      ctx.exposed_classes |= classes;
    }
    keys += person_keys;
  }
  return keys;
}

Status IngestInput(IngestContext& ctx, const std::string& input) {
  LEAKDEX_ASSIGN_OR_RETURN(auto stream, OpenFileStream(input));
  SourceOptions so;
  LEAKDEX_ASSIGN_OR_RETURN(so.format, ParseInputFormat(ctx.options.format));
  so.delimiter = ctx.options.delimiter;
  so.no_header = ctx.options.no_header;
  LEAKDEX_ASSIGN_OR_RETURN(auto source, OpenRecordSource(std::move(stream), so));
  PersonExtractor extractor(&ctx.mapper);
  std::vector<RawPerson> persons;
  CanonicalPerson canon;
  Record rec;
  BadRecord bad;
  IngestReport& r = *ctx.report;
  for (;;) {
    RecordSource::Next next = source->Read(&rec, &bad);
    if (next == RecordSource::Next::kEnd) break;
    if (next == RecordSource::Next::kBad) {
      NoteRejection(ctx, input, bad);
      if (ctx.options.strict)
        return Status::InputError(input + ":" + std::to_string(bad.line) + " (byte offset " +
                                  std::to_string(bad.offset) + "): bad record (" + bad.reason +
                                  "); --strict stops at the first bad record, nothing was published");
      continue;
    }
    r.records_read++;
    uint64_t keys = IndexRecord(ctx, extractor, rec, persons, canon);
    LEAKDEX_RETURN_IF_ERROR(ctx.sink_status);
    if (keys > 0) r.records_indexed++;
    else r.records_without_identity++;
    r.keys_emitted += keys;
    MaybeReportProgress(ctx, *source);
  }
  LEAKDEX_RETURN_IF_ERROR(source->status());
  r.bytes_read += source->bytes_consumed();
  ctx.bytes_before_input += source->bytes_consumed();
  return Status::Ok();
}

void FoldValueRejections(IngestContext& ctx) {
  for (int a = 0; a < kAttributeCount; ++a)
    for (int o = 0; o < kNormOutcomeCount; ++o)
      if (uint64_t n = ctx.value_rejections.counts[a][o])
        ctx.report->values_rejected_by_reason[std::string(AttributeName(static_cast<Attribute>(a))) + "." +
                                              std::string(NormOutcomeName(static_cast<NormOutcome>(o)))] += n;
}

}  // namespace

Status Ingest(const IngestOptions& options, const MasterKey& key, IngestReport* report, const ProgressFn& progress) {
  *report = IngestReport{};
  report->source = options.source;
  report->inputs = options.inputs;
  if (options.source.empty()) return Status::InvalidArgument("--source NAME is required");
  if (options.source.size() > 200) return Status::InvalidArgument("--source: name longer than 200 bytes");
  if (options.inputs.empty()) return Status::InvalidArgument("no INPUT given (a path, or - for stdin)");
  LEAKDEX_ASSIGN_OR_RETURN(ColumnMapper mapper, BuildMapper(options));
  LEAKDEX_ASSIGN_OR_RETURN(DataClassSet classes, ParseClasses(options.classes));
  NormalizeOptions no;
  no.default_region = options.default_region;
  LEAKDEX_ASSIGN_OR_RETURN(auto normalizer, Normalizer::Create(no));

  LEAKDEX_ASSIGN_OR_RETURN(auto writer, IndexWriter::Open(options.index_dir, key));
  IngestContext ctx{options, report, progress, KeyedHasher(key), std::move(normalizer), std::move(mapper)};
  ctx.source_classes = classes;
  TagSorter sorter(TagSorterOptions{options.index_dir, options.memory_bytes});
  ctx.sink = &sorter;
  for (const std::string& input : options.inputs) {
    LEAKDEX_ASSIGN_OR_RETURN(auto s, OpenFileStream(input));  // fail early on an unreadable input
    ctx.bytes_total += s->size_hint();
  }
  Status st;
  for (const std::string& input : options.inputs) {
    st = IngestInput(ctx, input);
    if (!st.ok()) break;
  }
  FoldValueRejections(ctx);
  auto finish = [&](Status s) {
    report->seconds = std::chrono::duration<double>(Clock::now() - ctx.start).count();
    return s;
  };
  if (!st.ok()) return finish(st);
  if (report->records_read > 0 &&
      static_cast<double>(report->records_rejected) / static_cast<double>(report->records_read) >
          options.max_bad_ratio)
    return finish(Status::InputError(
        std::to_string(report->records_rejected) + " of " + std::to_string(report->records_read) +
        " records rejected, more than --max-bad-ratio allows; nothing was published"));

  LEAKDEX_RETURN_IF_ERROR(finish(sorter.Finish()));
  writer->SourceIdFor(options.source);
  SourceInfo delta;
  delta.name = options.source;
  delta.records = report->records_read;
  delta.records_indexed = report->records_indexed;
  delta.persons = report->persons;
  delta.keys = report->keys_emitted;
  delta.data_classes = ctx.exposed_classes;
  const uint8_t floor = options.expected_keys > 0 ? PrecisionFor(options.expected_keys) : 0;
  LEAKDEX_RETURN_IF_ERROR(finish(writer->PublishFromSorter(&sorter, delta, floor, &report->keys_new)));
  if (report->keys_new == 0) return finish(Status::Ok());  // re-ingest: nothing new, nothing written
  report->published = true;
  return finish(Status::Ok());
}

}  // namespace leakdex
