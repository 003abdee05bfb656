#include "analysis/leak_suspects.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <absl/container/flat_hash_map.h>

namespace heapscope::analysis {

namespace {

using heap::ClassIdx;
using heap::kNoClass;
using heap::kNoObject;
using heap::ObjectIdx;
using heap::ObjectKind;

// The accumulation point is as deep as the biggest child keeps this share
// of its parent (MAT's rule).
constexpr double kAccumulationShare = 0.7;

class SuspectFinder {
 public:
  SuspectFinder(const heap::HeapModel& m, const ReverseGraph& reverse, const DominatorTree& tree,
                const SuspectOptions& options)
      : m_(m), t_(m.scan.classes), reverse_(reverse), tree_(tree), opt_(options), collections_(m) {
    threshold_ = static_cast<uint64_t>(std::ceil(options.threshold * static_cast<double>(tree.retained[kSuperRoot])));
    threshold_ = std::max<uint64_t>(threshold_, 1);
    class_loader_ = t_.FindByName("java.lang.ClassLoader");
    thread_ = t_.FindByName("java.lang.Thread");
    tl_map_ = t_.FindByName("java.lang.ThreadLocal$ThreadLocalMap");
    tl_entry_ = t_.FindByName("java.lang.ThreadLocal$ThreadLocalMap$Entry");
    finalizer_ = t_.FindByName("java.lang.ref.Finalizer");
    jdk_loader_.assign(t_.size(), 0);
    for (ClassIdx c = 0; c < t_.size(); ++c) jdk_loader_[c] = IsJdkLoaderClass(t_.name[c]);
  }

  std::vector<LeakSuspect> Run() {
    std::vector<NodeId> top = TopLevel();
    // Big retainers, and the rest grouped by class.
    absl::flat_hash_map<ClassIdx, std::pair<uint64_t, std::vector<NodeId>>> groups;
    for (NodeId n : top) {
      if (tree_.retained[n] >= threshold_) {
        Expand(n);
      } else if (Groupable(ObjectOf(n))) {
        auto& g = groups[m_.object_class[ObjectOf(n)]];
        g.first += tree_.retained[n];
        g.second.push_back(n);
      }
    }
    for (auto& [c, group] : groups) {
      if (group.first < threshold_ || group.second.size() < 2 || c == kNoClass) continue;
      AddGroup(c, group.first, group.second);
    }
    AddDirectBuffers();
    std::sort(out_.begin(), out_.end(), [](const LeakSuspect& a, const LeakSuspect& b) {
      if (a.score != b.score) return a.score > b.score;
      return a.retained_bytes > b.retained_bytes;
    });
    if (out_.size() > opt_.max_suspects) out_.resize(opt_.max_suspects);
    return std::move(out_);
  }

 private:
  ClassIdx ClassOf(ObjectIdx o) const { return o == kNoObject ? kNoClass : m_.object_class[o]; }
  ClassIdx Mirrored(ObjectIdx o) const {
    return static_cast<ObjectKind>(m_.object_kind[o]) == ObjectKind::kClass ? t_.Find(m_.object_id[o]) : kNoClass;
  }
  bool IsA(ObjectIdx o, ClassIdx ancestor) {
    return static_cast<ObjectKind>(m_.object_kind[o]) == ObjectKind::kInstance &&
           t_.IsSubclass(ClassOf(o), ancestor);
  }
  bool IsLoader(ObjectIdx o) { return class_loader_ != kNoClass && IsA(o, class_loader_); }
  bool IsJdkLoader(ObjectIdx o) { return IsLoader(o) && jdk_loader_[ClassOf(o)]; }

  // Class objects are each their own class (grouping them as
  // java.lang.Class would lump every class's statics together), and
  // Strings and arrays shared by several structures are top-level without
  // being a leak of their own.
  bool Groupable(ObjectIdx o) const {
    if (static_cast<ObjectKind>(m_.object_kind[o]) != ObjectKind::kInstance) return false;
    const ClassIdx c = ClassOf(o);
    return c != kNoClass && c != t_.java_lang_string;
  }

  // Children of the super-root, looking through the JDK's loaders.
  std::vector<NodeId> TopLevel() {
    std::vector<NodeId> out, stack{kSuperRoot};
    while (!stack.empty()) {
      NodeId n = stack.back();
      stack.pop_back();
      for (NodeId c : tree_.Children(n)) {
        if (IsJdkLoader(ObjectOf(c))) stack.push_back(c);
        else out.push_back(c);
      }
    }
    return out;
  }

