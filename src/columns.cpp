#include "leakdex/columns.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace leakdex {
namespace {

struct NameEntry {
  std::string_view name;
  std::string_view field;  // attribute or record class name
};

// Known column names after the role prefix is removed and ASCII is lower-cased.
// Pinyin abbreviations are those of Chinese public-security and government
// systems (xm = 姓名, sfzh = 身份证号, sjhm = 手机号码, dz = 地址, csrq = 出生日期).
constexpr NameEntry kNames[] = {
    // name
    {"name", "name"}, {"full_name", "name"}, {"fullname", "name"}, {"real_name", "name"},
    {"realname", "name"}, {"customer_name", "name"}, {"person_name", "name"}, {"contact_name", "name"},
    {"姓名", "name"}, {"名字", "name"}, {"真实姓名", "name"}, {"客户姓名", "name"}, {"联系人", "name"},
    {"xm", "name"}, {"zsxm", "name"},
    // phone
    {"phone", "phone"}, {"mobile", "phone"}, {"tel", "phone"}, {"telephone", "phone"},
    {"phone_number", "phone"}, {"phonenumber", "phone"}, {"phone_no", "phone"}, {"mobile_no", "phone"},
    {"mobile_phone", "phone"}, {"cell", "phone"}, {"cellphone", "phone"}, {"contact_phone", "phone"},
    {"手机", "phone"}, {"手机号", "phone"}, {"手机号码", "phone"}, {"电话", "phone"}, {"电话号码", "phone"},
    {"联系电话", "phone"}, {"联系方式", "phone"}, {"移动电话", "phone"},
    {"sjhm", "phone"}, {"sjh", "phone"}, {"dh", "phone"}, {"lxdh", "phone"}, {"dhhm", "phone"}, {"yddh", "phone"},
    // address
    {"address", "address"}, {"addr", "address"}, {"street_address", "address"}, {"home_address", "address"},
    {"地址", "address"}, {"住址", "address"}, {"家庭住址", "address"}, {"详细地址", "address"},
    {"现住址", "address"}, {"户籍地址", "address"}, {"收货地址", "address"}, {"居住地址", "address"},
    {"dz", "address"}, {"zz", "address"}, {"jtzz", "address"}, {"xzz", "address"}, {"hjdz", "address"},
    {"jzdz", "address"}, {"xxdz", "address"},
    // id_number
    {"id_card", "id_number"}, {"idcard", "id_number"}, {"id_number", "id_number"}, {"idnumber", "id_number"},
    {"id_no", "id_number"}, {"idno", "id_number"}, {"national_id", "id_number"}, {"id_card_no", "id_number"},
    {"身份证", "id_number"}, {"身份证号", "id_number"}, {"身份证号码", "id_number"}, {"证件号", "id_number"},
    {"证件号码", "id_number"}, {"公民身份号码", "id_number"},
    {"sfz", "id_number"}, {"sfzh", "id_number"}, {"sfzhm", "id_number"}, {"zjhm", "id_number"}, {"gmsfhm", "id_number"},
    // email
    {"email", "email"}, {"e_mail", "email"}, {"mail", "email"}, {"email_address", "email"},
    {"邮箱", "email"}, {"电子邮箱", "email"}, {"电子邮件", "email"}, {"yx", "email"}, {"dzyx", "email"},
    // birth_date
    {"dob", "birth_date"}, {"birthday", "birth_date"}, {"birth_date", "birth_date"}, {"birthdate", "birth_date"},
    {"date_of_birth", "birth_date"}, {"出生日期", "birth_date"}, {"生日", "birth_date"}, {"出生年月", "birth_date"},
    {"csrq", "birth_date"},
    // gender (exposure only)
    {"gender", "gender"}, {"sex", "gender"}, {"性别", "gender"}, {"xb", "gender"},
    // record classes
    {"ethnicity", "ethnicity"}, {"nation", "ethnicity"}, {"民族", "ethnicity"}, {"mz", "ethnicity"},
    {"occupation", "occupation"}, {"job", "occupation"}, {"职业", "occupation"}, {"zy", "occupation"},
    {"education", "education"}, {"学历", "education"}, {"xl", "education"}, {"whcd", "education"},
    {"photo", "photo"}, {"photo_url", "photo"}, {"照片", "photo"}, {"zp", "photo"},
    {"password", "password"}, {"passwd", "password"}, {"pwd", "password"}, {"密码", "password"},
    {"bank_card", "bank_card"}, {"card_no", "bank_card"}, {"银行卡", "bank_card"}, {"银行卡号", "bank_card"},
    {"yhkh", "bank_card"}, {"marital_status", "marital_status"}, {"婚姻状况", "marital_status"},
    {"hyzk", "marital_status"},
};

struct RolePrefix {
  std::string_view prefix;
  std::string_view role;
};

constexpr RolePrefix kRolePrefixes[] = {
    {"sender_", "sender"},       {"sender", "sender"},        {"shipper_", "sender"},
    {"from_", "sender"},         {"recipient_", "recipient"}, {"recipient", "recipient"},
    {"receiver_", "recipient"},  {"receiver", "recipient"},   {"consignee_", "recipient"},
    {"to_", "recipient"},        {"reporter_", "reporter"},   {"reporter", "reporter"},
    {"guest_", "guest"},         {"寄件人", "sender"},        {"发件人", "sender"},
    {"寄件", "sender"},          {"收件人", "recipient"},     {"收货人", "recipient"},
    {"收件", "recipient"},       {"报警人", "reporter"},      {"jjr", "sender"},
    {"sjr", "recipient"},        {"bjr", "reporter"},
};

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<ColumnTarget> TargetForField(std::string_view field, int role, bool role_explicit) {
  ColumnTarget t;
  t.role = role;
  t.role_explicit = role_explicit;
  if (auto a = ParseAttribute(field)) {
    t.attribute = *a;
    return t;
  }
  if (auto bit = ParseDataClass(field)) {
    t.is_attribute = false;
    t.class_bit = *bit;
    return t;
  }
  return std::nullopt;
}

std::optional<std::string_view> LookupBase(std::string_view base) {
  for (const NameEntry& e : kNames)
    if (e.name == base) return e.field;
  return std::nullopt;
}

// A column name as recognition and rules compare it: ASCII lower case, outer
// spaces and a UTF-8 BOM (which some tools leave on the first header) removed.
std::string CleanName(std::string_view raw_name) {
  std::string name = AsciiLower(raw_name);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  size_t start = name.find_first_not_of(' ');
  name = start == std::string::npos ? "" : name.substr(start);
  if (name.starts_with("\xEF\xBB\xBF")) name.erase(0, 3);
  return name;
}

// A rule's COLUMN matches a header name, or the end of a dotted JSON path
// ("sjhm" matches "_source.sjhm"), ignoring ASCII case (so --map phone=tel
// finds a column headed "TEL", as recognition would), and compared both as
// CleanName leaves them and merely lower-cased: a space inside a path
// ("_source. tel") or a name of spaces still matches the same text.
bool NameMatches(std::string_view raw_name, std::string_view raw_column) {
  if (raw_name.empty()) return false;
  const std::string names[] = {CleanName(raw_name), AsciiLower(raw_name)};
  const std::string columns[] = {CleanName(raw_column), AsciiLower(raw_column)};
  for (const std::string& name : names) {
    for (const std::string& column : columns) {
      if (name.empty() || column.empty()) continue;
      if (name == column) return true;
      if (name.size() > column.size() && name.ends_with(column) && name[name.size() - column.size() - 1] == '.')
        return true;
    }
  }
  return false;
}

}  // namespace

