// leakdex ingest (SPEC §4.2): stream dumps into the index as keyed tags.
#include <cmath>
#include <cstdio>
#include <thread>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/json_writer.h"
#include "leakdex/ingest.h"

namespace leakdex::cli {
namespace {

Result<uint64_t> ParseSize(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  std::string unit = end ? std::string(end) : "";
  double mult = 1;
  if (unit == "" || unit == "B") mult = 1;
  else if (unit == "K" || unit == "KB" || unit == "KiB") mult = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MiB") mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GiB") mult = 1024.0 * 1024 * 1024;
  else return Status::InvalidArgument("--memory: expected a size such as 512M or 2G");
  if (!(v > 0)) return Status::InvalidArgument("--memory: must be positive");
  return static_cast<uint64_t>(v * mult);
}

std::string ReportJson(const IngestReport& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("source").Str(r.source);
  w.Key("inputs").StrArray(r.inputs);
  w.Key("bytes_read").Num(r.bytes_read);
  w.Key("records_read").Num(r.records_read);
  w.Key("records_indexed").Num(r.records_indexed);
  w.Key("records_without_identity").Num(r.records_without_identity);
  w.Key("records_rejected").Num(r.records_rejected);
  w.Key("rejected_by_reason").BeginObject();
  for (const auto& [reason, n] : r.rejected_by_reason) w.Key(reason).Num(n);
  w.EndObject();
  w.Key("first_rejections").BeginArray();
  for (const RecordLocation& l : r.first_rejections) {
    w.BeginObject().Key("input").Str(l.input).Key("line").Num(l.line).Key("offset").Num(l.offset);
    w.Key("reason").Str(l.reason).EndObject();
  }
  w.EndArray();
  w.Key("values_rejected_by_reason").BeginObject();
  for (const auto& [reason, n] : r.values_rejected_by_reason) w.Key(reason).Num(n);
  w.EndObject();
  w.Key("persons").Num(r.persons);
  w.Key("keys_emitted").Num(r.keys_emitted);
  w.Key("keys_new").Num(r.keys_new);
  w.Key("published").Bool(r.published);
  w.Key("seconds").Dbl(r.seconds);
  w.EndObject();
  return w.str() + "\n";
}

void PrintSummary(const IngestReport& r, bool failed) {
  double mb = static_cast<double>(r.bytes_read) / 1e6;
  std::fprintf(stderr,
               "leakdex: source '%s': %llu records read (%llu indexed, %llu without identity, %llu rejected), "
               "%llu persons, %llu keys (%llu new), %.1f MB in %.2f s (%.1f MB/s)%s\n",
               r.source.c_str(), static_cast<unsigned long long>(r.records_read),
               static_cast<unsigned long long>(r.records_indexed),
               static_cast<unsigned long long>(r.records_without_identity),
               static_cast<unsigned long long>(r.records_rejected), static_cast<unsigned long long>(r.persons),
               static_cast<unsigned long long>(r.keys_emitted), static_cast<unsigned long long>(r.keys_new), mb,
               r.seconds, r.seconds > 0 ? mb / r.seconds : 0.0,
               r.published ? "" : (failed || r.keys_new != 0 ? "; nothing published" : "; nothing new to publish"));
  for (const auto& [reason, n] : r.rejected_by_reason)
    std::fprintf(stderr, "  rejected %-20s %llu\n", reason.c_str(), static_cast<unsigned long long>(n));
  for (const RecordLocation& l : r.first_rejections)
    std::fprintf(stderr, "  at %s:%llu (byte %llu): %s\n", l.input.c_str(), static_cast<unsigned long long>(l.line),
                 static_cast<unsigned long long>(l.offset), l.reason.c_str());
  for (const auto& [reason, n] : r.values_rejected_by_reason)
    std::fprintf(stderr, "  value not keyed %-20s %llu\n", reason.c_str(), static_cast<unsigned long long>(n));
}

void PrintProgress(const IngestProgress& p) {
  double mb = static_cast<double>(p.bytes_done) / 1e6;
  double rate = p.seconds > 0 ? mb / p.seconds : 0;
  char eta[32] = "?";
  if (p.bytes_total > p.bytes_done && rate > 0)
    std::snprintf(eta, sizeof eta, "%.0fs", (static_cast<double>(p.bytes_total - p.bytes_done) / 1e6) / rate);
  char decoded[48] = "";
  if (p.bytes_decoded > p.bytes_done + p.bytes_done / 20)  // compressed input: show what it expanded to
    std::snprintf(decoded, sizeof decoded, " (%.1f MB decoded)", static_cast<double>(p.bytes_decoded) / 1e6);
  std::fprintf(stderr, "\r\033[K%.1f MB%s%s, %llu records, %.0f records/s, %.1f MB/s, ETA %s", mb,
               p.bytes_total ? (" of " + std::to_string(p.bytes_total / 1000000) + " MB").c_str() : "", decoded,
               static_cast<unsigned long long>(p.records), p.seconds > 0 ? static_cast<double>(p.records) / p.seconds : 0,
               rate, eta);
}

}  // namespace

