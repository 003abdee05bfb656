// hprof/test_dump.h - (tests only) the pieces every test that writes a small
// synthetic dump with hprof::HprofWriter needs: FieldBytes for an instance's
// field values, LoadClasses and WriteClassDump for the class records, and
// TempDumpFile / WriteTempDump for a file to put the dump in.
//
// Header-only; included by *_test.cc files and test headers, never by the
// library. Field values are big-endian, ids as wide as the dump's id size.
#ifndef HEAPSCOPE_HPROF_TEST_DUMP_H_
#define HEAPSCOPE_HPROF_TEST_DUMP_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hprof/records.h"
#include "hprof/writer.h"

namespace heapscope::hprof {

// The field bytes of one instance, appended in the order the class declares
// them (its own fields first, then each superclass's).
class FieldBytes {
 public:
  explicit FieldBytes(uint32_t id_size) : id_size_(id_size) {}
  FieldBytes& Id(uint64_t v) {
    HprofWriter::PutId(b_, v, id_size_);
    return *this;
  }
  FieldBytes& U1(uint8_t v) {
    HprofWriter::PutU1(b_, v);
    return *this;
  }
  FieldBytes& U4(uint32_t v) {
    HprofWriter::PutU4(b_, v);
    return *this;
  }
  FieldBytes& U8(uint64_t v) {
    HprofWriter::PutU8(b_, v);
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return b_; }

 private:
  uint32_t id_size_;
  std::vector<uint8_t> b_;
};

// One LOAD_CLASS per {class id, name id}, with serials 1, 2, ... in order.
inline void LoadClasses(HprofWriter& w, std::initializer_list<std::pair<uint64_t, uint64_t>> classes) {
  uint32_t serial = 1;
  for (auto [cls, name] : classes) w.LoadClass({serial++, cls, 0, name});
}

// A CLASS_DUMP with only the class, its superclass, its own instance fields
// and its statics set; every other field of the record is 0.
inline void WriteClassDump(HprofWriter& w, uint64_t class_id, uint64_t super_id,
                           const std::vector<FieldDecl>& fields, const std::vector<StaticField>& statics = {}) {
  ClassDumpRecord r{};
  r.class_id = class_id;
  r.super_id = super_id;
  r.statics = statics;
  r.fields = fields;
  w.ClassDump(r);
}

// An empty file /tmp/<prefix>_XXXXXX made unique by mkstemp; empty string
// when it cannot be created. The caller removes it.
inline std::string CreateTempFile(std::string_view prefix) {
  std::string path = "/tmp/" + std::string(prefix) + "_XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return {};
  close(fd);
  return path;
}

// A CreateTempFile file that is removed when this goes out of scope. path()
// is empty when the file could not be created.
class TempDumpFile {
 public:
  explicit TempDumpFile(std::string_view prefix) : path_(CreateTempFile(prefix)) {}
  TempDumpFile(const TempDumpFile&) = delete;
  TempDumpFile& operator=(const TempDumpFile&) = delete;
  ~TempDumpFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes the dump an in-memory writer holds (ending its pending segment) to
// a new CreateTempFile file and returns its path, or an empty string when the
// file cannot be created or written. The caller removes the file.
inline std::string WriteTempDump(HprofWriter& w, std::string_view prefix) {
  std::string path = CreateTempFile(prefix);
  if (path.empty()) return {};
  if (!w.WriteFile(path).ok()) {
    std::remove(path.c_str());
    return {};
  }
  return path;
}

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_TEST_DUMP_H_