std::optional<ColumnTarget> RecognizeColumn(std::string_view raw_name) {
  std::string name = CleanName(raw_name);
  // Dotted JSON paths: "_source.sjhm" -> "sjhm"; "sender.phone" -> role "sender", "phone".
  std::string_view base = name;
  std::string_view parent;
  if (size_t dot = base.rfind('.'); dot != std::string_view::npos) {
    std::string_view before = base.substr(0, dot);
    base = base.substr(dot + 1);
    size_t pdot = before.rfind('.');
    parent = pdot == std::string_view::npos ? before : before.substr(pdot + 1);
  }
  if (auto f = LookupBase(base)) {
    if (auto role = ParseRole(parent)) return TargetForField(*f, *role, true);
    for (const RolePrefix& rp : kRolePrefixes)
      if (parent == rp.prefix) return TargetForField(*f, *ParseRole(rp.role), true);
    return TargetForField(*f, kRoleSubject, false);
  }
  for (const RolePrefix& rp : kRolePrefixes) {
    if (!base.starts_with(rp.prefix) || base.size() == rp.prefix.size()) continue;
    std::string_view rest = base.substr(rp.prefix.size());
    while (rest.starts_with("_")) rest.remove_prefix(1);
    if (auto f = LookupBase(rest)) return TargetForField(*f, *ParseRole(rp.role), true);
  }
  return std::nullopt;
}

