#include "index/index_part.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "index/build_fingerprint.h"

namespace heapscope::index {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kManifestName = "manifest.json";
constexpr std::string_view kFormatName = "heapscope-index";
// Temporary and replaced parts are siblings named "<part><marker><pid>-<n>".
constexpr std::string_view kTmpMarker = ".tmp-";
constexpr std::string_view kOldMarker = ".old-";

std::string ErrnoText() { return std::strerror(errno); }

Status WriteWhole(const std::string& path, std::span<const uint8_t> bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Error::Io(fmt::format("cannot create {}: {}", path, ErrnoText()));
  uint64_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, std::min<uint64_t>(bytes.size() - done, uint64_t{1} << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = n < 0 ? ErrnoText() : "no progress";
      ::close(fd);
      return Error::Io(fmt::format("cannot write {}: {}", path, why));
    }
    done += static_cast<uint64_t>(n);
  }
  if (::close(fd) != 0) return Error::Io(fmt::format("cannot write {}: {}", path, ErrnoText()));
  return {};
}

// Leftovers of writers that died mid-build hold gigabytes: remove those
// whose process is gone. A live writer's directory is left alone.
void RemoveAbandonedSiblings(const fs::path& dir) {
  std::error_code ec;
  std::string base = dir.filename().string();
  for (const fs::directory_entry& e : fs::directory_iterator(dir.parent_path(), ec)) {
    std::string name = e.path().filename().string();
    if (name.size() <= base.size() || name.compare(0, base.size(), base) != 0) continue;
    std::string_view rest = std::string_view(name).substr(base.size());
    if (rest.starts_with(kTmpMarker)) rest.remove_prefix(kTmpMarker.size());
    else if (rest.starts_with(kOldMarker)) rest.remove_prefix(kOldMarker.size());
    else continue;
    int pid = 0;
    auto [end, err] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (err != std::errc() || pid <= 0) continue;
    if (::kill(pid, 0) == 0 || errno == EPERM) continue;
    fs::remove_all(e.path(), ec);
  }
}

// Moves `tmp` to `dir`, atomically replacing an existing part.
Status MoveIntoPlace(const std::string& tmp, const std::string& dir) {
  if (::rename(tmp.c_str(), dir.c_str()) == 0) return {};
  if (errno != EEXIST && errno != ENOTEMPTY) {
    return Error::Io(fmt::format("cannot move {} to {}: {}", tmp, dir, ErrnoText()));
  }
  std::error_code ec;
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(tmp, ec);  // now the old part
    return {};
  }
  // A file system without exchange: two renames, with a short window in
  // which a reader finds no part and builds its own.
  std::string old = fmt::format("{}{}{}", dir, kOldMarker, ::getpid());
  if (::rename(dir.c_str(), old.c_str()) != 0 || ::rename(tmp.c_str(), dir.c_str()) != 0) {
    return Error::Io(fmt::format("cannot replace {}: {}", dir, ErrnoText()));
  }
  fs::remove_all(old, ec);
  return {};
}

bool ValidFileName(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name == kManifestName) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

struct ListedFile {
  std::string name;
  uint32_t width = 1;
  uint64_t bytes = 0;
  uint64_t xxh3 = 0;
};

