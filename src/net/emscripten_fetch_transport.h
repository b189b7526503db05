#pragma once
#include "net/http.h"

namespace ltl {

// HttpTransport over the Emscripten Fetch API (emscripten_fetch, async).
// Where the host has no XMLHttpRequest, the JS shell supplies a fetch()-backed one.
// In-flight requests own their state, so they may outlive the transport: a late
// answer goes to the callback, which decides whether anyone still listens.
class EmscriptenFetchTransport final : public HttpTransport {
 public:
  void send(const HttpRequest& request, HttpCallback done) override;
};

}  // namespace ltl
