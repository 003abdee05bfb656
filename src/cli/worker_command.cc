#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <httplib.h>

#include "capture/ship_queue.h"
#include "cli/dump_options.h"
#include "cli/pipeline_commands.h"
#include "cli/pipeline_location.h"
#include "pipeline/analysis_worker.h"

namespace heapscope::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop.store(true); }

void LogLine(const std::string& line) {
  fmt::print(stderr, "{} heapscope worker: {}\n", capture::UtcText(std::time(nullptr)), line);
  std::fflush(stderr);
}

std::chrono::milliseconds Ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

void RegisterWorker(CLI::App& app, std::function<int()>& run) {
  struct Options {
    PipelineLocation where;
    int concurrency = 1;
    std::string name, key_file, metrics_listen, scratch_dir;
    double lease = 60, poll = 1, retry_min = 5, drain_timeout = 30;
    bool exit_when_idle = false;
    double threshold = 10;
    size_t max_suspects = 20;
    int threads = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "worker", "analyze queued dumps: claim a job, fetch the dump from the store, analyze it, store the report "
                "and the result; any number of workers may share a store and a catalog");
  AddPipelineLocation(cmd, o->where);
  cmd->add_option("--concurrency", o->concurrency, "jobs analyzed at once")
      ->envname("HEAPSCOPE_WORKER_CONCURRENCY")
      ->default_val(1)
      ->check(CLI::Range(1, 64));
  cmd->add_option("--name", o->name, "this worker's name in the catalog (default: HOST-PID)")
      ->envname("HEAPSCOPE_WORKER_NAME");
  cmd->add_option("--key-file", o->key_file, "master key of encrypted dumps (default: $HEAPSCOPE_KEY_FILE)");
  cmd->add_option("--metrics-listen", o->metrics_listen, "serve /metrics and /healthz on HOST:PORT")
      ->envname("HEAPSCOPE_WORKER_METRICS_LISTEN");
  cmd->add_option("--lease", o->lease, "seconds a claimed job stays ours without a heartbeat")
      ->envname("HEAPSCOPE_WORKER_LEASE")
      ->default_val(60)
      ->check(CLI::Range(0.3, 86400.0));
  cmd->add_option("--poll", o->poll, "seconds between claims when the queue is empty")
      ->default_val(1)
      ->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("--retry-min", o->retry_min, "seconds before a failed job's retry (doubling each attempt, at most 600)")
      ->default_val(5)
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_option("--drain-timeout", o->drain_timeout,
                  "on SIGTERM, seconds for jobs in progress to finish before they are released")
      ->envname("HEAPSCOPE_WORKER_DRAIN_TIMEOUT")
      ->default_val(30)
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--scratch-dir", o->scratch_dir, "where dumps are fetched to (default: $TMPDIR)")
      ->envname("HEAPSCOPE_WORKER_SCRATCH_DIR");
  cmd->add_flag("--exit-when-idle", o->exit_when_idle, "exit once no job is queued or running");
  cmd->add_option("--threshold", o->threshold, "a suspect retains at least this percent of the reachable heap")
      ->default_val(10)
      ->check(CLI::Range(0.01, 100.0));
  cmd->add_option("--max-suspects", o->max_suspects, "at most this many suspects a dump")->default_val(20);
  cmd->add_option("--threads", o->threads, "threads each analysis may use (0 = all cores)")->default_val(0);
  cmd->callback([o, &run] {
    run = [o] {
      auto key = LoadDumpKey(o->key_file);
      if (!key.ok()) return ReportError(key.error());
      pipeline::WorkerSettings s;
      s.name = o->name;
      s.concurrency = o->concurrency;
      s.store_url = o->where.StoreUrl();
      s.catalog_url = o->where.CatalogUrl();
      s.lease = Ms(o->lease);
      s.poll = Ms(o->poll);
      s.retry_min = Ms(o->retry_min);
      s.drain_timeout = Ms(o->drain_timeout);
      s.scratch_dir = o->scratch_dir;
      s.exit_when_idle = o->exit_when_idle;
      s.analysis.threshold_percent = o->threshold;
      s.analysis.max_suspects = o->max_suspects;
      s.analysis.threads = o->threads;
      s.analysis.key = key.value();
      s.log = LogLine;
      pipeline::WorkerMetrics metrics;
      pipeline::AnalysisWorker worker(std::move(s), metrics);

      std::signal(SIGTERM, OnStopSignal);
      std::signal(SIGINT, OnStopSignal);
      std::signal(SIGPIPE, SIG_IGN);
      httplib::Server http;
      std::thread http_thread;
      if (!o->metrics_listen.empty()) {
        const size_t colon = o->metrics_listen.rfind(':');
        const std::string host = colon == std::string::npos ? "127.0.0.1" : o->metrics_listen.substr(0, colon);
        const int port = std::atoi(o->metrics_listen.substr(colon == std::string::npos ? 0 : colon + 1).c_str());
        http.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
          res.set_content(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
        });
        http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
        if (!http.bind_to_port(host, port)) {
          return ReportError(Error::Io(fmt::format("cannot listen on {} for /metrics", o->metrics_listen)));
        }
        http_thread = std::thread([&http] { http.listen_after_bind(); });
        LogLine(fmt::format("metrics on http://{}/metrics", o->metrics_listen));
      }
      Status ran = worker.Run(g_stop);
      if (!ran.ok()) {
        const int code = ReportError(ran.error());
        // Threads still analyzing were abandoned (their jobs released), and
        // the HTTP server may not be listening yet (its stop() would then
        // wait forever): leave without running destructors under them.
        std::fflush(nullptr);
        std::_Exit(code);
      }
      if (http_thread.joinable()) {
        // stop() is lost on a server that has not started listening.
        for (int i = 0; i < 200 && !http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        http.stop();
        http_thread.join();
      }
      return 0;
    };
  });
}

}  // namespace heapscope::cli
