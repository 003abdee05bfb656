// s3:// URLs with a made-up environment: defaults, addressing, environment
// fallbacks, and usage errors that name what is wrong.
#include "store/s3_config.h"

#include <map>

#include <gtest/gtest.h>

#include "store/s3_client.h"

namespace heapscope::store {
namespace {

using Env = std::map<std::string, std::string>;

EnvLookup LookupIn(Env env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

const Env kKeys = {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", "secret"}};

Env With(Env extra) {
  Env env = kKeys;
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

S3Config Parse(std::string_view url, const Env& env = kKeys) {
  auto config = ParseS3Url(url, LookupIn(env));
  EXPECT_TRUE(config.ok()) << url << ": " << config.error().message;
  return config.ok() ? config.value() : S3Config();
}

std::string ErrorOf(std::string_view url, const Env& env = kKeys) {
  auto config = ParseS3Url(url, LookupIn(env));
  if (config.ok()) return "(accepted)";
  EXPECT_EQ(config.error().kind, ErrorKind::kUsage);
  return config.error().message;
}

TEST(S3Config, DefaultsToAwsInUsEast1WithVirtualHosts) {
  const S3Config c = Parse("s3://dumps-bucket");
  EXPECT_EQ(c.bucket, "dumps-bucket");
  EXPECT_EQ(c.prefix, "");
  EXPECT_TRUE(c.https);
  EXPECT_EQ(c.host, "s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(c.path_style);
  EXPECT_EQ(c.credentials.region, "us-east-1");
  EXPECT_EQ(c.credentials.access_key, "AKIDEXAMPLE");
  EXPECT_EQ(c.part_size, 16 * kMiB);
  EXPECT_EQ(c.parallel, 4);
  EXPECT_EQ(c.sse, "");
  EXPECT_EQ(S3Location(c), "s3://dumps-bucket");
}

TEST(S3Config, PrefixLosesItsSlashesAndMakesTheLocation) {
  EXPECT_EQ(Parse("s3://b-1/team/dumps/").prefix, "team/dumps");
  EXPECT_EQ(S3Location(Parse("s3://b-1/team/dumps/?region=eu-west-1")), "s3://b-1/team/dumps");
  EXPECT_EQ(Parse("s3://b-1/").prefix, "");
}

TEST(S3Config, RegionFromTheUrlThenTheEnvironment) {
  EXPECT_EQ(Parse("s3://bkt", With({{"AWS_DEFAULT_REGION", "eu-central-1"}})).host,
            "s3.eu-central-1.amazonaws.com");
  const Env both = With({{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "eu-central-1"}});
  EXPECT_EQ(Parse("s3://bkt", both).credentials.region, "eu-west-1");
  EXPECT_EQ(Parse("s3://bkt?region=ap-south-1", both).credentials.region, "ap-south-1");
}

TEST(S3Config, OtherEndpointsArePathStyle) {
  const S3Config c = Parse("s3://dumps/p?endpoint=http://127.0.0.1:4568/");
  EXPECT_FALSE(c.https);
  EXPECT_EQ(c.host, "127.0.0.1:4568");
  EXPECT_TRUE(c.path_style);
  const S3Config env = Parse("s3://dumps", With({{"HEAPSCOPE_S3_ENDPOINT", "https://minio.internal:9000"}}));
  EXPECT_EQ(env.host, "minio.internal:9000");
  EXPECT_TRUE(env.path_style);
  EXPECT_FALSE(Parse("s3://dumps?endpoint=https://minio.internal&addressing=virtual").path_style);
  EXPECT_TRUE(Parse("s3://dumps?addressing=path").path_style);
}

TEST(S3Config, DottedBucketsArePathStyleEvenOnAws) {
  EXPECT_TRUE(Parse("s3://dumps.example.com").path_style);
  EXPECT_NE(ErrorOf("s3://dumps.example.com?addressing=virtual").find("addressing=path"), std::string::npos);
}

TEST(S3Config, EncryptionAndParts) {
  const S3Config c = Parse("s3://bkt?sse=aws:kms&kms_key_id=alias%2Fdumps&part_size=64MiB&parallel=8");
  EXPECT_EQ(c.sse, "aws:kms");
  EXPECT_EQ(c.kms_key_id, "alias/dumps");
  EXPECT_EQ(c.part_size, 64 * kMiB);
  EXPECT_EQ(c.parallel, 8);
  const S3Config env = Parse("s3://bkt", With({{"HEAPSCOPE_S3_SSE", "aws:kms"}, {"HEAPSCOPE_S3_KMS_KEY_ID", "k"}}));
  EXPECT_EQ(env.sse, "aws:kms");
  EXPECT_EQ(env.kms_key_id, "k");
  EXPECT_EQ(Parse("s3://bkt?sse=none", With({{"HEAPSCOPE_S3_SSE", "aws:kms"}})).sse, "");
  EXPECT_EQ(Parse("s3://bkt?part_size=5m").part_size, 5 * kMiB);
}

TEST(S3Config, SmallPartsOnlyWhenTheEnvironmentAllowsThem) {
  EXPECT_NE(ErrorOf("s3://bkt?part_size=64k").find("part_size=64k"), std::string::npos);
  EXPECT_EQ(Parse("s3://bkt?part_size=64k", With({{"HEAPSCOPE_S3_ALLOW_SMALL_PARTS", "1"}})).part_size, 64u << 10);
  EXPECT_NE(ErrorOf("s3://bkt?part_size=6G").find("5GiB"), std::string::npos);
}

TEST(S3Config, CredentialsAndTokenComeFromTheEnvironment) {
  const std::string missing = ErrorOf("s3://bkt", {{"AWS_ACCESS_KEY_ID", "x"}});
  EXPECT_NE(missing.find("AWS_ACCESS_KEY_ID"), std::string::npos) << missing;
  EXPECT_NE(missing.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << missing;
  const S3Config c = Parse("s3://bkt", With({{"AWS_SESSION_TOKEN", "tok"}, {"HEAPSCOPE_S3_CA_FILE", "/ca.pem"}}));
  EXPECT_EQ(c.session_token, "tok");
  EXPECT_EQ(c.ca_file, "/ca.pem");
}

TEST(S3Config, UsageErrorsNameTheCulprit) {
  const std::pair<const char*, const char*> cases[] = {
      {"file:///x", "s3://"},
      {"s3://", "bucket"},
      {"s3://UPPER", "\"UPPER\""},
      {"s3://ab", "\"ab\""},
      {"s3://bkt//x", "prefix"},
      {"s3://bkt/a b", "prefix"},
      {"s3://bkt?colour=red", "\"colour\""},
      {"s3://bkt?region=eu-west-1&region=us-east-1", "twice"},
      {"s3://bkt?endpoint=ftp://x", "endpoint"},
      {"s3://bkt?endpoint=https://h/path", "no path"},
      {"s3://bkt?addressing=sideways", "addressing=sideways"},
      {"s3://bkt?sse=rot13", "sse=rot13"},
      {"s3://bkt?kms_key_id=k", "kms_key_id needs sse=aws:kms"},
      {"s3://bkt?part_size=lots", "part_size=lots"},
      {"s3://bkt?parallel=0", "parallel=0"},
      {"s3://bkt?parallel=65", "parallel=65"},
      {"s3://bkt?region=EU", "region"},
      {"s3://bkt?region=%zz", "percent"},
  };
  for (const auto& [url, needle] : cases) {
    const std::string message = ErrorOf(url);
    EXPECT_NE(message.find(needle), std::string::npos) << url << " -> " << message;
  }
}

TEST(S3Config, RequestsGoWhereTheAddressingSays) {
  S3Config path = Parse("s3://dumps/p?endpoint=http://127.0.0.1:4568", With({{"AWS_SESSION_TOKEN", "tok"}}));
  const S3Client path_client(path);
  const S3Call call{.method = "GET", .key = "p/a b+c", .query = {{"uploads", ""}}};
  PreparedRequest r = path_client.Prepare(call, "20240101T000000Z");
  EXPECT_EQ(r.url, "http://127.0.0.1:4568/dumps/p/a%20b%2Bc?uploads=");
  auto header = [&r](std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return std::string("(none)");
  };
  EXPECT_EQ(header("Host"), "127.0.0.1:4568");
  EXPECT_EQ(header("x-amz-security-token"), "tok");
  EXPECT_EQ(header("x-amz-content-sha256"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(r.headers.back().first, "Authorization");
  EXPECT_NE(r.headers.back().second.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"),
            std::string::npos)
      << r.headers.back().second;

  const S3Client virtual_client(Parse("s3://dumps/p?region=eu-west-1"));
  r = virtual_client.Prepare(call, "20240101T000000Z");
  EXPECT_EQ(r.url, "https://dumps.s3.eu-west-1.amazonaws.com/p/a%20b%2Bc?uploads=");
  EXPECT_EQ(header("Host"), "dumps.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(virtual_client.Prepare({.method = "GET"}, "20240101T000000Z").url,
            "https://dumps.s3.eu-west-1.amazonaws.com/");
}

}  // namespace
}  // namespace heapscope::store