  // A big retainer whose size is split between several big children (a
  // class with two large static maps) is those children, each on its own.
  void Expand(NodeId n) {
    std::vector<NodeId> stack{n};
    while (!stack.empty()) {
      NodeId v = stack.back();
      stack.pop_back();
      auto kids = tree_.Children(v);
      size_t big = 0;
      while (big < kids.size() && tree_.retained[kids[big]] >= threshold_) ++big;
      const bool dominant = !kids.empty() && tree_.retained[kids[0]] >= kAccumulationShare * tree_.retained[v];
      if (big >= 2 && !dominant) {
        for (size_t i = 0; i < big; ++i) stack.push_back(kids[i]);
      } else {
        AddBigObject(v);
      }
    }
  }

  NodeId AccumulationPoint(NodeId n) {
    NodeId cur = n;
    for (;;) {
      auto kids = tree_.Children(cur);
      if (kids.empty() || tree_.retained[kids[0]] < kAccumulationShare * tree_.retained[cur]) break;
      cur = kids[0];
    }
    const NodeId parent = tree_.idom[cur];
    if (cur != n && parent != kSuperRoot && parent != kNoNode && Backs(ObjectOf(cur), ObjectOf(parent))) cur = parent;
    return cur;
  }

  // Whether `array` is the table or element array of the collection
  // `owner`: a HashMap's table is where the entries hang, but the HashMap is
  // what the program knows, so suspects name it instead.
  bool Backs(ObjectIdx array, ObjectIdx owner) {
    if (static_cast<ObjectKind>(m_.object_kind[array]) != ObjectKind::kObjectArray) return false;
    auto shape = collections_.Describe(owner);
    return shape && shape->backing == array;
  }

  void SetAccumulation(LeakSuspect& s, ObjectIdx o) {
    s.accumulation = o;
    s.accumulation_retained = tree_.retained[NodeOf(o)];
    s.collection = collections_.Describe(o);
  }

  // From n down to acc through the dominator tree.
  std::vector<ObjectIdx> Chain(NodeId n, NodeId acc) const {
    std::vector<ObjectIdx> chain;
    for (NodeId v = acc; v != kNoNode && v != kSuperRoot; v = tree_.idom[v]) {
      chain.push_back(ObjectOf(v));
      if (v == n) break;
    }
    std::reverse(chain.begin(), chain.end());
    return chain;
  }

  std::string StaticName(ObjectIdx mirror, uint32_t slot) const {
    std::string name = m_.SlotName(mirror, slot);  // "static entries"
    if (name.rfind("static ", 0) == 0) name.erase(0, 7);
    ClassIdx c = Mirrored(mirror);
    return (c == kNoClass ? std::string("?") : t_.name[c]) + "." + name;
  }

