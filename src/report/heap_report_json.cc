// The JSON half of report/heap_report.h: analysis results to the documented
// schema, with each suspect's title, description and advice in plain words.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "analysis/object_graph.h"
#include "report/heap_report.h"
#include "report/histogram_report.h"
#include "report/object_labels.h"
#include "report/path_report.h"

namespace heapscope::report {

namespace {

using Json = nlohmann::ordered_json;
using analysis::SuspectCategory;
using heap::kNoObject;
using heap::ObjectIdx;

constexpr int kTreeDepth = 6;
constexpr size_t kTreeChildren = 25;
constexpr size_t kMaxValueChars = 120;

double Percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return 0;
  return std::round(10000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 100.0;
}


Json IdOrNull(const heap::HeapModel& m, ObjectIdx o) { return o == kNoObject ? Json(nullptr) : Json(HexId(m, o)); }

std::string MaskedOr(const std::string& value, bool show) {
  if (show) return value.size() > kMaxValueChars ? value.substr(0, kMaxValueChars) + "..." : value;
  return fmt::format("<masked: {} chars>", value.size());
}

std::string Duration(double hours) {
  if (hours >= 2) return fmt::format("{:.1f} hours", hours);
  if (hours * 60 >= 2) return fmt::format("{:.0f} minutes", hours * 60);
  return fmt::format("{:.0f} seconds", hours * 3600);
}

std::string ThreadName(const heap::HeapModel& m, ObjectIdx thread) {
  for (const heap::ThreadInfo& t : m.threads) {
    if (t.object == thread && !t.name.empty()) return t.name;
  }
  analysis::InstanceFields f(m);
  ObjectIdx name = f.Ref(thread, "name");
  if (auto s = m.StringValue(name)) return *s;
  return HexId(m, thread);
}

class SuspectJson {
 public:
  SuspectJson(const HeapReportInput& in) : in_(in), m_(in.model), heap_(in.tree.retained[analysis::kSuperRoot]) {}

  Json Build(const analysis::LeakSuspect& s, size_t rank) {
    const std::string cls = s.object != kNoObject ? ObjectClassName(m_, s.object)
                            : s.group_class != heap::kNoClass ? m_.scan.classes.name[s.group_class]
                                                              : "?";
    const double pct = Percent(s.retained_bytes, heap_);
    Json j;
    j["rank"] = rank;
    j["category"] = std::string(analysis::CategoryName(s.category));
    j["score"] = std::round(s.score * 100) / 100;
    j["title"] = Title(s, cls, pct);
    j["class"] = cls;
    j["object"] = IdOrNull(m_, s.object);
    j["retained_bytes"] = s.retained_bytes;
    j["retained_percent"] = pct;
    j["instances"] = s.instances;
    if (s.accumulation != kNoObject) {
      Json a;
      a["id"] = HexId(m_, s.accumulation);
      a["class"] = ObjectClassName(m_, s.accumulation);
      a["retained_bytes"] = s.accumulation_retained;
      a["retained_percent"] = Percent(s.accumulation_retained, heap_);
      a["elements"] = s.collection && s.collection->elements ? Json(*s.collection->elements) : Json(nullptr);
      a["capacity"] = s.collection && s.collection->capacity ? Json(*s.collection->capacity) : Json(nullptr);
      j["accumulation_point"] = a;
    } else {
      j["accumulation_point"] = nullptr;
    }
    Json paths = s.path_target == kNoObject ? Json::array() : PathsJson(m_, s.path_target, s.paths)["paths"];
    j["paths"] = paths;
    Json lines = Json::array();
    for (const analysis::GcRootPath& p : s.paths.paths) lines.push_back(RenderPath(m_, p));
    j["paths_text"] = lines;
    Json kinds = Json::array();
    if (!s.paths.paths.empty()) {
      for (const std::string& k : RootLabels(m_, s.paths.paths[0].roots)) kinds.push_back(k);
    }
    j["root_kinds"] = kinds;
    j["details"] = Details(s);
    j["description"] = Description(s, cls, pct) + GrowthText(s);
    j["advice"] = Advice(s);
    j["growth"] = GrowthJson(s);
    return j;
  }

