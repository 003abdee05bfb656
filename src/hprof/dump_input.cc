#include "hprof/dump_input.h"

#include "hprof/gzip_reader.h"

namespace heapscope::hprof {

std::string_view DumpEncodingName(DumpEncoding encoding) {
  switch (encoding) {
    case DumpEncoding::kPlain: return "plain";
    case DumpEncoding::kGzipBlocks: return "gzip (HotSpot blocks, parallel)";
    case DumpEncoding::kGzipStream: return "gzip (stream)";
  }
  return "unknown";
}

Result<DumpInput> DumpInput::Open(const std::string& path, int threads) {
  auto file = MappedFile::Open(path);
  if (!file.ok()) return file.error();
  DumpInput in;
  in.file_size = file->size();
  auto head = file->bytes().first(std::min<uint64_t>(file->size(), 4096));
  if (!LooksLikeGzip(head)) {
    in.mapped = std::move(file.value());
    return in;
  }
  in.encoding = HotSpotGzipBlockSize(head) ? DumpEncoding::kGzipBlocks : DumpEncoding::kGzipStream;
  auto src = OpenGzipSource(std::move(file.value()), threads);
  if (!src.ok()) return src.error();
  in.chunks = std::move(src.value());
  return in;
}

}  // namespace heapscope::hprof