  // Fills the category and its details from the dominator chain (suspect
  // down to accumulation point) and the first path to the GC roots.
  void Classify(LeakSuspect& s, const std::vector<ObjectIdx>& chain) {
    const ObjectIdx finalizer_mirror = finalizer_ == kNoClass ? kNoObject : m_.Find(t_.class_id[finalizer_]);
    for (ObjectIdx o : chain) {
      if (finalizer_ != kNoClass && (o == finalizer_mirror || ClassOf(o) == finalizer_)) {
        s.category = SuspectCategory::kFinalizer;
        s.finalizer = ReadFinalizerBacklog(collections_.fields(), tree_);
        s.instances = std::max<uint64_t>(s.finalizer.pending, 1);
        return;
      }
    }
    for (ObjectIdx o : chain) {
      const bool entry = tl_entry_ != kNoClass && IsA(o, tl_entry_);
      if (!entry && !(tl_map_ != kNoClass && IsA(o, tl_map_))) continue;
      s.category = SuspectCategory::kThreadLocal;
      for (ObjectIdx p : chain) {
        if (thread_ != kNoClass && IsA(p, thread_)) s.thread = p;
      }
      if (s.thread == kNoObject && !s.paths.paths.empty()) {
        ObjectIdx first = s.paths.paths[0].steps.front().object;
        if (thread_ != kNoClass && IsA(first, thread_)) s.thread = first;
      }
      ObjectIdx e = entry ? o : kNoObject;
      for (ObjectIdx p : chain) {
        if (e == kNoObject && tl_entry_ != kNoClass && IsA(p, tl_entry_)) e = p;
      }
      if (e != kNoObject) {
        s.thread_local_object = collections_.fields().Ref(e, "referent");
        s.thread_local_value = collections_.fields().Ref(e, "value");
      }
      return;
    }
    for (ObjectIdx o : chain) {
      ObjectIdx loader = kNoObject;
      if (IsLoader(o) && !IsJdkLoader(o)) {
        loader = o;
      } else if (ClassIdx c = Mirrored(o); c != kNoClass && t_.loader_id[c] != 0) {
        ObjectIdx l = m_.Find(t_.loader_id[c]);
        if (l != kNoObject && IsLoader(l) && !IsJdkLoader(l)) loader = l;
      }
      if (loader == kNoObject) continue;
      s.category = SuspectCategory::kClassLoader;
      s.loader = loader;
      const uint64_t id = m_.object_id[loader];
      for (ClassIdx c = 0; c < t_.size(); ++c) s.classes_defined += t_.loader_id[c] == id;
      PathOptions po;
      po.max_paths = 1;
      po.pseudo_fallback = true;
      if (auto p = FindGcRootPaths(m_, reverse_, loader, po); p.ok()) s.loader_paths = std::move(p.value());
      return;
    }
    if (!chain.empty() && Mirrored(chain[0]) != kNoClass) {
      // The class itself dominates what its static holds.
      NodeId top = NodeOf(chain[0]);
      NodeId next = chain.size() > 1 ? NodeOf(chain[1]) : (tree_.Children(top).empty() ? kNoNode : tree_.Children(top)[0]);
      if (next != kNoNode) {
        s.category = SuspectCategory::kStaticField;
        s.static_field = StaticName(chain[0], ReferenceSlot(m_, top, next, EdgeKind::kStatic));
        return;
      }
    }
    if (!s.paths.paths.empty() && !chain.empty()) {
      // A static field that holds the suspect without dominating it (the
      // class is reachable some other way too).
      const auto& steps = s.paths.paths[0].steps;
      for (size_t i = 1; i < steps.size(); ++i) {
        if (steps[i].via == EdgeKind::kStatic) {
          s.category = SuspectCategory::kStaticField;
          s.static_field = StaticName(steps[i - 1].object, steps[i].slot);
        }
        if (steps[i].object == chain[0]) break;
      }
      if (s.category == SuspectCategory::kStaticField) return;
    }
    if (s.collection) s.category = SuspectCategory::kCollection;
  }

  void Score(LeakSuspect& s) {
    const double heap = static_cast<double>(std::max<uint64_t>(tree_.retained[kSuperRoot], 1));
    const double percent = 100.0 * static_cast<double>(s.retained_bytes) / heap;
    double weight = 1.0, bonus = 0;
    switch (s.category) {
      case SuspectCategory::kBigObject: weight = 0.85; break;
      case SuspectCategory::kClassGroup: weight = 0.8; break;
      case SuspectCategory::kCollection: weight = 0.95; break;
      case SuspectCategory::kStaticField:
      case SuspectCategory::kThreadLocal: bonus += 5; break;  // roots that live as long as the JVM or its threads
      default: break;
    }
    if (s.collection && s.collection->elements) {
      bonus += std::min(10.0, 2.0 * std::log10(1.0 + static_cast<double>(*s.collection->elements)));
    }
    s.score = std::min(100.0, percent * weight + bonus);
  }

  void FillPaths(LeakSuspect& s, ObjectIdx target) {
    PathOptions po;
    po.max_paths = opt_.max_paths;
    po.pseudo_fallback = true;
    s.path_target = target;
    if (auto p = FindGcRootPaths(m_, reverse_, target, po); p.ok()) s.paths = std::move(p.value());
  }

  void Describe(LeakSuspect& s, NodeId n) {
    const NodeId acc = AccumulationPoint(n);
    SetAccumulation(s, ObjectOf(acc));
    if (s.collection && s.collection->elements) s.instances = *s.collection->elements;
    FillPaths(s, s.accumulation);
    Classify(s, Chain(n, acc));
  }