 private:
  Json GrowthJson(const analysis::LeakSuspect& s) const {
    if (!s.growth) return nullptr;
    const analysis::LeakSuspect::Growth& g = *s.growth;
    const uint64_t now = s.place_bytes();
    Json j{{"baseline", in_.baseline_path}, {"matched", g.matched}};
    if (!g.matched) return j;
    const int64_t delta = static_cast<int64_t>(now) - static_cast<int64_t>(g.retained_before);
    j["retained_before"] = g.retained_before;
    j["retained_after"] = now;
    j["retained_delta"] = delta;
    j["instances_before"] = g.instances_before;
    j["instances_after"] = s.instances;
    j["hours"] = g.hours;
    j["rate_bytes_per_hour"] = g.hours > 0 ? Json(std::round(static_cast<double>(delta) / g.hours)) : Json(nullptr);
    return j;
  }

  std::string GrowthText(const analysis::LeakSuspect& s) const {
    if (!s.growth) return "";
    if (!s.growth->matched) return " It was not among the baseline dump's accumulation points (new, or below 1% then).";
    const uint64_t now = s.place_bytes();
    if (now > s.growth->retained_before) {
      return fmt::format(" Since the baseline dump it grew from {} to {}{}.", HumanBytes(s.growth->retained_before),
                         HumanBytes(now),
                         s.growth->hours > 0 ? " in " + Duration(s.growth->hours) : std::string());
    }
    return fmt::format(" It did not grow since the baseline dump ({} then).", HumanBytes(s.growth->retained_before));
  }

  std::string AccName(const analysis::LeakSuspect& s) const {
    if (s.accumulation == kNoObject) return "";
    std::string name = ObjectClassName(m_, s.accumulation);
    if (s.collection && s.collection->elements) name += fmt::format(" of {} elements", *s.collection->elements);
    return name;
  }

  std::string Title(const analysis::LeakSuspect& s, const std::string& cls, double pct) const {
    switch (s.category) {
      case SuspectCategory::kStaticField:
        return fmt::format("static {} holds {} ({}% of the heap)", s.static_field, HumanBytes(s.retained_bytes), pct);
      case SuspectCategory::kThreadLocal:
        return fmt::format("thread \"{}\" holds {} ({}%) through a ThreadLocal",
                           s.thread != kNoObject ? ThreadName(m_, s.thread) : "?", HumanBytes(s.retained_bytes), pct);
      case SuspectCategory::kClassLoader:
        return fmt::format("class loader {} keeps {} ({}%) alive", ObjectClassName(m_, s.loader),
                           HumanBytes(s.retained_bytes), pct);
      case SuspectCategory::kDirectBuffer:
        return fmt::format("{} direct buffers hold {} of native memory ({}% of the heap's size, not in it)",
                           s.buffers.buffers, HumanBytes(s.buffers.native_bytes), pct);
      case SuspectCategory::kFinalizer:
        return fmt::format("{} objects wait for finalization, holding {} ({}%)", s.finalizer.pending,
                           HumanBytes(s.retained_bytes), pct);
      case SuspectCategory::kCollection:
        return fmt::format("{} holds {} ({}%)", AccName(s), HumanBytes(s.retained_bytes), pct);
      case SuspectCategory::kClassGroup:
        return fmt::format("{} instances of {} hold {} ({}%)", s.instances, cls, HumanBytes(s.retained_bytes), pct);
      case SuspectCategory::kBigObject:
        break;
    }
    return fmt::format("one {} holds {} ({}%)", cls, HumanBytes(s.retained_bytes), pct);
  }

  std::string Description(const analysis::LeakSuspect& s, const std::string& cls, double pct) const {
    std::string held = s.object != kNoObject
                           ? fmt::format("One instance of {} ({}) retains {}, {}% of the reachable heap.", cls,
                                         HexId(m_, s.object), HumanBytes(s.retained_bytes), pct)
                           : fmt::format("{} instances of {} retain {}, {}% of the reachable heap.", s.instances, cls,
                                         HumanBytes(s.retained_bytes), pct);
    std::string acc = s.accumulation != kNoObject && s.accumulation != s.object
                          ? fmt::format(" The memory accumulates in {} ({}), which retains {}.", AccName(s),
                                        HexId(m_, s.accumulation), HumanBytes(s.accumulation_retained))
                          : "";
    switch (s.category) {
      case SuspectCategory::kStaticField:
        return held + acc + fmt::format(" It is reachable from the static field {}, which lives as long as its class.",
                                        s.static_field);
      case SuspectCategory::kThreadLocal:
        return held + acc +
               fmt::format(" It is the value of a ThreadLocal ({}) in thread \"{}\"; the thread is alive, so the value "
                           "stays until the thread ends or remove() is called.",
                           s.thread_local_object != kNoObject ? ObjectClassName(m_, s.thread_local_object) : "?",
                           s.thread != kNoObject ? ThreadName(m_, s.thread) : "?");
      case SuspectCategory::kClassLoader:
        return held + acc +
               fmt::format(" It hangs off classes defined by the class loader {} ({}, {} classes), which is still "
                           "reachable, so none of its classes or their statics can be unloaded.",
                           ObjectClassName(m_, s.loader), HexId(m_, s.loader), s.classes_defined);
      case SuspectCategory::kDirectBuffer:
        return fmt::format("{} reachable DirectByteBuffers own {} of native memory ({} of it only waiting for its "
                           "Cleaner); slices and views are counted with their parent. The Java heap shows only their "
                           "small buffer objects.",
                           s.buffers.buffers, HumanBytes(s.buffers.native_bytes), HumanBytes(s.buffers.pending_cleaner_bytes)) +
               (s.accumulation != kNoObject ? fmt::format(" Most are held by {} ({}).", AccName(s),
                                                          HexId(m_, s.accumulation))
                                            : "");
      case SuspectCategory::kFinalizer:
        return fmt::format("{} objects are queued for finalization and {} have a finalize() not yet run; they and "
                           "everything they reference ({}) stay in the heap until the finalizer thread gets to them.",
                           s.finalizer.pending, s.finalizer.registered, HumanBytes(s.retained_bytes));
      default:
        return held + acc;
    }
  }