void AddIngestCommand(CLI::App& app, RunFn* run) {
  struct Options {
    IngestOptions ingest;
    std::string key, index, delimiter, memory = "1G", report;
    bool quiet = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Stream dumps into the index. Only keyed hashes of normalised identities are stored; re-ingesting\n"
      "the same data adds nothing. Columns are recognised by name (English, Chinese, pinyin such as\n"
      "xm/sjhm/sfzh/dz, role prefixes such as sender_/收件人); --map overrides.\n"
      "Example: leakdex ingest -k my.key -i idx --source shga-2022 --class case_record dump.ndjson");
  AddKeyOption(cmd, &opt->key);
  AddIndexOption(cmd, &opt->index);
  IngestOptions& o = opt->ingest;
  cmd->add_option("--source", o.source, "Name of this leak in reports, e.g. shga-2022")->required();
  cmd->add_option("INPUT", o.inputs, "Dump files; - reads standard input")->required();
  cmd->add_option("--format", o.format, "auto (by content), ndjson, json, csv, tsv, psv, sql (docs/INPUTS.md)")
      ->check(CLI::IsMember({"auto", "ndjson", "jsonl", "json", "csv", "tsv", "psv", "sql"}));
  cmd->add_option("--map", o.maps,
                  "[ROLE.]FIELD=COLUMN: COLUMN is a header name, a 1-based number or a JSON path "
                  "(_source.sjhm); FIELD an attribute (name, phone, email, id_number, address, birth_date, "
                  "gender) or a record class")
      ->allow_extra_args(false);  // one value per --map: never swallow the INPUT files that follow
  cmd->add_option("--class", o.classes, "Record class of the whole source (delivery_record, case_record, ...)")
      ->allow_extra_args(false);
  cmd->add_option("--encoding", o.encoding,
                  "auto (BOM, else UTF-8 if valid, else GB18030), utf-8, gb18030 (also gbk), utf-16 (BOM decides, "
                  "else little-endian), utf-16le, utf-16be")
      ->check(CLI::IsMember({"auto", "utf-8", "utf8", "gb18030", "gbk", "gb2312", "utf-16", "utf16", "utf-16le",
                             "utf-16be"},
                            CLI::ignore_case));
  cmd->add_option("--table", o.table, "SQL dumps: read only this table (default: every table)");
  cmd->add_option("--delimiter", opt->delimiter, "Field delimiter for delimited text (one character; \\t for tab)");
  cmd->add_flag("--no-header", o.no_header, "Delimited input has no header row (use --map FIELD=NUMBER)");
  cmd->add_option("--default-region", o.default_region, "Region for phone numbers without a country code")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Worker threads (0: all cores)");
  cmd->add_option("--memory", opt->memory, "Bound on working memory, e.g. 512M, 2G")->capture_default_str();
  cmd->add_option("--expected-keys", o.expected_keys,
                  "Keys the final (merged) index will hold: store enough fingerprint bits for a 1e-9\n"
                  "false-positive rate at that size (partitioned ingest, docs/SCALING.md)");
  cmd->add_flag("--strict", o.strict, "Stop at the first bad record; publish nothing");
  cmd->add_option("--max-bad-ratio", o.max_bad_ratio,
                  "Fail (exit 3, nothing published) when more than this share of records is rejected")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress or summary on stderr");
  cmd->add_option("--report", opt->report, "json: print the final report as JSON on stdout")
      ->check(CLI::IsMember({"json"}));
  cmd->callback([opt, run] {
    *run = [opt] {
      IngestOptions& o = opt->ingest;
      auto dir = ResolveIndexDir(opt->index);
      if (!dir.ok()) return Fail(dir.status());
      o.index_dir = *dir;
      auto mem = ParseSize(opt->memory);
      if (!mem.ok()) return Fail(mem.status());
      o.memory_bytes = *mem;
      if (opt->delimiter == "\\t" || opt->delimiter == "tab") opt->delimiter = "\t";
      if (opt->delimiter.size() > 1) return Fail(Status::InvalidArgument("--delimiter must be one character"));
      if (!opt->delimiter.empty()) o.delimiter = opt->delimiter[0];
      auto key = LoadKey(opt->key);
      if (!key.ok()) return Fail(key.status());
      bool show_progress = !opt->quiet && StderrIsTerminal();
      IngestReport report;
      Status st = Ingest(o, *key, &report, show_progress ? ProgressFn(PrintProgress) : ProgressFn());
      if (show_progress) std::fprintf(stderr, "\r\033[K");
      if (!opt->quiet) PrintSummary(report, !st.ok());
      if (opt->report == "json")
        if (Status w = WriteStdout(ReportJson(report)); !w.ok() && st.ok()) st = w;
      if (!st.ok()) return Fail(st);
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace leakdex::cli
