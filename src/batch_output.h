// Output formats of `leakdex batch` (docs/CHECK_AND_BATCH.md): NDJSON, CSV,
// one JSON document, SARIF 2.1.0. Rows are formatted on worker threads into
// per-chunk buffers; the prologue and epilogue by the writer.
//
// Nothing here sees a checked value: a row carries only its number, input
// line, the echoed id column, matches (key kinds, sources, data classes,
// roles, record counts) and an error reason.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "leakdex/batch.h"
#include "leakdex/check.h"
#include "leakdex/index.h"

namespace leakdex::batch_internal {

// Baseline comparison state of a row (only meaningful with --baseline).
enum class BaselineState : uint8_t { kNone, kNew, kUnchanged };

// One matched key kind of a row. exposure.sources belongs to the Index or,
// for a kind two values of the row matched, to the worker formatting it.
struct RowMatch {
  KeyKind kind;
  ExposureRef exposure;
};

struct RowView {
  uint64_t row = 0;
  uint64_t line = 0;                    // input line of the row's first byte
  std::optional<std::string_view> id;   // the echoed id column, if asked for and present
  std::span<const RowMatch> matches;
  std::string_view error;               // empty: none
  BaselineState baseline = BaselineState::kNone;
};

// Appends `s` as a JSON string literal (quotes included). Invalid UTF-8
// bytes become U+FFFD so the document stays valid JSON.
void AppendJsonString(std::string* out, std::string_view s);
void AppendUint(std::string* out, uint64_t v);

// Formats rows of one format. One instance per worker thread (it caches the
// JSON of data-class and role sets, and of whole matches).
class RowFormatter {
 public:
  RowFormatter(BatchFormat format, std::string artifact_uri) : format_(format), uri_(std::move(artifact_uri)) {}
  // Appends the row's output. For kJson and kSarif, every element is
  // preceded by a comma; the writer drops the first one of the document.
  void Append(const RowView& r, std::string* out);

 private:
  void AppendMatchesJson(std::span<const RowMatch> matches, std::string* out);
  void AppendMatchJson(const RowMatch& m, std::string* out);
  const std::string* CachedMatchJson(const RowMatch& m);
  const std::string& ClassesJson(DataClassSet set);
  const std::string& RolesJson(RoleSet set);
  void AppendNdjson(const RowView& r, std::string* out);
  void AppendCsv(const RowView& r, std::string* out);
  void AppendSarif(const RowView& r, std::string* out);

  BatchFormat format_;
  std::string uri_;
  std::unordered_map<DataClassSet, std::string> classes_json_;
  std::unordered_map<RoleSet, std::string> roles_json_;
  // The JSON of whole matches, per key kind: a list's matches repeat a few
  // (sources, classes, roles, records) combinations, and copying a cached
  // object is cheaper than formatting it (batch_bench: 4% less user CPU). Bounded:
  // a combination past kMatchCachePerKind is formatted every time.
  struct CachedMatch {
    std::vector<std::string> sources;
    DataClassSet classes = 0;
    RoleSet roles = 0;
    uint32_t records = 0;
    std::string json;
  };
  static constexpr size_t kMatchCachePerKind = 16;
  std::array<std::vector<CachedMatch>, 16> match_cache_;
};

// What comes before the first row and after the last one.
std::string Prologue(BatchFormat format, bool with_baseline);
std::string Epilogue(BatchFormat format, const BatchSummary& summary);
// The summary as one JSON object (used by the json and sarif formats).
std::string SummaryJson(const BatchSummary& s);

// The SARIF artifact URI for an input path ("-" is stdin).
std::string ArtifactUri(const std::string& input);

}  // namespace leakdex::batch_internal