  std::string Advice(const analysis::LeakSuspect& s) const {
    switch (s.category) {
      case SuspectCategory::kStaticField:
        return "Bound the structure behind this static field (an eviction policy, a maximum size, expiry) or remove "
               "entries when they are no longer needed.";
      case SuspectCategory::kThreadLocal:
        return "Call ThreadLocal.remove() when the task ends (in a finally block), especially on pooled threads, "
               "which never end.";
      case SuspectCategory::kClassLoader:
        return "Find what keeps the loader alive (see its path) and release it on undeploy: static registries, "
               "thread context loaders, JDBC drivers, ThreadLocals or threads started by the application.";
      case SuspectCategory::kDirectBuffer:
        return "Release direct buffers you no longer need, pool and reuse them, or cap native memory with "
               "-XX:MaxDirectMemorySize; check the holder for buffers kept past their use.";
      case SuspectCategory::kFinalizer:
        return "Replace finalize() with try-with-resources or java.lang.ref.Cleaner, and check what blocks or slows "
               "the finalizer thread.";
      case SuspectCategory::kCollection:
        return "Check who adds to this collection and who removes from it: add removal (unregister listeners, "
               "evict entries) or bound its size.";
      case SuspectCategory::kClassGroup:
        return "Many objects of one class are held from different GC roots: check whether each needs to be alive.";
      case SuspectCategory::kBigObject:
        break;
    }
    return "Check whether this object needs to hold this much; follow the accumulation point and the path from "
           "the GC root.";
  }

  Json Details(const analysis::LeakSuspect& s) const {
    Json d = Json::object();
    switch (s.category) {
      case SuspectCategory::kStaticField: d["field"] = s.static_field; break;
      case SuspectCategory::kCollection:
        d["collection"] = s.collection ? m_.scan.classes.name[s.collection->known_class] : "";
        d["elements"] = s.collection && s.collection->elements ? Json(*s.collection->elements) : Json(nullptr);
        break;
      case SuspectCategory::kThreadLocal:
        d["thread"] = s.thread != kNoObject ? ThreadName(m_, s.thread) : "";
        d["thread_id"] = IdOrNull(m_, s.thread);
        d["thread_local_class"] =
            s.thread_local_object != kNoObject ? ObjectClassName(m_, s.thread_local_object) : "";
        d["value_class"] = s.thread_local_value != kNoObject ? ObjectClassName(m_, s.thread_local_value) : "";
        break;
      case SuspectCategory::kClassLoader:
        d["loader"] = HexId(m_, s.loader);
        d["loader_class"] = ObjectClassName(m_, s.loader);
        d["classes_defined"] = s.classes_defined;
        d["kept_alive_by"] = PathsJson(m_, s.loader, s.loader_paths)["paths"];
        break;
      case SuspectCategory::kDirectBuffer:
        d["buffers"] = s.buffers.buffers;
        d["native_bytes"] = s.buffers.native_bytes;
        d["pending_cleaner_bytes"] = s.buffers.pending_cleaner_bytes;
        d["views"] = s.buffers.views;
        break;
      case SuspectCategory::kFinalizer:
        d["pending"] = s.finalizer.pending;
        d["registered"] = s.finalizer.registered;
        break;
      default: break;
    }
    return d;
  }

