#include "redact/dump_redactor.h"

#include <algorithm>
#include <array>
#include <optional>
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

// The scan and the writer read the file apart: one still being written (or
// replaced) between them gives answers that don't fit together, and what the
// scan learnt (the classes, where the cut is) no longer holds.
Error DumpChanged(std::string_view how) {
  return Error::BadInput(fmt::format("the dump changed while it was redacted: {}", how));
}

struct ZeroRange {
  uint32_t offset;
  uint8_t size;
};

// The decoded stream of a compressed or encrypted dump, as the reader pulls
// it. It counts the bytes, so the stream's length is known once it is read,
// and with `tee` keeps them from the last copied offset on, so the writer can
// copy everything between the values it rewrites (a mapped dump is its own
// copy).
//
// With allow_truncated, a source cut short (a gzip member that stops) ends
// the stream instead of failing it: the reader then meets the cut on its own
// and measures what it lost in stream offsets. The source's error places
// the cut in the compressed file, which says nothing about which stream
// bytes belong to a whole record.
class DecodedStream final : public hprof::ChunkSource {
 public:
  DecodedStream(std::unique_ptr<hprof::ChunkSource> inner, bool tee, bool allow_truncated)
      : inner_(std::move(inner)), tee_(tee), allow_truncated_(allow_truncated) {}
  Result<std::span<const uint8_t>> Next() override {
    auto chunk = inner_->Next();
    if (!chunk.ok()) {
      if (!chunk.error().truncated || !allow_truncated_) return chunk;
      if (!cut_) cut_ = chunk.error();
      return std::span<const uint8_t>();
    }
    end_ += chunk->size();
    if (tee_) kept_.insert(kept_.end(), chunk->begin(), chunk->end());
    return chunk;
  }
  uint64_t InputBytesRead() const override { return inner_->InputBytesRead(); }
  uint64_t InputSize() const override { return inner_->InputSize(); }

  // Writes [from, to) and forgets everything before `to`.
  Status CopyTo(hprof::ByteSink& out, uint64_t from, uint64_t to) {
    const uint8_t* bytes = At(from, to - from);
    if (!bytes) {
      return Error{ErrorKind::kInternal, fmt::format("redaction lost bytes {}..{} of the stream", from, to), kNoOffset, {}};
    }
    Status s = out.Write({bytes, static_cast<size_t>(to - from)});
    kept_.erase(kept_.begin(), kept_.begin() + static_cast<ptrdiff_t>(to - base_));
    base_ = to;
    return s;
  }
  // The kept bytes [at, at + n), or null when they are not all kept.
  const uint8_t* At(uint64_t at, uint64_t n) const {
    if (at < base_ || at + n > base_ + kept_.size()) return nullptr;
    return kept_.data() + (at - base_);
  }
  uint64_t end() const { return end_; }
  const std::optional<Error>& cut() const { return cut_; }

 private:
  std::unique_ptr<hprof::ChunkSource> inner_;
  bool tee_;
  bool allow_truncated_;
  std::vector<uint8_t> kept_;  // stream bytes [base_, base_ + kept_.size())
  uint64_t base_ = 0;
  uint64_t end_ = 0;  // stream bytes delivered
  std::optional<Error> cut_;
};

// A dump opened for one pass.
struct OpenedDump {
  hprof::DumpInput input;
  DecodedStream* stream = nullptr;  // in input.chunks; null for a plain dump
  // Decoded bytes, once a pass has read them all.
  uint64_t size() const { return stream ? stream->end() : input.mapped.size(); }
};

Result<OpenedDump> OpenDump(const std::string& path, const hprof::ReadOptions& read, bool tee) {
  auto input = hprof::DumpInput::Open(path, read.threads, read.key.get());
  if (!input.ok()) return input.error();
  OpenedDump d{std::move(input.value())};
  if (d.input.encoding != hprof::DumpEncoding::kPlain) {
    auto owned = std::make_unique<DecodedStream>(std::move(d.input.chunks), tee, read.allow_truncated);
    d.stream = owned.get();
    d.input.chunks = std::move(owned);
  }
  return d;
}

// Where the whole records of a read end. Only they are written: the rest of
// a cut record may be the first half of a password, and a half-record is
// never redacted (no visitor sees it).
struct Cut {
  bool truncated = false;
  uint64_t size = 0;  // decoded bytes
  uint64_t end = 0;   // the cut record, or sub-record of a cut heap dump record, starts here
  std::string what;
  bool operator==(const Cut& o) const {
    return truncated == o.truncated && size == o.size && end == o.end;
  }
};

