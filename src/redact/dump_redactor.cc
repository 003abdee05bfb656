#include "redact/dump_redactor.h"

#include <algorithm>
#include <array>
#include <string_view>

#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include "heap/field_layout.h"
#include "heap/heap_scan.h"
#include "hprof/big_endian.h"
#include "redact/array_text.h"

namespace heapscope::redact {
namespace {

using heap::ClassIdx;
using heap::kNoClass;
using hprof::BasicType;

// Primitive fields `all` keeps, when a JDK class declares them: the counts
// the analyses read (collection sizes and capacities, queue lengths, thread
// state) and the String coder, without which no String decodes.
constexpr std::string_view kKeptJdkFields[] = {"size",  "count", "elementCount", "baseCount",     "capacity",
                                               "head",  "tail",  "queueLength",  "threadStatus",  "daemon",
                                               "coder"};
// Counters whose `value` is a collection's count (LinkedBlockingQueue,
// ConcurrentHashMap), not data.
constexpr std::string_view kCounterClasses[] = {"java.util.concurrent.atomic.AtomicInteger",
                                                "java.util.concurrent.atomic.AtomicLong",
                                                "java.util.concurrent.ConcurrentHashMap$CounterCell"};

bool IsJdkClass(std::string_view name) {
  return name.starts_with("java.") || name.starts_with("jdk.") || name.starts_with("sun.");
}

struct ZeroRange {
  uint32_t offset;
  uint8_t size;
};

// The input's bytes by stream offset, so the writer copies everything
// between the values it rewrites. A mapped dump is its own copy; a stream
// (gzip, encrypted) is teed: chunks are kept from the last copied offset on.
class TeeSource final : public hprof::ChunkSource {
 public:
  explicit TeeSource(std::unique_ptr<hprof::ChunkSource> inner) : inner_(std::move(inner)) {}
  Result<std::span<const uint8_t>> Next() override {
    auto chunk = inner_->Next();
    if (chunk.ok()) kept_.insert(kept_.end(), chunk->begin(), chunk->end());
    return chunk;
  }
  uint64_t InputBytesRead() const override { return inner_->InputBytesRead(); }
  uint64_t InputSize() const override { return inner_->InputSize(); }

  // Writes [from, to) and forgets everything before `to`.
  Status CopyTo(hprof::ByteSink& out, uint64_t from, uint64_t to) {
    if (from < base_ || to > base_ + kept_.size()) {
      return Error{ErrorKind::kInternal, fmt::format("redaction lost bytes {}..{} of the stream", from, to), kNoOffset, {}};
    }
    Status s = out.Write({kept_.data() + (from - base_), static_cast<size_t>(to - from)});
    kept_.erase(kept_.begin(), kept_.begin() + static_cast<ptrdiff_t>(to - base_));
    base_ = to;
    return s;
  }
  uint64_t end() const { return base_ + kept_.size(); }

 private:
  std::unique_ptr<hprof::ChunkSource> inner_;
  std::vector<uint8_t> kept_;  // stream bytes [base_, base_ + kept_.size())
  uint64_t base_ = 0;
};

// The ids that class-filtered instances hold in one reference field.
class FieldTargets : public hprof::HeapVisitorBase {
 public:
  static constexpr bool kWantInstanceData = true;
  FieldTargets(const heap::ClassTable& t, std::vector<int64_t> offset_by_class, const absl::flat_hash_set<uint64_t>* only,
               uint32_t id_size)
      : t_(t), offset_(std::move(offset_by_class)), only_(only), id_size_(id_size) {}
  void OnInstance(uint64_t, uint64_t id, uint64_t class_id, uint32_t length, std::span<const uint8_t> data) {
    const ClassIdx c = t_.Find(class_id);
    if (c == kNoClass || offset_[c] < 0 || offset_[c] + id_size_ > length) return;
    if (only_ && !only_->contains(id)) return;
    if (uint64_t target = hprof::LoadId(data.data() + offset_[c], id_size_)) found.insert(target);
  }
  absl::flat_hash_set<uint64_t> found;

