// leakdex batch (SPEC §4.4): check every row of a customer list.
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <optional>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "file_io.h"
#include "leakdex/batch.h"
#include "leakdex/columns.h"

namespace leakdex::cli {
namespace {

std::string Rows(uint64_t n) { return std::to_string(n) + (n == 1 ? " row" : " rows"); }

std::string Percent(uint64_t part, uint64_t whole) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return b;
}

// The summary for people, on stderr: no value of the list, only counts,
// key kinds, source names and error reasons.
std::string SummaryText(const BatchSummary& s, const FailThreshold& t, bool failed) {
  std::string o;
  char line[256];
  std::snprintf(line, sizeof line, "leakdex batch: %" PRIu64 " row%s in %.2f s (%.0f rows/s)\n", s.rows, s.rows == 1 ? "" : "s", s.seconds,
                s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0);
  o += line;
  o += "  exposed:      " + Rows(s.rows_exposed) + " (" + Percent(s.rows_exposed, s.rows) + ")\n";
  if (s.baseline_used)
    o += "  new:          " + Rows(s.rows_new) + " exposed and not in the baseline (" +
         std::to_string(s.rows_exposed - s.rows_new) + " already known)\n";
  o += "  checked:      " + Rows(s.rows_checked) + "; not checked: " + std::to_string(s.rows_unchecked) +
       "\n";
  o += "  with errors:  " + Rows(s.rows_with_errors);
  if (!s.errors_by_reason.empty()) {
    o += " (";
    bool first = true;
    for (const auto& [reason, n] : s.errors_by_reason) {
      o += (first ? "" : ", ") + reason + " " + std::to_string(n);
      first = false;
    }
    o += ")";
  }
  o += "\n";
  if (s.rows_exposed > 0) {
    o += "  by key kind: ";
    for (KeyKind k : kAllKeyKinds) {
      uint64_t n = s.rows_by_key_kind[static_cast<int>(k)];
      if (n) o += " " + std::string(KeyKindName(k)) + " " + std::to_string(n) + ";";
    }
    o.back() = '\n';
    o += "  by source:   ";
    for (const auto& [name, n] : s.rows_by_source) o += " " + name + " " + std::to_string(n) + ";";
    o.back() = '\n';
  }
  std::string limit = std::to_string(static_cast<uint64_t>(t.value));
  if (t.percent) {
    char b[32];
    std::snprintf(b, sizeof b, "%g%% of rows", t.value);
    limit = b;
  }
  const std::string what = s.baseline_used ? "new exposed rows" : "exposed rows";
  if (s.rows > 0 && s.rows_checked == 0) return o + "  result:       no row could be checked (exit 3)\n";
  o += "  result:       " + std::to_string(s.counted()) + " " + what +
       (failed ? ", over the fail threshold of " + limit + " (exit 1)\n"
               : ", within the fail threshold of " + limit + " (exit 0)\n");
  return o;
}

}  // namespace

