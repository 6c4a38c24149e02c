// Usage errors (exit 2) in leakdex's own words. CLI11's messages for
// unexpected arguments quote them, so a mistyped option followed by its value
// (`check --phonee 13812345678`) would print the value on stderr, which SPEC
// §2 forbids; they also blame the wrong argument ("cgb.csv --encoding" for an
// unknown --encoding). Here only option names are ever printed.
#include <cctype>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/common.h"
#include "cli/exit_codes.h"

namespace leakdex::cli {
namespace {

constexpr const char* kCommands = "keygen, ingest, check, batch, info, verify, compact, merge";

// "--name" or "-n" made of letters, digits and dashes: the shape of an option
// name. Anything else (a value that happens to start with '-') is not shown.
bool LooksLikeOptionName(std::string_view s) {
  if (s.size() < 2 || s.size() > 40 || s[0] != '-') return false;
  std::string_view body = s.substr(s[1] == '-' ? 2 : 1);
  if (body.empty() || !std::isalpha(static_cast<unsigned char>(body[0]))) return false;
  for (char c : body)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

// The option names among argv that `cmd` does not know, without values.
std::vector<std::string> UnknownOptions(const CLI::App& cmd, int argc, char** argv) {
  std::vector<std::string> unknown;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    std::string_view name = arg.substr(0, arg.find('='));  // --opt=value
    if (name.size() < 2) continue;                            // "-=..."
    if (name[1] != '-' && name.size() > 2) name = name.substr(0, 2);  // -xVALUE
    if (!LooksLikeOptionName(name) || name == "--help" || name == "-h") continue;
    if (cmd.get_option_no_throw(std::string(name)) == nullptr) unknown.emplace_back(name);
  }
  return unknown;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string UsageMessage(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  const std::vector<CLI::App*> parsed = app.get_subcommands();
  if (parsed.empty()) {
    const bool gave_word = argc > 1 && argv[1][0] != '-';
    return std::string(gave_word ? "unknown command" : "no command given") +
           "; the first argument is one of: " + kCommands + " (see leakdex --help)";
  }
  const CLI::App& cmd = *parsed.front();
  const std::string help = "; see leakdex " + cmd.get_name() + " --help";
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    std::vector<std::string> unknown = UnknownOptions(cmd, argc, argv);
    if (!unknown.empty())
      return std::string(unknown.size() == 1 ? "unknown option " : "unknown options ") + Joined(unknown) + help;
    return "unexpected extra argument (not repeated here: it may hold a personal value)" + help;
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr) {
    // "Could not convert: --threads = VALUE": keep the option, drop the value.
    std::string_view what = e.what();
    size_t from = what.find(": "), to = what.find(" = ");
    std::string option = from != std::string_view::npos && to != std::string_view::npos && to > from
                             ? std::string(what.substr(from + 2, to - from - 2))
                             : "an option";
    if (!LooksLikeOptionName(option)) option = "an option";
    return "the value of " + option + " is not a valid number" + help;
  }
  // The other parse errors name options and counts, never free text values.
  return e.what() + help;
}

}  // namespace

int FailUsage(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  if (e.get_exit_code() == 0) return app.exit(e) == 0 ? kExitOk : kExitUsage;  // --help, --version
  std::fprintf(stderr, "leakdex: error: %s\n", UsageMessage(app, e, argc, argv).c_str());
  return kExitUsage;
}

}  // namespace leakdex::cli
