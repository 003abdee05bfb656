#include "heap/jvm_layout.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace heapscope::heap {

using hprof::BasicType;

uint32_t JvmLayout::ArrayBase(uint32_t elem_size) const {
  uint32_t after_length = array_length_offset + 4;
  uint32_t a = word_aligned_array_base ? 8 : std::max<uint32_t>(elem_size, 1);
  return (after_length + a - 1) / a * a;
}

uint64_t JvmLayout::ArrayPadding(uint32_t elem_size, uint64_t length_mod_64) const {
  uint64_t raw = ArrayBase(elem_size) + length_mod_64 * elem_size;
  return Align(raw) - raw;
}

uint32_t JvmLayout::FieldSize(BasicType type) const {
  switch (type) {
    case BasicType::kObject: return ref_size;
    case BasicType::kBoolean: case BasicType::kByte: return 1;
    case BasicType::kChar: case BasicType::kShort: return 2;
    case BasicType::kFloat: case BasicType::kInt: return 4;
    case BasicType::kDouble: case BasicType::kLong: return 8;
  }
  return 0;
}

std::vector<JvmLayout> CandidateLayouts(uint32_t id_size) {
  std::vector<JvmLayout> out;
  if (id_size == 4) {
    // 32-bit HotSpot and ART: 8-byte headers, array data after a u4 length.
    out.push_back({"32-bit (8-byte header)", 8, 8, 4, false, false, 8});
    out.push_back({"32-bit (8-byte header, word-aligned arrays)", 8, 8, 4, true, false, 8});
    return out;
  }
  out.push_back({"compressed oops + compressed class pointers", 12, 12, 4, false, false, 8});
  out.push_back({"compressed class pointers, uncompressed oops", 12, 12, 8, false, false, 8});
  out.push_back({"uncompressed oops and class pointers (JDK < 22)", 16, 16, 8, true, false, 8});
  out.push_back({"uncompressed oops and class pointers (JDK 22+)", 16, 16, 8, false, false, 8});
  out.push_back({"compressed oops, uncompressed class pointers (JDK < 22)", 16, 16, 4, true, false, 8});
  out.push_back({"compressed oops, uncompressed class pointers (JDK 22+)", 16, 16, 4, false, false, 8});
  out.push_back({"compact object headers + compressed oops", 8, 8, 4, false, true, 8});
  out.push_back({"compact object headers, uncompressed oops", 8, 8, 8, false, true, 8});
  return out;
}

std::span<const InjectedField> HotSpotInjectedFields(std::string_view name) {
  // Native pointers are 8 bytes on a 64-bit JVM: modelled as longs.
  static constexpr InjectedField kLoader[] = {{"loader_data", BasicType::kLong}};
  static constexpr InjectedField kThrowable[] = {{"depth", BasicType::kInt}};
  static constexpr InjectedField kMemberName[] = {{"vmindex", BasicType::kLong}};
  static constexpr InjectedField kResolvedMethod[] = {{"vmtarget", BasicType::kLong},
                                                      {"vmholder", BasicType::kObject}};
  static constexpr InjectedField kStackTraceElement[] = {{"declaringClassObject", BasicType::kObject}};
  static constexpr InjectedField kModule[] = {{"module_entry", BasicType::kLong}};
  static constexpr InjectedField kCallSiteContext[] = {{"vmdependencies", BasicType::kLong},
                                                       {"last_cleanup", BasicType::kLong}};
  if (name == "java.lang.ClassLoader") return kLoader;
  if (name == "java.lang.Throwable") return kThrowable;
  if (name == "java.lang.invoke.MemberName") return kMemberName;
  if (name == "java.lang.invoke.ResolvedMethodName") return kResolvedMethod;
  if (name == "java.lang.StackTraceElement") return kStackTraceElement;
  if (name == "java.lang.Module") return kModule;
  if (name == "java.lang.invoke.MethodHandleNatives$CallSiteContext") return kCallSiteContext;
  return {};
}

