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

// The option names among argv that `cmd` does not know, without values. The
// argument after a known option that takes a value is that value, and is
// skipped even when it starts with '-'.
std::vector<std::string> UnknownOptions(const CLI::App& cmd, int argc, char** argv) {
  std::vector<std::string> unknown;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    const bool has_value = arg.find('=') != std::string_view::npos;
    std::string_view name = arg.substr(0, arg.find('='));  // --opt=value
    if (name.size() < 2) continue;                            // "-=..."
    const bool attached = name[1] != '-' && name.size() > 2;  // -xVALUE
    if (attached) name = name.substr(0, 2);
    if (!LooksLikeOptionName(name) || name == "--help" || name == "-h") continue;
    const CLI::Option* opt = cmd.get_option_no_throw(std::string(name));
    if (opt == nullptr) unknown.emplace_back(name);
    else if (!has_value && !attached && opt->get_expected_min() > 0) ++i;
  }
  return unknown;
}

// "--format: VALUE not in {text,json}", "--threads: Value VALUE not in range
// 0 to 256": the option and what is allowed, without the value.
std::string WithoutValue(std::string_view what) {
  const size_t colon = what.find(": ");
  const size_t not_in = what.find(" not in ");
  std::string option = colon == std::string_view::npos ? "" : std::string(what.substr(0, colon));
  if (!LooksLikeOptionName(option)) option = "an option";
  std::string allowed = not_in == std::string_view::npos ? "" : std::string(what.substr(not_in + 8));
  return "the value given to " + option + " is not allowed" + (allowed.empty() ? "" : " (allowed: " + allowed + ")");
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string UsageMessage(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  const std::vector<CLI::App*> parsed = app.get_subcommands();
  if (parsed.empty()) {
    const std::string commands = std::string("; the first argument is one of: ") + kCommands + " (see leakdex --help)";
    if (argc < 2) return "no command given" + commands;
    const std::string_view first = argv[1];
    if (first.empty() || first[0] != '-') return "unknown command" + commands;
    const std::string_view option = first.substr(0, first.find('='));
    if (LooksLikeOptionName(option))
      return "unknown option " + std::string(option) +
             " before the command (options go after it: leakdex check --key K ...)" + commands;
    return "no command given" + commands;
  }
  const CLI::App& cmd = *parsed.front();
  const std::string help = "; see leakdex " + cmd.get_name() + " --help";
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    if (argc > 1 && argv[1][0] == '-')  // `leakdex -k K check`: CLI11 sees "-k K" as extras
      return "options go after the command: leakdex " + cmd.get_name() + " [options]" + help;
    std::vector<std::string> unknown = UnknownOptions(cmd, argc, argv);
    if (!unknown.empty())
      return std::string(unknown.size() == 1 ? "unknown option " : "unknown options ") + Joined(unknown) + help;
    return "unexpected extra argument (not repeated here: it may hold a personal value)" + help;
  }
  if (dynamic_cast<const CLI::ValidationError*>(&e) != nullptr) return WithoutValue(e.what()) + help;
  if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr) {
    // "Could not convert: --threads = VALUE": keep the option, drop the value.
    std::string_view what = e.what();
    size_t from = what.find(": "), to = what.find(" = ");
    std::string option = from != std::string_view::npos && to != std::string_view::npos && to > from
                             ? std::string(what.substr(from + 2, to - from - 2))
                             : "an option";
    if (!LooksLikeOptionName(option)) option = "an option";
    return "the value given to " + option + " is not valid" + help;
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
