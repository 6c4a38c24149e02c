// leakdex verify DIR: every checksum and structural invariant (SPEC §4.5).
#include <cstdio>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "leakdex/index.h"

namespace leakdex::cli {

void AddVerifyCommand(CLI::App& app, RunFn* run) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Check every checksum and structural invariant of an index. Exit 0 if sound, 4 if not.\n"
                "Needs no key.");
  AddIndexDirArgument(cmd, dir.get());
  cmd->callback([dir, run] {
    *run = [dir] {
      auto resolved = ResolveIndexDir(*dir);
      if (!resolved.ok()) return Fail(resolved.status());
      auto index = Index::Open(*resolved);
      if (!index.ok()) return Fail(index.status());
      if (Status st = (*index)->Verify(); !st.ok()) return Fail(st);
      IndexStats s = (*index)->Stats();
      char line[1024];
      std::snprintf(line, sizeof line, "ok: %s: %u segment(s), %llu keys, %llu bytes, all checksums and invariants hold\n",
                    resolved->c_str(), s.segments, static_cast<unsigned long long>(s.keys),
                    static_cast<unsigned long long>(s.bytes));
      if (Status st = WriteStdout(line); !st.ok()) return Fail(st);  // exit 6, not a silent 0
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace leakdex::cli
