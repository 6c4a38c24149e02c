// leakdex check (SPEC §4.3): is this person in the index?
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

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

// "a", "a and b", "a, b and c".
std::string JoinAnd(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += i + 1 == v.size() ? " and " : ", ";
    out += v[i];
  }
  return out;
}

std::string Plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// What a key kind means for the person checking (never the value).
std::string Describe(KeyKind k) {
  switch (k) {
    case KeyKind::kPhone: return "your phone number";
    case KeyKind::kEmail: return "your e-mail address";
    case KeyKind::kIdNumber: return "your ID number";
    case KeyKind::kAddress: return "your address";
    case KeyKind::kNamePhone: return "your name together with your phone number";
    case KeyKind::kNameAddress: return "your name together with your address";
    case KeyKind::kNameIdNumber: return "your name together with your ID number";
    case KeyKind::kNameBirthDate: return "your name together with your birth date";
    case KeyKind::kPhoneAddress: return "your phone number together with your address";
  }
  return "";
}

// A data class in words ("delivery_record" -> "delivery records").
std::string ClassWords(const std::string& c) {
  static const std::map<std::string, std::string> kWords = {
      {"name", "name"},
      {"phone", "phone number"},
      {"email", "e-mail address"},
      {"id_number", "ID number"},
      {"address", "address"},
      {"birth_date", "birth date"},
      {"gender", "gender"},
      {"delivery_record", "delivery records (parcels sent or received)"},
      {"case_record", "police case records"},
      {"hotel_stay", "hotel stays"},
      {"ethnicity", "ethnicity"},
      {"occupation", "occupation"},
      {"education", "education"},
      {"photo", "photo"},
      {"password", "password"},
      {"bank_card", "bank card number"},
      {"marital_status", "marital status"},
      {"travel_record", "travel records"},
      {"vehicle", "vehicle details"},
      {"employer", "employer"},
      {"social_account", "social-media accounts"},
      {"ip_address", "IP addresses"},
      {"household_register", "household register (hukou) details"},
  };
  auto it = kWords.find(c);
  if (it != kWords.end()) return it->second;
  std::string w = c;
  for (char& ch : w)
    if (ch == '_') ch = ' ';
  return w;
}

// One line of advice, specific to what was exposed: most serious first.
std::string Advice(DataClassSet classes) {
  auto has = [&](std::string_view name) {
    auto bit = ParseDataClass(name);
    return bit && (classes & (DataClassSet{1} << *bit)) != 0;
  };
  std::vector<std::string> parts;
  if (has("id_number"))
    parts.push_back("with your ID number out, watch for loans, phone contracts and accounts opened in your name "
                    "(check your credit report) and never send a photo of your ID card to anyone who contacts you");
  if (has("bank_card")) parts.push_back("ask your bank to watch or replace the card");
  if (has("password")) parts.push_back("change that password wherever you used it");
  if (has("phone"))
    parts.push_back("expect scam calls and texts that quote these details: never read out a verification code, "
                    "and ask your carrier to lock SIM changes (SIM swap)");
  if (has("address") || has("delivery_record"))
    parts.push_back("be wary of unexpected parcels, \"courier\" or \"police\" calls and visits that know your "
                    "address");
  if (has("case_record")) parts.push_back("a caller who knows about a police case is no proof they are police");
  if (has("email") && !has("phone")) parts.push_back("expect phishing e-mails that use these details");
  if (parts.empty())
    parts.push_back("expect scams that use these details; never confirm codes or transfer money on request");
  if (parts.size() > 3) parts.resize(3);
  std::string line = "Advice: ";
  for (size_t i = 0; i < parts.size(); ++i) line += (i ? "; " : "") + parts[i];
  line[8] = static_cast<char>(std::toupper(static_cast<unsigned char>(line[8])));
  return line + ".\n";
}