  void AddBigObject(NodeId n) {
    LeakSuspect s;
    s.object = ObjectOf(n);
    s.retained_bytes = tree_.retained[n];
    Describe(s, n);
    Score(s);
    out_.push_back(std::move(s));
  }

  void AddGroup(ClassIdx c, uint64_t bytes, std::vector<NodeId>& members) {
    std::sort(members.begin(), members.end(),
              [&](NodeId a, NodeId b) { return tree_.retained[a] > tree_.retained[b]; });
    LeakSuspect s;
    s.group_class = c;
    s.retained_bytes = bytes;
    // What holds the largest member stands for the group.
    Describe(s, members[0]);
    s.instances = members.size();
    s.collection.reset();
    if (s.category == SuspectCategory::kCollection || s.category == SuspectCategory::kBigObject) {
      s.category = SuspectCategory::kClassGroup;
    }
    Score(s);
    out_.push_back(std::move(s));
  }

  void AddDirectBuffers() {
    DirectBuffers b = ScanDirectBuffers(collections_.fields(), tree_);
    if (b.native_bytes < threshold_) return;
    LeakSuspect s;
    s.category = SuspectCategory::kDirectBuffer;
    s.group_class = t_.FindByName("java.nio.DirectByteBuffer");
    s.retained_bytes = b.native_bytes;
    s.instances = b.buffers;
    if (b.holder != kNoObject) {
      const NodeId parent = tree_.idom[NodeOf(b.holder)];
      const bool owned = parent != kSuperRoot && parent != kNoNode && Backs(b.holder, ObjectOf(parent));
      SetAccumulation(s, owned ? ObjectOf(parent) : b.holder);
    }
    FillPaths(s, s.accumulation != kNoObject ? s.accumulation : b.largest);
    if (s.accumulation == kNoObject && !s.paths.paths.empty() && s.paths.paths[0].steps.size() >= 2) {
      // Each buffer is also held by its Cleaner, so nothing but the
      // super-root may dominate them all: name what holds the largest one
      // on its path instead (a collection rather than its array).
      const auto& steps = s.paths.paths[0].steps;
      size_t at = steps.size() - 2;
      if (at > 0 && Backs(steps[at].object, steps[at - 1].object)) --at;
      SetAccumulation(s, steps[at].object);
    }
    s.buffers = b;
    Score(s);
    out_.push_back(std::move(s));
  }

  const heap::HeapModel& m_;
  const heap::ClassTable& t_;
  const ReverseGraph& reverse_;
  const DominatorTree& tree_;
  const SuspectOptions& opt_;
  JavaCollections collections_;
  uint64_t threshold_ = 1;
  ClassIdx class_loader_, thread_, tl_map_, tl_entry_, finalizer_;
  std::vector<uint8_t> jdk_loader_;
  std::vector<LeakSuspect> out_;
};

}  // namespace

std::string_view CategoryName(SuspectCategory c) {
  switch (c) {
    case SuspectCategory::kFinalizer: return "finalizer";
    case SuspectCategory::kThreadLocal: return "thread-local";
    case SuspectCategory::kClassLoader: return "classloader";
    case SuspectCategory::kStaticField: return "static-field";
    case SuspectCategory::kCollection: return "collection";
    case SuspectCategory::kDirectBuffer: return "direct-buffer";
    case SuspectCategory::kBigObject: return "big-object";
    case SuspectCategory::kClassGroup: return "class-group";
  }
  return "big-object";
}

bool IsJdkLoaderClass(std::string_view name) {
  static constexpr std::string_view kJdkLoaders[] = {
      "jdk.internal.loader.ClassLoaders$AppClassLoader",
      "jdk.internal.loader.ClassLoaders$PlatformClassLoader",
      "jdk.internal.loader.ClassLoaders$BootClassLoader",
      "sun.misc.Launcher$AppClassLoader",
      "sun.misc.Launcher$ExtClassLoader",
      "jdk.internal.reflect.DelegatingClassLoader",
      "sun.reflect.DelegatingClassLoader",
  };
  return std::find(std::begin(kJdkLoaders), std::end(kJdkLoaders), name) != std::end(kJdkLoaders);
}

std::vector<LeakSuspect> FindLeakSuspects(const heap::HeapModel& model, const ReverseGraph& reverse,
                                          const DominatorTree& tree, const SuspectOptions& options) {
  return SuspectFinder(model, reverse, tree, options).Run();
}

}  // namespace heapscope::analysis
