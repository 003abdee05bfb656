// store/s3_xml.h - the few elements the S3 client reads from S3's XML
// answers (an upload id, listed keys, an error's code), without an XML
// library: S3's responses are small, flat and machine-written.
//
// Elements are matched by local name, so <Key> and <s3:Key> are the same,
// attributes (xmlns) are skipped and white space between elements does not
// matter. Text is returned with the five named entities and numeric
// character references decoded and CDATA sections unwrapped. Not a
// validating parser: damaged XML yields fewer elements, never a crash.
#ifndef HEAPSCOPE_STORE_S3_XML_H_
#define HEAPSCOPE_STORE_S3_XML_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace heapscope::store {

// The raw content of each element named `name` at any depth, in document
// order (one nested in another of the same name is part of the outer one's).
// The views point into `xml`.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name);

// The decoded text of the first such element.
std::optional<std::string> XmlText(std::string_view xml, std::string_view name);

// Entities and CDATA of an element's raw content decoded.
std::string XmlDecode(std::string_view raw);

// `text` made safe as element content (& < > escaped), for the few
// requests with an XML body.
std::string XmlEscape(std::string_view text);

// The local name of the document's outermost element ("Error"); empty when
// there is none.
std::string_view XmlRootName(std::string_view xml);

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_S3_XML_H_