Result<Cut> CutOf(const hprof::ReadSummary& sum, const OpenedDump& d) {
  Cut c;
  c.size = d.size();
  // The reader counts from the start of what it could not read to the end
  // of the stream, in stream offsets on both paths (see DecodedStream).
  const uint64_t lost = sum.stats.bytes_lost_to_truncation;
  if (lost > c.size - sum.header.size) {
    return Error{ErrorKind::kInternal, fmt::format("the reader lost {} of {} bytes", lost, c.size), kNoOffset, {}};
  }
  c.end = c.size - lost;
  c.truncated = sum.truncated;
  c.what = sum.truncation;
  if (d.stream && d.stream->cut()) {
    // A stream cut after its last whole record reads as whole; it is still
    // a cut file, and a 1.0.1 dump there may have lost whole records.
    c.truncated = true;
    c.what += fmt::format("{}the compressed input is cut short: {}", c.what.empty() ? "" : "; ",
                          d.stream->cut()->ToString());
  }
  return c;
}

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
               const absl::flat_hash_set<uint64_t>& keep, const Cut& cut, hprof::ByteSink& out,
               const hprof::MappedFile& mapped, DecodedStream* tee)
      : o_(o), t_(scan.classes), zero_(zero), keep_(keep), out_(out), mapped_(mapped), tee_(tee),
        id_size_(scan.read.header.id_size), truncated_(cut.truncated), end_(cut.truncated ? cut.end : ~uint64_t{0}) {
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

  // The heap dump record the cut falls in keeps its whole sub-records (the
  // parser visited them, so they are redacted), not the cut one.
  void OnSegmentStart(uint64_t body) {
    if (!truncated_ || !status.ok() || body > end_) return;
    const uint64_t record = body - hprof::kRecordHeaderSize;
    const uint8_t* header = InputAt(record, hprof::kRecordHeaderSize);
    if (!header) {
      status = Error{ErrorKind::kInternal, fmt::format("redaction lost the record header at byte {}", record),
                     kNoOffset, {}};
      return;
    }
    if (header[0] == static_cast<uint8_t>(hprof::RecordTag::kHeapDumpSegment)) copied_segment_ = true;
    const uint64_t declared = hprof::LoadU4(header + 5);
    if (body + declared <= end_) return;  // whole; the cut comes later
    // Its length is set to what is written, as a reader would otherwise
    // look for the rest. 0 when nothing in it is whole: the record is kept
    // all the same, as the mark of the cut (see Finish). Over 4 GiB it
    // wraps, as HotSpot's 1.0.1 lengths do.
    const auto kept = static_cast<uint32_t>(end_ - body);
    const std::array<uint8_t, 4> length = {static_cast<uint8_t>(kept >> 24), static_cast<uint8_t>(kept >> 16),
                                           static_cast<uint8_t>(kept >> 8), static_cast<uint8_t>(kept)};
    Replace(record + 5, length);
    cut_note = fmt::format("{} at byte {} is cut to its whole sub-records, {} of {} bytes",
                           hprof::RecordTagName(header[0]), record, end_ - body, declared);
  }

  // Copies the rest of the input, up to the cut of a truncated dump. With
  // `mark_cut`, the copy must read as truncated: it does when it holds a
  // HEAP_DUMP_SEGMENT and no HEAP_DUMP_END (the last record, so the cut came
  // before it; unless only a compressed stream's trailer is missing, and
  // then the dump is whole). A copy cut before its first segment, or of a
  // 1.0.1 dump, which has none, would read as a whole dump with fewer
  // records, so it gets an empty segment as its last record.
  Status Finish(uint64_t size, bool mark_cut) {
    if (status.ok()) Copy(std::min(size, end_));
    stats.bytes = done_;
    if (status.ok() && mark_cut && !copied_segment_) {
      constexpr std::array<uint8_t, hprof::kRecordHeaderSize> kEmptySegment = {
          static_cast<uint8_t>(hprof::RecordTag::kHeapDumpSegment)};  // time and length 0
      status = out_.Write(kEmptySegment);
      stats.bytes += kEmptySegment.size();
      if (!cut_note.empty()) cut_note += "; ";
      cut_note += "an empty HEAP_DUMP_SEGMENT ends the copy to mark the cut";
    }
    return status;
  }
  // What a cut heap dump record became, "" when the cut is elsewhere.
  std::string cut_note;

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
    if (to > end_) {
      status = PastTheCut(to);
      return;
    }
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
    if (at + bytes.size() > end_) {
      status = PastTheCut(at + bytes.size());
      return;
    }
    status = out_.Write(bytes);
    if (tee_ && status.ok()) status = tee_->CopyTo(null_, at, at + bytes.size());
    done_ = at + bytes.size();
  }

  Error PastTheCut(uint64_t to) const {
    return DumpChanged(fmt::format("the scan found it cut at byte {}, the copy reached byte {}", end_, to));
  }
  const uint8_t* InputAt(uint64_t at, uint64_t n) const {
    if (tee_) return tee_->At(at, n);
    return at + n <= mapped_.size() ? mapped_.bytes().data() + at : nullptr;
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
  DecodedStream* tee_;
  uint32_t id_size_;
  bool truncated_;
  uint64_t end_;       // input bytes from here on are never written
  bool copied_segment_ = false;  // a HEAP_DUMP_SEGMENT record is in the copy (tracked only when truncated_)
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
  auto d = OpenDump(path, read, /*tee=*/false);
  if (!d.ok()) return d.error();
  NoTop top;
  read.threads = 1;
  auto sum = hprof::ReadDump(d->input, read, top, one);
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

struct Scanned {
  heap::HeapScan scan;
  Cut cut;
};

// The class-table pass, which also finds where a truncated dump's whole
// records end: the writer must know it before it gets there, to write the
// length of a cut segment ahead of its body.
Result<Scanned> Scan(const std::string& path, const hprof::ReadOptions& read) {
  auto d = OpenDump(path, read, /*tee=*/false);
  if (!d.ok()) return d.error();
  auto scan = heap::ScanHeap(d->input, heap::ScanOptions{read});
  if (!scan.ok()) return scan.error();
  auto cut = CutOf(scan->read, d.value());
  if (!cut.ok()) return cut.error();
  return Scanned{std::move(scan.value()), std::move(cut.value())};
}

}  // namespace