 private:
  const heap::ClassTable& t_;
  std::vector<int64_t> offset_;
  const absl::flat_hash_set<uint64_t>* only_;
  uint32_t id_size_;
};

struct NoTop : hprof::TopVisitorBase {};

class RedactWriter : public hprof::HeapVisitorBase {
 public:
  static constexpr bool kWantInstanceData = true;
  static constexpr bool kWantPrimitiveArrayData = true;

  RedactWriter(const RedactOptions& o, const heap::HeapScan& scan, const std::vector<std::vector<ZeroRange>>& zero,
               const absl::flat_hash_set<uint64_t>& keep, hprof::ByteSink& out, const hprof::MappedFile& mapped,
               TeeSource* tee)
      : o_(o), t_(scan.classes), zero_(zero), keep_(keep), out_(out), mapped_(mapped), tee_(tee),
        id_size_(scan.read.header.id_size) {
    if (o.matcher) {
      scratch_ = o.matcher->NewScratch();
      stats.masked_by_rule.assign(o.matcher->rules().size(), 0);
    }
  }

  void OnInstance(uint64_t offset, uint64_t, uint64_t class_id, uint32_t length, std::span<const uint8_t> data) {
    const ClassIdx c = t_.Find(class_id);
    if (c == kNoClass || zero_[c].empty() || !status.ok()) return;
    buffer_.assign(data.begin(), data.end());
    for (const ZeroRange& z : zero_[c]) {
      if (z.offset + z.size > length) break;
      std::fill_n(buffer_.begin() + z.offset, z.size, 0);
      ++stats.fields_zeroed;
    }
    Replace(offset + 1 + id_size_ + 4 + id_size_ + 4, buffer_);
  }

  void OnPrimitiveArray(uint64_t offset, uint64_t id, BasicType type, uint32_t, std::span<const uint8_t> data,
                        bool) {
    if (data.empty() || !status.ok()) return;
    const uint64_t at = offset + 1 + id_size_ + 4 + 4 + 1;
    const bool text = IsTextArray(type);
    if (o_.mode == RedactMode::kSecrets) {
      if (text) Mask(at, type, data);
      return;
    }
    if (!text && o_.mode != RedactMode::kAll) return;
    if (!keep_.empty() && keep_.contains(id)) {
      ++stats.thread_names_kept;
      return;
    }
    buffer_.assign(data.size(), 0);
    ++stats.arrays_blanked;
    Replace(at, buffer_);
  }

  void OnClassDump(const hprof::ClassDumpRecord& cd) {
    if (o_.mode != RedactMode::kAll || !status.ok()) return;
    uint64_t at = cd.statics_offset;
    for (const hprof::StaticField& f : cd.statics) {
      const uint32_t size = hprof::BasicTypeSize(static_cast<uint8_t>(f.type), id_size_);
      if (f.type != BasicType::kObject) {
        buffer_.assign(size, 0);
        Replace(at + id_size_ + 1, buffer_);
        ++stats.statics_zeroed;
      }
      at += id_size_ + 1 + size;
    }
  }

  // Copies the rest of the input.
  Status Finish(uint64_t end) {
    if (status.ok()) Copy(end);
    stats.bytes = done_;
    return status;
  }

  RedactStats stats;
  Status status;

 private:
  void Mask(uint64_t at, BasicType type, std::span<const uint8_t> data) {
    const int readings = ReadArrayText(type, data, texts_);
    bool masked = false;
    for (int r = 0; r < readings; ++r) {
      o_.matcher->Find(texts_[r].text, scratch_, [&](const SecretSpan& s) {
        if (!masked) buffer_.assign(data.begin(), data.end());
        masked = true;
        MaskCharacters(texts_[r].encoding, buffer_, s.begin, s.end);
        ++stats.masked_by_rule[s.rule];
      });
    }
    if (!masked) return;
    ++stats.arrays_masked;
    Replace(at, buffer_);
  }

