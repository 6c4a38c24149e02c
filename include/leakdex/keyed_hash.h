// Keys and keyed PRF tags (SPEC §2 P2, P3).
//
// tag = SipHash-2-4-128(subkey(kind), frame(canonical values)), where
//   subkey(kind) = crypto_kdf_derive_from_key(16 bytes, id = KeyKind number,
//                                              context "leakdex1", master key)
//   frame(v1..vn) = u32le(len(v1)) || v1 || ... || u32le(len(vn)) || vn
// Key material lives in sodium_malloc'ed (locked, guarded) memory and is wiped
// on destruction. libsodium stays behind this header.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "leakdex/identity.h"
#include "leakdex/status.h"

namespace leakdex {

inline constexpr size_t kMasterKeyBytes = 32;
inline constexpr size_t kKeyIdBytes = 16;

using KeyId = std::array<uint8_t, kKeyIdBytes>;
std::string KeyIdHex(const KeyId& id);

// A 128-bit PRF output. Index files store only part of it (docs/FORMAT.md).
struct Tag {
  uint64_t lo = 0;  // bytes 0..7 of the SipHash output, little-endian
  uint64_t hi = 0;  // bytes 8..15
  friend bool operator==(const Tag&, const Tag&) = default;
};

// One input of KeyedHasher::ComputeMany: a key kind and its canonical values,
// parts[0..part_count) (1 for singles, 2 for pairs). The views must stay valid
// for the call only.
struct KeyInput {
  KeyKind kind = KeyKind::kPhone;
  uint32_t part_count = 1;
  std::string_view parts[2];
};

class SecureBuffer;  // sodium_malloc'ed bytes, wiped and freed on destruction

// The 256-bit master key.
class MasterKey {
 public:
  static Result<MasterKey> Generate();
  // Reads a key file; refuses one that group or others can access (KeyError).
  static Result<MasterKey> LoadFile(const std::string& path);
  // Writes the key file with mode 0600; refuses to overwrite unless `force`.
  Status SaveFile(const std::string& path, bool force) const;
  // PRF of a constant: names the key without revealing it.
  KeyId Id() const;

  MasterKey(MasterKey&&) noexcept;
  MasterKey& operator=(MasterKey&&) noexcept;
  ~MasterKey();
  const uint8_t* bytes() const;

 private:
  MasterKey();
  std::unique_ptr<SecureBuffer> key_;
};

// Computes tags for every key kind. Thread-safe after construction.
class KeyedHasher {
 public:
  explicit KeyedHasher(const MasterKey& key);
  ~KeyedHasher();
  KeyedHasher(const KeyedHasher&) = delete;
  KeyedHasher& operator=(const KeyedHasher&) = delete;

  // REQUIRES: parts.size() matches the kind (1 for singles, 2 for pairs).
  Tag Compute(KeyKind kind, std::span<const std::string_view> parts) const;
  Tag Compute(KeyKind kind, std::string_view a) const;
  Tag Compute(KeyKind kind, std::string_view a, std::string_view b) const;

  // Bulk form: tags[i] = Compute(inputs[i].kind, inputs[i]'s parts) for every
  // i, bit for bit, whatever the CPU. With AVX-512 it hashes 8 inputs at once
  // (runtime dispatch; src/siphash.h), inputs of equal length together, so
  // callers that derive many keys should pass them together (ingest passes
  // ~256; measured on hot values only: cold ones make any SipHash wait on
  // memory). Inputs may mix kinds; order and duplicates do not matter.
  // REQUIRES: tags.size() == inputs.size(); part_count is 1 or 2 and matches
  // the kind. Thread-safe, allocation-free.
  void ComputeMany(std::span<const KeyInput> inputs, std::span<Tag> tags) const;

 private:
  std::unique_ptr<SecureBuffer> subkeys_;  // 16 bytes per KeyKind number (index 0 unused)
};

// Makes the process non-dumpable and initialises libsodium. Call once at start.
Status InitProcessHygiene();

}  // namespace leakdex
