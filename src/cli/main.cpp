// leakdex: check people and customer lists against leaked personal data
// without storing that data. This file only wires the commands together and
// maps failures to exit codes (src/cli/exit_codes.h).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "leakdex/keyed_hash.h"

int main(int argc, char** argv) {
  using namespace leakdex::cli;
  if (leakdex::Status st = leakdex::InitProcessHygiene(); !st.ok()) return Fail(st);
  InstallFatalErrorHandler();
  // Past a file-size limit (ulimit -f) write() raises SIGXFSZ, whose default
  // action kills the process before the error can be reported. Ignored, write()
  // fails with EFBIG instead: an I/O error (exit 6), temporary files removed.
  std::signal(SIGXFSZ, SIG_IGN);

  CLI::App app{
      "leakdex " LEAKDEX_VERSION " - check people and customer lists against leaked personal data,\n"
      "storing only keyed hashes (never the data). Typical use:\n"
      "  leakdex keygen my.key\n"
      "  leakdex ingest --key my.key --index idx --source shga-2022 dump.ndjson\n"
      "  leakdex check  --key my.key --index idx --phone -      (value read from stdin)\n"
      "Exit codes: 0 clean, 1 exposed, 2 usage, 3 input, 4 index, 5 key, 6 I/O, 70 internal.",
      "leakdex"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "leakdex " LEAKDEX_VERSION);
  RunFn run;
  AddKeygenCommand(app, &run);
  AddIngestCommand(app, &run);
  AddCheckCommand(app, &run);
  AddInfoCommand(app, &run);
  AddVerifyCommand(app, &run);
  AddBatchCommand(app, &run);
  AddCompactCommand(app, &run);
  AddMergeCommand(app, &run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return FailUsage(app, e, argc, argv);
  }
  try {
    return run ? run() : kExitUsage;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "leakdex: error: out of memory (try a smaller --memory or --threads)\n");
    return kExitInternal;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leakdex: internal error: %s\n", e.what());
    return kExitInternal;
  }
}
