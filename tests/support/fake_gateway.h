#pragma once
// A scripted UpstreamGateway for the integration units: answers each provider with a
// canned HTTP response run through the source's own parser, a typed error, or holds the
// call until the test releases it. Records every call as "provider path".
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "integration/data_sources.h"
#include "support/fake_transport.h"

namespace ltl::testing {

class FakeGateway final : public UpstreamGateway {
 public:
  explicit FakeGateway(int64_t now_ms = 1767225600000) : now_ms_(now_ms) {}

  void answer(const std::string& provider, int status, std::string body) {
    responses_[provider] = http_response(status, std::move(body)).response;
    errors_.erase(provider);
  }
  void fail(const std::string& provider, Error error) {
    errors_[provider] = std::move(error);
    responses_.erase(provider);
  }
  // Calls are kept (in order) until release_next().
  void hold(bool on = true) { hold_ = on; }
  size_t held() const { return held_.size(); }
  void release_next() {
    auto [provider, call] = std::move(held_.front());
    held_.pop_front();
    respond(provider, call.first, call.second);
  }

  int64_t now_ms() const override { return now_ms_; }
  void get(const std::string& provider, const std::string&, const std::string& path, BodyParser parse,
           JsonCallback done) override {
    calls.push_back(provider + " " + path);
    if (hold_) {
      held_.emplace_back(provider, std::make_pair(std::move(parse), std::move(done)));
      return;
    }
    respond(provider, parse, done);
  }

  std::vector<std::string> calls;

 private:
  void respond(const std::string& provider, const BodyParser& parse, const JsonCallback& done) {
    if (auto it = errors_.find(provider); it != errors_.end()) return done(it->second);
    if (auto it = responses_.find(provider); it != responses_.end()) return done(parse(it->second));
    done(make_error(ErrorCategory::upstream_5xx, provider, "fake", "no answer scripted for " + provider));
  }

  int64_t now_ms_;
  bool hold_ = false;
  std::map<std::string, HttpResponse> responses_;
  std::map<std::string, Error> errors_;
  std::deque<std::pair<std::string, std::pair<BodyParser, JsonCallback>>> held_;
};

}  // namespace ltl::testing
