// Checking a customer list against the index (SPEC §4.4).
//
// The list is streamed in constant memory: a reader thread parses rows into
// chunks, worker threads check whole chunks, and the caller's thread writes
// the chunks' output in input order (docs/CHECK_AND_BATCH.md). Output values
// are only key kinds, source names, data classes, row numbers and the id
// column the user asked to echo: never a checked value (SPEC P1).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "leakdex/identity.h"
#include "leakdex/index.h"
#include "leakdex/keyed_hash.h"
#include "leakdex/status.h"

namespace leakdex {

enum class BatchFormat { kNdjson, kCsv, kJson, kSarif };
// InvalidArgument for an unknown name.
Result<BatchFormat> ParseBatchFormat(std::string_view name);

// When a batch "fails" (exit 1): more exposed rows than `value`, or, with
// `percent`, a share of rows (in percent) above `value`. Default: any exposure.
struct FailThreshold {
  bool percent = false;
  double value = 0;
};
// "N" (a count) or "R%" (a share of all rows, 0..100). InvalidArgument otherwise.
Result<FailThreshold> ParseFailThreshold(std::string_view text);

struct BatchOptions {
  std::string input = "-";              // a path; "-" is stdin
  std::string input_format = "auto";    // auto|csv|tsv|psv|ndjson|jsonl
  char delimiter = 0;                   // 0: by format or detection
  bool no_header = false;
  std::vector<std::string> maps;        // "[ROLE.]FIELD=COLUMN" as in ingest
  std::string id_column;                // echoed per row; header name, 1-based number or JSON path
  BatchFormat format = BatchFormat::kNdjson;
  int threads = 0;                      // workers; 0: one per core
  std::string default_region = "CN";
  std::string baseline_path;            // if set: only exposures not in this baseline count
  std::string write_baseline_path;      // if set: write this run's exposures as a baseline
  size_t chunk_rows = 4096;             // rows per unit of work
};

// What a run saw. Accounting: rows == rows_checked + rows_unchecked, and
// rows_with_errors counts rows with an error (an unusable value in a row that
// was otherwise checked, or a row that could not be checked at all).
struct BatchSummary {
  uint64_t rows = 0;              // data rows, bad ones included
  uint64_t rows_checked = 0;      // rows that gave at least one key to look up
  uint64_t rows_unchecked = 0;    // bad records and rows without any key
  uint64_t rows_with_errors = 0;
  uint64_t rows_exposed = 0;      // rows with at least one match
  uint64_t rows_new = 0;          // exposed rows with an exposure not in the baseline (= rows_exposed without one)
  bool baseline_used = false;
  uint64_t baseline_entries = 0;  // (row, key kind, source) triples in the baseline
  uint64_t keys_looked_up = 0;
  std::array<uint64_t, 16> rows_by_key_kind{};  // index: KeyKind number; rows exposed by that kind
  std::map<std::string, uint64_t> rows_by_source;     // rows exposed in that source
  std::map<std::string, uint64_t> errors_by_reason;   // "phone.invalid", "unterminated_quote", ...
  uint64_t bytes_read = 0;
  double seconds = 0;
  // The rows that decide the exit status: new exposures (all exposures without a baseline).
  uint64_t counted() const { return rows_new; }
};

bool ThresholdExceeded(const BatchSummary& s, const FailThreshold& t);

// Receives the output in order, in pieces. A non-Ok status stops the run.
using OutputSink = std::function<Status(std::string_view)>;

// Runs the batch: reads options.input, writes every row's result to `sink`
// in options.format, fills `summary`. Row problems are counted, not fatal;
// errors are: unreadable input or baseline (InputError), no identity column
// recognised in a CSV/TSV header (InputError), index corruption, sink or
// baseline write failure (IOError). `summary` is filled as far as the run went.
Status RunBatch(const Index& index, const KeyedHasher& hasher, const BatchOptions& options, const OutputSink& sink,
                BatchSummary* summary);

}  // namespace leakdex
