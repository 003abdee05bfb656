#include "analysis/direct_buffers.h"

#include <absl/container/flat_hash_map.h>

namespace heapscope::analysis {

namespace {

// How far up the dominator tree a buffer's memory is credited while
// looking for the holder; deeper structures are rare and the cost is per
// buffer.
constexpr int kMaxHolderDepth = 512;

}  // namespace

DirectBuffers ScanDirectBuffers(InstanceFields& fields, const DominatorTree& tree) {
  const heap::HeapModel& m = fields.model();
  const heap::ClassTable& t = m.scan.classes;
  DirectBuffers out;
  const heap::ClassIdx direct = t.FindByName("java.nio.DirectByteBuffer");
  if (direct == heap::kNoClass) return out;
  heap::ClassIdx cleaners[] = {t.FindByName("jdk.internal.ref.Cleaner"), t.FindByName("sun.misc.Cleaner")};
  std::vector<uint8_t> is_buffer_class(t.size(), 0);
  for (heap::ClassIdx c = 0; c < t.size(); ++c) is_buffer_class[c] = t.IsSubclass(c, direct);

  absl::flat_hash_map<NodeId, uint64_t> credited;  // dominator -> native bytes below it
  uint64_t largest_capacity = 0;
  for (heap::ObjectIdx o = 0; o < m.object_count(); ++o) {
    const heap::ClassIdx c = m.object_class[o];
    if (c == heap::kNoClass || !is_buffer_class[c] || !tree.Reachable(NodeOf(o))) continue;
    if (fields.Ref(o, "att") != heap::kNoObject) {
      ++out.views;
      continue;
    }
    if (fields.Ref(o, "fd") != heap::kNoObject) {
      ++out.mapped;
      continue;
    }
    const heap::ObjectIdx cleaner = fields.Ref(o, "cleaner");
    if (cleaner == heap::kNoObject) continue;  // wraps memory it does not own (JNI)
    const int64_t capacity = fields.Int(o, "capacity").value_or(0);
    if (capacity <= 0) continue;
    const auto bytes = static_cast<uint64_t>(capacity);
    ++out.buffers;
    out.native_bytes += bytes;
    if (bytes > largest_capacity) {
      largest_capacity = bytes;
      out.largest = o;
    }
    NodeId up = tree.idom[NodeOf(o)];
    const heap::ClassIdx up_class = up == kSuperRoot ? heap::kNoClass : m.object_class[ObjectOf(up)];
    if (up_class != heap::kNoClass && (up_class == cleaners[0] || up_class == cleaners[1])) {
      out.pending_cleaner_bytes += bytes;
    }
    for (int depth = 0; up != kSuperRoot && up != kNoNode && depth < kMaxHolderDepth; ++depth) {
      credited[up] += bytes;
      up = tree.idom[up];
    }
  }
  // The holders that reach 80% are nested, one inside the next: the deepest
  // is the one with the least memory below it.
  const uint64_t enough = out.native_bytes - out.native_bytes / 5;
  for (const auto& [node, bytes] : credited) {
    if (bytes < enough || out.native_bytes == 0) continue;
    if (out.holder == heap::kNoObject || bytes < out.holder_native_bytes ||
        (bytes == out.holder_native_bytes && tree.idom[node] == NodeOf(out.holder))) {
      out.holder = ObjectOf(node);
      out.holder_native_bytes = bytes;
    }
  }
  return out;
}

}  // namespace heapscope::analysis
