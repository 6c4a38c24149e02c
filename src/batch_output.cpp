#include "batch_output.h"

#include <charconv>
#include <cstdio>

namespace leakdex::batch_internal {
namespace {

// Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid.
size_t Utf8SeqLen(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
  else return 0;
  if (static_cast<size_t>(end - p) < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

bool NeedsCsvQuote(std::string_view s) {
  for (char c : s)
    if (c == ',' || c == '"' || c == '\n' || c == '\r' || c == ';') return true;
  return !s.empty() && (s.front() == ' ' || s.back() == ' ');
}

void AppendCsvField(std::string* out, std::string_view s) {
  if (!NeedsCsvQuote(s)) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

// SARIF rules: one per key kind, in kAllKeyKinds order (ruleIndex).
struct RuleInfo {
  KeyKind kind;
  const char* name;
  const char* short_text;
  const char* level;
  const char* severity;  // GitHub "security-severity": >= 9 critical, >= 7 high, >= 4 medium
};
constexpr RuleInfo kRules[] = {
    {KeyKind::kPhone, "ExposedPhone", "The customer's phone number appears in a leak.", "warning", "6.0"},
    {KeyKind::kEmail, "ExposedEmail", "The customer's e-mail address appears in a leak.", "warning", "5.0"},
    {KeyKind::kIdNumber, "ExposedIdNumber", "The customer's national ID number appears in a leak.", "error", "9.0"},
    {KeyKind::kAddress, "ExposedAddress", "The customer's address appears in a leak.", "warning", "5.0"},
    {KeyKind::kNamePhone, "ExposedNameAndPhone", "The customer's name together with their phone number appears in a leak.",
     "error", "7.5"},
    {KeyKind::kNameAddress, "ExposedNameAndAddress",
     "The customer's name together with their address appears in a leak.", "error", "7.0"},
    {KeyKind::kNameIdNumber, "ExposedNameAndIdNumber",
     "The customer's name together with their national ID number appears in a leak.", "error", "9.5"},
    {KeyKind::kNameBirthDate, "ExposedNameAndBirthDate",
     "The customer's name together with their birth date appears in a leak.", "warning", "6.0"},
    {KeyKind::kPhoneAddress, "ExposedPhoneAndAddress",
     "The customer's phone number together with their address appears in a leak.", "error", "7.5"},
};

// The rule a row's single SARIF result carries: its most severe matched kind.
int RuleIndexFor(std::span<const RowMatch> matches) {
  int best = -1;
  double best_sev = -1;
  for (const RowMatch& m : matches)
    for (int i = 0; i < static_cast<int>(std::size(kRules)); ++i)
      if (kRules[i].kind == m.kind) {
        double sev = std::strtod(kRules[i].severity, nullptr);
        if (sev > best_sev) { best_sev = sev; best = i; }
      }
  return best < 0 ? 0 : best;
}

// A fingerprint for code-scanning alert tracking: FNV-1a of (row key, rule).
// It names a row of the user's list, never a checked value.
std::string Fingerprint(const RowView& r, std::string_view rule) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) { h ^= c; h *= 1099511628211ull; }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  if (r.id) { mix("id"); mix(*r.id); }
  else { mix("row"); mix(std::to_string(r.row)); }
  mix(rule);
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

template <typename Names>
std::string JsonArrayOf(const Names& names) {
  std::string s = "[";
  for (const auto& n : names) {
    if (s.size() > 1) s += ',';
    AppendJsonString(&s, n);
  }
  s += ']';
  return s;
}

void AppendDouble(std::string* out, double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  out->append(b);
}

}  // namespace

void AppendUint(std::string* out, uint64_t v) {
  char b[24];
  auto [p, ec] = std::to_chars(b, b + sizeof b, v);
  out->append(b, static_cast<size_t>(p - b));
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;  // start of bytes to copy verbatim
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) { ++p; continue; }
    if (c >= 0x80) {
      size_t n = Utf8SeqLen(p, end);
      if (n > 0) { p += n; continue; }
    }
    out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out->append(b);
        } else {
          out->append("\xEF\xBF\xBD");  // invalid UTF-8 byte
        }
    }
    run = ++p;
  }
  out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
  out->push_back('"');
}