// The manifest's own fields, or a reason it is not ours. json's accessors
// throw on a wrong type; a damaged manifest must become a problem, not a
// crash, so the exception stays inside.
PartOpen ReadManifest(const std::string& dir, nlohmann::json* manifest, std::vector<ListedFile>* files) {
  auto corrupt = [](std::string detail) { return PartOpen{PartProblem::kCorrupt, std::move(detail), {}}; };
  auto stale = [](std::string detail) { return PartOpen{PartProblem::kStale, std::move(detail), {}}; };
  std::string path = (fs::path(dir) / kManifestName).string();
  auto map = hprof::MappedFile::Open(path);
  if (!map.ok()) {
    std::error_code ec;
    bool exists = fs::exists(dir, ec);
    return PartOpen{exists ? PartProblem::kCorrupt : PartProblem::kMissing,
                    exists ? "no readable manifest" : "no index", {}};
  }
  std::span<const uint8_t> text = map->bytes();
  *manifest = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (manifest->is_discarded() || !manifest->is_object()) return corrupt("manifest is not JSON");
  try {
    const nlohmann::json& m = *manifest;
    if (m.value("format", "") != kFormatName) return corrupt("manifest is not a heapscope index");
    int version = m.value("format_version", 0);
    if (version != kIndexFormatVersion) {
      return stale(fmt::format("index format {}, this build reads {}", version, kIndexFormatVersion));
    }
    std::string build = m.value("heapscope", "");
    if (build != BuildFingerprint()) return stale(fmt::format("written by heapscope {}", build));
    for (const nlohmann::json& f : m.at("files")) {
      ListedFile lf;
      lf.name = f.at("name").get<std::string>();
      lf.width = f.at("width").get<uint32_t>();
      lf.bytes = f.at("bytes").get<uint64_t>();
      if (!ValidFileName(lf.name) || lf.width == 0 || lf.bytes % lf.width != 0 ||
          !ParseHexU64(f.at("xxh3"), &lf.xxh3)) {
        return corrupt(fmt::format("manifest entry for \"{}\" is malformed", lf.name));
      }
      files->push_back(std::move(lf));
    }
  } catch (const nlohmann::json::exception& e) {
    return corrupt(fmt::format("manifest is malformed ({})", e.what()));
  }
  return {};
}

}  // namespace

std::string HexU64(uint64_t v) { return fmt::format("{:016x}", v); }

bool ParseHexU64(const nlohmann::json& j, uint64_t* out) {
  if (!j.is_string()) return false;
  const std::string& s = j.get_ref<const std::string&>();
  if (s.size() != 16) return false;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), *out, 16);
  return err == std::errc() && end == s.data() + s.size();
}

Result<PartWriter> PartWriter::Create(const std::string& dir) {
  std::error_code ec;
  fs::path parent = fs::path(dir).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) return Error::Io(fmt::format("cannot create {}: {}", parent.string(), ec.message()));
  RemoveAbandonedSiblings(dir);
  static std::atomic<uint32_t> counter{0};
  std::string tmp = fmt::format("{}{}{}-{}", dir, kTmpMarker, ::getpid(), counter++);
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec)) {
    return Error::Io(fmt::format("cannot create {}: {}", tmp, ec ? ec.message() : "it exists"));
  }
  return PartWriter(dir, tmp);
}

PartWriter::PartWriter(PartWriter&& other) noexcept
    : dir_(std::move(other.dir_)),
      tmp_(std::move(other.tmp_)),
      files_(std::move(other.files_)),
      bytes_written_(other.bytes_written_),
      committed_(std::exchange(other.committed_, true)) {}

PartWriter::~PartWriter() {
  if (committed_ || tmp_.empty()) return;
  std::error_code ec;
  fs::remove_all(tmp_, ec);
}

Status PartWriter::Add(const std::string& name, uint32_t width, std::span<const uint8_t> bytes) {
  if (!ValidFileName(name) || width == 0 || bytes.size() % width != 0) {
    return Error{ErrorKind::kInternal, fmt::format("bad index file \"{}\" (width {})", name, width), kNoOffset, {}};
  }
  Status s = WriteWhole((fs::path(tmp_) / name).string(), bytes);
  if (!s.ok()) return s;
  files_.push_back({{"name", name},
                    {"width", width},
                    {"bytes", bytes.size()},
                    {"xxh3", HexU64(XXH3_64bits(bytes.data(), bytes.size()))}});
  bytes_written_ += bytes.size();
  return {};
}

