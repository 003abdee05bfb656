#include "capture/attach_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace heapscope::capture {
namespace {

constexpr size_t kMaxReply = size_t{64} << 20;  // a Thread.print of a big JVM is a few MB

// Closes a descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string ErrnoText(int err) { return std::strerror(err); }

// The last number of a "Name:\t1\t2..." line of /proc/<pid>/status, or the
// `field`-th (0-based) when field >= 0.
bool StatusField(const std::string& status, std::string_view name, int field, unsigned long long* out, int base = 10) {
  size_t at = status.find(std::string(name) + ":");
  if (at == std::string::npos) return false;
  size_t end = status.find('\n', at);
  std::istringstream line(status.substr(at + name.size() + 1, end - at - name.size() - 1));
  std::vector<std::string> words;
  for (std::string w; line >> w;) words.push_back(w);
  if (words.empty()) return false;
  const std::string& w = field < 0 ? words.back() : words.at(std::min<size_t>(static_cast<size_t>(field), words.size() - 1));
  char* e = nullptr;
  *out = std::strtoull(w.c_str(), &e, base);
  return e && *e == 0;
}

Result<int> Connect(const std::string& path) {
  Fd s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return Error::Io(fmt::format("cannot create a socket: {}", ErrnoText(errno)));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Error::Io(fmt::format("socket path too long: {}", path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Error::Io(fmt::format("cannot connect to {}: {}", path, ErrnoText(errno)));
  }
  int fd = s.fd;
  s.fd = -1;
  return fd;
}

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::Io(fmt::format("the JVM closed the attach connection: {}", ErrnoText(errno)));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Makes the JVM open its socket: trigger file, SIGQUIT, wait.
Status StartListener(const ProcessFacts& p, const std::string& socket, const AttachOptions& o) {
  if (!p.catches_sigquit) {
    return Error::Io(fmt::format(
        "process {} does not catch SIGQUIT, so it is no JVM with attach enabled (or runs with -Xrs): not signalling "
        "it, which would kill it",
        p.pid));
  }
  std::string trigger = fmt::format("{}/.attach_pid{}", p.cwd, p.ns_pid);
  int fd = ::open(trigger.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0660);
  if (fd < 0) {
    trigger = fmt::format("{}/tmp/.attach_pid{}", p.root, p.ns_pid);
    fd = ::open(trigger.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0660);
  }
  if (fd < 0) return Error::Io(fmt::format("cannot create the attach trigger {}: {}", trigger, ErrnoText(errno)));
  // The JVM trusts a trigger owned by its own user or root.
  if (::geteuid() == 0) (void)::fchown(fd, p.euid, p.egid);
  ::close(fd);
  struct Remove {
    std::string path;
    ~Remove() { ::unlink(path.c_str()); }
  } remove{trigger};

  const auto start = std::chrono::steady_clock::now();
  bool resent = false;
  if (::kill(p.pid, SIGQUIT) != 0) return Error::Io(fmt::format("cannot signal process {}: {}", p.pid, ErrnoText(errno)));
  for (auto step = std::chrono::milliseconds(20);; step = std::min(step * 2, std::chrono::milliseconds(500))) {
    struct stat st {};
    if (::stat(socket.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return {};
    const auto waited = std::chrono::steady_clock::now() - start;
    if (waited > o.timeout) break;
    if (::kill(p.pid, 0) != 0) return Error::Io(fmt::format("process {} exited while attaching", p.pid));
    if (!resent && waited > o.timeout / 2) {
      resent = true;
      ::kill(p.pid, SIGQUIT);
    }
    std::this_thread::sleep_for(step);
  }
  return Error::Io(fmt::format("process {} did not open its attach socket {} within {} ms (-XX:+DisableAttachMechanism?)",
                               p.pid, socket, o.timeout.count()));
}

}  // namespace

Result<ProcessFacts> ReadProcessFacts(int pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  if (!in) return Error::Io(fmt::format("no process {}", pid));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string status = ss.str();
  ProcessFacts p;
  p.pid = pid;
  unsigned long long v = 0, caught = 0, ignored = 0;
  p.ns_pid = StatusField(status, "NSpid", -1, &v) ? static_cast<int>(v) : pid;
  if (!StatusField(status, "Uid", 1, &v)) return Error::Io(fmt::format("cannot read the uid of process {}", pid));
  p.euid = static_cast<uid_t>(v);
  if (!StatusField(status, "Gid", 1, &v)) return Error::Io(fmt::format("cannot read the gid of process {}", pid));
  p.egid = static_cast<gid_t>(v);
  const unsigned long long quit = 1ull << (SIGQUIT - 1);
  p.catches_sigquit = StatusField(status, "SigCgt", 0, &caught, 16) && StatusField(status, "SigIgn", 0, &ignored, 16) &&
                      (caught & quit) && !(ignored & quit);
  p.root = fmt::format("/proc/{}/root", pid);
  p.cwd = fmt::format("/proc/{}/cwd", pid);
  return p;
}

Result<AttachReply> Attach(int pid, const std::string& command, const std::vector<std::string>& args,
                           const AttachOptions& o) {
  if (command.empty() || command.size() > 16) return Error::Usage(fmt::format("attach operation `{}`: 1 to 16 characters", command));
  if (args.size() > 3) return Error::Usage("an attach operation takes at most 3 arguments");
  for (const auto& a : args) {
    if (a.size() > 1024) return Error::Usage("an attach argument may be at most 1024 bytes");
    if (a.find('\0') != std::string::npos) return Error::Usage("an attach argument may not hold a NUL byte");
  }
  auto p = ReadProcessFacts(pid);
  if (!p.ok()) return p.error();
  const std::string socket = fmt::format("{}/tmp/.java_pid{}", p->root, p->ns_pid);
  auto fd = Connect(socket);
  if (!fd.ok()) {
    if (Status s = StartListener(p.value(), socket, o); !s.ok()) return s.error();
    fd = Connect(socket);
    if (!fd.ok()) return fd.error();
  }
  Fd s{fd.value()};
  std::string request = "1";
  request.push_back('\0');
  request += command;
  request.push_back('\0');
  for (size_t i = 0; i < 3; ++i) {
    if (i < args.size()) request += args[i];
    request.push_back('\0');
  }
  if (Status w = WriteAll(s.fd, request); !w.ok()) return w.error();

  // The reply code must come within the timeout; the text after it may
  // take as long as the command runs (a heap dump), until the JVM closes.
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + o.timeout;
  const auto reply_deadline = std::chrono::steady_clock::now() + o.reply_timeout;
  char buf[65536];
  while (true) {
    const bool have_code = reply.find('\n') != std::string::npos;
    // JDK 17-24 send the code only when the command is done, JDK 25 first:
    // with a reply_timeout, it covers the code too.
    const bool whole_reply = have_code || o.reply_timeout.count() > 0;
    const auto until = whole_reply ? reply_deadline : deadline;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    const bool endless = have_code && o.reply_timeout.count() == 0;
    pollfd pfd{s.fd, POLLIN, 0};
    int r = ::poll(&pfd, 1, endless ? -1 : static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::Io(fmt::format("waiting for process {}: {}", pid, ErrnoText(errno)));
    if (r == 0) {
      return Error::Io(whole_reply ? fmt::format("process {} did not finish `{}` within {} ms", pid, command,
                                               o.reply_timeout.count())
                                 : fmt::format("process {} sent no reply within {} ms", pid, o.timeout.count()));
    }
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Io(fmt::format("reading the reply of process {}: {}", pid, ErrnoText(errno)));
    if (n == 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > kMaxReply) return Error::Io(fmt::format("the reply of process {} is over {} bytes", pid, kMaxReply));
  }
  size_t nl = reply.find('\n');
  if (reply.empty() || nl == std::string::npos) {
    return Error::Io(fmt::format("process {} closed the connection without a reply (a different uid/gid?)", pid));
  }
  AttachReply out;
  char* e = nullptr;
  std::string code = reply.substr(0, nl);
  out.code = static_cast<int>(std::strtol(code.c_str(), &e, 10));
  if (code.empty() || !e || *e) return Error::Io(fmt::format("process {} replied `{}`, not a code", pid, code.substr(0, 40)));
  out.text = reply.substr(nl + 1);
  return out;
}

}  // namespace heapscope::capture
