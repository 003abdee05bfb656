#include "capture/jvm_discovery.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace heapscope::capture {

std::vector<JvmProcess> DiscoverJvms() {
  namespace fs = std::filesystem;
  std::vector<JvmProcess> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto facts = ReadProcessFacts(std::atoi(name.c_str()));
    if (!facts.ok()) continue;
    const fs::path tmp = fs::path(facts->root) / "tmp";
    std::error_code dir_ec;
    for (const auto& dir : fs::directory_iterator(tmp, dir_ec)) {
      if (dir.path().filename().string().rfind("hsperfdata_", 0) != 0) continue;
      const fs::path file = dir.path() / std::to_string(facts->ns_pid);
      struct stat st {};
      // The file belongs to the JVM's user: a stale one of another user with
      // the same pid is not this process's.
      if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != facts->euid) continue;
      out.push_back({facts.value(), file.string()});
      break;
    }
  }
  return out;
}

}  // namespace heapscope::capture
