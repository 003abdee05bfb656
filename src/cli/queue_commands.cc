#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "capture/dump_completeness.h"
#include "capture/dump_shipper.h"
#include "capture/ship_queue.h"
#include "catalog/dump_catalog.h"
#include "catalog/dump_metadata.h"
#include "cli/dump_options.h"
#include "cli/pipeline_commands.h"
#include "cli/pipeline_location.h"
#include "hprof/byte_sink.h"

namespace heapscope::cli {
namespace {

std::string TimeText(int64_t ms) {
  if (ms <= 0) return "-";
  return capture::UtcText(static_cast<std::time_t>(ms / 1000));
}

std::string Mb(uint64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

// `path` stored unchanged as dumps/<id>/dump, then its metadata: for dumps
// that `heapscope redact --encrypt` already made safe to keep, and for
// files that may not be dumps at all (they fail in the worker, with their
// error on the job).
Result<nlohmann::ordered_json> StoreAsIs(const std::string& path, nlohmann::ordered_json facts,
                                         store::ObjectStore& store) {
  const std::string id = facts["id"];
  const std::string key = "dumps/" + id + "/dump";
  auto sink = store.Put(key);
  if (!sink.ok()) return sink.error();
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) return Error::Io(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  std::vector<uint8_t> buffer(4 << 20);
  uint8_t head[8] = {};
  size_t n = 0;
  bool first = true;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), in)) > 0) {
    if (first) std::memcpy(head, buffer.data(), std::min<size_t>(n, sizeof head));
    first = false;
    if (Status s = sink.value()->Write({buffer.data(), n}); !s.ok()) {
      std::fclose(in);
      return s.error();
    }
  }
  const bool failed = std::ferror(in);
  std::fclose(in);
  if (failed) return Error::Io(fmt::format("cannot read {}", path));
  const uint64_t bytes = sink.value()->BytesIn();
  if (Status s = sink.value()->Finish(); !s.ok()) return s.error();
  const bool encrypted = std::memcmp(head, "HSCRYPT1", 8) == 0;
  facts["trigger"] = "submitted";
  facts["dump"] = {{"key", key}, {"format", "as-is"}, {"encrypted", encrypted}, {"stored_bytes", bytes}};
  facts["redaction"] = {{"mode", "as-is"}};
  facts["shipped_at"] = capture::UtcText(std::time(nullptr));
  const std::string text = facts.dump(2) + "\n";
  if (Status s = store.PutBytes(capture::MetadataKeyOf(id), {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
      !s.ok()) {
    return s.error();
  }
  return facts;
}

}  // namespace

