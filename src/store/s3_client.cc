#include "store/s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "store/s3_xml.h"

namespace heapscope::store {
namespace {

constexpr long kConnectTimeoutSeconds = 10;
// A transfer slower than 1 KiB/s for a minute has stalled: better to retry
// on a fresh connection than to wait for TCP to give up.
constexpr long kLowSpeedBytes = 1024;
constexpr long kLowSpeedSeconds = 60;

std::once_flag curl_init_once;

std::string AmzDateNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool HasHeader(const HttpHeaders& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return Lower(h.first) == lower_name; });
}

// Failures that another try may not see: the network, or a server that was
// busy, restarting or throttling us.
bool IsTransient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool IsTransient(const S3Response& r) {
  if (r.status == 429 || (r.status >= 500 && r.status != 501)) return true;
  if (r.status != 400 || r.body.empty()) return false;
  auto code = XmlText(r.body, "Code");
  return code == "RequestTimeout" || code == "SlowDown";
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// A new status line (after "100 Continue") starts the headers afresh.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<HttpHeaders*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  headers->emplace_back(Lower(line.substr(0, colon)), std::string(value));
  return size * count;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

struct CurlHeaderList {
  curl_slist* list = nullptr;
  ~CurlHeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

}  // namespace

struct S3Client::Attempt {
  CURLcode code = CURLE_OK;
  std::string curl_error;
  S3Response response;
};

std::string_view S3Response::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

S3Client::S3Client(S3Config config) : config_(std::move(config)) {
  std::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

S3Client::~S3Client() {
  for (void* handle : idle_) curl_easy_cleanup(handle);
}

void* S3Client::Borrow() const {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void S3Client::Return(void* handle) const {
  std::lock_guard lock(pool_mu_);
  idle_.push_back(handle);
}

PreparedRequest S3Client::Prepare(const S3Call& call, const std::string& amz_date) const {
  const S3Config& c = config_;
  S3Request request;
  request.method = call.method;
  request.path = c.path_style ? "/" + c.bucket + (call.key.empty() ? "" : "/" + call.key) : "/" + call.key;
  request.query = call.query;
  request.headers = call.headers;
  const std::string host = c.path_style ? c.host : c.bucket + "." + c.host;
  request.headers.emplace_back("Host", host);
  request.headers.emplace_back("x-amz-date", amz_date);
  request.payload_sha256 = call.body_sha256.empty() ? Sha256Hex(call.body) : call.body_sha256;
  request.headers.emplace_back("x-amz-content-sha256", request.payload_sha256);
  if (!c.session_token.empty()) request.headers.emplace_back("x-amz-security-token", c.session_token);

  PreparedRequest prepared;
  prepared.url = fmt::format("{}://{}{}", c.https ? "https" : "http", host, UriEncode(request.path, true));
  for (size_t i = 0; i < call.query.size(); ++i) {
    prepared.url += fmt::format("{}{}={}", i == 0 ? "?" : "&", UriEncode(call.query[i].first, false),
                                UriEncode(call.query[i].second, false));
  }
  prepared.headers = request.headers;
  prepared.headers.emplace_back("Authorization", SignS3Request(request, c.credentials, amz_date).authorization);
  return prepared;
}

S3Client::Attempt S3Client::SendOnce(const S3Call& call) const {
  Attempt attempt;
  const PreparedRequest prepared = Prepare(call, AmzDateNow());
  CurlHeaderList headers;
  for (const auto& [name, value] : prepared.headers) {
    // "Name;" is how curl sends a header with an empty value.
    headers.Add(value.empty() ? name + ";" : name + ": " + value);
  }
  const bool has_body = call.method == "PUT" || call.method == "POST";
  if (has_body) {
    headers.Add("Expect:");  // no 100-continue round trip before every part
    // Left alone, curl would label the body a form post.
    if (!HasHeader(call.headers, "content-type")) headers.Add("Content-Type:");
  }

  void* curl = Borrow();
  curl_easy_reset(curl);
  char error_text[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, prepared.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, kLowSpeedBytes);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, kLowSpeedSeconds);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  if (!config_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, config_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &attempt.response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &attempt.response.headers);
  if (call.cancel != nullptr) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, call.cancel);
  }
  if (call.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
                     call.body.empty() ? "" : reinterpret_cast<const char*>(call.body.data()));
  } else if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  attempt.code = curl_easy_perform(curl);
  if (attempt.code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &attempt.response.status);
  } else {
    attempt.curl_error = error_text[0] != '\0' ? error_text : curl_easy_strerror(attempt.code);
  }
  // The header list dies with this call, so the handle must forget it.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  Return(curl);
  return attempt;
}

