// fuzz/make_seeds.cc - writes the fuzzers' seed corpus: a few small, valid
// dumps of both id sizes that together hold every record and sub-record
// kind, so mutations start from real structure instead of noise, and the
// same encrypted under the decrypt fuzzer's key (plain and gzip inside).
//
// Usage: make_seeds DIR
#include <libdeflate.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fuzz_key.h"
#include "hprof/byte_sink.h"
#include "hprof/encrypted_format.h"
#include "hprof/encrypted_writer.h"
#include "hprof/writer.h"

namespace heapscope::hprof {
namespace {

void TopRecords(HprofWriter& w) {
  w.Utf8(1, "java/lang/Object");
  w.Utf8(2, "value");
  w.LoadClass({1, 0x100, 0, 1});
  w.UnloadClass(9);
  w.Frame({0x50, 2, 2, 2, 1, -3});
  std::vector<uint64_t> frames = {0x50};
  w.Trace(1, 1, frames);
  std::vector<AllocSite> sites = {{0, 1, 1, 16, 1, 16, 1}};
  w.AllocSites(sites);
  w.HeapSummary(16, 1, 16, 1);
  w.StartThread({1, 0x200, 1, 2, 2, 2});
  w.EndThread(1);
  std::vector<CpuSample> samples = {{1, 1}};
  w.CpuSamples(1, samples);
  w.ControlSettings(2, 4);
}

void HeapRecords(HprofWriter& w) {
  for (int k = 0; k < kRootKindCount; ++k) {
    w.Root({static_cast<RootKind>(k), 0x200, 1, 2, 0x300});
  }
  std::vector<StaticField> statics = {{2, BasicType::kInt, 7}, {2, BasicType::kObject, 0x200}};
  std::vector<FieldDecl> fields = {{2, BasicType::kLong}, {2, BasicType::kObject}};
  std::vector<ConstantPoolEntry> pool = {{1, BasicType::kDouble, 0x3ff0000000000000}};
  w.ClassDump({0x100, 0, 0, 0, 0, 0, 16, statics, fields}, pool);
  w.EndSegment();
  std::vector<uint8_t> instance(8 + w.id_size(), 0x11);
  w.Instance(0x200, 0, 0x100, instance);
  std::vector<uint64_t> elements = {0x200, 0};
  w.ObjectArray(0x201, 0, 0x101, elements);
  std::vector<uint8_t> ints = {0, 0, 0, 1, 0, 0, 0, 2};
  w.PrimitiveArray(0x202, 0, BasicType::kInt, ints);
  w.PrimitiveArrayNoData(0x203, 0, BasicType::kChar, 3);
  w.HeapDumpInfo(1, 2);
}

bool Save(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

// The same dump as one gzip member, so the gzip reader is fuzzed too.
std::vector<uint8_t> Gzip(const std::vector<uint8_t>& plain) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(6);
  std::vector<uint8_t> out(libdeflate_gzip_compress_bound(c, plain.size()));
  out.resize(libdeflate_gzip_compress(c, plain.data(), plain.size(), out.data(), out.size()));
  libdeflate_free_compressor(c);
  return out;
}

// Sealed under the fuzz key, in the smallest chunks so even a small seed
// has several.
std::vector<uint8_t> Encrypt(const std::vector<uint8_t>& plain) {
  auto memory = std::make_unique<MemorySink>();
  MemorySink* out = memory.get();
  auto sink = CreateEncryptingSink(std::move(memory), FuzzKey(), 1, kMinChunkSize);
  if (!sink->Write(plain).ok() || !sink->Finish().ok()) return {};
  return out->data;
}

}  // namespace
}  // namespace heapscope::hprof

int main(int argc, char** argv) {
  using namespace heapscope::hprof;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  int failures = 0;
  for (uint32_t id_size : {4u, 8u}) {
    // Segmented, as HotSpot writes since 1.0.2.
    WriterOptions segmented{"JAVA PROFILE 1.0.2", id_size};
    HprofWriter a(segmented);
    TopRecords(a);
    HeapRecords(a);
    a.HeapDumpEnd();
    std::vector<uint8_t> plain = a.Finish();
    failures += !Save(dir + "/segmented-id" + std::to_string(id_size) + ".hprof", plain);
    failures += !Save(dir + "/segmented-id" + std::to_string(id_size) + ".hprof.gz", Gzip(plain));
    failures += !Save(dir + "/segmented-id" + std::to_string(id_size) + ".hprof.enc", Encrypt(plain));
    failures += !Save(dir + "/segmented-id" + std::to_string(id_size) + ".hprof.gz.enc", Encrypt(Gzip(plain)));

    // One HEAP_DUMP record and no HEAP_DUMP_END, as 1.0.1 dumps are.
    WriterOptions old{"JAVA PROFILE 1.0.1", id_size, 0, RecordTag::kHeapDump};
    HprofWriter b(old);
    b.Utf8(1, "x");
    HeapRecords(b);
    failures += !Save(dir + "/heap-dump-id" + std::to_string(id_size) + ".hprof", b.Finish());

    // Android's name, heap only.
    WriterOptions android{"JAVA PROFILE 1.0.3", id_size};
    HprofWriter c(android);
    HeapRecords(c);
    c.HeapDumpEnd();
    failures += !Save(dir + "/android-id" + std::to_string(id_size) + ".hprof", c.Finish());
  }
  // The pipeline's text inputs; the first byte picks the parser
  // (pipeline_input_fuzzer): S3 XML, a store URL, dump metadata.
  auto text_seed = [&](const std::string& name, char which, const std::string& text) {
    std::string bytes = which + text;
    failures += !Save(dir + "/" + name, std::vector<uint8_t>(bytes.begin(), bytes.end()));
  };
  text_seed("s3-list.xml", 0,
            "<?xml version=\"1.0\"?><ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Upload><Key>dumps/a&amp;b/dump</Key><UploadId>x1</UploadId></Upload><IsTruncated>false</IsTruncated>"
            "</ListMultipartUploadsResult>");
  text_seed("s3-error.xml", 0, "<Error><Code>NoSuchKey</Code><Message><![CDATA[gone]]></Message></Error>");
  text_seed("store-url", 1, "s3://dumps/heapscope?endpoint=http://127.0.0.1:4568&addressing=path&part_size=16MiB");
  text_seed("metadata.json", 2,
            R"({"id": "d1", "service": "s", "dump_started_at": "2026-11-27T07:00:00Z",)"
            R"( "dump": {"key": "dumps/d1/dump.hprof.gz.hsc", "stored_bytes": 10}})");
  if (failures) {
    std::fprintf(stderr, "make_seeds: could not write %d seeds to %s\n", failures, dir.c_str());
  }
  return failures ? 1 : 0;
}
