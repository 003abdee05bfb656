#include "capture/dump_shipper.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "hprof/dump_input.h"
#include "hprof/encrypted_writer.h"
#include "hprof/gzip_writer.h"
#include "redact/dump_redactor.h"
#include "redact/secret_matcher.h"
#include "redact/secret_rules.h"

namespace heapscope::capture {
namespace {

using Clock = std::chrono::steady_clock;

// The first stage the plaintext meets: stops the pass when the agent is
// told to stop, and paces it to config.ship_rate so shipping a big dump
// doesn't starve the node's disk.
class PacedSink final : public hprof::ByteSink {
 public:
  PacedSink(std::unique_ptr<hprof::ByteSink> next, uint64_t rate, const std::atomic<bool>& stop)
      : next_(std::move(next)), rate_(rate), stop_(stop), start_(Clock::now()) {}

  Status Write(std::span<const uint8_t> bytes) override {
    constexpr size_t kPiece = size_t{1} << 20;
    while (!bytes.empty()) {
      if (stop_.load()) return Error::Io("shipping stopped: the agent is shutting down");
      const auto piece = bytes.first(std::min(kPiece, bytes.size()));
      if (Status s = next_->Write(piece); !s.ok()) return s;
      in_ += piece.size();
      bytes = bytes.subspan(piece.size());
      if (rate_) {
        const auto due = start_ + std::chrono::duration<double>(static_cast<double>(in_) / static_cast<double>(rate_));
        std::this_thread::sleep_until(std::chrono::time_point_cast<Clock::duration>(due));
      }
    }
    return {};
  }
  Status Finish() override { return next_->Finish(); }
  uint64_t BytesIn() const override { return in_; }

 private:
  std::unique_ptr<hprof::ByteSink> next_;
  uint64_t rate_;
  const std::atomic<bool>& stop_;
  Clock::time_point start_;
  uint64_t in_ = 0;
};

// Counts what reaches the store.
class CountingSink final : public hprof::ByteSink {
 public:
  explicit CountingSink(std::unique_ptr<hprof::ByteSink> next) : next_(std::move(next)) {}
  Status Write(std::span<const uint8_t> bytes) override {
    in_ += bytes.size();
    return next_->Write(bytes);
  }
  Status Finish() override { return next_->Finish(); }
  uint64_t BytesIn() const override { return in_; }