  const HeapReportInput& in_;
  const heap::HeapModel& m_;
  uint64_t heap_;
};

Json TreeJson(const heap::HeapModel& m, const analysis::DominatorTree& tree) {
  struct Frame {
    analysis::NodeId node;
    Json* out;
    int depth;
  };
  Json root;
  root["id"] = "root";
  root["class"] = "<all GC roots>";
  root["shallow_bytes"] = 0;
  root["retained_bytes"] = tree.retained[analysis::kSuperRoot];
  std::vector<Frame> stack{{analysis::kSuperRoot, &root, 0}};
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    auto kids = tree.Children(f.node);
    Json& children = (*f.out)["children"] = Json::array();
    if (f.depth >= kTreeDepth) {
      (*f.out)["more"] = kids.size();
      continue;
    }
    const size_t shown = std::min(kids.size(), kTreeChildren);
    for (size_t i = 0; i < shown; ++i) {
      const ObjectIdx o = analysis::ObjectOf(kids[i]);
      children.push_back({{"id", HexId(m, o)},
                          {"class", ObjectClassName(m, o)},
                          {"shallow_bytes", m.shallow_size[o]},
                          {"retained_bytes", tree.retained[kids[i]]}});
    }
    (*f.out)["more"] = kids.size() - shown;
    // Pointers into `children` stay valid: it is not resized after this.
    for (size_t i = 0; i < shown; ++i) stack.push_back({kids[i], &children[i], f.depth + 1});
  }
  return root;
}

}  // namespace