void RegisterSubmit(CLI::App& app, std::function<int()>& run) {
  struct Options {
    PipelineLocation where;
    std::string path, service, pod, namespace_name, redact = "strings", key_file;
    bool as_is = false, json = false;
    int max_attempts = 3;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "submit", "ship a dump to the store as the agent does (redacted, compressed, encrypted when a key is given) "
                "and queue it for analysis");
  cmd->add_option("DUMP", o->path, "the heap dump")->required()->check(CLI::ExistingFile);
  cmd->add_option("--service", o->service, "the service the dump belongs to (results are kept per service)")
      ->required();
  cmd->add_option("--pod", o->pod, "the pod or host it came from");
  cmd->add_option("--namespace", o->namespace_name, "its Kubernetes namespace");
  cmd->add_option("--redact", o->redact, "none, secrets, strings or all (see `heapscope redact`)")
      ->check(CLI::IsMember({"none", "secrets", "strings", "all"}))
      ->default_val("strings");
  cmd->add_option("--key-file", o->key_file, "encrypt it under this master key (default: $HEAPSCOPE_KEY_FILE)");
  cmd->add_flag("--as-is", o->as_is,
                "store the file unchanged: a dump `heapscope redact --encrypt` already made, or any file");
  cmd->add_option("--max-attempts", o->max_attempts, "attempts before the job is dead-lettered")
      ->default_val(3)
      ->check(CLI::Range(1, 100));
  cmd->add_flag("--json", o->json, "print the dump's metadata as JSON");
  AddPipelineLocation(cmd, o->where);
  cmd->callback([o, &run] {
    run = [o] {
      auto store = store::OpenObjectStore(o->where.StoreUrl());
      if (!store.ok()) return ReportError(store.error());
      auto catalog = catalog::OpenDumpCatalog(o->where.CatalogUrl());
      if (!catalog.ok()) return ReportError(catalog.error());
      char host[256] = {};
      ::gethostname(host, sizeof host - 1);
      struct stat st {};
      ::stat(o->path.c_str(), &st);
      capture::PendingDump p;
      p.id = capture::NewDumpId(host, ::getpid());
      p.path = o->path;
      p.trigger = "submitted";
      p.facts = {{"service", o->service},
                 {"pod", o->pod},
                 {"namespace", o->namespace_name},
                 {"host", host},
                 {"submitted_from", o->path},
                 {"dump_started_at", capture::UtcText(st.st_mtim.tv_sec)}};
      nlohmann::ordered_json metadata;
      if (o->as_is) {
        p.facts["id"] = p.id;
        auto stored = StoreAsIs(o->path, p.facts, *store.value());
        if (!stored.ok()) return ReportError(stored.error());
        metadata = std::move(stored.value());
      } else {
        auto key = LoadDumpKey(o->key_file);
        if (!key.ok()) return ReportError(key.error());
        auto complete = capture::CheckDumpComplete(o->path);
        if (complete.ok() && !complete->complete) {
          p.truncated = true;
          p.truncation = complete->reason;
        }
        capture::AgentConfig c;
        c.redact_mode = o->redact;
        c.encrypt = key.value() != nullptr;
        c.threads = 0;
        c.ship_rate = 0;
        std::atomic<bool> stop{false};
        auto shipped = capture::ShipDump(p, c, key.value().get(), *store.value(), stop);
        if (!shipped.ok()) return ReportError(shipped.error());
        metadata = std::move(shipped->metadata);
      }
      auto record = catalog::DumpRecordFromMetadata(metadata.dump());
      if (!record.ok()) return ReportError(record.error());
      auto added = catalog.value()->AddDump(record.value(), o->max_attempts);
      if (!added.ok()) return ReportError(added.error());
      if (o->json) {
        PrintJson(metadata);
      } else {
        fmt::print("{}\n", p.id);
        fmt::print(stderr, "heapscope: {} stored in {} ({}) and queued in {}\n", p.id, store.value()->Location(),
                   Mb(record->size), catalog.value()->Location());
      }
      return 0;
    };
  });
}

void RegisterJobs(CLI::App& app, std::function<int()>& run) {
  struct Options {
    PipelineLocation where;
    std::string state, service;
    size_t limit = 50;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("jobs", "the analysis queue: jobs newest first, and counts by state");
  cmd->add_option("--state", o->state, "only jobs in this state")
      ->check(CLI::IsMember({"queued", "running", "succeeded", "dead"}));
  cmd->add_option("--service", o->service, "only this service's jobs");
  cmd->add_option("--limit", o->limit, "at most this many jobs")->default_val(50);
  cmd->add_flag("--json", o->json, "machine-readable JSON on stdout");
  AddPipelineLocation(cmd, o->where);
  cmd->callback([o, &run] {
    run = [o] {
      auto catalog = catalog::OpenDumpCatalog(o->where.CatalogUrl());
      if (!catalog.ok()) return ReportError(catalog.error());
      catalog::JobFilter filter;
      filter.service = o->service;
      filter.limit = o->limit;
      for (auto st : {catalog::JobState::kQueued, catalog::JobState::kRunning, catalog::JobState::kSucceeded,
                      catalog::JobState::kDead}) {
        if (o->state == catalog::JobStateName(st)) filter.state = st;
      }
      auto jobs = catalog.value()->ListJobs(filter);
      if (!jobs.ok()) return ReportError(jobs.error());
      auto counts = catalog.value()->Counts();
      if (!counts.ok()) return ReportError(counts.error());
      const catalog::QueueCounts& c = counts.value();
      if (o->json) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const catalog::JobRecord& j : jobs.value()) {
          list.push_back({{"id", j.id},
                          {"dump_id", j.dump_id},
                          {"service", j.service},
                          {"state", catalog::JobStateName(j.state)},
                          {"attempt", j.attempt},
                          {"max_attempts", j.max_attempts},
                          {"worker", j.locked_by},
                          {"locked_until_ms", j.locked_until_ms},
                          {"run_after_ms", j.run_after_ms},
                          {"error", j.error},
                          {"result_location", j.result_location},
                          {"created_ms", j.created_ms},
                          {"updated_ms", j.updated_ms}});
        }
        PrintJson({{"catalog", catalog.value()->Location()},
                   {"counts",
                    {{"queued", c.queued},
                     {"running", c.running},
                     {"succeeded", c.succeeded},
                     {"dead", c.dead},
                     {"expired_leases", c.expired_leases}}},
                   {"jobs", list}});
        return 0;
      }
      fmt::print("{:>6}  {:<9}  {:>7}  {:<16}  {:<36}  {:<20}  {}\n", "job", "state", "attempt", "service", "dump",
                 "updated", "worker / error");
      for (const catalog::JobRecord& j : jobs.value()) {
        std::string tail = j.state == catalog::JobState::kDead || (!j.error.empty() && j.state == catalog::JobState::kQueued)
                               ? j.error.substr(0, 120)
                               : j.locked_by;
        fmt::print("{:>6}  {:<9}  {:>7}  {:<16}  {:<36}  {:<20}  {}\n", j.id, catalog::JobStateName(j.state),
                   fmt::format("{}/{}", j.attempt, j.max_attempts), j.service, j.dump_id, TimeText(j.updated_ms),
                   tail);
      }
      fmt::print("{} queued, {} running ({} with an expired lease), {} succeeded, {} dead\n", c.queued, c.running,
                 c.expired_leases, c.succeeded, c.dead);
      return 0;
    };
  });
}