 private:
  std::unique_ptr<hprof::ByteSink> next_;
  uint64_t in_ = 0;
};

// redact_mode = none: the decoded dump as it is.
Result<uint64_t> CopyDump(const std::string& path, hprof::ByteSink& out, int threads) {
  auto input = hprof::DumpInput::Open(path, threads);
  if (!input.ok()) return input.error();
  uint64_t total = 0;
  if (input->encoding == hprof::DumpEncoding::kPlain) {
    const auto bytes = input->mapped.bytes();
    constexpr size_t kPiece = size_t{16} << 20;
    for (size_t at = 0; at < bytes.size(); at += kPiece) {
      const auto piece = bytes.subspan(at, std::min(kPiece, bytes.size() - at));
      if (Status s = out.Write(piece); !s.ok()) return s.error();
      input->mapped.Release(at, piece.size());
      total += piece.size();
    }
    return total;
  }
  for (;;) {
    auto chunk = input->chunks->Next();
    if (!chunk.ok()) return chunk.error();
    if (chunk->empty()) return total;
    if (Status s = out.Write(chunk.value()); !s.ok()) return s.error();
    total += chunk->size();
  }
}


}  // namespace

std::string DataKeyOf(const std::string& id, bool encrypted) {
  return fmt::format("dumps/{}/dump.hprof.gz{}", id, encrypted ? ".hsc" : "");
}
std::string MetadataKeyOf(const std::string& id) { return fmt::format("dumps/{}/metadata.json", id); }

Result<bool> IsShipped(store::ObjectStore& store, const std::string& id) { return store.Exists(MetadataKeyOf(id)); }

Result<ShipReport> ShipDump(const PendingDump& dump, const AgentConfig& c, const hprof::DumpKey* key,
                            store::ObjectStore& store, const std::atomic<bool>& stop) {
  const auto start = Clock::now();
  if (c.encrypt && !key) return Error::Usage("encrypt = true but no key was loaded");
  ShipReport report;
  report.data_key = DataKeyOf(dump.id, c.encrypt);
  auto object = store.Put(report.data_key);
  if (!object.ok()) return object.error();
  auto counted = std::make_unique<CountingSink>(std::move(object.value()));
  CountingSink* stored = counted.get();
  std::unique_ptr<hprof::ByteSink> sink = std::move(counted);
  if (c.encrypt) sink = hprof::CreateEncryptingSink(std::move(sink), *key, c.threads);
  sink = hprof::CreateGzipBlockSink(std::move(sink), {.threads = c.threads});
  sink = std::make_unique<PacedSink>(std::move(sink), c.ship_rate, stop);

  nlohmann::ordered_json redaction = {{"mode", c.redact_mode}};
  if (c.redact_mode == "none") {
    auto copied = CopyDump(dump.path, *sink, c.threads);
    if (!copied.ok()) return copied.error();
  } else {
    redact::RedactOptions ro;
    ro.mode = c.redact_mode == "secrets" ? redact::RedactMode::kSecrets
              : c.redact_mode == "all"   ? redact::RedactMode::kAll
                                         : redact::RedactMode::kStrings;
    ro.read.threads = c.threads;
    ro.read.allow_truncated = dump.truncated;
    std::shared_ptr<const redact::SecretMatcher> matcher;
    if (ro.mode == redact::RedactMode::kSecrets) {
      auto m = redact::SecretMatcher::Compile(redact::BuiltInSecretRules());
      if (!m.ok()) return m.error();
      matcher = m.value();
      ro.matcher = matcher.get();
    }
    auto stats = redact::RedactDump(dump.path, *sink, ro);
    if (!stats.ok()) return stats.error();
    uint64_t masked = 0;
    for (uint64_t n : stats->masked_by_rule) masked += n;
    redaction["arrays_blanked"] = stats->arrays_blanked;
    redaction["secrets_masked"] = masked;
    redaction["fields_zeroed"] = stats->fields_zeroed;
    redaction["statics_zeroed"] = stats->statics_zeroed;
    if (stats->truncated) {
      redaction["truncation"] = stats->truncation;
      redaction["dropped_bytes"] = stats->dropped_bytes;  // of the cut record, never shipped
    }
  }
  report.dump_bytes = sink->BytesIn();
  if (Status s = sink->Finish(); !s.ok()) return s.error();
  report.stored_bytes = stored->BytesIn();

  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  nlohmann::ordered_json m = dump.facts;
  m["id"] = dump.id;
  m["trigger"] = dump.trigger;
  m["complete"] = !dump.truncated;
  if (dump.truncated) m["truncation"] = dump.truncation;
  m["dump"] = {{"key", report.data_key},
               {"format", c.encrypt ? "hprof+gzip-blocks+hscrypt1" : "hprof+gzip-blocks"},
               {"encrypted", c.encrypt},
               {"key_id", key ? key->IdHex() : ""},
               {"hprof_bytes", report.dump_bytes},
               {"stored_bytes", report.stored_bytes}};
  m["redaction"] = redaction;
  m["shipped_at"] = UtcText(std::time(nullptr));
  m["shipped_by"] = {{"host", host}, {"store", store.Location()}, {"attempt", dump.attempts + 1}};
  // Facts come from other processes (a JVM's reply cut at 1024 bytes may
  // end inside a character): invalid UTF-8 is replaced, never thrown.
  const std::string text = m.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // Last: from here on the dump counts as shipped.
  if (Status s = store.PutBytes(MetadataKeyOf(dump.id), {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
      !s.ok()) {
    return s.error();
  }
  report.metadata = std::move(m);
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace heapscope::capture