Result<S3Response> S3Client::Send(const S3Call& original) const {
  S3Call call = original;
  if (call.body_sha256.empty()) call.body_sha256 = Sha256Hex(call.body);  // once, not per try
  auto cancelled = [&] { return call.cancel != nullptr && call.cancel->load(); };
  thread_local std::minstd_rand jitter(std::random_device{}());
  for (int attempt_number = 1;; ++attempt_number) {
    counters_.requests++;
    Attempt attempt = SendOnce(call);
    if (cancelled()) return Error::Io(fmt::format("{}: cancelled", Describe(call)));
    const bool last = attempt_number >= config_.attempts;
    if (attempt.code == CURLE_OK && (last || !IsTransient(attempt.response))) return std::move(attempt.response);
    if (attempt.code != CURLE_OK && (last || !IsTransient(attempt.code))) {
      return Error::Io(fmt::format("{}: {} (after {} {})", Describe(call), attempt.curl_error, attempt_number,
                                   attempt_number == 1 ? "try" : "tries"));
    }
    // Full jitter over a doubling window, so parts failing together do not
    // come back together.
    const auto window = config_.retry_delay * (1 << std::min(attempt_number - 1, 10));
    auto wait = std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(window.count() / 2, std::max<int64_t>(window.count(), 1))(jitter));
    counters_.retries++;
    // In slices, so a cancelled call does not sit out its backoff.
    constexpr auto kSlice = std::chrono::milliseconds(10);
    for (auto slept = std::chrono::milliseconds(0); slept < wait && !cancelled(); slept += kSlice) {
      std::this_thread::sleep_for(std::min(kSlice, wait - slept));
    }
  }
}

Result<S3Response> S3Client::Expect(const S3Call& call, std::initializer_list<long> ok) const {
  auto response = Send(call);
  if (!response.ok()) return response.error();
  if (std::find(ok.begin(), ok.end(), response->status) == ok.end()) return Failure(call, response.value());
  return response;
}

std::string S3Client::Describe(const S3Call& call) const {
  std::string text = fmt::format("s3 {} s3://{}/{}", call.method, config_.bucket, call.key);
  for (size_t i = 0; i < call.query.size(); ++i) {
    text += (i == 0 ? "?" : "&") + call.query[i].first;
    if (!call.query[i].second.empty()) text += "=" + call.query[i].second;
  }
  return text;
}

Error S3Client::Failure(const S3Call& call, const S3Response& response) const {
  std::string text = fmt::format("{}: HTTP {}", Describe(call), response.status);
  // HEAD answers have no body to say why.
  if (auto code = XmlText(response.body, "Code")) text += " " + *code;
  if (auto message = XmlText(response.body, "Message")) text += ": " + *message;
  if (std::string_view region = response.Header("x-amz-bucket-region");
      !region.empty() && region != config_.credentials.region) {
    text += fmt::format(" (the bucket is in {}: give region={})", region, region);
  }
  if (std::string_view id = response.Header("x-amz-request-id"); !id.empty()) {
    text += fmt::format(" (request id {})", id);
  }
  return Error::Io(std::move(text));
}

}  // namespace heapscope::store
