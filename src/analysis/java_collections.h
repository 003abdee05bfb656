// analysis/java_collections.h - what a JDK collection object holds: its
// element count, its capacity (table or array slots) and the array that
// backs it, read from the fields the JDK's own classes declare.
//
// Known: the java.util maps, sets, lists and deques, and the
// java.util.concurrent maps and queues. Subclasses of a known class (a
// LinkedHashMap subclass with removeEldestEntry) count as it. Field names
// are those of JDK 8 to 25; a field a JDK lacks leaves the count unknown
// rather than wrong.
#ifndef HEAPSCOPE_ANALYSIS_JAVA_COLLECTIONS_H_
#define HEAPSCOPE_ANALYSIS_JAVA_COLLECTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/instance_fields.h"
#include "heap/heap_model.h"

namespace heapscope::analysis {

struct CollectionShape {
  heap::ClassIdx known_class = heap::kNoClass;  // the JDK class it is or extends
  std::optional<uint64_t> elements;             // entries or elements
  std::optional<uint64_t> capacity;             // table or array slots
  heap::ObjectIdx backing = heap::kNoObject;    // the table or element array
};

class JavaCollections {
 public:
  explicit JavaCollections(const heap::HeapModel& model);

  // nullopt when o is no instance of a known collection class.
  std::optional<CollectionShape> Describe(heap::ObjectIdx o);
  // The known JDK class c is or extends, kNoClass if none (cached per class).
  heap::ClassIdx KnownBase(heap::ClassIdx c);

  InstanceFields& fields() { return fields_; }

 private:
  enum class Family : uint8_t { kNone, kHashMap, kWrapsMap, kConcurrentHashMap, kList, kSized, kDeque,
                                kArrayQueue, kLinkedQueue, kAtomicCount, kCopyOnWrite, kHashtable };
  Family FamilyOf(heap::ClassIdx known) const;
  uint64_t ArrayLength(heap::ObjectIdx array) const;
  std::optional<uint64_t> CountLinkedNodes(heap::ObjectIdx queue);

  const heap::HeapModel& model_;
  InstanceFields fields_;
  std::vector<std::pair<heap::ClassIdx, Family>> known_;  // the JDK classes present in this dump
  std::vector<heap::ClassIdx> base_of_;                   // per class: cached KnownBase, kUnknown until asked
};

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_JAVA_COLLECTIONS_H_
