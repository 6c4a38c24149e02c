// leakdex check (SPEC §4.3): is this person in the index?
#include <cstdio>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/json_writer.h"
#include "leakdex/check.h"

namespace leakdex::cli {
namespace {

constexpr const char* kOptionNames[kAttributeCount] = {"--name",    "--phone",      "--email", "--id-number",
                                                        "--address", "--birth-date", nullptr};

std::string CheckJson(const CheckResult& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("exposed").Bool(r.exposed);
  w.Key("checked").BeginArray();
  for (KeyKind k : r.checked) w.Str(KeyKindName(k));
  w.EndArray();
  w.Key("matches").BeginArray();
  for (const KeyMatch& m : r.matches) {
    w.BeginObject();
    w.Key("key").Str(KeyKindName(m.kind));
    w.Key("sources").StrArray(m.exposure.sources);
    w.Key("data_classes").StrArray(DataClassNames(m.exposure.classes));
    w.Key("roles").StrArray(RoleNames(m.exposure.roles));
    w.Key("records").Num(m.exposure.records);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str() + "\n";
}

std::string Join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string Describe(KeyKind k) {
  switch (k) {
    case KeyKind::kPhone: return "Your phone number";
    case KeyKind::kEmail: return "Your e-mail address";
    case KeyKind::kIdNumber: return "Your ID number";
    case KeyKind::kAddress: return "Your address";
    case KeyKind::kNamePhone: return "Your name together with your phone number";
    case KeyKind::kNameAddress: return "Your name together with your address";
    case KeyKind::kNameIdNumber: return "Your name together with your ID number";
    case KeyKind::kNameBirthDate: return "Your name together with your birth date";
    case KeyKind::kPhoneAddress: return "Your phone number together with your address";
  }
  return "";
}

std::string CheckText(const CheckResult& r) {
  std::string out;
  if (!r.exposed) {
    std::vector<std::string> kinds;
    for (KeyKind k : r.checked) kinds.emplace_back(KeyKindName(k));
    return "Not found. Checked: " + Join(kinds) + ".\nThis index holds no record with these values; other leaks may.\n";
  }
  for (const KeyMatch& m : r.matches) {
    const auto& e = m.exposure;
    out += Describe(m.kind) + " appears in " + std::to_string(e.sources.size()) +
           (e.sources.size() == 1 ? " source" : " sources") + " (" + Join(e.sources) + "), " +
           std::to_string(e.records) + (e.records == 1 ? " record" : " records") + ", as " + Join(RoleNames(e.roles)) +
           ".\n  Exposed together: " + Join(DataClassNames(e.classes)) + ".\n";
  }
  std::vector<std::string> clean;
  for (KeyKind k : r.checked) {
    bool hit = false;
    for (const KeyMatch& m : r.matches) hit |= m.kind == k;
    if (!hit) clean.emplace_back(KeyKindName(k));
  }
  if (!clean.empty()) out += "Checked and not found: " + Join(clean) + ".\n";
  out += "Advice: expect scam calls and messages that use these details; never confirm codes or transfer money "
         "on request, and ask your bank and carrier to flag your account.\n";
  return out;
}

}  // namespace

void AddCheckCommand(CLI::App& app, RunFn* run) {
  struct Options {
    std::string key, index, format = "text";
    std::array<std::string, kAttributeCount> values;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Check one person against the index. Give a value as - to read it from standard input (recommended:\n"
      "it stays out of shell history and the process list), or give the option with no value to be\n"
      "prompted without echo. Example: echo 13812345678 | leakdex check -k my.key -i idx --phone -\n"
      "Exit 0: nothing found; 1: exposed.");
  AddKeyOption(cmd, &opt->key);
  AddIndexOption(cmd, &opt->index);
  for (int a = 0; a < kAttributeCount; ++a) {
    if (kOptionNames[a] == nullptr) continue;
    cmd->add_option(kOptionNames[a], opt->values[a], std::string(AttributeName(static_cast<Attribute>(a))) + " to check")
        ->expected(0, 1);
  }
  cmd->add_option("--format", opt->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([opt, cmd, run] {
    *run = [opt, cmd] {
      Query q;
      for (int a = 0; a < kAttributeCount; ++a) {
        if (kOptionNames[a] == nullptr || cmd->count(kOptionNames[a]) == 0) continue;
        auto v = ResolveQueryValue(kOptionNames[a], opt->values[a]);
        if (!v.ok()) return Fail(v.status());
        q.values[a] = std::move(*v);
      }
      auto dir = ResolveIndexDir(opt->index);
      if (!dir.ok()) return Fail(dir.status());
      auto key = LoadKey(opt->key);
      if (!key.ok()) return Fail(key.status());
      auto index = Index::Open(*dir);
      if (!index.ok()) return Fail(index.status());
      if (Status st = (*index)->CheckKey(*key); !st.ok()) return Fail(st);
      KeyedHasher hasher(*key);
      auto norm = Normalizer::Create(NormalizeOptions{});
      if (!norm.ok()) return Fail(norm.status());
      auto result = Check(**index, hasher, **norm, q);
      if (!result.ok()) return Fail(result.status());
      std::string out = opt->format == "json" ? CheckJson(*result) : CheckText(*result);
      if (Status st = WriteStdout(out); !st.ok()) return Fail(st);
      return static_cast<int>(result->exposed ? kExitExposed : kExitOk);
    };
  });
}

}  // namespace leakdex::cli
