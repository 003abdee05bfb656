#include "heap/java_names.h"

namespace heapscope::heap {

namespace {
std::string_view DescriptorPrimitive(char c) {
  switch (c) {
    case 'Z': return "boolean";
    case 'B': return "byte";
    case 'C': return "char";
    case 'S': return "short";
    case 'I': return "int";
    case 'J': return "long";
    case 'F': return "float";
    case 'D': return "double";
    default: return {};
  }
}

std::string Dotted(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '/') c = '.';
  }
  return out;
}
}  // namespace

std::string JavaClassName(std::string_view name) {
  // Hidden classes are dumped as "Outer$$Lambda$1+0x0800"; the JVM's own
  // tools print "Outer$$Lambda$1/0x0800".
  if (size_t plus = name.rfind("+0x"); plus != std::string_view::npos && name.front() != '[') {
    std::string out = Dotted(name);
    out[plus] = '/';
    return out;
  }
  size_t dims = 0;
  while (dims < name.size() && name[dims] == '[') ++dims;
  if (dims == 0) return Dotted(name);
  std::string_view elem = name.substr(dims);
  std::string base;
  if (elem.size() == 1 && !DescriptorPrimitive(elem[0]).empty()) {
    base = DescriptorPrimitive(elem[0]);
  } else if (elem.size() >= 2 && elem.front() == 'L' && elem.back() == ';') {
    base = Dotted(elem.substr(1, elem.size() - 2));
  } else {
    base = Dotted(elem);  // already a plain name after the brackets (some producers)
  }
  for (size_t i = 0; i < dims; ++i) base += "[]";
  return base;
}

std::string PrimitiveArrayName(hprof::BasicType type) {
  return std::string(hprof::BasicTypeName(type)) + "[]";
}

}  // namespace heapscope::heap