std::string CheckText(const CheckResult& r, const std::vector<SourceInfo>& index_sources) {
  std::vector<std::string> all_sources;
  for (const SourceInfo& s : index_sources) all_sources.push_back(s.name);
  std::string out;
  if (!r.exposed) {
    std::vector<std::string> kinds;
    for (KeyKind k : r.checked) kinds.push_back(Describe(k));
    const std::string where = Plural(all_sources.size(), "source", "sources") + " of this index" +
                              (all_sources.empty() ? "" : " (" + Join(all_sources) + ")");
    if (kinds.size() == 1) out += "Not found: " + kinds[0] + " is in none of the " + where + ".\n";
    else out += "Not found: none of the " + std::to_string(kinds.size()) + " checks (" + Join(kinds, "; ") +
                ") matched any of the " + where + ".\n";
    out += "Leaks this index does not hold may still contain you.\n";
    return out;
  }
  std::vector<std::string> sources;
  DataClassSet classes = 0;
  for (const KeyMatch& m : r.matches) {
    classes |= m.exposure.classes;
    sources.insert(sources.end(), m.exposure.sources.begin(), m.exposure.sources.end());
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  out += "EXPOSED: your details appear in " + Plural(sources.size(), "leaked source", "leaked sources") + " (" +
         Join(sources) + ").\n\nFound:\n";
  for (const KeyMatch& m : r.matches) {
    const auto& e = m.exposure;
    std::string d = Describe(m.kind);
    d[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(d[0])));
    out += "  - " + d + ": in " + Plural(e.sources.size(), "source", "sources") + " (" + Join(e.sources) + "), " +
           Plural(e.records, "record", "records") + (e.records >= 255 ? " or more" : "") + ", as " +
           JoinAnd(RoleNames(e.roles)) + ".\n";
  }
  // Alongside: what the records hold beyond the values that matched.
  DataClassSet matched_attrs = 0;
  for (const KeyMatch& m : r.matches) {
    KeyKindParts parts = PartsOf(m.kind);
    matched_attrs |= DataClassBit(parts.first);
    if (parts.second) matched_attrs |= DataClassBit(*parts.second);
  }
  std::vector<std::string> identity, records;
  for (const std::string& c : DataClassNames(classes & ~matched_attrs)) {
    auto bit = ParseDataClass(c);
    (bit && *bit < kFirstRecordClassBit ? identity : records).push_back(ClassWords(c));
  }
  if (!identity.empty() || !records.empty()) {
    out += "Exposed alongside: ";
    if (!identity.empty()) out += "your " + JoinAnd(identity);
    if (!records.empty()) out += std::string(identity.empty() ? "" : "; ") + JoinAnd(records);
    out += ".\n";
  }
  std::vector<std::string> clean;
  for (KeyKind k : r.checked) {
    bool hit = false;
    for (const KeyMatch& m : r.matches) hit |= m.kind == k;
    if (!hit) clean.push_back(Describe(k));
  }
  if (!clean.empty()) out += "Checked and not found: " + Join(clean, "; ") + ".\n";
  out += "\n" + Advice(classes);
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
  auto options = std::make_shared<std::array<CLI::Option*, kAttributeCount>>();
  for (int a = 0; a < kAttributeCount; ++a) {
    if (kOptionNames[a] == nullptr) continue;
    (*options)[a] = cmd->add_option(kOptionNames[a], opt->values[a],
                                    std::string(AttributeName(static_cast<Attribute>(a))) +
                                        " to check; - reads it from stdin, no value prompts without echo")
                        ->expected(0, 1);
  }
  cmd->add_option("--format", opt->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([opt, cmd, options, run] {
    *run = [opt, cmd, options] {
      // Values from stdin are read in command-line order: --phone - --name - reads the phone first.
      Query q;
      for (CLI::Option* o : cmd->parse_order()) {
        auto it = std::find(options->begin(), options->end(), o);
        if (it == options->end()) continue;
        const int a = static_cast<int>(it - options->begin());
        if (q.values[a]) continue;
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
      std::string out = opt->format == "json" ? CheckJson(*result) : CheckText(*result, (*index)->sources());
      if (Status st = WriteStdout(out); !st.ok()) return Fail(st);
      return static_cast<int>(result->exposed ? kExitExposed : kExitOk);
    };
  });
}

}  // namespace leakdex::cli
