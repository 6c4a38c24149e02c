#include "leakdex/keyed_hash.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "coding.h"
#include "siphash.h"

namespace leakdex {

class SecureBuffer {
 public:
  explicit SecureBuffer(size_t n) : size_(n), data_(static_cast<uint8_t*>(sodium_malloc(n))) {}
  ~SecureBuffer() { sodium_free(data_); }  // sodium_free wipes before freeing
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool ok() const { return data_ != nullptr; }

 private:
  size_t size_;
  uint8_t* data_;
};

namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "leakdex1";
constexpr uint64_t kKeyIdSubkey = 0;  // subkey 0 names the key; kinds use 1..9
constexpr std::string_view kKeyIdConstant = "leakdex key id v1";
constexpr std::string_view kKeyFileHeader = "LEAKDEX-KEY-1\n";
constexpr size_t kSubkeyBytes = crypto_shorthash_siphashx24_KEYBYTES;
constexpr size_t kMaxKindNumber = 16;

static_assert(crypto_shorthash_siphashx24_BYTES == 16);
static_assert(kSubkeyBytes == 16);

}  // namespace

std::string KeyIdHex(const KeyId& id) {
  char hex[kKeyIdBytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, id.data(), id.size());
  return hex;
}

MasterKey::MasterKey() : key_(std::make_unique<SecureBuffer>(kMasterKeyBytes)) {}
MasterKey::MasterKey(MasterKey&&) noexcept = default;
MasterKey& MasterKey::operator=(MasterKey&&) noexcept = default;
MasterKey::~MasterKey() = default;
const uint8_t* MasterKey::bytes() const { return key_->data(); }

Result<MasterKey> MasterKey::Generate() {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  MasterKey k;
  if (!k.key_->ok()) return Status::Internal("cannot allocate locked memory for the key");
  crypto_kdf_keygen(k.key_->data());
  return k;
}

Result<MasterKey> MasterKey::LoadFile(const std::string& path) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::KeyError(path + ": cannot open key file: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::KeyError(path + ": not a regular file");
  }
  if (st.st_mode & 077) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 0777));
    return Status::KeyError(path + ": key file is accessible by group or others (mode " + mode +
                            "); run: chmod 600 " + path);
  }
  constexpr size_t kFileBytes = kKeyFileHeader.size() + kMasterKeyBytes * 2 + 1;
  SecureBuffer text(kFileBytes + 1);
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  std::string_view body(reinterpret_cast<const char*>(text.data()), n > 0 ? static_cast<size_t>(n) : 0);
  if (!body.starts_with(kKeyFileHeader) || body.size() < kFileBytes - 1 || body.size() > kFileBytes)
    return Status::KeyError(path + ": not a leakdex key file (expected the header LEAKDEX-KEY-1)");
  MasterKey k;
  size_t bin_len = 0;
  const char* hex = body.data() + kKeyFileHeader.size();
  if (sodium_hex2bin(k.key_->data(), kMasterKeyBytes, hex, kMasterKeyBytes * 2, nullptr, &bin_len,
                     nullptr) != 0 ||
      bin_len != kMasterKeyBytes)
    return Status::KeyError(path + ": key file is damaged (bad hex)");
  return k;
}

Status MasterKey::SaveFile(const std::string& path, bool force) const {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return Status::InvalidArgument(path + ": file exists; refusing to overwrite a key (use --force)");
    return Status::IOError(path + ": cannot create key file: " + std::strerror(errno));
  }
  if (::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return Status::IOError(path + ": cannot set mode 0600: " + std::strerror(errno));
  }
  SecureBuffer text(kKeyFileHeader.size() + kMasterKeyBytes * 2 + 2);
  std::memcpy(text.data(), kKeyFileHeader.data(), kKeyFileHeader.size());
  char* hex = reinterpret_cast<char*>(text.data()) + kKeyFileHeader.size();
  sodium_bin2hex(hex, kMasterKeyBytes * 2 + 1, key_->data(), kMasterKeyBytes);
  hex[kMasterKeyBytes * 2] = '\n';
  size_t len = kKeyFileHeader.size() + kMasterKeyBytes * 2 + 1;
  bool ok = ::write(fd, text.data(), len) == static_cast<ssize_t>(len) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Status::IOError(path + ": cannot write key file: " + std::strerror(err));
  }
  return Status::Ok();
}

KeyId MasterKey::Id() const {
  SecureBuffer sub(kSubkeyBytes);
  crypto_kdf_derive_from_key(sub.data(), kSubkeyBytes, kKeyIdSubkey, kKdfContext, key_->data());
  KeyId id{};
  crypto_shorthash_siphashx24(id.data(), reinterpret_cast<const unsigned char*>(kKeyIdConstant.data()),
                              kKeyIdConstant.size(), sub.data());
  return id;
}

KeyedHasher::KeyedHasher(const MasterKey& key)
    : subkeys_(std::make_unique<SecureBuffer>(kSubkeyBytes * kMaxKindNumber)) {
  for (KeyKind kind : kAllKeyKinds) {
    uint64_t id = static_cast<uint64_t>(kind);
    crypto_kdf_derive_from_key(subkeys_->data() + id * kSubkeyBytes, kSubkeyBytes, id, kKdfContext,
                               key.bytes());
  }
}

KeyedHasher::~KeyedHasher() = default;

// SipHash-2-4-128 as libsodium's crypto_shorthash_siphashx24, over the framed
// parts read in place (src/siphash.h says why it is ours, and why nothing is
// copied or wiped per call); tests/siphash_test.cpp holds it to libsodium.
Tag KeyedHasher::Compute(KeyKind kind, std::span<const std::string_view> parts) const {
  return siphash::FramedTag(subkeys_->data() + static_cast<size_t>(kind) * kSubkeyBytes, parts);
}

void KeyedHasher::ComputeMany(std::span<const KeyInput> inputs, std::span<Tag> tags) const {
  static_assert(siphash::kKeyBytes == kSubkeyBytes);
  siphash::ManyTags(subkeys_->data(), inputs, tags);
}

Tag KeyedHasher::Compute(KeyKind kind, std::string_view a) const {
  std::string_view parts[1] = {a};
  return Compute(kind, parts);
}

Tag KeyedHasher::Compute(KeyKind kind, std::string_view a, std::string_view b) const {
  std::string_view parts[2] = {a, b};
  return Compute(kind, parts);
}

Status InitProcessHygiene() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    return Status::Internal(std::string("cannot disable core dumps: ") + std::strerror(errno));
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  return Status::Ok();
}

}  // namespace leakdex
