// Column recogniser and --map rule parser on arbitrary text.
// Invariants: no crash; a recognised target is well-formed (an attribute or a
// known record-class bit, a known role); a parsed rule names a column and, if
// numeric, a positive number; a ColumnMapper built from the rule resolves the
// column to the rule's target.
#include "fuzz_util.h"
#include "leakdex/columns.h"
#include "leakdex/identity.h"

using namespace leakdex;

namespace {

void CheckTarget(const ColumnTarget& t) {
  FUZZ_CHECK(!RoleName(t.role).empty());
  if (t.is_attribute) {
    FUZZ_CHECK(static_cast<int>(t.attribute) < kAttributeCount);
  } else {
    FUZZ_CHECK(t.class_bit >= 0 && t.class_bit < 64);
    FUZZ_CHECK(!DataClassName(t.class_bit).empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto t = RecognizeColumn(text)) {
    CheckTarget(*t);
    // Recognition ignores ASCII case.
    std::string upper(text);
    for (char& c : upper)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    auto u = RecognizeColumn(upper);
    FUZZ_CHECK(u.has_value() && *u == *t);
  }
  auto rule = ParseMapRule(text);
  if (rule.ok()) {
    CheckTarget(rule->target);
    FUZZ_CHECK(!rule->column.empty());
    FUZZ_CHECK(rule->column_number >= 0);
    ColumnMapper mapper({*rule}, /*recognize_names=*/false);
    if (rule->column_number > 0) {
      auto r = mapper.Resolve("", rule->column_number - 1);
      FUZZ_CHECK(r.has_value() && *r == rule->target);
    } else {
      auto r = mapper.Resolve(rule->column, 0);
      FUZZ_CHECK(r.has_value() && *r == rule->target);
      auto nested = mapper.Resolve("_source." + rule->column, 3);
      FUZZ_CHECK(nested.has_value() && *nested == rule->target);
      // Rules ignore ASCII case, as recognition does.
      std::string upper(rule->column);
      for (char& c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      auto u = mapper.Resolve(upper, 1);
      FUZZ_CHECK(u.has_value() && *u == rule->target);
    }
    FUZZ_CHECK(mapper.CheckAllRulesMatched("fuzz").ok());
  } else {
    FUZZ_CHECK(rule.status().code() == Status::Code::kInvalidArgument);
  }
  return 0;
}
