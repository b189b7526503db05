#pragma once
// The HTTP seam: the core asks a transport to send a request and gets exactly
// one callback. The WASM build plugs in the Emscripten Fetch API; native tests
// plug in a scripted fake.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ltl {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timeout_ms = 10000;
};

// How a request failed before an HTTP status was received.
enum class TransportFailure { none, network, timeout };

struct HttpResponse {
  int status = 0;
  std::string status_text;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // Value of a header (name in any case), or "" when absent.
  std::string header(std::string_view name) const;
};

struct HttpResult {
  TransportFailure failure = TransportFailure::none;
  HttpResponse response;  // meaningful when failure == none
  std::string detail;     // what the transport said about a failure
  double elapsed_ms = 0;
};

using HttpCallback = std::function<void(HttpResult)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Calls `done` exactly once, asynchronously or not, never throws.
  virtual void send(const HttpRequest& request, HttpCallback done) = 0;
};

// Parses an XHR-style header block ("name: value\r\n" lines) into lower-cased names.
// Repeated names are joined with ", " as HTTP allows.
std::map<std::string, std::string> parse_header_block(std::string_view block);

}  // namespace ltl