void AddBatchCommand(CLI::App& app, RunFn* run) {
  struct Options {
    std::string key, index, input, format = "ndjson", input_format = "auto", delimiter, fail_threshold = "0";
    std::string output, baseline, write_baseline, id_column, default_region = "CN";
    std::vector<std::string> maps;
    bool no_header = false, quiet = false;
    int threads = 0;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "batch",
      "Check every row of a customer list (CSV, TSV or NDJSON; - for stdin) against the index. One output\n"
      "record per row, in input order; a summary on stderr. Exit 0: nothing exposed (or within\n"
      "--fail-threshold); 1: exposure found. Example:\n"
      "  leakdex batch -k my.key -i idx --id-column customer_id --format sarif -o leakdex.sarif customers.csv");
  AddKeyOption(cmd, &opt->key);
  AddIndexOption(cmd, &opt->index);
  cmd->add_option("input", opt->input, "Customer list, or - for standard input")->required();
  cmd->add_option("--format", opt->format, "Output: ndjson (default), csv, json or sarif")
      ->check(CLI::IsMember({"ndjson", "jsonl", "csv", "json", "sarif"}));
  cmd->add_option("-o,--output", opt->output, "Write the output to FILE (atomically) instead of stdout");
  cmd->add_option("--map", opt->maps, "[ROLE.]FIELD=COLUMN: where a field is (repeatable; as in ingest)");
  cmd->add_option("--id-column", opt->id_column,
                  "Column echoed in the output to identify each row (header name, 1-based number or JSON path)");
  cmd->add_option("--fail-threshold", opt->fail_threshold,
                  "Exit 1 only when more than N exposed rows (or more than R% of rows) are found; default 0: any");
  cmd->add_option("--baseline", opt->baseline,
                  "Baseline from --write-baseline: only exposures not in it count for the exit status");
  cmd->add_option("--write-baseline", opt->write_baseline,
                  "Write this run's exposures (row ids, key kinds, sources; no values) to FILE");
  cmd->add_option("--input-format", opt->input_format, "auto (by content), csv, tsv, psv, ndjson or json (a JSON array)")
      ->check(CLI::IsMember({"auto", "csv", "tsv", "psv", "ndjson", "jsonl", "json"}));
  cmd->add_option("--delimiter", opt->delimiter, "Field delimiter of a delimited list (one character; \\t for tab)");
  cmd->add_flag("--no-header", opt->no_header, "The list has no header row (use --map FIELD=NUMBER)");
  cmd->add_option("--default-region", opt->default_region, "Region of phone numbers without a country code");
  cmd->add_option("--threads", opt->threads, "Worker threads (default: one per core)")->check(CLI::Range(0, 256));
  cmd->add_flag("-q,--quiet", opt->quiet, "No summary on stderr");
  cmd->callback([opt, run] {
    *run = [opt] {
      BatchOptions bo;
      bo.input = opt->input;
      bo.input_format = opt->input_format;
      if (!opt->delimiter.empty()) {
        if (opt->delimiter == "\\t" || opt->delimiter == "tab") bo.delimiter = '\t';
        else if (opt->delimiter.size() == 1) bo.delimiter = opt->delimiter[0];
        else return Fail(Status::InvalidArgument("--delimiter expects one character"));
      }
      bo.no_header = opt->no_header;
      bo.maps = opt->maps;
      bo.id_column = opt->id_column;
      bo.threads = opt->threads;
      bo.default_region = opt->default_region;
      bo.baseline_path = opt->baseline;
      bo.write_baseline_path = opt->write_baseline;
      auto format = ParseBatchFormat(opt->format);
      if (!format.ok()) return Fail(format.status());
      bo.format = *format;
      auto threshold = ParseFailThreshold(opt->fail_threshold);
      if (!threshold.ok()) return Fail(threshold.status());
      for (const std::string& m : bo.maps)
        if (auto r = ParseMapRule(m); !r.ok()) return Fail(r.status());

      auto dir = ResolveIndexDir(opt->index);
      if (!dir.ok()) return Fail(dir.status());
      auto key = LoadKey(opt->key);
      if (!key.ok()) return Fail(key.status());
      // A list of many rows makes random lookups all over the index: read it
      // into memory (huge pages) when it takes at most a quarter of the
      // memory available now; map it otherwise (docs/CHECK_AND_BATCH.md).
      Index::OpenOptions open_options;
      open_options.load_up_to_bytes =
          static_cast<uint64_t>(sysconf(_SC_AVPHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) / 4;
      auto index = Index::Open(*dir, open_options);
      if (!index.ok()) return Fail(index.status());
      if (Status st = (*index)->CheckKey(*key); !st.ok()) return Fail(st);
      KeyedHasher hasher(*key);

      std::optional<AtomicFile> out_file;
      if (!opt->output.empty()) {
        auto f = AtomicFile::Create(opt->output);
        if (!f.ok()) return Fail(Status::IOError(f.status().message()));
        out_file.emplace(std::move(f.value()));
      }
      OutputSink sink = [&](std::string_view bytes) {
        return out_file ? out_file->Append(bytes) : WriteStdout(bytes);
      };
      BatchSummary summary;
      Status st = RunBatch(**index, hasher, bo, sink, &summary);
      if (!st.ok()) {
        if (out_file) out_file->Abandon();
        return Fail(st);
      }
      if (out_file)
        if (Status c = out_file->Commit(); !c.ok()) return Fail(c);
      const bool failed = ThresholdExceeded(summary, *threshold);
      if (!opt->quiet) std::fputs(SummaryText(summary, *threshold, failed).c_str(), stderr);
      // A run that checked nothing must not read as clean (a CI gate would
      // pass); SummaryText says exit 3 for it too.
      if (summary.rows > 0 && summary.rows_checked == 0)
        return Fail(Status::InputError(opt->input + ": no row could be checked (error reasons above; name the "
                                                    "columns with --map FIELD=COLUMN)"));
      if (summary.rows == 0) Warn(opt->input + ": the list has no data rows");
      return static_cast<int>(failed ? kExitExposed : kExitOk);
    };
  });
}

}  // namespace leakdex::cli
