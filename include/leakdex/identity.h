// The identity model of SPEC §3: attributes, key kinds, roles, data classes.
//
// Every enum value whose number is written to disk says so; those numbers are
// never reused or renumbered (docs/FORMAT.md).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdex {

// Identity attributes a person can have. Numbers are data-class bits on disk.
enum class Attribute : uint8_t {
  kName = 0,
  kPhone = 1,
  kEmail = 2,
  kIdNumber = 3,
  kAddress = 4,
  kBirthDate = 5,
  kGender = 6,  // exposure only: never part of a key
};
inline constexpr int kAttributeCount = 7;

std::string_view AttributeName(Attribute a);
std::optional<Attribute> ParseAttribute(std::string_view name);

// Key kinds (SPEC §3). The number is the libsodium KDF subkey id of the kind:
// written into every tag, never renumber.
enum class KeyKind : uint8_t {
  kPhone = 1,
  kEmail = 2,
  kIdNumber = 3,
  kAddress = 4,
  kNamePhone = 5,
  kNameAddress = 6,
  kNameIdNumber = 7,
  kNameBirthDate = 8,
  kPhoneAddress = 9,
};
inline constexpr std::array<KeyKind, 9> kAllKeyKinds = {
    KeyKind::kPhone,        KeyKind::kEmail,         KeyKind::kIdNumber,
    KeyKind::kAddress,      KeyKind::kNamePhone,     KeyKind::kNameAddress,
    KeyKind::kNameIdNumber, KeyKind::kNameBirthDate, KeyKind::kPhoneAddress};

// The attributes a key kind combines, in framing order. Second is unset for singles.
struct KeyKindParts {
  Attribute first;
  std::optional<Attribute> second;
};
// Inline: called for every key kind of every person (ingest) and row (batch).
constexpr KeyKindParts PartsOf(KeyKind kind) {
  switch (kind) {
    case KeyKind::kPhone: return {Attribute::kPhone, std::nullopt};
    case KeyKind::kEmail: return {Attribute::kEmail, std::nullopt};
    case KeyKind::kIdNumber: return {Attribute::kIdNumber, std::nullopt};
    case KeyKind::kAddress: return {Attribute::kAddress, std::nullopt};
    case KeyKind::kNamePhone: return {Attribute::kName, Attribute::kPhone};
    case KeyKind::kNameAddress: return {Attribute::kName, Attribute::kAddress};
    case KeyKind::kNameIdNumber: return {Attribute::kName, Attribute::kIdNumber};
    case KeyKind::kNameBirthDate: return {Attribute::kName, Attribute::kBirthDate};
    case KeyKind::kPhoneAddress: return {Attribute::kPhone, Attribute::kAddress};
  }
  return {Attribute::kPhone, std::nullopt};
}
std::string_view KeyKindName(KeyKind kind);  // "name+phone"

// Data classes: bit positions in a 64-bit set stored with each key.
// Bits 0..6 are the Attribute values above; record classes start at 16.
// Written to disk: never renumber. docs/DATA_CLASSES.md lists them.
using DataClassSet = uint64_t;
inline constexpr int kFirstRecordClassBit = 16;
std::string_view DataClassName(int bit);      // "" for an unused bit
std::optional<int> ParseDataClass(std::string_view name);
std::vector<std::string> DataClassNames(DataClassSet set);
inline DataClassSet DataClassBit(Attribute a) { return DataClassSet{1} << static_cast<int>(a); }

// Roles a person plays in a record. Bit positions in a 32-bit set on disk.
using RoleSet = uint32_t;
std::string_view RoleName(int bit);
std::optional<int> ParseRole(std::string_view name);
std::vector<std::string> RoleNames(RoleSet set);
inline constexpr int kRoleSubject = 0;

// One person's raw (not yet normalised) attribute values in one record.
// Values point into the input buffer: valid only while the record is.
struct RawPerson {
  int role = kRoleSubject;
  std::array<std::vector<std::string_view>, kAttributeCount> values;
  DataClassSet record_classes = 0;  // classes marked by non-empty mapped columns
  bool empty() const {
    for (const auto& v : values)
      if (!v.empty()) return false;
    return record_classes == 0;
  }
};

}  // namespace leakdex
