// leakdex compact DIR: merge every segment of an index into one (SPEC §5).
#include <cstdio>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/json_writer.h"
#include "leakdex/index.h"

namespace leakdex::cli {

void AddCompactCommand(CLI::App& app, RunFn* run) {
  struct Options {
    std::string dir;
    std::string report;
    bool quiet = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "compact",
      "Merge every segment of an index into one: smaller, faster lookups, keys found in several sources\n"
      "stored once. Crash-safe: the old segments are removed only after the new one is published.\n"
      "Needs no key. Example: leakdex compact idx");
  AddIndexDirArgument(cmd, &opt->dir);
  cmd->add_flag("-q,--quiet", opt->quiet, "No summary on stderr");
  cmd->add_option("--report", opt->report, "json: print a report as JSON on stdout")->check(CLI::IsMember({"json"}));
  cmd->callback([opt, run] {
    *run = [opt] {
      auto dir = ResolveIndexDir(opt->dir);
      if (!dir.ok()) return Fail(dir.status());
      CompactReport r;
      if (Status st = CompactIndex(*dir, &r); !st.ok()) return Fail(st);
      if (!opt->quiet)
        std::fprintf(stderr, "leakdex: compacted %s: %u segment(s), %llu keys -> 1 segment, %llu keys, %llu bytes (%.2f bytes/key) in %.2f s\n",
                     dir->c_str(), r.segments_before, static_cast<unsigned long long>(r.keys_before),
                     static_cast<unsigned long long>(r.keys_after), static_cast<unsigned long long>(r.bytes_after),
                     r.keys_after ? static_cast<double>(r.bytes_after) / static_cast<double>(r.keys_after) : 0.0,
                     r.seconds);
      if (opt->report == "json") {
        JsonWriter w;
        w.BeginObject();
        w.Key("segments_before").Num(r.segments_before);
        w.Key("keys_before").Num(r.keys_before);
        w.Key("bytes_before").Num(r.bytes_before);
        w.Key("keys_after").Num(r.keys_after);
        w.Key("bytes_after").Num(r.bytes_after);
        w.Key("seconds").Dbl(r.seconds);
        w.EndObject();
        if (Status st = WriteStdout(w.str() + "\n"); !st.ok()) return Fail(st);
      }
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace leakdex::cli
