// leakdex keygen KEYFILE: a new random 256-bit master key, mode 0600 (SPEC §4.1).
#include <cstdio>

#include "cli/common.h"
#include "cli/exit_codes.h"

namespace leakdex::cli {

void AddKeygenCommand(CLI::App& app, RunFn* run) {
  struct Options {
    std::string path;
    bool force = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "keygen",
      "Create a new random key file (mode 0600). Keep it apart from the index: whoever holds both\n"
      "can test any phone number against the index. Prints the key id, which 'info' also shows.");
  cmd->add_option("KEYFILE", opt->path, "Where to write the key")->required();
  cmd->add_flag("--force", opt->force, "Overwrite an existing file (the old key is lost)");
  cmd->callback([opt, run] {
    *run = [opt] {
      auto key = MasterKey::Generate();
      if (!key.ok()) return Fail(key.status());
      if (Status st = key->SaveFile(opt->path, opt->force); !st.ok()) return Fail(st);
      if (Status st = WriteStdout("key id " + KeyIdHex(key->Id()) + " written to " + opt->path + " (mode 0600)\n");
          !st.ok())
        return Fail(st);
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace leakdex::cli
