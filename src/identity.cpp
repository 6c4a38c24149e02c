#include "leakdex/identity.h"

#include <algorithm>

namespace leakdex {
namespace {

constexpr std::string_view kAttributeNames[kAttributeCount] = {
    "name", "phone", "email", "id_number", "address", "birth_date", "gender"};

// Record classes, by bit (from kFirstRecordClassBit). Written to disk: append only.
constexpr std::string_view kRecordClassNames[] = {
    "delivery_record", "case_record", "hotel_stay", "ethnicity",  "occupation",
    "education",       "photo",       "password",   "bank_card",  "marital_status",
    "travel_record",   "vehicle",     "employer",   "social_account", "ip_address",
    "household_register"};
constexpr int kRecordClassCount = sizeof(kRecordClassNames) / sizeof(kRecordClassNames[0]);

// Roles, by bit. Written to disk: append only.
constexpr std::string_view kRoleNames[] = {"subject", "sender", "recipient", "reporter", "guest",
                                           "suspect", "victim", "contact"};
constexpr int kRoleCount = sizeof(kRoleNames) / sizeof(kRoleNames[0]);

}  // namespace

std::string_view AttributeName(Attribute a) { return kAttributeNames[static_cast<int>(a)]; }

std::optional<Attribute> ParseAttribute(std::string_view name) {
  for (int i = 0; i < kAttributeCount; ++i)
    if (kAttributeNames[i] == name) return static_cast<Attribute>(i);
  return std::nullopt;
}

std::string_view KeyKindName(KeyKind kind) {
  switch (kind) {
    case KeyKind::kPhone: return "phone";
    case KeyKind::kEmail: return "email";
    case KeyKind::kIdNumber: return "id_number";
    case KeyKind::kAddress: return "address";
    case KeyKind::kNamePhone: return "name+phone";
    case KeyKind::kNameAddress: return "name+address";
    case KeyKind::kNameIdNumber: return "name+id_number";
    case KeyKind::kNameBirthDate: return "name+birth_date";
    case KeyKind::kPhoneAddress: return "phone+address";
  }
  return "";
}

std::string_view DataClassName(int bit) {
  if (bit >= 0 && bit < kAttributeCount) return kAttributeNames[bit];
  int r = bit - kFirstRecordClassBit;
  if (r >= 0 && r < kRecordClassCount) return kRecordClassNames[r];
  return "";
}

std::optional<int> ParseDataClass(std::string_view name) {
  for (int i = 0; i < kAttributeCount; ++i)
    if (kAttributeNames[i] == name) return i;
  for (int i = 0; i < kRecordClassCount; ++i)
    if (kRecordClassNames[i] == name) return kFirstRecordClassBit + i;
  return std::nullopt;
}

std::vector<std::string> DataClassNames(DataClassSet set) {
  std::vector<std::string> names;
  for (int bit = 0; bit < 64; ++bit)
    if ((set >> bit) & 1) {
      std::string_view n = DataClassName(bit);
      if (!n.empty()) names.emplace_back(n);
    }
  std::sort(names.begin(), names.end());
  return names;
}

std::string_view RoleName(int bit) { return bit >= 0 && bit < kRoleCount ? kRoleNames[bit] : ""; }

std::optional<int> ParseRole(std::string_view name) {
  for (int i = 0; i < kRoleCount; ++i)
    if (kRoleNames[i] == name) return i;
  return std::nullopt;
}

std::vector<std::string> RoleNames(RoleSet set) {
  std::vector<std::string> names;
  for (int bit = 0; bit < 32; ++bit)
    if ((set >> bit) & 1) {
      std::string_view n = RoleName(bit);
      if (!n.empty()) names.emplace_back(n);
    }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace leakdex
