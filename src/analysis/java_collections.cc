#include "analysis/java_collections.h"

#include <algorithm>
#include <string_view>

namespace heapscope::analysis {

namespace {

constexpr heap::ClassIdx kUnknown = heap::kNoClass - 1;
// A ConcurrentLinkedQueue has no size field: its nodes are counted, up to
// this many, so a corrupt or cyclic chain ends.
constexpr uint64_t kMaxNodesCounted = 50'000'000;

}  // namespace

JavaCollections::JavaCollections(const heap::HeapModel& model) : model_(model), fields_(model) {
  struct Known {
    std::string_view name;
    Family family;
  };
  static constexpr Known kKnown[] = {
      {"java.util.HashMap", Family::kHashMap},
      {"java.util.LinkedHashMap", Family::kHashMap},
      {"java.util.WeakHashMap", Family::kHashMap},
      {"java.util.IdentityHashMap", Family::kHashMap},
      {"java.util.TreeMap", Family::kSized},
      {"java.util.Hashtable", Family::kHashtable},
      {"java.util.Properties", Family::kWrapsMap},
      {"java.util.HashSet", Family::kWrapsMap},
      {"java.util.LinkedHashSet", Family::kWrapsMap},
      {"java.util.TreeSet", Family::kWrapsMap},
      {"java.util.concurrent.ConcurrentHashMap", Family::kConcurrentHashMap},
      {"java.util.concurrent.ConcurrentSkipListMap", Family::kSized},
      {"java.util.ArrayList", Family::kList},
      {"java.util.Vector", Family::kList},
      {"java.util.LinkedList", Family::kSized},
      {"java.util.PriorityQueue", Family::kList},
      {"java.util.ArrayDeque", Family::kDeque},
      {"java.util.concurrent.ArrayBlockingQueue", Family::kArrayQueue},
      {"java.util.concurrent.LinkedBlockingQueue", Family::kAtomicCount},
      {"java.util.concurrent.LinkedBlockingDeque", Family::kArrayQueue},
      {"java.util.concurrent.PriorityBlockingQueue", Family::kList},
      {"java.util.concurrent.ConcurrentLinkedQueue", Family::kLinkedQueue},
      {"java.util.concurrent.ConcurrentLinkedDeque", Family::kLinkedQueue},
      {"java.util.concurrent.LinkedTransferQueue", Family::kLinkedQueue},
      {"java.util.concurrent.CopyOnWriteArrayList", Family::kCopyOnWrite},
      {"java.util.concurrent.CopyOnWriteArraySet", Family::kWrapsMap},
  };
  for (const Known& k : kKnown) {
    heap::ClassIdx c = model.scan.classes.FindByName(k.name);
    if (c != heap::kNoClass) known_.push_back({c, k.family});
  }
  base_of_.assign(model.scan.classes.size(), kUnknown);
}

heap::ClassIdx JavaCollections::KnownBase(heap::ClassIdx c) {
  if (c == heap::kNoClass || c >= base_of_.size()) return heap::kNoClass;
  if (base_of_[c] != kUnknown) return base_of_[c];
  heap::ClassIdx found = heap::kNoClass;
  // The nearest known ancestor: a LinkedHashMap is a LinkedHashMap, not a HashMap.
  const heap::ClassTable& t = model_.scan.classes;
  size_t guard = 0;
  for (heap::ClassIdx k = c; k != heap::kNoClass && found == heap::kNoClass && guard++ <= t.size(); k = t.super[k]) {
    for (const auto& [known, family] : known_) {
      if (known == k) found = k;
    }
  }
  return base_of_[c] = found;
}

JavaCollections::Family JavaCollections::FamilyOf(heap::ClassIdx known) const {
  for (const auto& [k, family] : known_) {
    if (k == known) return family;
  }
  return Family::kNone;
}

uint64_t JavaCollections::ArrayLength(heap::ObjectIdx array) const {
  return array == heap::kNoObject ? 0 : model_.array_length[array];
}

std::optional<uint64_t> JavaCollections::CountLinkedNodes(heap::ObjectIdx queue) {
  heap::ObjectIdx node = fields_.Ref(queue, "head");
  uint64_t count = 0, steps = 0;
  while (node != heap::kNoObject && steps++ < kMaxNodesCounted) {
    if (fields_.Ref(node, "item") != heap::kNoObject) ++count;
    heap::ObjectIdx next = fields_.Ref(node, "next");
    if (next == node) break;  // a node linked to itself has been removed
    node = next;
  }
  if (steps >= kMaxNodesCounted) return std::nullopt;
  return count;
}

std::optional<CollectionShape> JavaCollections::Describe(heap::ObjectIdx o) {
  if (o == heap::kNoObject || static_cast<heap::ObjectKind>(model_.object_kind[o]) != heap::ObjectKind::kInstance) {
    return std::nullopt;
  }
  CollectionShape s;
  s.known_class = KnownBase(model_.object_class[o]);
  if (s.known_class == heap::kNoClass) return std::nullopt;
  auto non_negative = [](std::optional<int64_t> v) -> std::optional<uint64_t> {
    if (!v || *v < 0) return std::nullopt;
    return static_cast<uint64_t>(*v);
  };
  auto with_array = [&](std::string_view field) {
    s.backing = fields_.Ref(o, field);
    s.capacity = ArrayLength(s.backing);
  };
  switch (FamilyOf(s.known_class)) {
    case Family::kHashMap:
      s.elements = non_negative(fields_.Int(o, "size"));
      with_array("table");
      break;
    case Family::kHashtable:
      s.elements = non_negative(fields_.Int(o, "count"));
      with_array("table");
      break;
    case Family::kWrapsMap: {
      // HashSet.map, TreeSet.m, CopyOnWriteArraySet.al, Properties.map (JDK 9+)
      heap::ObjectIdx inner = heap::kNoObject;
      for (std::string_view f : {"map", "m", "al"}) {
        if (inner == heap::kNoObject) inner = fields_.Ref(o, f);
      }
      if (inner == heap::kNoObject || inner == o) {
        // JDK 8's Properties is a Hashtable itself.
        s.elements = non_negative(fields_.Int(o, "count"));
        if (s.elements) with_array("table");
        break;
      }
      auto in = Describe(inner);
      if (!in) break;
      s.elements = in->elements;
      s.capacity = in->capacity;
      s.backing = in->backing;
      break;
    }
    case Family::kConcurrentHashMap: {
      int64_t n = fields_.Int(o, "baseCount").value_or(0);
      heap::ObjectIdx cells = fields_.Ref(o, "counterCells");
      if (cells != heap::kNoObject && static_cast<heap::ObjectKind>(model_.object_kind[cells]) ==
                                          heap::ObjectKind::kObjectArray) {
        for (uint64_t r = model_.ref_begin[cells]; r < model_.ref_begin[cells + 1]; ++r) {
          if (model_.ref_target[r] != heap::kNoObject) n += fields_.Int(model_.ref_target[r], "value").value_or(0);
        }
      }
      s.elements = n < 0 ? 0 : static_cast<uint64_t>(n);
      with_array("table");
      break;
    }
    case Family::kList:
      s.elements = non_negative(fields_.Int(o, "size"));
      if (!s.elements) s.elements = non_negative(fields_.Int(o, "elementCount"));  // Vector
      with_array("elementData");
      if (s.backing == heap::kNoObject) with_array("queue");  // PriorityQueue
      break;
    case Family::kSized:
      s.elements = non_negative(fields_.Int(o, "size"));
      break;
    case Family::kDeque: {
      with_array("elements");
      auto head = fields_.Int(o, "head"), tail = fields_.Int(o, "tail");
      if (head && tail && s.capacity && *s.capacity > 0) {
        int64_t cap = static_cast<int64_t>(*s.capacity);
        s.elements = static_cast<uint64_t>(((*tail - *head) % cap + cap) % cap);
      }
      break;
    }
    case Family::kArrayQueue:
      s.elements = non_negative(fields_.Int(o, "count"));
      with_array("items");
      if (s.backing == heap::kNoObject) s.capacity = non_negative(fields_.Int(o, "capacity"));
      break;
    case Family::kAtomicCount: {
      heap::ObjectIdx count = fields_.Ref(o, "count");
      s.elements = non_negative(fields_.Int(count, "value"));
      break;
    }
    case Family::kLinkedQueue:
      s.elements = CountLinkedNodes(o);
      break;
    case Family::kCopyOnWrite:
      with_array("array");
      s.elements = s.capacity;
      break;
    case Family::kNone:
      return std::nullopt;
  }
  return s;
}

}  // namespace heapscope::analysis
