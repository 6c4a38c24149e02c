// Column recognition: which attribute (or record class) of which role a
// column holds, by its name (SPEC §4.2) or by an explicit --map rule.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leakdex/identity.h"
#include "leakdex/status.h"

namespace leakdex {

struct ColumnTarget {
  int role = kRoleSubject;
  bool is_attribute = true;
  Attribute attribute = Attribute::kName;  // when is_attribute
  int class_bit = 0;                        // record-class bit otherwise
  bool role_explicit = false;               // the name or rule named a role
  friend bool operator==(const ColumnTarget&, const ColumnTarget&) = default;
};

// Recognises English, Chinese and pinyin column names, with role prefixes
// ("sender_phone", "收件人电话", "_source.sjhm"). Empty when unknown.
std::optional<ColumnTarget> RecognizeColumn(std::string_view name);

// One --map rule: "[ROLE.]FIELD=COLUMN".
struct MapRule {
  std::string text;     // the rule as the user wrote it, for messages
  ColumnTarget target;
  std::string column;   // header name or dotted JSON path, as given
  int column_number = 0;  // 1-based when COLUMN is a number, else 0
};
// InvalidArgument naming the rule's problem (rules are user options, not data).
Result<MapRule> ParseMapRule(std::string_view text);

// Decides the target of each column of a source: explicit rules first, then
// recognition by name (unless disabled). Remembers which rules matched a
// column, so that a rule naming a column no input has (a typo) is an error
// rather than a silently ignored option. Resolve may be called from several
// threads at once.
class ColumnMapper {
 public:
  ColumnMapper(std::vector<MapRule> rules, bool recognize_names);
  // `index` is 0-based; `name` may be empty (no header).
  std::optional<ColumnTarget> Resolve(std::string_view name, int index) const;
  bool has_rules() const { return !rules_.empty(); }
  // A rule names a column by number: the target of a name then depends on
  // where it stands (callers must not cache by name alone).
  bool has_number_rules() const { return has_number_rules_; }
  // InvalidArgument naming the first rule that has matched no column so far
  // ("--map phone=tel: no column 'tel' in INPUTS"), else Ok.
  Status CheckAllRulesMatched(std::string_view inputs) const;

 private:
  std::vector<MapRule> rules_;
  bool recognize_names_;
  bool has_number_rules_ = false;
  std::unique_ptr<std::atomic<bool>[]> matched_;  // one flag a rule
};

}  // namespace leakdex
