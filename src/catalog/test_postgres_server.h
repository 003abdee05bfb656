// catalog/test_postgres_server.h - a throwaway PostgreSQL server for tests
// (header-only; never linked into heapscope itself).
//
// The first Shared() runs initdb in a fresh temporary folder (in /dev/shm
// when it is large) and starts the server on 127.0.0.1 at a free port
// (socket in the same folder, fsync off, trust authentication); it is
// stopped and the folder removed at exit. Each test takes a fresh database
// from CreateDatabase().
//  - PostgreSQL refuses to run as root: as root, initdb and the server run
//    as `nobody` (65534) in a folder chowned to it.
//  - The server is our child with PR_SET_PDEATHSIG, so a test binary that
//    crashes leaves no server running. That signal follows the *thread*
//    that started it: call Shared() first from the main thread.
//  - Null (with the reason) when the server programs are not installed:
//    tests then GTEST_SKIP, and scripts/setup.sh installs postgresql-15.
#ifndef HEAPSCOPE_CATALOG_TEST_POSTGRES_SERVER_H_
#define HEAPSCOPE_CATALOG_TEST_POSTGRES_SERVER_H_

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "hprof/error.h"

namespace heapscope::catalog {

class TestPostgresServer {
 public:
  static TestPostgresServer* Shared(std::string* why_not) {
    static std::string failure;
    static std::unique_ptr<TestPostgresServer> server = [] {
      auto started = std::unique_ptr<TestPostgresServer>(new TestPostgresServer());
      failure = started->Start();
      if (!failure.empty()) started.reset();
      return started;
    }();
    if (!server && why_not != nullptr) *why_not = failure;
    return server.get();
  }

  ~TestPostgresServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGQUIT);  // PostgreSQL's immediate shutdown
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    if (!folder_.empty()) std::filesystem::remove_all(folder_, ec);
  }

  std::string Uri(const std::string& database) const {
    return fmt::format("postgresql://postgres@127.0.0.1:{}/{}", port_, database);
  }

  // A new empty database; its URI.
  Result<std::string> CreateDatabase() {
    std::string name = fmt::format("t_{}", next_database_++);
    PGconn* conn = PQconnectdb(Uri("postgres").c_str());
    std::unique_ptr<PGconn, void (*)(PGconn*)> closer(conn, PQfinish);
    std::unique_ptr<PGresult, void (*)(PGresult*)> done(PQexec(conn, ("CREATE DATABASE " + name).c_str()), PQclear);
    if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) return Error::Io(PQerrorMessage(conn));
    return Uri(name);
  }

 private:
  static constexpr uid_t kNobody = 65534;

  TestPostgresServer() = default;

  // "" when started; else why not.
  std::string Start() {
    std::string bin = ServerBinDir();
    if (bin.empty()) return "PostgreSQL server programs (initdb, postgres) not found; install postgresql-15";
    std::string pattern = (BaseFolder() / "heapscope-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return "mkdtemp failed";
    folder_ = pattern;
    as_nobody_ = ::geteuid() == 0;
    if (as_nobody_ && ::chown(folder_.c_str(), kNobody, kNobody) != 0) return "chown to nobody failed";
    std::string data = folder_ + "/data";
    pid_t initdb = Spawn({bin + "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                          "--no-sync", "--no-instructions"},
                         folder_ + "/initdb.log", false);
    int status = 0;
    if (initdb < 0 || ::waitpid(initdb, &status, 0) != initdb) return "could not run initdb";
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "initdb failed: " + Tail(folder_ + "/initdb.log");
    // A port found free can be taken before the server binds it: try again.
    for (int tries = 0; tries < 3; ++tries) {
      port_ = FreePort();
      pid_ = Spawn({bin + "/postgres", "-D", data, "-p", std::to_string(port_), "-k", folder_, "-c",
                    "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
                    "full_page_writes=off"},
                   folder_ + "/server.log", true);
      if (pid_ < 0) return "could not start the server";
      if (WaitUntilReady()) return "";
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
    return "the server did not start: " + Tail(folder_ + "/server.log");
  }

  static std::string ServerBinDir() {
    std::vector<std::string> candidates;
    if (FILE* pipe = ::popen("pg_config --bindir 2>/dev/null", "r")) {
      char line[512] = {};
      if (std::fgets(line, sizeof line, pipe) != nullptr) candidates.emplace_back(line, strcspn(line, "\n"));
      ::pclose(pipe);
    }
    candidates.emplace_back("/usr/lib/postgresql/15/bin");
    for (const std::string& dir : candidates) {
      if (::access((dir + "/initdb").c_str(), X_OK) == 0 && ::access((dir + "/postgres").c_str(), X_OK) == 0) {
        return dir;
      }
    }
    return "";
  }

  // Memory when there is plenty (Docker's default /dev/shm is 64 MiB, and a
  // cluster takes 40): initdb there takes half the time it takes on disk,
  // and ctest starts a server for every test.
  static std::filesystem::path BaseFolder() {
    struct statvfs shm {};
    bool roomy = ::statvfs("/dev/shm", &shm) == 0 && shm.f_bavail * shm.f_frsize >= (uint64_t{1} << 30);
    if (roomy && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
    return std::filesystem::temp_directory_path();
  }

  static int FreePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
  }

  // Runs `args` in the folder with output to `log`, as nobody when we are root.
  pid_t Spawn(const std::vector<std::string>& args, const std::string& log, bool die_with_us) {
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_t child = ::fork();
    if (child != 0) return child;
    // Only async-signal-safe calls from here: the parent may have threads.
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0 || ::chdir(folder_.c_str()) != 0) ::_exit(126);
    if (as_nobody_ && (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) {
      ::_exit(126);
    }
    // Set after setuid, which clears it.
    if (die_with_us && (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent)) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }

  bool WaitUntilReady() {
    std::string conninfo = fmt::format("host=127.0.0.1 port={} dbname=postgres user=postgres", port_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (PQping(conninfo.c_str()) == PQPING_OK) return true;
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  static std::string Tail(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string all = text.str();
    return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
  }

  std::string folder_;
  bool as_nobody_ = false;
  int port_ = 0;
  pid_t pid_ = -1;
  int next_database_ = 0;
};

}  // namespace heapscope::catalog

#endif  // HEAPSCOPE_CATALOG_TEST_POSTGRES_SERVER_H_
