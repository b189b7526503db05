#include "integration/network_summary.h"

#include <memory>

#include "data/network.h"

namespace ltl {

using nlohmann::json;

const std::vector<std::string>& network_parts() {
  static const std::vector<std::string> kParts = {"tip", "fees", "mempool", "difficulty", "hashrate"};
  return kParts;
}

namespace {

struct Parts {
  size_t pending = 0;
  json out = json::object();
  json failed = json::array();
  std::vector<Error> errors;
};

Result<json> summary(Parts& parts, int64_t now_ms) {
  json& out = parts.out;
  const json& tip = out["tip"];
  if (tip.is_object() && tip.contains("height") && tip["height"].is_number_integer()) {
    const int64_t height = tip["height"].get<int64_t>();
    out["halving"] = {{"blocks_to_next_halving", blocks_to_next_halving(height)},
                      {"next_halving_height", next_halving_height(height)}};
  } else {
    out["halving"] = nullptr;
  }
  out["failed_parts"] = parts.failed;
  bool any = false;
  for (const auto& part : network_parts()) any = any || !out[part].is_null();
  out["as_of"] = now_ms;
  if (any) return out;
  Error error = make_error(ErrorCategory::upstream_5xx, "", "network", "every part of the network summary failed");
  if (!parts.errors.empty()) {
    error = parts.errors.front();
    error.operation = "network";
    error.message = "every part of the network summary failed; first: " + error.message;
  }
  return error;
}

}  // namespace

void compose_network_summary(const NetworkPartRequest& request, const Clock& clock, JsonCallback done) {
  auto parts = std::make_shared<Parts>();
  parts->pending = network_parts().size();
  for (const auto& part : network_parts()) {
    request(part, [&clock, parts, part, done](JsonResult result) {
      if (result.ok()) {
        parts->out[part] = result.value();
      } else {
        parts->out[part] = nullptr;
        parts->failed.push_back({{"part", part}, {"error", result.error()}});
        parts->errors.push_back(result.error());
      }
      if (--parts->pending > 0) return;
      done(summary(*parts, clock.now_ms()));
    });
  }
}

}  // namespace ltl
