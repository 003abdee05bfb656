#include "hprof/dump_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace heapscope::hprof {

namespace {

constexpr std::string_view kIdLabel = "heapscope key id v1";
// A key file is tiny; reading stops past this so a wrong path (a dump, a
// device) costs nothing and is reported by its size.
constexpr size_t kMaxKeyFileRead = 4096;

int HexDigit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Reads at most kMaxKeyFileRead + 1 bytes, so "too long" is still known.
Result<std::vector<uint8_t>> ReadSmallFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::Io(fmt::format("cannot open key file {}: {}", path, std::strerror(errno)));
  std::vector<uint8_t> bytes(kMaxKeyFileRead + 1);
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      OPENSSL_cleanse(bytes.data(), bytes.size());
      return Error::Io(fmt::format("cannot read key file {}: {}", path, std::strerror(err)));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(got);
  return bytes;
}

}  // namespace

std::string HexOf(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

Result<DumpKey> DumpKey::Load(const std::string& path) {
  auto read = ReadSmallFile(path);
  if (!read.ok()) return read.error();
  std::vector<uint8_t>& raw = read.value();
  // Wiped on every way out: the file's bytes are the key.
  struct Wipe {
    std::vector<uint8_t>& v;
    ~Wipe() { OPENSSL_cleanse(v.data(), v.size()); }
  } wipe{raw};

  DumpKey key;
  if (raw.size() == kDumpKeySize) {
    // 32 bytes are taken as raw, even when they happen to be hex digits:
    // 32 hex digits would be a 16-byte key, which we never accept.
    std::memcpy(key.key_.data(), raw.data(), kDumpKeySize);
    key.ComputeId();
    return key;
  }
  size_t begin = 0, end = raw.size();
  while (begin < end && IsSpace(raw[begin])) ++begin;
  while (end > begin && IsSpace(raw[end - 1])) --end;
  const size_t digits = end - begin;
  const std::string expected = "expected 64 hex digits (as `heapscope keygen` writes) or exactly 32 raw bytes";
  if (raw.size() > kMaxKeyFileRead) {
    return Error::Usage(fmt::format("key file {} is over {} bytes: {}", path, kMaxKeyFileRead, expected));
  }
  if (digits != 2 * kDumpKeySize) {
    return Error::Usage(fmt::format("key file {} holds {} bytes ({} without surrounding whitespace): {}", path,
                                    raw.size(), digits, expected));
  }
  for (size_t i = 0; i < digits; ++i) {
    if (HexDigit(raw[begin + i]) < 0) {
      return Error::Usage(fmt::format("key file {} has a non-hex character at byte {} of its 64 digits: {}", path,
                                      i, expected));
    }
  }
  for (size_t i = 0; i < kDumpKeySize; ++i) {
    key.key_[i] = static_cast<uint8_t>(HexDigit(raw[begin + 2 * i]) << 4 | HexDigit(raw[begin + 2 * i + 1]));
  }
  key.ComputeId();
  return key;
}

DumpKey DumpKey::Generate() {
  DumpKey key;
  if (RAND_bytes(key.key_.data(), static_cast<int>(kDumpKeySize)) != 1) {
    fmt::print(stderr, "heapscope: internal error: OpenSSL RAND_bytes failed\n");
    std::abort();
  }
  key.ComputeId();
  return key;
}

DumpKey DumpKey::FromBytes(std::span<const uint8_t, kDumpKeySize> bytes) {
  DumpKey key;
  std::memcpy(key.key_.data(), bytes.data(), kDumpKeySize);
  key.ComputeId();
  return key;
}

DumpKey::DumpKey(DumpKey&& other) noexcept : key_(other.key_), id_(other.id_) {
  OPENSSL_cleanse(other.key_.data(), other.key_.size());
}

DumpKey& DumpKey::operator=(DumpKey&& other) noexcept {
  if (this != &other) {
    key_ = other.key_;
    id_ = other.id_;
    OPENSSL_cleanse(other.key_.data(), other.key_.size());
  }
  return *this;
}

DumpKey::~DumpKey() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string DumpKey::Hex() const { return HexOf(key_); }
std::string DumpKey::IdHex() const { return HexOf(id_); }

void DumpKey::ComputeId() {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, kIdLabel.data(), kIdLabel.size()) == 1 &&
            EVP_DigestUpdate(ctx, key_.data(), key_.size()) == 1 && EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || length < kDumpKeyIdSize) {
    fmt::print(stderr, "heapscope: internal error: OpenSSL SHA-256 failed\n");
    std::abort();
  }
  std::memcpy(id_.data(), digest, kDumpKeyIdSize);
}

}  // namespace heapscope::hprof