void RegisterResults(CLI::App& app, std::function<int()>& run) {
  struct Options {
    PipelineLocation where;
    std::string service;
    size_t limit = 20;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("results", "a service's analyzed dumps over time, with their leak suspects");
  cmd->add_option("--service", o->service, "the service")->required();
  cmd->add_option("--limit", o->limit, "the newest this many results")->default_val(20);
  cmd->add_flag("--json", o->json, "machine-readable JSON on stdout");
  AddPipelineLocation(cmd, o->where);
  cmd->callback([o, &run] {
    run = [o] {
      auto catalog = catalog::OpenDumpCatalog(o->where.CatalogUrl());
      if (!catalog.ok()) return ReportError(catalog.error());
      auto results = catalog.value()->Results(o->service, o->limit);
      if (!results.ok()) return ReportError(results.error());
      if (o->json) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const catalog::AnalysisResult& r : results.value()) {
          nlohmann::ordered_json suspects = nlohmann::ordered_json::array();
          for (const catalog::SuspectRow& s : r.suspects) {
            suspects.push_back({{"rank", s.rank},
                                {"kind", s.kind},
                                {"class", s.class_name},
                                {"retained_bytes", s.retained_bytes},
                                {"retained_percent", s.retained_percent},
                                {"count", s.count},
                                {"title", s.title},
                                {"signature", s.signature}});
          }
          const auto summary = nlohmann::ordered_json::parse(r.summary_json, nullptr, false);
          list.push_back({{"dump_id", r.dump_id},
                          {"captured_ms", r.captured_ms},
                          {"heap_bytes", r.heap_bytes},
                          {"objects", r.object_count},
                          {"result_location", r.result_location},
                          {"worker", r.worker},
                          {"completed_ms", r.completed_ms},
                          {"suspects", suspects},
                          {"summary", summary.is_discarded() ? nullptr : summary}});
        }
        PrintJson({{"service", o->service}, {"results", list}});
        return 0;
      }
      if (results->empty()) {
        fmt::print("no results for service \"{}\" yet\n", o->service);
        return 0;
      }
      for (const catalog::AnalysisResult& r : results.value()) {
        fmt::print("{}  {}  heap {}  {} objects  {} suspect(s)  report {}\n", TimeText(r.captured_ms), r.dump_id,
                   Mb(r.heap_bytes), r.object_count, r.suspects.size(), r.result_location);
        for (const catalog::SuspectRow& s : r.suspects) {
          fmt::print("    #{} [{}] {} ({})\n", s.rank, s.kind, s.title, Mb(s.retained_bytes));
        }
      }
      return 0;
    };
  });
}

}  // namespace heapscope::cli
