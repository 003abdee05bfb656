#include "heap/field_layout.h"

#include "hprof/tags.h"

namespace heapscope::heap {

std::vector<std::vector<FieldPlace>> InstanceFieldPlaces(const ClassTable& t, uint32_t id_size) {
  std::vector<std::vector<FieldPlace>> out(t.size());
  for (ClassIdx c = 0; c < t.size(); ++c) {
    uint32_t offset = 0, slot = 0;
    size_t guard = 0;
    for (ClassIdx k = c; k != kNoClass && guard++ < t.size(); k = t.super[k]) {
      for (uint32_t f = t.field_begin[k]; f < t.field_begin[k + 1]; ++f) {
        auto size = static_cast<uint8_t>(hprof::BasicTypeSize(static_cast<uint8_t>(t.fields[f].type), id_size));
        out[c].push_back({offset, slot++, f, k, t.fields[f].type, size});
        offset += size;
      }
    }
  }
  return out;
}

}  // namespace heapscope::heap
