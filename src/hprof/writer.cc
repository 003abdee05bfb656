#include "hprof/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace heapscope::hprof {

namespace {

// A file-backed writer hands its buffer to the kernel in pieces this big:
// large enough that write() calls are rare, small enough to be irrelevant
// next to the dump.
constexpr size_t kDrainSize = 1u << 20;

uint32_t ValueSize(BasicType type, uint32_t id_size) {
  return BasicTypeSize(static_cast<uint8_t>(type), id_size);
}

uint8_t RootTag(RootKind kind) {
  switch (kind) {
    case RootKind::kUnknown: return 0xFF;
    case RootKind::kJniGlobal: return 0x01;
    case RootKind::kJniLocal: return 0x02;
    case RootKind::kJavaFrame: return 0x03;
    case RootKind::kNativeStack: return 0x04;
    case RootKind::kStickyClass: return 0x05;
    case RootKind::kThreadBlock: return 0x06;
    case RootKind::kMonitorUsed: return 0x07;
    case RootKind::kThreadObject: return 0x08;
    case RootKind::kInternedString: return 0x89;
    case RootKind::kFinalizing: return 0x8A;
    case RootKind::kDebugger: return 0x8B;
    case RootKind::kReferenceCleanup: return 0x8C;
    case RootKind::kVmInternal: return 0x8D;
    case RootKind::kJniMonitor: return 0x8E;
    case RootKind::kUnreachable: return 0x90;
  }
  return 0xFF;
}

}  // namespace

void HprofWriter::PutU2(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

void HprofWriter::PutU4(std::vector<uint8_t>& b, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(v >> shift));
}

void HprofWriter::PutU8(std::vector<uint8_t>& b, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(v >> shift));
}

void HprofWriter::PutId(std::vector<uint8_t>& b, uint64_t v, uint32_t id_size) {
  if (id_size == 8) {
    PutU8(b, v);
  } else {
    PutU4(b, static_cast<uint32_t>(v));
  }
}

HprofWriter::HprofWriter(WriterOptions options) : options_(std::move(options)) {
  out_.insert(out_.end(), options_.format.begin(), options_.format.end());
  out_.push_back(0);
  PutU4(out_, options_.id_size);
  PutU8(out_, options_.timestamp_ms);
}

Result<HprofWriter> HprofWriter::Create(const std::string& path, WriterOptions options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error::Io(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  HprofWriter w(std::move(options));
  w.fd_ = fd;
  w.path_ = path;
  return w;
}

HprofWriter::HprofWriter(HprofWriter&& other) noexcept
    : options_(std::move(other.options_)), out_(std::move(other.out_)),
      segment_(std::move(other.segment_)), fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)), write_error_(std::move(other.write_error_)) {}

HprofWriter::~HprofWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void HprofWriter::Drain(bool all) {
  if (fd_ < 0 || (!all && out_.size() < kDrainSize)) return;
  size_t done = 0;
  while (done < out_.size() && write_error_.empty()) {
    ssize_t n = ::write(fd_, out_.data() + done, out_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) write_error_ = fmt::format("cannot write {}: {}", path_, std::strerror(errno));
    else done += static_cast<size_t>(n);
  }
  out_.clear();
}

void HprofWriter::Begin(RecordTag tag, uint64_t length) {
  EndSegment();
  RecordHeader(static_cast<uint8_t>(tag), static_cast<uint32_t>(length));
}

void HprofWriter::RecordHeader(uint8_t tag, uint32_t length) {
  Drain(false);
  out_.push_back(tag);
  PutU4(out_, 0);  // microseconds since the header's time: nothing to say
  PutU4(out_, length);
}

void HprofWriter::Record(uint8_t tag, std::span<const uint8_t> body) {
  EndSegment();
  RecordHeader(tag, static_cast<uint32_t>(body.size()));
  Raw(body);
}

void HprofWriter::Raw(std::span<const uint8_t> bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  Drain(false);
}

