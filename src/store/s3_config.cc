#include "store/s3_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "store/object_store.h"

namespace heapscope::store {
namespace {

constexpr uint64_t kMinPartSize = 5 * kMiB;  // S3's minimum for every part but the last
constexpr uint64_t kMaxPartSize = uint64_t{5} << 30;
constexpr int kMaxParallel = 64;

Error Bad(std::string_view url, std::string_view why) {
  return Error::Usage(fmt::format("object store {}: {}", url, why));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = HexDigit(text[i + 1]), lo = HexDigit(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// "16777216", "16M", "16MiB", "64k": bytes, or nullopt.
std::optional<uint64_t> ParseSize(std::string_view text) {
  size_t digits = 0;
  uint64_t n = 0;
  for (; digits < text.size() && text[digits] >= '0' && text[digits] <= '9'; ++digits) {
    if (n > (~uint64_t{0} >> 34)) return std::nullopt;  // far beyond any part size
    n = n * 10 + static_cast<uint64_t>(text[digits] - '0');
  }
  if (digits == 0) return std::nullopt;
  std::string unit;
  for (char c : text.substr(digits)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.empty()) return n;
  if (unit == "k" || unit == "kib") return n << 10;
  if (unit == "m" || unit == "mib") return n << 20;
  if (unit == "g" || unit == "gib") return n << 30;
  return std::nullopt;
}

// S3's rules for new buckets: 3 to 63 of a-z 0-9 . -, a letter or digit at
// each end.
bool IsBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  return name.front() != '.' && name.front() != '-' && name.back() != '.' && name.back() != '-';
}

// "https://host[:port][/]" into the config; a usage error otherwise.
Status ParseEndpoint(std::string_view url, std::string_view endpoint, S3Config* c) {
  if (endpoint.starts_with("https://")) {
    endpoint.remove_prefix(8);
  } else if (endpoint.starts_with("http://")) {
    c->https = false;
    endpoint.remove_prefix(7);
  } else {
    return Bad(url, fmt::format("endpoint {:?} must start with https:// or http://", endpoint));
  }
  if (endpoint.ends_with('/')) endpoint.remove_suffix(1);
  if (endpoint.empty() || endpoint.find_first_of("/?#@ ") != std::string_view::npos) {
    return Bad(url, "the endpoint must be a scheme and host[:port], with no path or user");
  }
  c->host = std::string(endpoint);
  return {};
}

bool IsAwsHost(std::string_view host) {
  host = host.substr(0, host.find(':'));
  return host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn");
}

// The URL's options and the environment, looked up in that order.
class Settings {
 public:
  Settings(std::map<std::string, std::string> options, const EnvLookup& env)
      : options_(std::move(options)), env_(env) {}
  std::optional<std::string> Get(const char* option, std::initializer_list<const char*> variables = {}) const {
    if (auto it = options_.find(option); it != options_.end()) return it->second;
    for (const char* v : variables) {
      if (auto value = env_(v)) return value;
    }
    return std::nullopt;
  }
  std::optional<std::string> Env(const char* variable) const { return env_(variable); }

 private:
  std::map<std::string, std::string> options_;
  const EnvLookup& env_;
};

// Bucket and prefix into `c`; the options, each known and given once.
Result<std::map<std::string, std::string>> SplitUrl(std::string_view url, S3Config* c) {
  if (!url.starts_with("s3://")) return Bad(url, "an S3 store URL starts with s3://");
  std::string_view rest = url.substr(5);
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  c->bucket = std::string(rest.substr(0, slash));
  if (!IsBucketName(c->bucket)) {
    return Bad(url, fmt::format("bucket {:?} is no bucket name (3 to 63 of a-z 0-9 . -)", c->bucket));
  }
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (prefix.ends_with('/')) prefix.remove_suffix(1);
    c->prefix = std::string(prefix);
    if (!c->prefix.empty()) {
      if (Status s = CheckObjectKey(c->prefix); !s.ok()) return Bad(url, "prefix: " + s.error().message);
    }
  }
  static const char* const kKnown[] = {"endpoint", "region", "addressing", "sse", "kms_key_id", "part_size",
                                       "parallel"};
  std::map<std::string, std::string> options;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto name = PercentDecoded(pair.substr(0, eq));
    auto value = PercentDecoded(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return Bad(url, fmt::format("bad percent-encoding in {:?}", pair));
    if (std::find(std::begin(kKnown), std::end(kKnown), *name) == std::end(kKnown)) {
      return Bad(url, fmt::format("unknown option {:?} (known: {})", *name, fmt::join(kKnown, ", ")));
    }
    if (!options.emplace(*name, *value).second) return Bad(url, fmt::format("option {} given twice", *name));
  }
  return options;
}

Status SetEndpoint(std::string_view url, const Settings& settings, S3Config* c) {
  c->credentials.region = settings.Get("region", {"AWS_REGION", "AWS_DEFAULT_REGION"}).value_or("us-east-1");
  if (c->credentials.region.empty() ||
      c->credentials.region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return Bad(url, fmt::format("region {:?} is no region name", c->credentials.region));
  }
  const std::string aws = fmt::format("https://s3.{}.amazonaws.com", c->credentials.region);
  if (Status s = ParseEndpoint(url, settings.Get("endpoint", {"HEAPSCOPE_S3_ENDPOINT"}).value_or(aws), c); !s.ok()) {
    return s;
  }
  const bool dotted = c->bucket.find('.') != std::string::npos;
  const std::string addressing = settings.Get("addressing").value_or("");
  if (addressing == "path") {
    c->path_style = true;
  } else if (addressing == "virtual") {
    if (dotted) return Bad(url, "a bucket name with dots needs addressing=path (its host name fails TLS)");
  } else if (addressing.empty()) {
    c->path_style = !IsAwsHost(c->host) || dotted;
  } else {
    return Bad(url, fmt::format("addressing={} (expected path or virtual)", addressing));
  }
  return {};
}

Status SetEncryption(std::string_view url, const Settings& settings, S3Config* c) {
  c->sse = settings.Get("sse", {"HEAPSCOPE_S3_SSE"}).value_or("");
  c->kms_key_id = settings.Get("kms_key_id", {"HEAPSCOPE_S3_KMS_KEY_ID"}).value_or("");
  if (c->sse == "none") c->sse.clear();
  if (!c->sse.empty() && c->sse != "aws:kms" && c->sse != "AES256") {
    return Bad(url, fmt::format("sse={} (expected aws:kms, AES256 or none)", c->sse));
  }
  if (!c->kms_key_id.empty() && c->sse != "aws:kms") return Bad(url, "kms_key_id needs sse=aws:kms");
  return {};
}

Status SetUploads(std::string_view url, const Settings& settings, S3Config* c) {
  if (auto text = settings.Get("part_size")) {
    auto size = ParseSize(*text);
    if (!size) return Bad(url, fmt::format("part_size={} is no size (bytes, or with k, M, G)", *text));
    // Tests reach many parts with little data; S3 itself refuses small parts.
    const bool small_ok = settings.Env("HEAPSCOPE_S3_ALLOW_SMALL_PARTS") == "1";
    if (*size > kMaxPartSize || *size < (small_ok ? 1 : kMinPartSize)) {
      return Bad(url, fmt::format("part_size={} is outside S3's 5MiB to 5GiB", *text));
    }
    c->part_size = *size;
  }
  if (auto text = settings.Get("parallel")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), c->parallel);
    if (ec != std::errc() || end != text->data() + text->size() || c->parallel < 1 || c->parallel > kMaxParallel) {
      return Bad(url, fmt::format("parallel={} (expected 1 to {})", *text, kMaxParallel));
    }
  }
  return {};
}