std::span<const std::string_view> HotSpotContendedFields(std::string_view name) {
  static constexpr std::string_view kThread[] = {"threadLocalRandomSeed", "threadLocalRandomProbe",
                                                 "threadLocalRandomSecondarySeed"};
  static constexpr std::string_view kForkJoinPool[] = {"ctl", "parallelism"};
  static constexpr std::string_view kWholeClass[] = {"*"};
  if (name == "java.lang.Thread") return kThread;
  if (name == "java.util.concurrent.ForkJoinPool") return kForkJoinPool;
  if (name == "java.util.concurrent.atomic.Striped64$Cell" ||
      name == "java.util.concurrent.ConcurrentHashMap$CounterCell" ||
      name == "java.util.concurrent.Exchanger$Node") {
    return kWholeClass;
  }
  return {};
}

ModelLayout ModelInstanceLayout(const JvmLayout& layout, std::span<const ClassFieldTypes> chain,
                                uint64_t start) {
  // HotSpot's default ContendedPaddingWidth.
  constexpr uint64_t kContendedPadding = 128;
  struct Hole { uint64_t begin, end; };
  std::vector<Hole> holes;
  uint64_t end = start ? start : layout.header_bytes;
  auto place = [&](uint32_t size, bool fill_holes) {
    for (size_t h = 0; fill_holes && h < holes.size(); ++h) {
      uint64_t at = (holes[h].begin + size - 1) / size * size;
      if (at + size <= holes[h].end) {
        Hole rest{at + size, holes[h].end};
        holes[h].end = at;
        if (rest.end > rest.begin) holes.push_back(rest);
        return;
      }
    }
    uint64_t at = (end + size - 1) / size * size;
    if (at > end) holes.push_back({end, at});
    end = at + size;
  };
  // Primitives largest first, then references (FieldLayoutBuilder's order).
  auto place_group = [&](const std::vector<BasicType>& fields, bool fill_holes) {
    for (uint32_t size : {8u, 4u, 2u, 1u}) {
      for (BasicType t : fields) {
        if (t != BasicType::kObject && layout.FieldSize(t) == size) place(size, fill_holes);
      }
    }
    for (BasicType t : fields) {
      if (t == BasicType::kObject) place(layout.ref_size, fill_holes);
    }
  };
  for (const ClassFieldTypes& fields : chain) {
    place_group(fields.regular, true);
    if (!fields.contended.empty()) {
      end += kContendedPadding;
      holes.clear();  // nothing moves into or across the padding
      place_group(fields.contended, false);
      end += kContendedPadding;
    }
  }
  uint64_t size = std::max<uint64_t>(layout.Align(end), layout.Align(layout.header_bytes));
  return {size, end};
}

JvmLayout InferJvmLayout(const std::vector<JvmLayout>& candidates,
                         std::span<const ArraySample> arrays,
                         std::span<const InstanceSample> instances, uint64_t address_bits,
                         std::string* reasoning) {
  uint32_t alignment = 8;
  if (address_bits != 0) {
    uint64_t low = address_bits & (~address_bits + 1);
    alignment = static_cast<uint32_t>(std::clamp<uint64_t>(low, 8, 256));
  }
  size_t best = 0;
  int64_t best_score = INT64_MIN;
  std::string notes;
  for (size_t c = 0; c < candidates.size(); ++c) {
    JvmLayout l = candidates[c];
    l.alignment = alignment;
    int64_t exact = 0, impossible = 0;
    for (const ArraySample& s : arrays) {
      uint32_t elem = s.elem_size ? s.elem_size : l.ref_size;
      uint64_t predicted = l.ArraySize(elem, s.length);
      if (predicted == s.gap) ++exact;
      else if (predicted > s.gap) ++impossible;
    }
    for (const InstanceSample& s : instances) {
      uint64_t predicted = s.model_sizes[c];
      if (predicted == s.min_gap) ++exact;
      else if (predicted > s.min_gap) ++impossible;
    }
    // An impossible size (larger than the room the object had) is strong
    // evidence against a layout; an exact one is weaker evidence for it.
    int64_t score = exact - 20 * impossible;
    notes += fmt::format("  {}: {} exact, {} impossible\n", l.name, exact, impossible);
    if (score > best_score) {
      best_score = score;
      best = c;
    }
  }
  JvmLayout chosen = candidates[best];
  chosen.alignment = alignment;
  if (reasoning) {
    *reasoning = fmt::format("object alignment {} (lowest address bit set); {} array and {} class "
                             "spacing samples:\n{}",
                             alignment, arrays.size(), instances.size(), notes);
  }
  return chosen;
}

}  // namespace heapscope::heap
