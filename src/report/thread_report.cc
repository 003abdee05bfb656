#include "report/thread_report.h"

#include <fmt/format.h>

#include "report/object_labels.h"

namespace heapscope::report {

namespace {
std::string FrameLocation(const heap::StackFrame& f) {
  if (f.line == -3) return "Native Method";
  if (f.source_file.empty()) return "Unknown Source";
  if (f.line > 0) return fmt::format("{}:{}", f.source_file, f.line);
  return f.source_file;
}

std::string ClassOf(const heap::HeapModel& m, heap::ObjectIdx o) {
  heap::ClassIdx c = m.object_class[o];
  return c == heap::kNoClass ? "unknown" : m.scan.classes.name[c];
}
}  // namespace

nlohmann::ordered_json ThreadsJson(const heap::HeapModel& m) {
  nlohmann::ordered_json j;
  j["threads"] = nlohmann::ordered_json::array();
  for (const heap::ThreadInfo& t : m.threads) {
    nlohmann::ordered_json tj;
    tj["name"] = t.name;
    tj["state"] = t.state;
    tj["daemon"] = t.daemon;
    tj["serial"] = t.serial;
    tj["id"] = t.object == heap::kNoObject ? std::string() : HexId(m, t.object);
    tj["frames"] = nlohmann::ordered_json::array();
    for (const heap::StackFrame& f : t.frames) {
      tj["frames"].push_back({{"method", f.method}, {"signature", f.signature},
                              {"source", f.source_file}, {"line", f.line}});
    }
    tj["locals"] = nlohmann::ordered_json::array();
    for (auto [frame, o] : t.locals) {
      tj["locals"].push_back({{"frame", frame}, {"id", HexId(m, o)},
                              {"class", ClassOf(m, o)}});
    }
    j["threads"].push_back(std::move(tj));
  }
  return j;
}

std::string ThreadsText(const heap::HeapModel& m) {
  std::string out;
  for (const heap::ThreadInfo& t : m.threads) {
    out += fmt::format("\"{}\"{} {}\n", t.name, t.daemon ? " daemon" : "",
                       t.state.empty() ? "" : "java.lang.Thread.State: " + t.state);
    for (uint32_t depth = 0; depth < t.frames.size(); ++depth) {
      const heap::StackFrame& f = t.frames[depth];
      out += fmt::format("    at {}({})\n", f.method, FrameLocation(f));
      for (auto [frame, o] : t.locals) {
        if (frame == depth) out += fmt::format("        holds {} @ {}\n", ClassOf(m, o), HexId(m, o));
      }
    }
    out += "\n";
  }
  out += fmt::format("{} threads\n", m.threads.size());
  return out;
}

}  // namespace heapscope::report
