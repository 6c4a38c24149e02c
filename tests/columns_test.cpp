#include <catch2/catch.hpp>

#include "leakdex/columns.h"

using namespace leakdex;

namespace {
ColumnTarget Attr(Attribute a, int role = kRoleSubject) {
  ColumnTarget t;
  t.attribute = a;
  t.role = role;
  return t;
}
}  // namespace

TEST_CASE("Columns are recognised by English, Chinese and pinyin names", "[columns]") {
  struct Case {
    const char* name;
    Attribute attr;
  };
  const Case cases[] = {
      {"name", Attribute::kName},       {"Full_Name", Attribute::kName},     {"姓名", Attribute::kName},
      {"xm", Attribute::kName},         {"phone", Attribute::kPhone},        {"Mobile", Attribute::kPhone},
      {"tel", Attribute::kPhone},       {"手机号", Attribute::kPhone},       {"电话", Attribute::kPhone},
      {"sjhm", Attribute::kPhone},      {"address", Attribute::kAddress},    {"addr", Attribute::kAddress},
      {"地址", Attribute::kAddress},    {"住址", Attribute::kAddress},       {"dz", Attribute::kAddress},
      {"id_card", Attribute::kIdNumber}, {"身份证号", Attribute::kIdNumber}, {"sfzh", Attribute::kIdNumber},
      {"email", Attribute::kEmail},     {"dob", Attribute::kBirthDate},      {"出生日期", Attribute::kBirthDate},
      {"csrq", Attribute::kBirthDate},  {"_source.sjhm", Attribute::kPhone}, {"\xEF\xBB\xBFname", Attribute::kName},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    auto t = RecognizeColumn(c.name);
    REQUIRE(t.has_value());
    CHECK(t->is_attribute);
    CHECK(t->attribute == c.attr);
    CHECK(t->role == kRoleSubject);
  }
}

TEST_CASE("Role prefixes give sender and recipient persons", "[columns]") {
  const int sender = *ParseRole("sender");
  const int recipient = *ParseRole("recipient");
  CHECK(RecognizeColumn("sender_name")->role == sender);
  CHECK(RecognizeColumn("sender_phone")->attribute == Attribute::kPhone);
  CHECK(RecognizeColumn("recipient_address")->role == recipient);
  CHECK(RecognizeColumn("receiver_mobile")->role == recipient);
  CHECK(RecognizeColumn("寄件人姓名")->role == sender);
  CHECK(RecognizeColumn("收件人电话")->role == recipient);
  CHECK(RecognizeColumn("收件人电话")->attribute == Attribute::kPhone);
  CHECK(RecognizeColumn("sender.phone")->role == sender);
}

TEST_CASE("Unknown columns and record classes", "[columns]") {
  CHECK_FALSE(RecognizeColumn("order_id").has_value());
  CHECK_FALSE(RecognizeColumn("item").has_value());
  auto mz = RecognizeColumn("mz");
  REQUIRE(mz.has_value());
  CHECK_FALSE(mz->is_attribute);
  CHECK(DataClassName(mz->class_bit) == "ethnicity");
}

TEST_CASE("Map rules parse roles, fields, names, numbers and JSON paths", "[columns]") {
  auto r = ParseMapRule("recipient.phone=收方电话");
  REQUIRE(r.ok());
  CHECK(r->target == [] { auto t = Attr(Attribute::kPhone, *ParseRole("recipient")); t.role_explicit = true; return t; }());
  CHECK(r->column == "收方电话");
  auto n = ParseMapRule("phone=3");
  REQUIRE(n.ok());
  CHECK(n->column_number == 3);
  CHECK(ParseMapRule("phone").status().code() == Status::Code::kInvalidArgument);
  CHECK(ParseMapRule("shoe_size=3").status().code() == Status::Code::kInvalidArgument);
  CHECK(ParseMapRule("boss.phone=3").status().code() == Status::Code::kInvalidArgument);
  CHECK(ParseMapRule("phone=0").status().code() == Status::Code::kInvalidArgument);
  auto cls = ParseMapRule("case_record=ajbh");
  REQUIRE(cls.ok());
  CHECK_FALSE(cls->target.is_attribute);
}

TEST_CASE("ColumnMapper prefers explicit rules, then names", "[columns]") {
  std::vector<MapRule> rules = {ParseMapRule("phone=col_b").value(), ParseMapRule("name=1").value(),
                                ParseMapRule("address=_source.zz2").value()};
  ColumnMapper m(rules, true);
  CHECK(m.Resolve("col_b", 5)->attribute == Attribute::kPhone);
  CHECK(m.Resolve("whatever", 0)->attribute == Attribute::kName);
  CHECK(m.Resolve("sjhm", 7)->attribute == Attribute::kPhone);  // recognised by name
  CHECK(m.Resolve("_source.zz2", 2)->attribute == Attribute::kAddress);
  CHECK_FALSE(m.Resolve("", 9).has_value());
  ColumnMapper only_rules(rules, false);
  CHECK_FALSE(only_rules.Resolve("sjhm", 7).has_value());
}

TEST_CASE("ColumnMapper reports a rule that matched no column", "[columns]") {
  std::vector<MapRule> rules = {ParseMapRule("phone=tel").value(), ParseMapRule("name=3").value()};
  ColumnMapper m(rules, true);
  CHECK_FALSE(m.CheckAllRulesMatched("list.csv").ok());  // nothing resolved yet
  CHECK(m.Resolve("tel", 0)->attribute == Attribute::kPhone);
  m.Resolve("sjhm", 1);  // recognised by name: no rule involved
  Status s = m.CheckAllRulesMatched("list.csv");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("--map name=3") != std::string::npos);
  CHECK(s.message().find("list.csv") != std::string::npos);
  m.Resolve("", 2);  // column number 3, header-less
  CHECK(m.CheckAllRulesMatched("list.csv").ok());
  ColumnMapper moved = std::move(m);  // the flags travel with the rules
  CHECK(moved.CheckAllRulesMatched("list.csv").ok());
}

TEST_CASE("Map rules match names as recognition does, and a shadowed rule still counts", "[columns]") {
  std::vector<MapRule> rules = {ParseMapRule("phone=tel").value(), ParseMapRule("sender.phone=tel").value(),
                                ParseMapRule("name=1").value()};
  ColumnMapper m(rules, true);
  auto t = m.Resolve(" TEL", 0);  // case and outer spaces, as in RecognizeColumn
  REQUIRE(t.has_value());
  CHECK(t->attribute == Attribute::kPhone);
  CHECK(t->role == kRoleSubject);  // the first rule decides
  CHECK(m.Resolve("_source.Tel", 4)->attribute == Attribute::kPhone);
  CHECK_FALSE(m.Resolve("xtel", 5).has_value());  // a suffix that is not a path part
  CHECK(m.CheckAllRulesMatched("x.csv").ok());      // all three matched column 1 " TEL"
  CHECK(m.has_number_rules());
  CHECK_FALSE(ColumnMapper({rules[0]}, true).has_number_rules());
}