  void Copy(uint64_t to) {
    if (to <= done_ || !status.ok()) return;
    if (tee_) {
      status = tee_->CopyTo(out_, done_, to);
      done_ = to;
      return;
    }
    // The copy trails the parser, so it touches pages the parser already
    // handed back (or skipped: a huge object array is never read but here);
    // hand them back again, a piece at a time.
    while (done_ < to && status.ok()) {
      const uint64_t end = std::min(to, done_ + kReleaseStep);
      status = out_.Write(mapped_.bytes().subspan(done_, end - done_));
      done_ = end;
      if (done_ - released_ >= kReleaseStep) {
        mapped_.Release(released_, done_ - released_);
        released_ = done_;
      }
    }
  }
  // Writes `bytes` in place of the input's bytes at [at, at + size).
  void Replace(uint64_t at, std::span<const uint8_t> bytes) {
    Copy(at);
    if (!status.ok()) return;
    status = out_.Write(bytes);
    if (tee_ && status.ok()) status = tee_->CopyTo(null_, at, at + bytes.size());
    done_ = at + bytes.size();
  }

  // Swallows the input bytes a Replace stands for.
  struct NullSink final : hprof::ByteSink {
    Status Write(std::span<const uint8_t>) override { return {}; }
    Status Finish() override { return {}; }
    uint64_t BytesIn() const override { return 0; }
  } null_;