const std::string& RowFormatter::ClassesJson(DataClassSet set) {
  auto it = classes_json_.find(set);
  if (it == classes_json_.end()) it = classes_json_.emplace(set, JsonArrayOf(DataClassNames(set))).first;
  return it->second;
}

const std::string& RowFormatter::RolesJson(RoleSet set) {
  auto it = roles_json_.find(set);
  if (it == roles_json_.end()) it = roles_json_.emplace(set, JsonArrayOf(RoleNames(set))).first;
  return it->second;
}

void RowFormatter::AppendMatchJson(const RowMatch& m, std::string* out) {
  out->append("{\"key\":\"");
  out->append(KeyKindName(m.kind));
  out->append("\",\"sources\":[");
  const std::vector<std::string>& sources = *m.exposure.sources;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, sources[i]);
  }
  out->append("],\"data_classes\":");
  out->append(ClassesJson(m.exposure.classes));
  out->append(",\"roles\":");
  out->append(RolesJson(m.exposure.roles));
  out->append(",\"records\":");
  AppendUint(out, m.exposure.records);
  out->push_back('}');
}

static_assert(static_cast<size_t>(KeyKind::kPhoneAddress) < 16, "RowFormatter::match_cache_ has 16 kinds");

// The cached JSON of `m`, formatted and cached on first sight; nullptr when
// the kind's cache is full of other combinations.
const std::string* RowFormatter::CachedMatchJson(const RowMatch& m) {
  const ExposureRef& e = m.exposure;
  std::vector<CachedMatch>& cache = match_cache_[static_cast<size_t>(m.kind)];
  for (const CachedMatch& c : cache)
    if (c.records == e.records && c.classes == e.classes && c.roles == e.roles && c.sources == *e.sources)
      return &c.json;
  if (cache.size() == kMatchCachePerKind) return nullptr;
  CachedMatch& c = cache.emplace_back();
  c.sources = *e.sources;
  c.classes = e.classes;
  c.roles = e.roles;
  c.records = e.records;
  AppendMatchJson(m, &c.json);
  return &c.json;
}

void RowFormatter::AppendMatchesJson(std::span<const RowMatch> matches, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < matches.size(); ++i) {
    if (i) out->push_back(',');
    if (const std::string* json = CachedMatchJson(matches[i])) out->append(*json);
    else AppendMatchJson(matches[i], out);
  }
  out->push_back(']');
}

void RowFormatter::AppendNdjson(const RowView& r, std::string* out) {
  out->append("{\"row\":");
  AppendUint(out, r.row);
  out->append(",\"id\":");
  if (r.id) AppendJsonString(out, *r.id);
  else out->append("null");
  out->append(",\"exposed\":");
  out->append(r.matches.empty() ? "false" : "true");
  out->append(",\"matches\":");
  AppendMatchesJson(r.matches, out);
  if (r.baseline != BaselineState::kNone) {
    out->append(",\"new\":");
    out->append(r.baseline == BaselineState::kNew ? "true" : "false");
  }
  out->append(",\"error\":");
  if (r.error.empty()) out->append("null");
  else AppendJsonString(out, r.error);
  out->push_back('}');
}

void RowFormatter::AppendCsv(const RowView& r, std::string* out) {
  AppendUint(out, r.row);
  out->push_back(',');
  if (r.id) AppendCsvField(out, *r.id);
  out->append(r.matches.empty() ? ",false," : ",true,");
  std::vector<std::string_view> sources;
  DataClassSet classes = 0;
  for (size_t i = 0; i < r.matches.size(); ++i) {
    const RowMatch& m = r.matches[i];
    if (i) out->push_back(';');
    out->append(KeyKindName(m.kind));
    classes |= m.exposure.classes;
    for (const std::string& s : *m.exposure.sources) sources.push_back(s);
  }
  out->push_back(',');
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  std::string joined;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (i) joined.push_back(';');
    joined.append(sources[i]);
  }
  AppendCsvField(out, joined);
  out->push_back(',');
  if (classes != 0) {
    bool first = true;
    for (const std::string& n : DataClassNames(classes)) {
      if (!first) out->push_back(';');
      first = false;
      out->append(n);
    }
  }
  if (r.baseline != BaselineState::kNone) out->append(r.baseline == BaselineState::kNew ? ",true" : ",false");
  out->push_back(',');
  AppendCsvField(out, r.error);
}

