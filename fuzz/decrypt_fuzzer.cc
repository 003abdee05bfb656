// fuzz/decrypt_fuzzer.cc - libFuzzer target for encrypted dumps.
//
// Each input is used twice. First as an encrypted file under the fixed key
// (fuzz_key.h): the header checks, the length arithmetic and chunk
// authentication must turn any bytes into an error with an offset inside
// the file, and a valid seed's mutations must never decrypt. Then as
// plaintext: encrypted with small chunks, decrypted again (which must give
// it back exactly) and read as a dump through DumpInput with the key, so the
// path behind decryption (the gzip-in-encryption inflater, the stream
// reader) sees arbitrary bytes too, which authentication keeps from it in
// the first use.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fuzz_key.h"
#include "hprof/byte_sink.h"
#include "hprof/dump_input.h"
#include "hprof/dump_reader.h"
#include "hprof/encrypted_format.h"
#include "hprof/encrypted_reader.h"
#include "hprof/encrypted_writer.h"

namespace heapscope::hprof {
namespace {

// One memfd per use, rewritten per input: the readers take a path or a map,
// and /proc/self/fd/N names the memfd without touching the disk.
int Fd(int which) {
  static int fds[2] = {-1, -1};
  if (fds[which] < 0) {
    fds[which] = ::memfd_create("decrypt-fuzz", MFD_CLOEXEC);
    if (fds[which] < 0) std::abort();
  }
  return fds[which];
}

std::string Store(int which, std::span<const uint8_t> bytes) {
  int fd = Fd(which);
  if (::ftruncate(fd, 0) != 0) std::abort();
  if (!bytes.empty() && ::pwrite(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    std::abort();
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

void CheckError(const Error& e, uint64_t size) {
  if (e.message.empty()) std::abort();
  if (e.kind == ErrorKind::kBadInput && (e.offset == kNoOffset || e.offset > size)) {
    std::fprintf(stderr, "error with a bad offset: %s\n", e.ToString().c_str());
    std::abort();
  }
}

// Drains a source; the plaintext, or nullopt after checking the error.
std::optional<std::vector<uint8_t>> Drain(ChunkSource& src, uint64_t size) {
  std::vector<uint8_t> out;
  while (true) {
    auto chunk = src.Next();
    if (!chunk.ok()) {
      CheckError(chunk.error(), size);
      if (src.Next().ok()) std::abort();  // errors stick
      return std::nullopt;
    }
    if (chunk->empty()) return out;
    out.insert(out.end(), chunk->begin(), chunk->end());
  }
}

void AsEncryptedFile(const uint8_t* data, size_t size, const DumpKey& key) {
  auto file = MappedFile::Open(Store(0, {data, size}));
  if (!file.ok()) std::abort();
  auto src = OpenEncryptedSource(std::move(file.value()), key, 1);
  if (!src.ok()) {
    if (src.error().kind != ErrorKind::kUsage) CheckError(src.error(), size);  // a wrong key id names no offset
    return;
  }
  auto plain = Drain(*src.value(), size);
  if (plain && plain->size() + kEncryptedHeaderSize + kGcmTagSize > size) std::abort();
}

void AsPlaintext(const uint8_t* data, size_t size, const DumpKey& key) {
  auto memory = std::make_unique<MemorySink>();
  MemorySink* sealed = memory.get();
  auto sink = CreateEncryptingSink(std::move(memory), key, 1, kMinChunkSize);
  if (!sink->Write({data, size}).ok() || !sink->Finish().ok()) std::abort();
  const std::string path = Store(1, sealed->data);

  auto file = MappedFile::Open(path);
  if (!file.ok()) std::abort();
  auto src = OpenEncryptedSource(std::move(file.value()), key, 1);
  if (!src.ok()) std::abort();
  auto plain = Drain(*src.value(), sealed->data.size());
  if (!plain || plain->size() != size || (size && std::memcmp(plain->data(), data, size) != 0)) {
    std::fprintf(stderr, "decrypt(encrypt(x)) != x\n");
    std::abort();
  }

  auto in = DumpInput::Open(path, 1, &key);
  if (!in.ok()) {
    // A gzip stream's first error may surface while the source is opened.
    return;
  }
  if (in->encoding != DumpEncoding::kEncrypted) std::abort();
  ReadOptions opt;
  opt.threads = 1;
  opt.allow_truncated = size && (data[size - 1] & 1);
  TopVisitorBase top;
  std::vector<HeapVisitorBase> heaps(1);
  auto r = ReadDump(*in, opt, top, heaps);
  if (!r.ok() && r.error().message.empty()) std::abort();
}

}  // namespace
}  // namespace heapscope::hprof

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace heapscope::hprof;
  static const DumpKey key = FuzzKey();
  AsEncryptedFile(data, size, key);
  AsPlaintext(data, size, key);
  return 0;
}