void HprofWriter::Value(std::vector<uint8_t>& b, BasicType type, uint64_t value) const {
  uint32_t size = ValueSize(type, options_.id_size);
  for (uint32_t i = size; i-- > 0;) b.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void HprofWriter::Utf8(uint64_t id, std::string_view text) {
  Begin(RecordTag::kUtf8, id_size() + text.size());
  Id(out_, id);
  Raw({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

void HprofWriter::LoadClass(const LoadClassRecord& r) {
  Begin(RecordTag::kLoadClass, 8 + 2 * id_size());
  PutU4(out_, r.class_serial);
  Id(out_, r.class_id);
  PutU4(out_, r.trace_serial);
  Id(out_, r.name_id);
}

void HprofWriter::UnloadClass(uint32_t class_serial) {
  Begin(RecordTag::kUnloadClass, 4);
  PutU4(out_, class_serial);
}

void HprofWriter::Frame(const FrameRecord& r) {
  Begin(RecordTag::kFrame, 4 * id_size() + 8);
  Id(out_, r.frame_id);
  Id(out_, r.method_name_id);
  Id(out_, r.signature_id);
  Id(out_, r.source_file_id);
  PutU4(out_, r.class_serial);
  PutU4(out_, static_cast<uint32_t>(r.line));
}

void HprofWriter::Trace(uint32_t trace_serial, uint32_t thread_serial,
                        std::span<const uint64_t> frame_ids) {
  Begin(RecordTag::kTrace, 12 + frame_ids.size() * id_size());
  PutU4(out_, trace_serial);
  PutU4(out_, thread_serial);
  PutU4(out_, static_cast<uint32_t>(frame_ids.size()));
  for (uint64_t id : frame_ids) Id(out_, id);
}

void HprofWriter::AllocSites(std::span<const AllocSite> sites, uint16_t flags) {
  uint32_t live_bytes = 0, live_instances = 0;
  uint64_t allocated_bytes = 0, allocated_instances = 0;
  for (const AllocSite& s : sites) {
    live_bytes += s.live_bytes;
    live_instances += s.live_instances;
    allocated_bytes += s.allocated_bytes;
    allocated_instances += s.allocated_instances;
  }
  Begin(RecordTag::kAllocSites, 34 + sites.size() * 25);
  PutU2(out_, flags);
  PutU4(out_, 0);  // cutoff ratio (a float): no cutoff
  PutU4(out_, live_bytes);
  PutU4(out_, live_instances);
  PutU8(out_, allocated_bytes);
  PutU8(out_, allocated_instances);
  PutU4(out_, static_cast<uint32_t>(sites.size()));
  for (const AllocSite& s : sites) {
    out_.push_back(s.array_type);
    for (uint32_t v : {s.class_serial, s.trace_serial, s.live_bytes, s.live_instances,
                       s.allocated_bytes, s.allocated_instances}) {
      PutU4(out_, v);
    }
  }
}

void HprofWriter::HeapSummary(uint32_t live_bytes, uint32_t live_instances,
                              uint64_t allocated_bytes, uint64_t allocated_instances) {
  Begin(RecordTag::kHeapSummary, 24);
  PutU4(out_, live_bytes);
  PutU4(out_, live_instances);
  PutU8(out_, allocated_bytes);
  PutU8(out_, allocated_instances);
}

void HprofWriter::StartThread(const StartThreadRecord& r) {
  Begin(RecordTag::kStartThread, 8 + 4 * id_size());
  PutU4(out_, r.thread_serial);
  Id(out_, r.thread_id);
  PutU4(out_, r.trace_serial);
  Id(out_, r.name_id);
  Id(out_, r.group_name_id);
  Id(out_, r.parent_group_name_id);
}

void HprofWriter::EndThread(uint32_t thread_serial) {
  Begin(RecordTag::kEndThread, 4);
  PutU4(out_, thread_serial);
}

void HprofWriter::CpuSamples(uint32_t total, std::span<const CpuSample> samples) {
  Begin(RecordTag::kCpuSamples, 8 + samples.size() * 8);
  PutU4(out_, total);
  PutU4(out_, static_cast<uint32_t>(samples.size()));
  for (const CpuSample& s : samples) {
    PutU4(out_, s.count);
    PutU4(out_, s.trace_serial);
  }
}

void HprofWriter::ControlSettings(uint32_t flags, uint16_t depth) {
  Begin(RecordTag::kControlSettings, 6);
  PutU4(out_, flags);
  PutU2(out_, depth);
}

void HprofWriter::HeapDumpEnd() { Begin(RecordTag::kHeapDumpEnd, 0); }

void HprofWriter::SubRecordDone() {
  if (segment_.size() >= options_.segment_limit) EndSegment();
}

void HprofWriter::Root(const RootRecord& r) {
  segment_.push_back(RootTag(r.kind));
  Id(segment_, r.object_id);
  switch (r.kind) {
    case RootKind::kJniGlobal:
      Id(segment_, r.jni_ref_id);
      break;
    case RootKind::kJniLocal:
    case RootKind::kJavaFrame:
    case RootKind::kThreadObject:
    case RootKind::kJniMonitor:
      PutU4(segment_, r.thread_serial);
      PutU4(segment_, r.frame);
      break;
    case RootKind::kNativeStack:
    case RootKind::kThreadBlock:
      PutU4(segment_, r.thread_serial);
      break;
    default:
      break;
  }
  SubRecordDone();
}

void HprofWriter::ClassDump(const ClassDumpRecord& r,
                            std::span<const ConstantPoolEntry> constant_pool) {
  segment_.push_back(static_cast<uint8_t>(SubTag::kClassDump));
  Id(segment_, r.class_id);
  PutU4(segment_, r.stack_serial);
  for (uint64_t id : {r.super_id, r.loader_id, r.signers_id, r.protection_domain_id,
                      uint64_t{0}, uint64_t{0}}) {  // the last two are reserved
    Id(segment_, id);
  }
  PutU4(segment_, r.instance_size);
  PutU2(segment_, static_cast<uint16_t>(constant_pool.size()));
  for (const ConstantPoolEntry& c : constant_pool) {
    PutU2(segment_, c.index);
    segment_.push_back(static_cast<uint8_t>(c.type));
    Value(segment_, c.type, c.value);
  }
  PutU2(segment_, static_cast<uint16_t>(r.statics.size()));
  for (const StaticField& s : r.statics) {
    Id(segment_, s.name_id);
    segment_.push_back(static_cast<uint8_t>(s.type));
    Value(segment_, s.type, s.value);
  }
  PutU2(segment_, static_cast<uint16_t>(r.fields.size()));
  for (const FieldDecl& f : r.fields) {
    Id(segment_, f.name_id);
    segment_.push_back(static_cast<uint8_t>(f.type));
  }
  SubRecordDone();
}

void HprofWriter::Instance(uint64_t id, uint32_t stack_serial, uint64_t class_id,
                           std::span<const uint8_t> fields) {
  segment_.push_back(static_cast<uint8_t>(SubTag::kInstanceDump));
  Id(segment_, id);
  PutU4(segment_, stack_serial);
  Id(segment_, class_id);
  PutU4(segment_, static_cast<uint32_t>(fields.size()));
  segment_.insert(segment_.end(), fields.begin(), fields.end());
  SubRecordDone();
}

void HprofWriter::ObjectArray(uint64_t id, uint32_t stack_serial, uint64_t array_class_id,
                              std::span<const uint64_t> elements) {
  segment_.push_back(static_cast<uint8_t>(SubTag::kObjectArrayDump));
  Id(segment_, id);
  PutU4(segment_, stack_serial);
  PutU4(segment_, static_cast<uint32_t>(elements.size()));
  Id(segment_, array_class_id);
  for (uint64_t e : elements) Id(segment_, e);
  SubRecordDone();
}

void HprofWriter::PrimitiveHeader(SubTag tag, uint64_t id, uint32_t stack_serial, BasicType type,
                                  uint32_t length) {
  segment_.push_back(static_cast<uint8_t>(tag));
  Id(segment_, id);
  PutU4(segment_, stack_serial);
  PutU4(segment_, length);
  segment_.push_back(static_cast<uint8_t>(type));
}

void HprofWriter::PrimitiveArrayHeader(uint64_t id, uint32_t stack_serial, BasicType type,
                                       uint32_t length) {
  PrimitiveHeader(SubTag::kPrimitiveArrayDump, id, stack_serial, type, length);
}

void HprofWriter::PrimitiveArray(uint64_t id, uint32_t stack_serial, BasicType type,
                                 std::span<const uint8_t> data) {
  uint32_t elem = ValueSize(type, id_size());
  PrimitiveArrayHeader(id, stack_serial, type,
                       static_cast<uint32_t>(elem ? data.size() / elem : data.size()));
  segment_.insert(segment_.end(), data.begin(), data.end());
  SubRecordDone();
}

void HprofWriter::PrimitiveArrayNoData(uint64_t id, uint32_t stack_serial, BasicType type,
                                       uint32_t length) {
  PrimitiveHeader(SubTag::kPrimitiveArrayNoData, id, stack_serial, type, length);
  SubRecordDone();
}

void HprofWriter::HeapDumpInfo(uint32_t heap_type, uint64_t name_id) {
  segment_.push_back(static_cast<uint8_t>(SubTag::kHeapDumpInfo));
  PutU4(segment_, heap_type);
  Id(segment_, name_id);
  SubRecordDone();
}

void HprofWriter::RawSubRecord(std::span<const uint8_t> bytes) {
  segment_.insert(segment_.end(), bytes.begin(), bytes.end());
}

void HprofWriter::EndSegment() {
  if (segment_.empty()) return;
  std::vector<uint8_t> body = TakeSegmentBody();
  RecordHeader(static_cast<uint8_t>(options_.heap_record), static_cast<uint32_t>(body.size()));
  Raw(body);
}

std::vector<uint8_t> HprofWriter::TakeSegmentBody() { return std::exchange(segment_, {}); }

std::vector<uint8_t> HprofWriter::Finish() {
  EndSegment();
  return std::move(out_);
}

Status HprofWriter::Close() {
  EndSegment();
  Drain(true);
  if (fd_ >= 0 && ::close(std::exchange(fd_, -1)) != 0 && write_error_.empty()) {
    write_error_ = fmt::format("cannot write {}: {}", path_, std::strerror(errno));
  }
  if (!write_error_.empty()) return Error::Io(write_error_);
  return {};
}

Status HprofWriter::WriteFile(const std::string& path) {
  EndSegment();
  auto w = Create(path, options_);
  if (!w.ok()) return w.error();
  w->out_ = out_;
  return w->Close();
}

}  // namespace heapscope::hprof
