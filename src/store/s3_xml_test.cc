// The S3 client's XML reading on answers shaped like S3's (namespaces,
// prefixes, white space, entities), and the 200 answer of
// CompleteMultipartUpload that holds an error.
#include "store/s3_xml.h"

#include <gtest/gtest.h>

#include "store/s3_multipart_upload.h"

namespace heapscope::store {
namespace {

TEST(S3Xml, ReadsElementsWhateverTheNamespaceAndSpacing) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment <Key>not this</Key> -->
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <IsTruncated>true</IsTruncated>
  <Contents>
    <Key>dumps/a&amp;b&lt;c&gt;&quot;d&quot;&apos;e</Key>
    <Size>12</Size>
  </Contents>
  <s3:Contents xmlns:s3="x"><s3:Key a='>'>dumps/&#233;&#x41;</s3:Key></s3:Contents>
  <Contents><Key/></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)";
  EXPECT_EQ(XmlRootName(xml), "ListBucketResult");
  std::vector<std::string_view> contents = XmlElements(xml, "Contents");
  ASSERT_EQ(contents.size(), 3u);
  EXPECT_EQ(XmlText(contents[0], "Key"), "dumps/a&b<c>\"d\"'e");
  EXPECT_EQ(XmlText(contents[0], "Size"), "12");
  EXPECT_EQ(XmlText(contents[1], "Key"), "dumps/\xc3\xa9" "A");
  EXPECT_EQ(XmlText(contents[2], "Key"), "");
  EXPECT_EQ(XmlText(xml, "IsTruncated"), "true");
  EXPECT_EQ(XmlText(xml, "NextContinuationToken"), "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  EXPECT_EQ(XmlText(xml, "Missing"), std::nullopt);
}

TEST(S3Xml, KeepsWhatItDoesNotKnowAndSurvivesDamage) {
  EXPECT_EQ(XmlDecode("a &nbsp; & b &#0; &#x110000; <![CDATA[<raw> &amp;]]> z"),
            "a &nbsp; & b &#0; &#x110000; <raw> &amp; z");
  EXPECT_EQ(XmlText("  <Key>  spaced  </Key>", "Key"), "  spaced  ");
  EXPECT_EQ(XmlDecode(XmlEscape("\"a&b<c>\"")), "\"a&b<c>\"");
  for (std::string_view damaged : {"<A><Key>x", "<A><Key>x</Ke", "<", "<Key attr=\"unclosed>", "</Key>", ""}) {
    EXPECT_TRUE(XmlElements(damaged, "Key").empty()) << damaged;
  }
  EXPECT_EQ(XmlRootName("<?xml version='1.0'?>\n  <Error><Code>X</Code></Error>"), "Error");
  EXPECT_EQ(XmlRootName("no xml at all"), "");
  // Nested same names belong to the outer element.
  EXPECT_EQ(XmlElements("<P><P>in</P></P><P>2</P>", "P"), (std::vector<std::string_view>{"<P>in</P>", "2"}));
}

TEST(S3Xml, CompleteMultipartUploadAnswers) {
  const std::string done = R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Location>https://b.s3.amazonaws.com/k</Location><Bucket>b</Bucket><Key>k</Key>
  <ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag>
</CompleteMultipartUploadResult>)";
  EXPECT_TRUE(CheckCompleteAnswer(done, "complete").ok());

  // S3 sends 200 and white space while it assembles, then maybe an error.
  const std::string failed = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n          \n"
                             "<Error><Code>InternalError</Code>"
                             "<Message>We encountered an internal error. Please try again.</Message>"
                             "<RequestId>656c76696e6727732072657175657374</RequestId></Error>";
  Status s = CheckCompleteAnswer(failed, "s3 POST s3://b/k?uploadId");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kIo);
  EXPECT_NE(s.error().message.find("InternalError"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("Please try again"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("s3://b/k"), std::string::npos) << s.error().message;

  EXPECT_FALSE(CheckCompleteAnswer("", "complete").ok()) << "an empty 200 is no success";
}

}  // namespace
}  // namespace heapscope::store
