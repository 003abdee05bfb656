// hprof/writer.h - writes HPROF: the file header, every top-level record and
// every heap dump sub-record, into memory or a file.
//
// Tests use it to build dumps, valid or deliberately broken; redaction uses it
// to write a dump back out. Heap sub-records are buffered and written as one
// HEAP_DUMP_SEGMENT (or HEAP_DUMP) record when the segment is ended, when it
// reaches the size limit, or before the next top-level record, so lengths are
// right unless the caller appends raw bytes on purpose. Nothing is validated:
// the writer writes what it is told, which is how tests craft bad input.
#ifndef HEAPSCOPE_HPROF_WRITER_H_
#define HEAPSCOPE_HPROF_WRITER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hprof/error.h"
#include "hprof/records.h"
#include "hprof/tags.h"

namespace heapscope::hprof {

struct WriterOptions {
  std::string format = "JAVA PROFILE 1.0.2";
  uint32_t id_size = 8;
  uint64_t timestamp_ms = 0;
  // kHeapDumpSegment as HotSpot writes since 1.0.2; kHeapDump for the older
  // single-record style.
  RecordTag heap_record = RecordTag::kHeapDumpSegment;
  // A segment is written once its sub-records reach this many bytes; HotSpot
  // cuts at 1 GiB too, well inside the u4 record length.
  uint64_t segment_limit = uint64_t{1} << 30;
};

struct AllocSite {
  uint8_t array_type;  // 0 for a plain object, else the element BasicType
  uint32_t class_serial;
  uint32_t trace_serial;
  uint32_t live_bytes;
  uint32_t live_instances;
  uint32_t allocated_bytes;
  uint32_t allocated_instances;
};

struct CpuSample {
  uint32_t count;
  uint32_t trace_serial;
};

struct ConstantPoolEntry {
  uint16_t index;
  BasicType type;
  uint64_t value;  // raw bits, written in the type's size
};

class HprofWriter {
 public:
  // Collects the dump in memory; see bytes() and Finish().
  explicit HprofWriter(WriterOptions options = {});
  // Streams the dump to `path`, keeping about a megabyte in memory.
  static Result<HprofWriter> Create(const std::string& path, WriterOptions options = {});
  HprofWriter(HprofWriter&& other) noexcept;
  HprofWriter& operator=(HprofWriter&&) = delete;
  HprofWriter(const HprofWriter&) = delete;
  HprofWriter& operator=(const HprofWriter&) = delete;
  ~HprofWriter();

  uint32_t id_size() const { return options_.id_size; }

  // Top-level records. Each first writes out any pending heap segment.
  void Utf8(uint64_t id, std::string_view text);
  void LoadClass(const LoadClassRecord& r);
  void UnloadClass(uint32_t class_serial);
  void Frame(const FrameRecord& r);
  void Trace(uint32_t trace_serial, uint32_t thread_serial, std::span<const uint64_t> frame_ids);
  void AllocSites(std::span<const AllocSite> sites, uint16_t flags = 0);
  void HeapSummary(uint32_t live_bytes, uint32_t live_instances, uint64_t allocated_bytes,
                   uint64_t allocated_instances);
  void StartThread(const StartThreadRecord& r);
  void EndThread(uint32_t thread_serial);
  void CpuSamples(uint32_t total, std::span<const CpuSample> samples);
  void ControlSettings(uint32_t flags, uint16_t depth);
  void HeapDumpEnd();
  // Any record, body as given.
  void Record(uint8_t tag, std::span<const uint8_t> body);
  // Only the 9-byte header, with whatever length the caller claims.
  void RecordHeader(uint8_t tag, uint32_t length);

  // Heap sub-records, buffered into the current segment.
  // The root kind picks the sub-record tag and which RootRecord fields are written.
  void Root(const RootRecord& r);
  void ClassDump(const ClassDumpRecord& r, std::span<const ConstantPoolEntry> constant_pool = {});
  // `fields`: the instance's field values as they appear in the dump.
  void Instance(uint64_t id, uint32_t stack_serial, uint64_t class_id,
                std::span<const uint8_t> fields);
  void ObjectArray(uint64_t id, uint32_t stack_serial, uint64_t array_class_id,
                   std::span<const uint64_t> elements);
  // `data`: big-endian elements; the length is data.size() / element size.
  void PrimitiveArray(uint64_t id, uint32_t stack_serial, BasicType type,
                      std::span<const uint8_t> data);
  // The sub-record's header alone: the caller supplies length * element size
  // bytes next (RawSubRecord, or straight into a file for a huge array).
  void PrimitiveArrayHeader(uint64_t id, uint32_t stack_serial, BasicType type, uint32_t length);
  void PrimitiveArrayNoData(uint64_t id, uint32_t stack_serial, BasicType type, uint32_t length);
  void HeapDumpInfo(uint32_t heap_type, uint64_t name_id);
  void RawSubRecord(std::span<const uint8_t> bytes);
  // Writes the buffered sub-records as one heap record (nothing when empty).
  void EndSegment();
  // Hands out the buffered sub-records without a record header, for callers
  // that frame them themselves.
  std::vector<uint8_t> TakeSegmentBody();

  // Bytes appended to the output as they are, pending segment or not.
  void Raw(std::span<const uint8_t> bytes);

  // In memory: everything written so far, pending sub-records excluded
  // (its size is the offset of the next record). For a file writer, only
  // what hasn't been handed to the file yet.
  const std::vector<uint8_t>& bytes() const { return out_; }
  // In memory: ends the pending segment and returns the dump. Call once.
  std::vector<uint8_t> Finish();
  // To a file: ends the pending segment, writes the rest and closes; the
  // first failed write, if any, is reported here.
  Status Close();
  // In memory: writes the dump so far to `path`, ending the pending segment.
  Status WriteFile(const std::string& path);

  // Big-endian encoders, for tests that build bodies by hand.
  static void PutU1(std::vector<uint8_t>& b, uint8_t v) { b.push_back(v); }
  static void PutU2(std::vector<uint8_t>& b, uint16_t v);
  static void PutU4(std::vector<uint8_t>& b, uint32_t v);
  static void PutU8(std::vector<uint8_t>& b, uint64_t v);
  static void PutId(std::vector<uint8_t>& b, uint64_t v, uint32_t id_size);

 private:
  void Begin(RecordTag tag, uint64_t length);
  void Id(std::vector<uint8_t>& b, uint64_t v) const { PutId(b, v, options_.id_size); }
  void Value(std::vector<uint8_t>& b, BasicType type, uint64_t value) const;
  void PrimitiveHeader(SubTag tag, uint64_t id, uint32_t stack_serial, BasicType type,
                       uint32_t length);
  void SubRecordDone();
  void Drain(bool all);

  WriterOptions options_;
  std::vector<uint8_t> out_;
  std::vector<uint8_t> segment_;
  int fd_ = -1;
  std::string path_;
  std::string write_error_;  // first failed write, reported by Close()
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_WRITER_H_
