#include "cli/common.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli/exit_codes.h"

namespace leakdex::cli {

int Fail(const Status& s) {
  // A damaged index cannot be repaired in place: say what to do next.
  const char* next = s.code() == Status::Code::kCorruption
                         ? "; restore the index from a backup or rebuild it with 'leakdex ingest'"
                         : "";
  std::fprintf(stderr, "leakdex: error: %s%s\n", s.ToString().c_str(), next);
  return ExitCodeFor(s);
}

void InstallFatalErrorHandler() {
  SetFatalErrorHandler([](const Status& s) {
    // Maybe on a worker thread, with others running: one write(2), then
    // _Exit (no atexit handlers or destructors racing those threads).
    const std::string line = "leakdex: error: " + s.ToString() + "\n";
    (void)!write(STDERR_FILENO, line.data(), line.size());
    std::_Exit(ExitCodeFor(s));
  });
}

void Warn(const std::string& msg) { std::fprintf(stderr, "leakdex: warning: %s\n", msg.c_str()); }

Result<MasterKey> LoadKey(const std::string& key_option) {
  std::string path = key_option;
  if (path.empty())
    if (const char* env = std::getenv("LEAKDEX_KEY")) path = env;
  if (path.empty()) return Status::KeyError("no key: pass --key FILE or set LEAKDEX_KEY (create one with 'leakdex keygen FILE')");
  return MasterKey::LoadFile(path);
}

Result<std::string> ResolveIndexDir(const std::string& index_option) {
  std::string dir = index_option;
  if (dir.empty())
    if (const char* env = std::getenv("LEAKDEX_INDEX")) dir = env;
  if (dir.empty()) return Status::InvalidArgument("no index: pass --index DIR or set LEAKDEX_INDEX");
  return dir;
}

void AddKeyOption(CLI::App* cmd, std::string* key) {
  cmd->add_option("-k,--key", *key, "Key file from 'leakdex keygen' (default: $LEAKDEX_KEY)");
}

void AddIndexOption(CLI::App* cmd, std::string* index) {
  cmd->add_option("-i,--index", *index, "Index directory (default: $LEAKDEX_INDEX)");
}

void AddIndexDirArgument(CLI::App* cmd, std::string* index) {
  cmd->add_option("DIR,-i,--index", *index, "Index directory (default: $LEAKDEX_INDEX)");
}

namespace {

Result<std::string> ReadLine(FILE* in, const std::string& option_name) {
  std::string line;
  int c;
  while ((c = std::fgetc(in)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  if (line.empty() && c == EOF) return Status::InputError(option_name + ": no value on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

Result<std::string> ResolveQueryValue(const std::string& option_name, const std::string& value) {
  if (value == "-") return ReadLine(stdin, option_name);
  if (!value.empty()) return value;
  if (!isatty(STDIN_FILENO)) return ReadLine(stdin, option_name);
  // Prompt without echo: the value never reaches the screen, argv or shell history.
  std::fprintf(stderr, "%s (not echoed): ", option_name.c_str());
  std::fflush(stderr);
  termios old{};
  bool restore = tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  auto line = ReadLine(stdin, option_name);
  if (restore) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::fprintf(stderr, "\n");
  return line;
}

bool StderrIsTerminal() { return isatty(STDERR_FILENO) != 0; }

Status WriteStdout(std::string_view s) {
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size() || std::fflush(stdout) != 0)
    return Status::IOError(std::string("cannot write to standard output: ") + std::strerror(errno));
  return Status::Ok();
}

}  // namespace leakdex::cli