void RowFormatter::AppendSarif(const RowView& r, std::string* out) {
  if (r.matches.empty()) return;  // one result per exposed row
  const int rule = RuleIndexFor(r.matches);
  const std::string_view rule_id = KeyKindName(kRules[rule].kind);
  std::vector<std::string_view> kinds, sources;
  DataClassSet classes = 0;
  for (const RowMatch& m : r.matches) {
    kinds.push_back(KeyKindName(m.kind));
    classes |= m.exposure.classes;
    for (const std::string& s : *m.exposure.sources) sources.push_back(s);
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  std::vector<std::string> class_names = DataClassNames(classes);

  std::string text = "Row " + std::to_string(r.row);
  if (r.id) text += " (id " + std::string(*r.id) + ")";
  text += " is exposed by ";
  for (size_t i = 0; i < kinds.size(); ++i) text += (i ? ", " : "") + std::string(kinds[i]);
  text += " in " + std::to_string(sources.size()) + (sources.size() == 1 ? " source (" : " sources (");
  for (size_t i = 0; i < sources.size(); ++i) text += (i ? ", " : "") + std::string(sources[i]);
  text += "); exposed data: ";
  for (size_t i = 0; i < class_names.size(); ++i) text += (i ? ", " : "") + class_names[i];
  text += ".";

  out->append(",{\"ruleId\":");
  AppendJsonString(out, rule_id);
  out->append(",\"ruleIndex\":");
  AppendUint(out, static_cast<uint64_t>(rule));
  out->append(",\"level\":\"");
  out->append(kRules[rule].level);
  out->append("\",\"message\":{\"text\":");
  AppendJsonString(out, text);
  out->append("},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
  AppendJsonString(out, uri_);
  out->append("},\"region\":{\"startLine\":");
  AppendUint(out, r.line > 0 ? r.line : 1);
  out->append("}},\"logicalLocations\":[{\"name\":");
  if (r.id) AppendJsonString(out, *r.id);
  else AppendJsonString(out, "row " + std::to_string(r.row));
  out->append(",\"kind\":\"object\"}]}]");
  out->append(",\"partialFingerprints\":{\"leakdexRow/v1\":\"");
  out->append(Fingerprint(r, rule_id));
  out->append("\"}");
  if (r.baseline != BaselineState::kNone)
    out->append(r.baseline == BaselineState::kNew ? ",\"baselineState\":\"new\"" : ",\"baselineState\":\"unchanged\"");
  out->append(",\"properties\":{\"row\":");
  AppendUint(out, r.row);
  out->append(",\"keys\":");
  out->append(JsonArrayOf(kinds));
  out->append(",\"sources\":");
  out->append(JsonArrayOf(sources));
  out->append(",\"data_classes\":");
  out->append(JsonArrayOf(class_names));
  out->append("}}");
}

void RowFormatter::Append(const RowView& r, std::string* out) {
  switch (format_) {
    case BatchFormat::kNdjson:
      AppendNdjson(r, out);
      out->push_back('\n');
      return;
    case BatchFormat::kJson:
      out->push_back(',');
      AppendNdjson(r, out);
      return;
    case BatchFormat::kCsv:
      AppendCsv(r, out);
      out->push_back('\n');
      return;
    case BatchFormat::kSarif:
      AppendSarif(r, out);
      return;
  }
}

std::string SummaryJson(const BatchSummary& s) {
  std::string o = "{\"rows\":";
  AppendUint(&o, s.rows);
  o += ",\"rows_checked\":";
  AppendUint(&o, s.rows_checked);
  o += ",\"rows_unchecked\":";
  AppendUint(&o, s.rows_unchecked);
  o += ",\"rows_with_errors\":";
  AppendUint(&o, s.rows_with_errors);
  o += ",\"rows_exposed\":";
  AppendUint(&o, s.rows_exposed);
  o += ",\"exposed_share\":";
  AppendDouble(&o, s.rows ? static_cast<double>(s.rows_exposed) / static_cast<double>(s.rows) : 0.0);
  if (s.baseline_used) {
    o += ",\"rows_new\":";
    AppendUint(&o, s.rows_new);
  }
  o += ",\"by_key_kind\":{";
  bool first = true;
  for (KeyKind k : kAllKeyKinds) {
    uint64_t n = s.rows_by_key_kind[static_cast<int>(k)];
    if (n == 0) continue;
    if (!first) o += ',';
    first = false;
    AppendJsonString(&o, KeyKindName(k));
    o += ':';
    AppendUint(&o, n);
  }
  o += "},\"by_source\":{";
  first = true;
  for (const auto& [name, n] : s.rows_by_source) {
    if (!first) o += ',';
    first = false;
    AppendJsonString(&o, name);
    o += ':';
    AppendUint(&o, n);
  }
  o += "},\"errors_by_reason\":{";
  first = true;
  for (const auto& [reason, n] : s.errors_by_reason) {
    if (!first) o += ',';
    first = false;
    AppendJsonString(&o, reason);
    o += ':';
    AppendUint(&o, n);
  }
  o += "},\"keys_looked_up\":";
  AppendUint(&o, s.keys_looked_up);
  o += ",\"seconds\":";
  AppendDouble(&o, s.seconds);
  o += '}';
  return o;
}

std::string Prologue(BatchFormat format, bool with_baseline) {
  switch (format) {
    case BatchFormat::kNdjson: return "";
    case BatchFormat::kCsv:
      return with_baseline ? "row,id,exposed,keys,sources,data_classes,new,error\n"
                           : "row,id,exposed,keys,sources,data_classes,error\n";
    case BatchFormat::kJson: return "{\"rows\":[";
    case BatchFormat::kSarif: {
      std::string o =
          "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{"
          "\"tool\":{\"driver\":{\"name\":\"leakdex\",\"version\":\"" LEAKDEX_VERSION "\","
          "\"rules\":[";
      for (size_t i = 0; i < std::size(kRules); ++i) {
        const RuleInfo& r = kRules[i];
        if (i) o += ',';
        o += "{\"id\":";
        AppendJsonString(&o, KeyKindName(r.kind));
        o += ",\"name\":\"";
        o += r.name;
        o += "\",\"shortDescription\":{\"text\":";
        AppendJsonString(&o, r.short_text);
        o += "},\"fullDescription\":{\"text\":";
        AppendJsonString(&o, std::string(r.short_text) +
                                 " leakdex matched a keyed hash of this key kind against an index of leaked "
                                 "records; the row's values are not reproduced here.");
        o += "},\"help\":{\"text\":";
        AppendJsonString(&o,
                         "Notify the customer, step up authentication for their account (no SMS-only "
                         "recovery), and watch for fraud that uses the exposed data.");
        o += "},\"defaultConfiguration\":{\"level\":\"";
        o += r.level;
        o += "\"},\"properties\":{\"security-severity\":\"";
        o += r.severity;
        o += "\",\"tags\":[\"privacy\",\"data-breach\"]}}";
      }
      o += "]}},\"columnKind\":\"unicodeCodePoints\",\"results\":[";
      return o;
    }
  }
  return "";
}

std::string Epilogue(BatchFormat format, const BatchSummary& summary) {
  switch (format) {
    case BatchFormat::kNdjson:
    case BatchFormat::kCsv: return "";
    case BatchFormat::kJson: return "],\"summary\":" + SummaryJson(summary) + "}\n";
    case BatchFormat::kSarif:
      return "],\"invocations\":[{\"executionSuccessful\":true}],\"properties\":{\"summary\":" +
             SummaryJson(summary) + "}}]}\n";
  }
  return "";
}

std::string ArtifactUri(const std::string& input) {
  if (input == "-") return "stdin";
  std::string out;
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : input) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  if (out.starts_with("./")) out.erase(0, 2);
  return out;
}

}  // namespace leakdex::batch_internal
