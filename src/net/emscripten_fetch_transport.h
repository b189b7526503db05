#pragma once
#include "core/clock.h"
#include "net/http.h"

namespace ltl {

// HttpTransport over the Emscripten Fetch API (emscripten_fetch, async).
// Where the host has no XMLHttpRequest, the JS shell supplies a fetch()-backed one.
class EmscriptenFetchTransport final : public HttpTransport {
 public:
  explicit EmscriptenFetchTransport(const Clock& clock) : clock_(clock) {}
  void send(const HttpRequest& request, HttpCallback done) override;

 private:
  const Clock& clock_;
};

}  // namespace ltl
