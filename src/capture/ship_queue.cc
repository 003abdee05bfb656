#include "capture/ship_queue.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

namespace heapscope::capture {
namespace {

namespace fs = std::filesystem;

nlohmann::ordered_json ToJson(const PendingDump& d) {
  return {{"id", d.id},           {"path", d.path},         {"trigger", d.trigger},
          {"truncated", d.truncated}, {"truncation", d.truncation}, {"facts", d.facts},
          {"attempts", d.attempts}, {"next_attempt_ms", d.next_attempt_ms}, {"last_error", d.last_error}};
}

PendingDump FromJson(const nlohmann::json& j) {
  PendingDump d;
  d.id = j.at("id").get<std::string>();
  d.path = j.at("path").get<std::string>();
  d.trigger = j.at("trigger").get<std::string>();
  d.truncated = j.value("truncated", false);
  d.truncation = j.value("truncation", "");
  d.facts = j.value("facts", nlohmann::ordered_json::object());
  d.attempts = j.value("attempts", 0);
  d.next_attempt_ms = j.value("next_attempt_ms", int64_t{0});
  d.last_error = j.value("last_error", "");
  return d;
}

std::string FileSignature(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return fmt::format("{} {} {}", path, st.st_size, st.st_mtim.tv_sec);
}

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error::Io(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return Error::Io(fmt::format("cannot write {}: {}", tmp, std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error::Io(fmt::format("cannot replace {}: {}", path, std::strerror(errno)));
  }
  // The rename itself must reach the disk before we rely on it.
  const int dir = ::open(fs::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

std::string UtcText(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string NewDumpId(const std::string& host, int pid) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  std::string clean;
  for (char ch : host) clean += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ? ch : '-';
  if (clean.empty()) clean = "host";
  std::random_device rd;
  return fmt::format("{}-{}-{}-{:04x}", stamp, clean.substr(0, 63), pid, rd() & 0xffff);
}

Result<std::unique_ptr<ShipQueue>> ShipQueue::Open(const std::string& state_dir) {
  std::error_code ec;
  fs::create_directories(fs::path(state_dir) / "queue", ec);
  if (ec) return Error::Io(fmt::format("cannot create {}/queue: {}", state_dir, ec.message()));
  return std::unique_ptr<ShipQueue>(new ShipQueue((fs::path(state_dir) / "queue").string()));
}

Status ShipQueue::Put(const PendingDump& dump) {
  std::lock_guard lock(mu_);
  return WriteFileAtomically(fmt::format("{}/{}.json", dir_, dump.id), ToJson(dump).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

Status ShipQueue::Remove(const std::string& id) {
  std::lock_guard lock(mu_);
  const std::string path = fmt::format("{}/{}.json", dir_, id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Error::Io(fmt::format("cannot remove {}: {}", path, std::strerror(errno)));
  }
  return {};
}

std::vector<PendingDump> ShipQueue::All(std::vector<std::string>* damaged) const {
  std::lock_guard lock(mu_);
  std::vector<PendingDump> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    try {
      if (j.is_discarded()) throw std::runtime_error("not JSON");
      out.push_back(FromJson(j));
    } catch (const std::exception&) {
      if (damaged) damaged->push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end(), [](const PendingDump& a, const PendingDump& b) { return a.id < b.id; });
  return out;
}

bool ShipQueue::HasPath(const std::string& path) const {
  for (const PendingDump& d : All()) {
    if (d.path == path) return true;
  }
  return false;
}

Status ShipQueue::RememberShipped(const std::string& path) {
  std::lock_guard lock(mu_);
  const std::string ledger = dir_ + "/../shipped.txt";
  std::ofstream out(ledger, std::ios::app);
  out << FileSignature(path) << "\n";
  out.flush();
  if (!out) return Error::Io(fmt::format("cannot append to {}", ledger));
  return {};
}

bool ShipQueue::WasShipped(const std::string& path) const {
  std::lock_guard lock(mu_);
  const std::string sig = FileSignature(path);
  std::ifstream in(dir_ + "/../shipped.txt");
  for (std::string line; std::getline(in, line);) {
    if (!sig.empty() && line == sig) return true;
  }
  return false;
}

}  // namespace heapscope::capture
