#include "cli/crypt_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <openssl/crypto.h>

#include "cli/dump_options.h"
#include "hprof/byte_sink.h"
#include "hprof/dump_key.h"
#include "hprof/encrypted_reader.h"
#include "hprof/encrypted_writer.h"
#include "hprof/mapped_file.h"

namespace heapscope::cli {

namespace {

// The input is fed to the sink in pieces this big, and its pages are handed
// back to the kernel behind them, so RSS stays flat for any file size.
constexpr uint64_t kFeedSize = 8u << 20;

struct CryptOptions {
  std::string in;
  std::string out;
  std::string key_file;
  int threads = 0;
};

void AddCryptOptions(CLI::App* cmd, CryptOptions& o, const char* in_help, const char* out_help) {
  cmd->add_option("IN", o.in, in_help)->required();
  cmd->add_option("OUT", o.out, out_help)->required();
  cmd->add_option("--key-file", o.key_file,
                  "master key: 64 hex digits or 32 raw bytes (default: $HEAPSCOPE_KEY_FILE)");
  cmd->add_option("--threads", o.threads, "threads to use (0 = all cores)")->default_val(0);
}

Result<std::shared_ptr<const hprof::DumpKey>> RequireKey(const CryptOptions& o) {
  auto key = LoadDumpKey(o.key_file);
  if (!key.ok()) return key.error();
  if (!key.value()) {
    return Error::Usage("no key: pass --key-file (or set HEAPSCOPE_KEY_FILE); `heapscope keygen FILE` makes one");
  }
  return key;
}

int Encrypt(const CryptOptions& o) {
  auto key = RequireKey(o);
  if (!key.ok()) return ReportError(key.error());
  auto in = hprof::MappedFile::Open(o.in);
  if (!in.ok()) return ReportError(in.error());
  if (hprof::LooksEncrypted(in->bytes())) {
    return ReportError(Error::Usage(fmt::format("{} is already encrypted", o.in)));
  }
  auto file = hprof::CreateFileSink(o.out);
  if (!file.ok()) return ReportError(file.error());
  auto sink = hprof::CreateEncryptingSink(std::move(file.value()), *key.value(), o.threads);
  const std::span<const uint8_t> bytes = in->bytes();
  for (uint64_t at = 0; at < bytes.size(); at += kFeedSize) {
    const uint64_t n = std::min<uint64_t>(kFeedSize, bytes.size() - at);
    if (Status s = sink->Write(bytes.subspan(at, n)); !s.ok()) return ReportError(s.error());
    in->Release(at, n);
  }
  if (Status s = sink->Finish(); !s.ok()) return ReportError(s.error());
  if (o.out != "-") {
    fmt::print(stderr, "heapscope: encrypted {} bytes to {} with key {}\n", bytes.size(), o.out,
               key.value()->IdHex());
  }
  return 0;
}

int Decrypt(const CryptOptions& o) {
  auto key = RequireKey(o);
  if (!key.ok()) return ReportError(key.error());
  auto in = hprof::MappedFile::Open(o.in);
  if (!in.ok()) return ReportError(in.error());
  auto source = hprof::OpenEncryptedSource(std::move(in.value()), *key.value(), o.threads);
  if (!source.ok()) return ReportError(source.error());
  // Only now, with the header and key checked, is OUT created; on any later
  // error the sink removes its temporary, so OUT never holds part of a dump.
  auto sink = hprof::CreateFileSink(o.out);
  if (!sink.ok()) return ReportError(sink.error());
  while (true) {
    auto chunk = source.value()->Next();
    if (!chunk.ok()) return ReportError(chunk.error());
    if (chunk->empty()) break;
    if (Status s = sink.value()->Write(chunk.value()); !s.ok()) return ReportError(s.error());
  }
  if (Status s = sink.value()->Finish(); !s.ok()) return ReportError(s.error());
  return 0;
}

int Keygen(const std::string& path) {
  // O_EXCL: an existing key may be the only way to read some dumps.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    return ReportError(Error::Usage(fmt::format("{} exists: keygen never overwrites a file", path)));
  }
  if (fd < 0) return ReportError(Error::Io(fmt::format("cannot create {}: {}", path, std::strerror(errno))));
  const hprof::DumpKey key = hprof::DumpKey::Generate();
  std::string text = key.Hex() + "\n";
  auto fail = [&](std::string_view what) {
    Error e = Error::Io(fmt::format("cannot {} {}: {}", what, path, std::strerror(errno)));
    ::close(fd);
    ::unlink(path.c_str());
    OPENSSL_cleanse(text.data(), text.size());
    return ReportError(e);
  };
  // The umask may only narrow 0600; this makes sure nothing widened it.
  if (::fchmod(fd, 0600) != 0) return fail("set the mode of");
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("sync");
  if (::close(fd) != 0) {
    fd = -1;
    ::unlink(path.c_str());
    return ReportError(Error::Io(fmt::format("cannot close {}: {}", path, std::strerror(errno))));
  }
  OPENSSL_cleanse(text.data(), text.size());
  fmt::print("key id {}\n", key.IdHex());
  fmt::print(stderr, "heapscope: wrote a new key to {} (mode 0600): keep it safe, and a copy elsewhere; without it "
                     "the dumps it encrypts can't be read\n", path);
  return 0;
}

}  // namespace

void RegisterEncrypt(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<CryptOptions>();
  CLI::App* cmd = app.add_subcommand("encrypt", "encrypt a file (a dump, plain or gzip) with AES-256-GCM under a key file");
  AddCryptOptions(cmd, *o, "file to encrypt", "encrypted file to write (- = stdout)");
  cmd->callback([o, &run] { run = [o] { return Encrypt(*o); }; });
}

void RegisterDecrypt(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<CryptOptions>();
  CLI::App* cmd = app.add_subcommand(
      "decrypt", "decrypt a file `encrypt` wrote; OUT appears only when every byte authenticated");
  AddCryptOptions(cmd, *o, "encrypted file", "file to write (- = stdout)");
  cmd->callback([o, &run] { run = [o] { return Decrypt(*o); }; });
}

void RegisterKeygen(CLI::App& app, std::function<int()>& run) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("keygen", "write a new random master key (64 hex digits, mode 0600); never "
                                               "overwrites; prints the key id");
  cmd->add_option("OUT", *path, "key file to create")->required();
  cmd->callback([path, &run] { run = [path] { return Keygen(*path); }; });
}

}  // namespace heapscope::cli
