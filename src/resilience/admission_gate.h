#pragma once
// A host-wide (fleet) budget in front of every upstream attempt. The local rate limiter
// keeps one process inside a provider's limit; a gate lets a host share that budget
// (and a provider's Retry-After) across processes, e.g. through Redis. UpstreamClient asks
// it once per attempt, after its own limiter let the attempt go; without a gate nothing
// changes.
#include <cstdint>
#include <functional>
#include <string>

namespace ltl {

struct Admission {
  bool allowed = true;
  int64_t retry_after_ms = 0;  // when denied: ms until the budget has a token again (0 = unknown)
  std::string reason;          // when denied: why, for the error message
};

class AdmissionGate {
 public:
  virtual ~AdmissionGate() = default;
  // Asks to spend one token of `budget`'s fleet bucket: the provider's name, or its
  // rate_limit_key when providers share an upstream host. rate_per_min and burst are the
  // local limiter's (the same keys configure every process). `done` runs exactly once,
  // synchronously or later.
  virtual void admit(const std::string& budget, double rate_per_min, double burst,
                     std::function<void(Admission)> done) = 0;
  // A provider's Retry-After, shared with the fleet: no process calls `budget` for `retry_after_ms`.
  virtual void pause(const std::string& budget, int64_t retry_after_ms) = 0;
};

}  // namespace ltl