Result<MapRule> ParseMapRule(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size())
    return Status::InvalidArgument("--map expects [ROLE.]FIELD=COLUMN, for example phone=sjhm or sender.name=3");
  std::string_view lhs = text.substr(0, eq);
  MapRule rule;
  rule.text = std::string(text);
  rule.column = std::string(text.substr(eq + 1));
  int role = kRoleSubject;
  bool role_explicit = false;
  if (size_t dot = lhs.find('.'); dot != std::string_view::npos) {
    auto r = ParseRole(lhs.substr(0, dot));
    if (!r) return Status::InvalidArgument("--map: unknown role '" + std::string(lhs.substr(0, dot)) +
                                           "' (roles: subject, sender, recipient, reporter, guest, suspect, victim, contact)");
    role = *r;
    role_explicit = true;
    lhs = lhs.substr(dot + 1);
  }
  auto target = TargetForField(lhs, role, role_explicit);
  if (!target)
    return Status::InvalidArgument("--map: unknown field '" + std::string(lhs) +
                                   "' (an attribute such as name, phone, id_number, or a record class; see docs/DATA_CLASSES.md)");
  rule.target = *target;
  int number = 0;
  auto [p, ec] = std::from_chars(rule.column.data(), rule.column.data() + rule.column.size(), number);
  if (ec == std::errc() && p == rule.column.data() + rule.column.size()) {
    if (number < 1) return Status::InvalidArgument("--map: column numbers start at 1");
    rule.column_number = number;
  }
  return rule;
}

ColumnMapper::ColumnMapper(std::vector<MapRule> rules, bool recognize_names)
    : rules_(std::move(rules)),
      recognize_names_(recognize_names),
      matched_(std::make_unique<std::atomic<bool>[]>(rules_.size())) {
  for (const MapRule& r : rules_) has_number_rules_ |= r.column_number > 0;
}

std::optional<ColumnTarget> ColumnMapper::Resolve(std::string_view name, int index) const {
  // The first matching rule decides; every matching rule counts as matched,
  // so a second rule on the same column is not reported as naming none.
  const MapRule* first = nullptr;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const MapRule& r = rules_[i];
    if (r.column_number > 0 ? r.column_number == index + 1 : NameMatches(name, r.column)) {
      matched_[i].store(true, std::memory_order_relaxed);
      if (first == nullptr) first = &r;
    }
  }
  if (first != nullptr) return first->target;
  if (!recognize_names_ || name.empty()) return std::nullopt;
  return RecognizeColumn(name);
}

Status ColumnMapper::CheckAllRulesMatched(std::string_view inputs) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (matched_[i].load(std::memory_order_relaxed)) continue;
    const MapRule& r = rules_[i];
    // Column names and numbers are the user's own option text, not data.
    std::string what = r.column_number > 0 ? "no record of " + std::string(inputs) + " has a column " + r.column
                                           : "no column '" + r.column + "' in " + std::string(inputs);
    return Status::InvalidArgument(
        "--map " + r.text + ": " + what +
        " (columns are matched by header name, JSON key or dotted path, or 1-based number; a JSON key counts "
        "where it holds a string or number)");
  }
  return Status::Ok();
}

}  // namespace leakdex