Result<RedactStats> RedactDump(const std::string& in_path, hprof::ByteSink& out, const RedactOptions& o) {
  if (o.mode == RedactMode::kSecrets && !o.matcher) {
    return Error{ErrorKind::kInternal, "secrets mode without a matcher", kNoOffset, {}};
  }
  auto scanned = Scan(in_path, o.read);
  if (!scanned.ok()) return scanned.error();
  const heap::HeapScan& scan = scanned->scan;
  const Cut& cut = scanned->cut;
  const auto places = heap::InstanceFieldPlaces(scan.classes, scan.read.header.id_size);
  const auto zero = ZeroRanges(scan, o.mode, places);
  absl::flat_hash_set<uint64_t> keep;
  if (o.keep_thread_names && o.mode != RedactMode::kSecrets) {
    auto k = ThreadNameArrays(in_path, o, scan, places);
    if (!k.ok()) return k.error();
    keep = std::move(k.value());
  }

  auto d = OpenDump(in_path, o.read, /*tee=*/true);
  if (!d.ok()) return d.error();
  std::vector<RedactWriter> writer;
  writer.emplace_back(o, scan, zero, keep, cut, out, d->input.mapped, d->stream);
  NoTop top;
  hprof::ReadOptions read = o.read;
  read.threads = 1;  // the output is written in dump order
  auto sum = hprof::ReadDump(d->input, read, top, writer);
  if (!sum.ok()) return sum.error();
  if (!writer[0].status.ok()) return writer[0].status.error();
  auto again = CutOf(sum.value(), d.value());
  if (!again.ok()) return again.error();
  if (again.value() != cut) {
    return DumpChanged(fmt::format("the scan read {} bytes, whole up to byte {}; the copy {}, whole up to byte {}",
                                   cut.size, cut.end, again->size, again->end));
  }
  if (Status s = writer[0].Finish(cut.size, cut.truncated); !s.ok()) return s.error();
  RedactStats stats = std::move(writer[0].stats);
  if (cut.truncated) {
    stats.truncated = true;
    stats.truncation = cut.what;
    if (!writer[0].cut_note.empty()) stats.truncation += "; " + writer[0].cut_note;
    stats.dropped_bytes = cut.size - cut.end;
  }
  return stats;
}

}  // namespace heapscope::redact
