#include "net/emscripten_fetch_transport.h"

#include <emscripten/emscripten.h>
#include <emscripten/fetch.h>

#include <cstring>
#include <memory>
#include <vector>

namespace ltl {
namespace {

// Everything one in-flight fetch needs; owned by the fetch's userData until completion.
struct PendingFetch {
  HttpCallback done;
  double started_ms;
  int64_t timeout_ms;
  // emscripten_fetch keeps pointers to the header strings until it returns.
  std::vector<std::string> header_storage;
};

HttpResponse read_response(emscripten_fetch_t* fetch) {
  HttpResponse response;
  response.status = fetch->status;
  response.status_text = fetch->statusText;
  if (fetch->data != nullptr && fetch->numBytes > 0)
    response.body.assign(fetch->data, static_cast<size_t>(fetch->numBytes));
  size_t length = emscripten_fetch_get_response_headers_length(fetch);
  if (length > 0) {
    std::string block(length + 1, '\0');
    emscripten_fetch_get_response_headers(fetch, block.data(), block.size());
    block.resize(std::strlen(block.c_str()));
    response.headers = parse_header_block(block);
  }
  return response;
}

void finish(emscripten_fetch_t* fetch, bool completed_with_status) {
  std::unique_ptr<PendingFetch> pending(static_cast<PendingFetch*>(fetch->userData));
  HttpResult result;
  result.elapsed_ms = emscripten_get_now() - pending->started_ms;
  if (completed_with_status && fetch->status != 0) {
    result.response = read_response(fetch);
  } else {
    // XHR reports both a timeout and a refused/reset connection as status 0;
    // the elapsed time tells them apart (a timeout fires at the deadline).
    bool reached_deadline = pending->timeout_ms > 0 &&
                            result.elapsed_ms + 50.0 >= static_cast<double>(pending->timeout_ms);
    result.failure = reached_deadline ? TransportFailure::timeout : TransportFailure::network;
    result.detail = reached_deadline ? "no response before the timeout" : "network error";
  }
  emscripten_fetch_close(fetch);
  pending->done(std::move(result));
}

}  // namespace

void EmscriptenFetchTransport::send(const HttpRequest& request, HttpCallback done) {
  auto pending = std::make_unique<PendingFetch>();
  pending->done = std::move(done);
  pending->started_ms = emscripten_get_now();
  pending->timeout_ms = request.timeout_ms;
  for (const auto& [name, value] : request.headers) {
    pending->header_storage.push_back(name);
    pending->header_storage.push_back(value);
  }
  std::vector<const char*> header_pointers;
  for (const auto& text : pending->header_storage) header_pointers.push_back(text.c_str());
  header_pointers.push_back(nullptr);

  emscripten_fetch_attr_t attr;
  emscripten_fetch_attr_init(&attr);
  std::strncpy(attr.requestMethod, request.method.c_str(), sizeof(attr.requestMethod) - 1);
  attr.attributes = EMSCRIPTEN_FETCH_LOAD_TO_MEMORY;
  attr.timeoutMSecs = static_cast<unsigned long>(request.timeout_ms > 0 ? request.timeout_ms : 0);
  attr.requestHeaders = header_pointers.data();
  // Non-2xx responses arrive through onerror with their status and body intact.
  attr.onsuccess = [](emscripten_fetch_t* fetch) { finish(fetch, true); };
  attr.onerror = [](emscripten_fetch_t* fetch) { finish(fetch, fetch->readyState == 4); };
  attr.userData = pending.release();
  emscripten_fetch(&attr, request.url.c_str());
}

}  // namespace ltl