Status SetCredentials(std::string_view url, const Settings& settings, S3Config* c) {
  auto access_key = settings.Env("AWS_ACCESS_KEY_ID");
  auto secret_key = settings.Env("AWS_SECRET_ACCESS_KEY");
  if (!access_key || !secret_key) {
    return Bad(url, "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for "
                    "temporary ones)");
  }
  c->credentials.access_key = *access_key;
  c->credentials.secret_key = *secret_key;
  c->session_token = settings.Env("AWS_SESSION_TOKEN").value_or("");
  c->ca_file = settings.Env("HEAPSCOPE_S3_CA_FILE").value_or("");
  return {};
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

Result<S3Config> ParseS3Url(std::string_view url, const EnvLookup& env) {
  S3Config c;
  auto options = SplitUrl(url, &c);
  if (!options.ok()) return options.error();
  const Settings settings(std::move(options.value()), env);
  for (auto step : {SetEndpoint, SetEncryption, SetUploads, SetCredentials}) {
    if (Status s = step(url, settings, &c); !s.ok()) return s.error();
  }
  return c;
}

std::string S3Location(const S3Config& config) {
  return config.prefix.empty() ? "s3://" + config.bucket : "s3://" + config.bucket + "/" + config.prefix;
}

}  // namespace heapscope::store
