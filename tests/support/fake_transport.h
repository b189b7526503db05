#pragma once
// A scripted HttpTransport for native tests: records every request and either
// answers at once from a handler or holds the callback until the test releases it.
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "net/http.h"

namespace ltl::testing {

inline HttpResult http_response(int status, std::string body,
                                std::map<std::string, std::string> headers = {}) {
  HttpResult result;
  result.response.status = status;
  result.response.body = std::move(body);
  result.response.headers = std::move(headers);
  result.elapsed_ms = 12.5;
  return result;
}

inline HttpResult transport_failure(TransportFailure failure) {
  HttpResult result;
  result.failure = failure;
  result.detail = failure == TransportFailure::timeout ? "timed out" : "connection refused";
  return result;
}

class FakeTransport final : public HttpTransport {
 public:
  using Handler = std::function<HttpResult(const HttpRequest&)>;

  // Answer synchronously with the handler's result.
  void answer_with(Handler handler) { handler_ = std::move(handler); hold_ = false; }
  // Keep callbacks until release_next()/release_all().
  void hold() { hold_ = true; }

  void send(const HttpRequest& request, HttpCallback done) override {
    requests.push_back(request);
    if (hold_) {
      held_.emplace_back(request, std::move(done));
      return;
    }
    done(handler_ ? handler_(request) : http_response(500, "no handler"));
  }

  size_t held() const { return held_.size(); }
  void release_next(HttpResult result) {
    auto [request, done] = std::move(held_.front());
    held_.pop_front();
    done(std::move(result));
  }

  std::vector<HttpRequest> requests;

 private:
  Handler handler_;
  bool hold_ = false;
  std::deque<std::pair<HttpRequest, HttpCallback>> held_;
};

}  // namespace ltl::testing