Status PartWriter::Commit(nlohmann::ordered_json header) {
  nlohmann::ordered_json m;
  m["format"] = kFormatName;
  m["format_version"] = kIndexFormatVersion;
  m["heapscope"] = BuildFingerprint();
  for (auto& [key, value] : header.items()) m[key] = value;
  m["files"] = files_;
  std::string text = m.dump(2) + "\n";
  Status s = WriteWhole((fs::path(tmp_) / kManifestName).string(),
                        {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  if (!s.ok()) return s;
  s = MoveIntoPlace(tmp_, dir_);
  if (!s.ok()) return s;
  committed_ = true;
  return {};
}

Error OpenedPart::MissingColumn(const std::string& name, uint32_t width) {
  return Error::BadInput(fmt::format("index has no column \"{}\" of {}-byte values", name, width));
}

Result<std::span<const uint8_t>> OpenedPart::Bytes(const std::string& name, uint32_t width) const {
  auto it = files.find(name);
  if (it == files.end() || it->second.width != width) {
    return Error::BadInput(fmt::format("index has no file \"{}\" of {}-byte values", name, width));
  }
  return it->second.map->bytes();
}

PartOpen OpenPart(const std::string& dir,
                  const std::function<std::string(const nlohmann::json&)>& stale_reason, int threads) {
  nlohmann::json manifest;
  std::vector<ListedFile> listed;
  PartOpen out = ReadManifest(dir, &manifest, &listed);
  if (out.problem != PartProblem::kNone) return out;
  out.part.manifest = std::move(manifest);
  std::string why;
  try {
    why = stale_reason(out.part.manifest);
  } catch (const nlohmann::json::exception& e) {
    return {PartProblem::kCorrupt, fmt::format("manifest is malformed ({})", e.what()), {}};
  }
  if (!why.empty()) return {PartProblem::kStale, why, {}};

  std::vector<std::shared_ptr<const hprof::MappedFile>> maps;
  for (const ListedFile& f : listed) {
    auto map = hprof::MappedFile::Open((fs::path(dir) / f.name).string());
    if (!map.ok()) return {PartProblem::kCorrupt, fmt::format("{} is missing", f.name), {}};
    if (map->size() != f.bytes) {
      return {PartProblem::kCorrupt, fmt::format("{} has {} bytes, expected {}", f.name, map->size(), f.bytes), {}};
    }
    maps.push_back(std::make_shared<const hprof::MappedFile>(std::move(map.value())));
  }
  // Largest first, taken by whichever thread is free: the biggest column is
  // a small share of the total, so the threads end close together.
  std::vector<size_t> order(listed.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return listed[a].bytes > listed[b].bytes; });
  std::vector<uint64_t> hashes(listed.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k; (k = next.fetch_add(1)) < order.size();) {
      std::span<const uint8_t> b = maps[order[k]]->bytes();
      // Hashed a chunk at a time, each chunk's pages handed back as soon as
      // it is done: the page cache keeps them, and the command's RSS then
      // shows what it reads, not gigabytes of verified columns.
      constexpr uint64_t kChunk = uint64_t{32} << 20;
      XXH3_state_t* state = XXH3_createState();
      XXH3_64bits_reset(state);
      for (uint64_t at = 0; at < b.size(); at += kChunk) {
        const uint64_t n = std::min<uint64_t>(kChunk, b.size() - at);
        XXH3_64bits_update(state, b.data() + at, n);
        maps[order[k]]->Release(at, n);
      }
      hashes[order[k]] = XXH3_64bits_digest(state);
      XXH3_freeState(state);
    }
  };
  unsigned n = threads > 0 ? static_cast<unsigned>(threads) : std::max(1u, std::thread::hardware_concurrency());
  n = static_cast<unsigned>(std::min<size_t>(n, listed.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (size_t i = 0; i < listed.size(); ++i) {
    if (hashes[i] != listed[i].xxh3) {
      return {PartProblem::kCorrupt,
              fmt::format("{} checksum {} != {}", listed[i].name, HexU64(hashes[i]), HexU64(listed[i].xxh3)), {}};
    }
    out.part.files[listed[i].name] = {maps[i], listed[i].width};
    out.part.bytes += listed[i].bytes;
  }
  return out;
}

}  // namespace heapscope::index
