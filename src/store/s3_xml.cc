#include "store/s3_xml.h"

#include <cstdint>

namespace heapscope::store {
namespace {

enum class TagKind { kOpen, kClose, kEmpty, kOther };

struct Tag {
  TagKind kind = TagKind::kOther;
  std::string_view local_name;
  size_t begin = 0;  // of '<'
  size_t end = 0;    // just past '>'
};

std::string_view LocalName(std::string_view qualified) {
  size_t colon = qualified.rfind(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The markup starting at or after `from`; nullopt at the end (or when the
// rest is cut off).
std::optional<Tag> NextTag(std::string_view xml, size_t from) {
  const size_t open = xml.find('<', from);
  if (open == std::string_view::npos) return std::nullopt;
  Tag tag;
  tag.begin = open;
  auto skip_to = [&](std::string_view terminator) -> std::optional<Tag> {
    size_t at = xml.find(terminator, open);
    if (at == std::string_view::npos) return std::nullopt;
    tag.end = at + terminator.size();
    return tag;
  };
  std::string_view rest = xml.substr(open);
  if (rest.starts_with("<?")) return skip_to("?>");
  if (rest.starts_with("<!--")) return skip_to("-->");
  if (rest.starts_with("<![CDATA[")) return skip_to("]]>");
  if (rest.starts_with("<!")) return skip_to(">");
  // Up to the '>' outside quoted attribute values.
  char quote = 0;
  size_t at = open + 1;
  for (; at < xml.size(); ++at) {
    char c = xml[at];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      break;
    }
  }
  if (at == xml.size()) return std::nullopt;
  tag.end = at + 1;
  std::string_view inside = xml.substr(open + 1, at - open - 1);
  tag.kind = TagKind::kOpen;
  if (inside.starts_with('/')) {
    tag.kind = TagKind::kClose;
    inside.remove_prefix(1);
  } else if (inside.ends_with('/')) {
    tag.kind = TagKind::kEmpty;
    inside.remove_suffix(1);
  }
  size_t name_end = 0;
  while (name_end < inside.size() && !IsSpace(inside[name_end])) ++name_end;
  tag.local_name = LocalName(inside.substr(0, name_end));
  return tag;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// "#38", "#x26": the code point, or nullopt.
std::optional<uint32_t> CharacterReference(std::string_view ref) {
  if (ref.size() < 2 || ref[0] != '#') return std::nullopt;
  const bool hex = ref[1] == 'x' || ref[1] == 'X';
  std::string_view digits = ref.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return std::nullopt;
  uint32_t cp = 0;
  for (char c : digits) {
    int d = (c >= '0' && c <= '9') ? c - '0'
            : hex && (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : hex && (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                            : -1;
    if (d < 0) return std::nullopt;
    cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
  }
  if (cp == 0 || cp > 0x10FFFF) return std::nullopt;
  return cp;
}

void DecodeEntities(std::string_view text, std::string* out) {
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t semi = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 12) {
      *out += text[i];
      continue;
    }
    std::string_view ref = text.substr(i + 1, semi - i - 1);
    bool known = false;
    for (const auto& [name, ch] : kNamed) {
      if (ref == name) {
        *out += ch;
        known = true;
      }
    }
    if (!known) {
      auto cp = CharacterReference(ref);
      if (!cp) {
        *out += text[i];  // not ours to judge: kept as written
        continue;
      }
      AppendUtf8(*cp, out);
    }
    i = semi;
  }
}

}  // namespace

std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> found;
  int depth = 0;
  size_t content_begin = 0;
  for (auto tag = NextTag(xml, 0); tag; tag = NextTag(xml, tag->end)) {
    if (tag->local_name != name) continue;
    if (tag->kind == TagKind::kEmpty && depth == 0) {
      found.push_back(xml.substr(tag->end, 0));
    } else if (tag->kind == TagKind::kOpen) {
      if (depth++ == 0) content_begin = tag->end;
    } else if (tag->kind == TagKind::kClose && depth > 0 && --depth == 0) {
      found.push_back(xml.substr(content_begin, tag->begin - content_begin));
    }
  }
  return found;
}

std::optional<std::string> XmlText(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> elements = XmlElements(xml, name);
  if (elements.empty()) return std::nullopt;
  return XmlDecode(elements.front());
}

std::string XmlDecode(std::string_view raw) {
  std::string out;
  constexpr std::string_view kOpen = "<![CDATA[", kClose = "]]>";
  while (!raw.empty()) {
    size_t cdata = raw.find(kOpen);
    DecodeEntities(raw.substr(0, cdata), &out);
    if (cdata == std::string_view::npos) break;
    raw.remove_prefix(cdata + kOpen.size());
    size_t end = raw.find(kClose);
    out += raw.substr(0, end);
    if (end == std::string_view::npos) break;
    raw.remove_prefix(end + kClose.size());
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view XmlRootName(std::string_view xml) {
  for (auto tag = NextTag(xml, 0); tag; tag = NextTag(xml, tag->end)) {
    if (tag->kind == TagKind::kOpen || tag->kind == TagKind::kEmpty) return tag->local_name;
    if (tag->kind == TagKind::kClose) return {};
  }
  return {};
}

}  // namespace heapscope::store
