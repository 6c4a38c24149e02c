// Ingest: stream dumps into the index as keyed tags (SPEC §4.2).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "leakdex/keyed_hash.h"
#include "leakdex/status.h"

namespace leakdex {

struct IngestOptions {
  std::string index_dir;
  std::string source;                   // source name recorded in the index
  std::vector<std::string> inputs;      // paths; "-" is stdin
  std::string format = "auto";          // auto|ndjson|json|csv|tsv|psv|sql
  std::vector<std::string> maps;        // "[ROLE.]FIELD=COLUMN"
  std::vector<std::string> classes;     // record classes for the whole source
  std::string encoding = "auto";
  char delimiter = 0;                   // 0: by format or detection
  bool no_header = false;
  std::string table;                    // SQL dumps: only this table
  std::string default_region = "CN";
  int threads = 0;                      // 0: all cores
  uint64_t memory_bytes = 1ull << 30;
  bool strict = false;                  // first bad record aborts; nothing published
  double max_bad_ratio = 1.0;           // above it: input error after reporting
};

// Where a rejected record was: never its content (SPEC P1).
struct RecordLocation {
  std::string input;
  uint64_t line = 0;
  uint64_t offset = 0;
  std::string reason;
};

// The final report (SPEC §4.2). Accounting identity, always:
// records_read == records_indexed + records_without_identity + records_rejected.
struct IngestReport {
  std::string source;
  std::vector<std::string> inputs;
  uint64_t bytes_read = 0;
  uint64_t records_read = 0;
  uint64_t records_indexed = 0;
  uint64_t records_without_identity = 0;
  uint64_t records_rejected = 0;
  std::map<std::string, uint64_t> rejected_by_reason;
  std::map<std::string, uint64_t> values_rejected_by_reason;  // "phone.masked": 3
  std::vector<RecordLocation> first_rejections;  // at most kMaxReportedLocations
  uint64_t persons = 0;
  uint64_t keys_emitted = 0;
  uint64_t keys_new = 0;
  double seconds = 0;
  bool published = false;
};
inline constexpr size_t kMaxReportedLocations = 20;

struct IngestProgress {
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;  // 0 when unknown (stdin)
  uint64_t bytes_decoded = 0;  // input after decompression (equals bytes_done for plain files)
  uint64_t records = 0;
  double seconds = 0;
};
using ProgressFn = std::function<void(const IngestProgress&)>;

// Runs the ingest. `report` is filled even when the returned status is an
// error (an input error under --strict or --max-bad-ratio still reports what
// was seen). On any error nothing is published: the index is as before.
Status Ingest(const IngestOptions& options, const MasterKey& key, IngestReport* report,
              const ProgressFn& progress = nullptr);

}  // namespace leakdex