nlohmann::ordered_json HeapReportJson(const HeapReportInput& in) {
  const heap::HeapModel& m = in.model;
  const heap::HeapScan& scan = m.scan;
  const analysis::DominatorTree& tree = in.tree;
  const uint64_t heap_bytes = tree.retained[analysis::kSuperRoot];
  Json j;
  j["schema"] = "heapscope-report";
  j["schema_version"] = kReportSchemaVersion;
  j["generated_by"] = "heapscope 0.1.0";
  j["dump"] = {{"path", in.dump_path},
               {"file_bytes", scan.file_size},
               {"format", scan.read.header.format},
               {"id_size", scan.read.header.id_size},
               {"timestamp_ms", scan.read.header.timestamp_ms}};
  j["options"] = {{"threshold_percent", in.threshold_percent},
                  {"show_values", in.show_values},
                  {"weak_refs", in.weak_refs},
                  {"keep_unreachable", in.keep_unreachable}};
  const heap::JvmLayout& layout = scan.layout;
  // Compressed class pointers are implied by a 12-byte header with
  // compressed oops, and by compact headers.
  const bool compressed_class_pointers = layout.compact_headers || layout.header_bytes == 12;
  j["overview"] = {{"reachable_bytes", heap_bytes},
                   {"reachable_objects", tree.reachable_objects},
                   {"unreachable_bytes", tree.unreachable_bytes},
                   {"unreachable_objects", tree.unreachable_objects},
                   {"shallow_bytes", scan.shallow_bytes},
                   {"objects", m.object_count()},
                   {"classes", scan.classes.size()},
                   {"class_loaders", in.insights.loaders.size()},
                   {"gc_roots", m.roots.size()},
                   {"threads", m.threads.size()},
                   {"jvm",
                    {{"layout", layout.name},
                     {"compressed_oops", layout.compressed_oops()},
                     {"compressed_class_pointers", compressed_class_pointers},
                     {"compact_headers", layout.compact_headers},
                     {"object_alignment", layout.alignment},
                     {"id_size", scan.read.header.id_size}}}};
  Json suspects = Json::array();
  SuspectJson sj(in);
  for (size_t i = 0; i < in.suspects.size(); ++i) suspects.push_back(sj.Build(in.suspects[i], i + 1));
  j["suspects"] = suspects;

  std::vector<heap::ClassIdx> order;
  for (heap::ClassIdx c = 0; c < scan.classes.size(); ++c) {
    if (scan.per_class[c].instances > 0) order.push_back(c);
  }
  auto retained_of = [&](heap::ClassIdx c) { return c < in.retained_by_class.size() ? in.retained_by_class[c] : 0; };
  std::sort(order.begin(), order.end(), [&](heap::ClassIdx a, heap::ClassIdx b) {
    return retained_of(a) != retained_of(b) ? retained_of(a) > retained_of(b) : a < b;
  });
  if (order.size() > in.top) order.resize(in.top);
  Json classes = Json::array();
  for (heap::ClassIdx c : order) {
    classes.push_back({{"class", scan.classes.name[c]},
                       {"instances", scan.per_class[c].instances},
                       {"shallow_bytes", scan.per_class[c].shallow_bytes},
                       {"retained_bytes", retained_of(c)},
                       {"retained_percent", Percent(retained_of(c), heap_bytes)}});
  }
  j["top_classes"] = classes;
  Json packages = Json::array();
  for (const analysis::PackageRow& p : in.insights.packages) {
    packages.push_back({{"package", p.package},
                        {"classes", p.classes},
                        {"instances", p.instances},
                        {"shallow_bytes", p.shallow_bytes},
                        {"retained_bytes", p.retained_bytes}});
  }
  j["top_packages"] = packages;
  Json loaders = Json::array();
  for (const analysis::ClassLoaderRow& l : in.insights.loaders) {
    if (loaders.size() == in.top) break;
    loaders.push_back({{"id", HexId(m, l.loader)},
                       {"class", ObjectClassName(m, l.loader)},
                       {"classes_defined", l.classes_defined},
                       {"retained_bytes", l.retained_bytes},
                       {"retained_percent", Percent(l.retained_bytes, heap_bytes)}});
  }
  j["class_loaders"] = loaders;
  Json dup_classes = Json::array();
  for (const analysis::DuplicateClass& d : in.insights.duplicate_classes) {
    if (dup_classes.size() == in.top) break;
    dup_classes.push_back({{"class", d.name}, {"loaders", d.loaders}});
  }
  j["duplicate_classes"] = dup_classes;
  j["dominator_tree"] = TreeJson(m, tree);
  Json strings = Json::array();
  for (const analysis::DuplicateString& d : in.insights.duplicate_strings) {
    strings.push_back({{"value", MaskedOr(m.StringValue(d.sample).value_or(""), in.show_values)},
                       {"length", d.length},
                       {"count", d.count},
                       {"wasted_bytes", d.wasted_bytes}});
  }
  j["duplicate_strings"] = {{"total_wasted_bytes", in.insights.duplicate_string_wasted_bytes}, {"top", strings}};
  Json collections = Json::array();
  for (const analysis::CollectionRow& c : in.insights.collections) {
    collections.push_back(
        {{"class", scan.classes.name[c.known_class]},
         {"instances", c.instances},
         {"empty", c.empty},
         {"elements", c.elements},
         {"capacity_slots", c.capacity_slots},
         {"fill_ratio", c.capacity_slots == 0 ? Json(nullptr)
                                              : Json(std::round(1000.0 * static_cast<double>(c.elements) /
                                                                static_cast<double>(c.capacity_slots)) /
                                                     1000.0)},
         {"shallow_bytes", c.shallow_bytes},
         {"retained_bytes", c.retained_bytes}});
  }
  j["collections"] = collections;
  Json boxed = Json::array();
  for (const analysis::BoxedRow& b : in.insights.boxed) {
    boxed.push_back({{"class", scan.classes.name[b.boxed_class]},
                     {"instances", b.instances},
                     {"shallow_bytes", b.shallow_bytes},
                     {"overhead_bytes", b.overhead_bytes}});
  }
  j["boxed_primitives"] = boxed;
  const analysis::DirectBuffers& db = in.insights.direct_buffers;
  j["direct_buffers"] = {{"buffers", db.buffers},
                         {"native_bytes", db.native_bytes},
                         {"pending_cleaner_bytes", db.pending_cleaner_bytes},
                         {"views", db.views}};
  j["finalizer"] = {{"pending", in.insights.finalizer.pending},
                    {"pending_retained_bytes", in.insights.finalizer.retained_bytes}};
  Json threads = Json::array();
  for (const heap::ThreadInfo& t : m.threads) {
    Json frames = Json::array();
    for (const heap::StackFrame& f : t.frames) {
      std::string where = f.line > 0 ? fmt::format("{}:{}", f.source_file, f.line)
                                     : (f.source_file.empty() ? "unknown" : f.source_file);
      frames.push_back(fmt::format("{}({})", f.method, where));
    }
    const bool live = t.object != kNoObject && tree.Reachable(analysis::NodeOf(t.object));
    threads.push_back({{"id", IdOrNull(m, t.object)},
                       {"name", t.name},
                       {"state", t.state},
                       {"daemon", t.daemon},
                       {"retained_bytes", live ? tree.retained[analysis::NodeOf(t.object)] : 0},
                       {"frames", frames}});
  }
  std::stable_sort(threads.begin(), threads.end(), [](const Json& a, const Json& b) {
    return a["retained_bytes"].get<uint64_t>() > b["retained_bytes"].get<uint64_t>();
  });
  j["threads"] = threads;
  return j;
}

}  // namespace heapscope::report
