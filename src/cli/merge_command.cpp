// leakdex merge OUT DIR...: one index from indexes built separately with the
// same key (the scale-out path, docs/SCALING.md).
#include <cstdio>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/json_writer.h"
#include "leakdex/index.h"

namespace leakdex::cli {

void AddMergeCommand(CLI::App& app, RunFn* run) {
  struct Options {
    std::string out;
    std::vector<std::string> inputs;
    std::string key;
    std::string report;
    bool quiet = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Combine indexes built separately with the same key (for example partitions of one dump ingested\n"
      "on many machines) into a new index OUT. Sources are united by name. Any order of the inputs\n"
      "gives the same bytes. Example: leakdex merge idx-all part-0 part-1 part-2");
  cmd->add_option("OUT", opt->out, "New index directory to create")->required();
  cmd->add_option("DIR", opt->inputs, "Input index directories")->required();
  cmd->add_option("-k,--key", opt->key, "Optional: also check that the inputs were built with this key");
  cmd->add_flag("-q,--quiet", opt->quiet, "No summary on stderr");
  cmd->add_option("--report", opt->report, "json: print a report as JSON on stdout")->check(CLI::IsMember({"json"}));
  cmd->callback([opt, run] {
    *run = [opt] {
      if (!opt->key.empty()) {
        auto key = LoadKey(opt->key);
        if (!key.ok()) return Fail(key.status());
        for (const std::string& in : opt->inputs) {
          auto index = Index::Open(in);
          if (!index.ok()) return Fail(index.status());
          if (Status st = (*index)->CheckKey(*key); !st.ok()) return Fail(st);
        }
      }
      MergeReport r;
      if (Status st = MergeIndexes(opt->out, opt->inputs, &r); !st.ok()) return Fail(st);
      if (!opt->quiet)
        std::fprintf(stderr, "leakdex: merged %u index(es), %u segment(s), %llu keys -> %s: %llu keys, %llu bytes (%.2f bytes/key) in %.2f s\n",
                     r.inputs, r.segments_in, static_cast<unsigned long long>(r.keys_in), opt->out.c_str(),
                     static_cast<unsigned long long>(r.keys_out), static_cast<unsigned long long>(r.bytes_out),
                     r.keys_out ? static_cast<double>(r.bytes_out) / static_cast<double>(r.keys_out) : 0.0, r.seconds);
      if (opt->report == "json") {
        JsonWriter w;
        w.BeginObject();
        w.Key("inputs").Num(r.inputs);
        w.Key("segments_in").Num(r.segments_in);
        w.Key("keys_in").Num(r.keys_in);
        w.Key("keys_out").Num(r.keys_out);
        w.Key("bytes_out").Num(r.bytes_out);
        w.Key("seconds").Dbl(r.seconds);
        w.EndObject();
        if (Status st = WriteStdout(w.str() + "\n"); !st.ok()) return Fail(st);
      }
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace leakdex::cli
