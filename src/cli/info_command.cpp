// leakdex info DIR [--format text|json] (SPEC §4.5).
#include <cstdio>
#include <ctime>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/json_writer.h"
#include "leakdex/index.h"

namespace leakdex::cli {
namespace {

std::string IsoTime(uint64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

std::string InfoJson(const Index& index) {
  IndexStats s = index.Stats();
  JsonWriter w;
  w.BeginObject();
  w.Key("format_version").Str(std::to_string(s.format_major) + "." + std::to_string(s.format_minor));
  w.Key("normalizer_version").Num(s.normalizer_version);
  w.Key("key_id").Str(KeyIdHex(index.key_id()));
  w.Key("keys").Num(s.keys);
  w.Key("bytes").Num(s.bytes);
  w.Key("bytes_per_key").Dbl(s.keys ? static_cast<double>(s.bytes) / static_cast<double>(s.keys) : 0.0);
  w.Key("segments").Num(s.segments);
  w.Key("false_positive_rate").Dbl(s.false_positive_rate);
  w.Key("sources").BeginArray();
  for (const SourceInfo& src : index.sources()) {
    w.BeginObject();
    w.Key("name").Str(src.name);
    w.Key("records").Num(src.records);
    w.Key("records_indexed").Num(src.records_indexed);
    w.Key("persons").Num(src.persons);
    w.Key("keys").Num(src.keys);
    w.Key("data_classes").StrArray(DataClassNames(src.data_classes));
    w.Key("ingested_at").Str(IsoTime(src.ingested_at));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str() + "\n";
}

std::string InfoText(const std::string& dir, const Index& index) {
  IndexStats s = index.Stats();
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "index      %s\nformat     %u.%u (normaliser %u)\nkey id     %s\nkeys       %llu in %u segment(s)\n"
                "size       %llu bytes (%.2f bytes/key)\nfalse pos. %.3g per lookup of an absent key\nsources    %zu\n",
                dir.c_str(), s.format_major, s.format_minor, s.normalizer_version, KeyIdHex(index.key_id()).c_str(),
                static_cast<unsigned long long>(s.keys), s.segments, static_cast<unsigned long long>(s.bytes),
                s.keys ? static_cast<double>(s.bytes) / static_cast<double>(s.keys) : 0.0, s.false_positive_rate,
                index.sources().size());
  out += line;
  for (const SourceInfo& src : index.sources()) {
    std::string classes;
    for (const std::string& c : DataClassNames(src.data_classes)) classes += (classes.empty() ? "" : ", ") + c;
    std::snprintf(line, sizeof line, "  - %s: %llu records, %llu persons, %llu keys, ingested %s\n    exposes: %s\n",
                  src.name.c_str(), static_cast<unsigned long long>(src.records),
                  static_cast<unsigned long long>(src.persons), static_cast<unsigned long long>(src.keys),
                  IsoTime(src.ingested_at).c_str(), classes.c_str());
    out += line;
  }
  return out;
}

}  // namespace

void AddInfoCommand(CLI::App& app, RunFn* run) {
  struct Options {
    std::string dir;
    std::string format = "text";
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("info", "Describe an index: format, key id, keys, size, sources. Needs no key.");
  AddIndexDirArgument(cmd, &opt->dir);
  cmd->add_option("--format", opt->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([opt, run] {
    *run = [opt] {
      auto dir = ResolveIndexDir(opt->dir);
      if (!dir.ok()) return Fail(dir.status());
      auto index = Index::Open(*dir);
      if (!index.ok()) return Fail(index.status());
      std::string out = opt->format == "json" ? InfoJson(**index) : InfoText(*dir, **index);
      if (Status st = WriteStdout(out); !st.ok()) return Fail(st);
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace leakdex::cli
