// Shared pieces of the commands: key and index resolution, error printing,
// reading query values without argv (SPEC P4).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "leakdex/keyed_hash.h"
#include "leakdex/status.h"

namespace leakdex::cli {

// Every command registers itself and sets `run`, called after parsing.
using RunFn = std::function<int()>;
void AddKeygenCommand(CLI::App& app, RunFn* run);
void AddIngestCommand(CLI::App& app, RunFn* run);
void AddCheckCommand(CLI::App& app, RunFn* run);
void AddInfoCommand(CLI::App& app, RunFn* run);
void AddVerifyCommand(CLI::App& app, RunFn* run);
void AddBatchCommand(CLI::App& app, RunFn* run);
void AddCompactCommand(CLI::App& app, RunFn* run);
void AddMergeCommand(CLI::App& app, RunFn* run);

// Prints "leakdex: error: ..." to stderr and returns the exit code.
int Fail(const Status& s);
// For a failed command-line parse: --help/--version print and give 0; any
// other error prints "leakdex: error: ..." naming only option names (never
// argument values, which may be personal) and gives 2.
int FailUsage(CLI::App& app, const CLI::ParseError& e, int argc, char** argv);
// Installs the core's FatalErrorHandler (leakdex/status.h): the same error
// line, then the process ends with the status's exit code at once (70 for a
// library that cannot be loaded). Any index being written stays as it was:
// new files are only published by rename at the end.
void InstallFatalErrorHandler();
void Warn(const std::string& msg);

// --key, else $LEAKDEX_KEY; KeyError when neither is set.
Result<MasterKey> LoadKey(const std::string& key_option);
// --index, else $LEAKDEX_INDEX; InvalidArgument when neither is set.
Result<std::string> ResolveIndexDir(const std::string& index_option);

// Adds --key and --index options, described once for every command.
void AddKeyOption(CLI::App* cmd, std::string* key);
void AddIndexOption(CLI::App* cmd, std::string* index);
// For the commands that need only an index (info, verify, compact): the
// directory as a positional DIR or as --index DIR, whichever the user types
// (the error for a missing index suggests --index).
void AddIndexDirArgument(CLI::App* cmd, std::string* index);

// Resolves a query value: "-" reads one line from stdin; an empty value (the
// option given without one) prompts on a terminal without echo, or reads a
// line from stdin when it is not a terminal.
Result<std::string> ResolveQueryValue(const std::string& option_name, const std::string& value);

bool StderrIsTerminal();
// Writes all of `s` to stdout; IOError (exit 6) if it cannot.
Status WriteStdout(std::string_view s);

}  // namespace leakdex::cli
