#include "catalog/dump_metadata.h"

#include <gtest/gtest.h>

namespace heapscope::catalog {
namespace {

TEST(DumpMetadataTest, ReadsTheAgentsMetadata) {
  const std::string text = R"({"service": "checkout", "pod": "checkout-7d9", "namespace": "shop",
    "dump_started_at": "2026-11-27T07:00:01Z", "id": "20261127T070001Z-node-42",
    "dump": {"key": "dumps/20261127T070001Z-node-42/dump.hprof.gz.hsc", "stored_bytes": 1234},
    "shipped_at": "2026-11-27T07:00:09Z"})";
  auto d = DumpRecordFromMetadata(text);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->id, "20261127T070001Z-node-42");
  EXPECT_EQ(d->service, "checkout");
  EXPECT_EQ(d->pod, "checkout-7d9");
  EXPECT_EQ(d->namespace_name, "shop");
  EXPECT_EQ(d->location, "dumps/20261127T070001Z-node-42/dump.hprof.gz.hsc");
  EXPECT_EQ(d->size, 1234u);
  EXPECT_EQ(d->captured_ms, 1795762801000);
  EXPECT_EQ(d->metadata_json, text);
}

TEST(DumpMetadataTest, FallsBackToTheShipTime) {
  auto d = DumpRecordFromMetadata(
      R"({"id": "x", "service": "s", "dump": {"key": "dumps/x/dump"}, "shipped_at": "1970-01-01T00:01:00Z"})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->captured_ms, 60000);
}

TEST(DumpMetadataTest, NamesWhatIsMissing) {
  EXPECT_NE(DumpRecordFromMetadata("[1]").error().message.find("not a JSON object"), std::string::npos);
  EXPECT_NE(DumpRecordFromMetadata(R"({"service": "s"})").error().message.find("\"id\""), std::string::npos);
  EXPECT_NE(DumpRecordFromMetadata(R"({"id": "x"})").error().message.find("\"service\""), std::string::npos);
  EXPECT_NE(DumpRecordFromMetadata(R"({"id": "x", "service": "s"})").error().message.find("\"key\""),
            std::string::npos);
}

TEST(DumpMetadataTest, TheMainClassStandsForAnUnknownService) {
  auto d = DumpRecordFromMetadata(
      R"({"id": "x", "service": "", "jvm": {"main": "com.acme.Orders"}, "dump": {"key": "dumps/x/dump"}})");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->service, "com.acme.Orders");
}

TEST(DumpMetadataTest, ParsesOnlyTheUtcForm) {
  EXPECT_EQ(ParseUtcText("2000-01-01T00:00:00Z"), 946684800000);
  EXPECT_EQ(ParseUtcText("2000-01-01T00:00:00"), -1);
  EXPECT_EQ(ParseUtcText("2000-01-01T00:00:00Zjunk"), -1);
  EXPECT_EQ(ParseUtcText(""), -1);
}

}  // namespace
}  // namespace heapscope::catalog