  const RedactOptions& o_;
  const heap::ClassTable& t_;
  const std::vector<std::vector<ZeroRange>>& zero_;
  const absl::flat_hash_set<uint64_t>& keep_;
  hprof::ByteSink& out_;
  const hprof::MappedFile& mapped_;
  TeeSource* tee_;
  uint32_t id_size_;
  uint64_t done_ = 0;  // input bytes [0, done_) are written
  uint64_t released_ = 0;
  static constexpr uint64_t kReleaseStep = uint64_t{16} << 20;
  std::vector<uint8_t> buffer_;
  SecretMatcher::Scratch scratch_;
  ArrayText texts_[3];
};

std::vector<std::vector<ZeroRange>> ZeroRanges(const heap::HeapScan& scan, RedactMode mode,
                                               const std::vector<std::vector<heap::FieldPlace>>& places) {
  const heap::ClassTable& t = scan.classes;
  std::vector<std::vector<ZeroRange>> zero(t.size());
  auto field_name = [&](const heap::FieldPlace& f) -> std::string_view {
    auto n = scan.names.find(t.fields[f.field].name_id);
    return n == scan.names.end() ? std::string_view() : std::string_view(n->second);
  };
  for (ClassIdx c = 0; c < t.size(); ++c) {
    for (const heap::FieldPlace& f : places[c]) {
      if (f.type == BasicType::kObject) continue;
      const std::string_view name = field_name(f);
      const std::string& declarer = t.name[f.declared_by];
      bool zero_it = false;
      if (f.declared_by == t.java_lang_string && (name == "hash" || name == "hashIsZero")) {
        zero_it = true;
      } else if (mode == RedactMode::kAll) {
        const bool kept = IsJdkClass(declarer) &&
                          (std::find(std::begin(kKeptJdkFields), std::end(kKeptJdkFields), name) != std::end(kKeptJdkFields) ||
                           (name == "value" && std::find(std::begin(kCounterClasses), std::end(kCounterClasses), declarer) !=
                                                   std::end(kCounterClasses)));
        zero_it = !kept;
      }
      if (zero_it) zero[c].push_back({f.offset, f.size});
    }
  }
  return zero;
}

// One in-order pass with one visitor.
template <class Visitor>
Status Pass(const std::string& path, hprof::ReadOptions read, std::vector<Visitor>& one) {
  auto input = hprof::DumpInput::Open(path, read.threads, read.key.get());
  if (!input.ok()) return input.error();
  NoTop top;
  read.threads = 1;
  auto sum = hprof::ReadDump(input.value(), read, top, one);
  if (!sum.ok()) return sum.error();
  return {};
}

// The value arrays of every Thread's name.
Result<absl::flat_hash_set<uint64_t>> ThreadNameArrays(const std::string& path, const RedactOptions& o,
                                                        const heap::HeapScan& scan,
                                                        const std::vector<std::vector<heap::FieldPlace>>& places) {
  const heap::ClassTable& t = scan.classes;
  const ClassIdx thread = t.FindByName("java.lang.Thread");
  auto offsets = [&](auto wanted, std::string_view field) {
    std::vector<int64_t> off(t.size(), -1);
    for (ClassIdx c = 0; c < t.size(); ++c) {
      if (!wanted(c)) continue;
      for (const heap::FieldPlace& f : places[c]) {
        auto n = scan.names.find(t.fields[f.field].name_id);
        if (f.type == BasicType::kObject && n != scan.names.end() && n->second == field) {
          off[c] = f.offset;
          break;
        }
      }
    }
    return off;
  };
  const uint32_t id_size = scan.read.header.id_size;
  std::vector<FieldTargets> names;
  names.emplace_back(t, offsets([&](ClassIdx c) { return t.IsSubclass(c, thread); }, "name"), nullptr, id_size);
  if (Status s = Pass(path, o.read, names); !s.ok()) return s.error();
  std::vector<FieldTargets> values;
  values.emplace_back(t, offsets([&](ClassIdx c) { return c == t.java_lang_string; }, "value"), &names[0].found,
                      id_size);
  if (Status s = Pass(path, o.read, values); !s.ok()) return s.error();
  return std::move(values[0].found);
}

}  // namespace

Result<RedactStats> RedactDump(const std::string& in_path, hprof::ByteSink& out, const RedactOptions& o) {
  if (o.mode == RedactMode::kSecrets && !o.matcher) {
    return Error{ErrorKind::kInternal, "secrets mode without a matcher", kNoOffset, {}};
  }
  auto scanned = heap::ScanHeapFile(in_path, heap::ScanOptions{o.read});
  if (!scanned.ok()) return scanned.error();
  const heap::HeapScan& scan = scanned.value();
  const auto places = heap::InstanceFieldPlaces(scan.classes, scan.read.header.id_size);
  const auto zero = ZeroRanges(scan, o.mode, places);
  absl::flat_hash_set<uint64_t> keep;
  if (o.keep_thread_names && o.mode != RedactMode::kSecrets) {
    auto k = ThreadNameArrays(in_path, o, scan, places);
    if (!k.ok()) return k.error();
    keep = std::move(k.value());
  }

  auto input = hprof::DumpInput::Open(in_path, o.read.threads, o.read.key.get());
  if (!input.ok()) return input.error();
  TeeSource* tee = nullptr;
  if (input->encoding != hprof::DumpEncoding::kPlain) {
    auto owned = std::make_unique<TeeSource>(std::move(input->chunks));
    tee = owned.get();
    input->chunks = std::move(owned);
  }
  std::vector<RedactWriter> writer;
  writer.emplace_back(o, scan, zero, keep, out, input->mapped, tee);
  NoTop top;
  hprof::ReadOptions read = o.read;
  read.threads = 1;  // the output is written in dump order
  auto sum = hprof::ReadDump(input.value(), read, top, writer);
  if (!sum.ok()) return sum.error();
  if (!writer[0].status.ok()) return writer[0].status.error();
  if (sum->truncated) {
    return Error::BadInput(fmt::format("the dump is truncated ({}); a redacted copy would be too", sum->truncation));
  }
  const uint64_t end = tee ? tee->end() : input->mapped.size();
  if (Status s = writer[0].Finish(end); !s.ok()) return s.error();
  return writer[0].stats;
}

}  // namespace heapscope::redact
