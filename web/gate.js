// The bridge between a host's admission gate (a fleet-wide provider budget, e.g. a Redis
// token bucket) and the core (src/bindings/platform.h JsAdmissionGate). The core calls
// admit(id, ...) before each upstream attempt and waits for answer(id, ...).
//
// The fleet budget is best-effort: a gate that throws, rejects or takes longer than
// timeoutMs counts as "allowed", so a down or slow store never stops the data; the
// process's own rate limiter still applies. Only an explicit { allowed: false } denies.

export const DEFAULT_GATE_TIMEOUT_MS = 100;
const MAX_REASON_CHARS = 200;
const HOST_TIMERS = { set: (fn, ms) => setTimeout(fn, ms), clear: (handle) => clearTimeout(handle) };

/**
 * @param {{ admit: Function, pause?: Function }} gate the host's gate (web/index.d.ts AdmissionGate)
 * @param {(id: number, allowed: boolean, retryAfterMs: number, reason: string) => void} answer
 * @param {{ timeoutMs?: number, timers?: { set: typeof setTimeout, clear: typeof clearTimeout } }} options
 *   timers: injected by tests (a manual clock); default the host's setTimeout/clearTimeout
 */
export function gateBridge(gate, answer, { timeoutMs = DEFAULT_GATE_TIMEOUT_MS, timers = HOST_TIMERS } = {}) {
  let closed = false;
  return {
    // Called by the core; never throws into it and always answers exactly once, asynchronously.
    admit(id, budget, ratePerMin, burst) {
      let settled = false;
      const settle = (allowed, retryAfterMs, reason) => {
        if (settled) return;
        settled = true;
        timers.clear(timer);
        if (!closed) answer(id, allowed, retryAfterMs, reason);
      };
      const timer = timers.set(() => settle(true, 0, ''), timeoutMs);
      timer.unref?.(); // a pending request keeps Node alive, not the gate's timer
      let verdict;
      try {
        verdict = Promise.resolve(gate.admit(budget, { ratePerMin, burst }));
      } catch (err) {
        verdict = Promise.reject(err);
      }
      verdict.then(
        (result) => {
          if (result && typeof result === 'object' && result.allowed === false) {
            const ms = Number(result.retryAfterMs);
            settle(false, Number.isFinite(ms) && ms > 0 ? ms : 0, String(result.reason ?? '').slice(0, MAX_REASON_CHARS));
          } else {
            settle(true, 0, '');
          }
        },
        () => settle(true, 0, ''), // the fleet store is down: local limits only
      );
    },
    // A provider's Retry-After, for the fleet. Fire-and-forget: a failure changes nothing locally.
    pause(budget, ms) {
      if (closed || typeof gate.pause !== 'function') return;
      try {
        Promise.resolve(gate.pause(budget, ms)).catch(() => {});
      } catch {
        // same as a rejection
      }
    },
    close() {
      closed = true;
    },
  };
}

/** What is wrong with options.gate / options.gateTimeoutMs, or null when they are usable. */
export function gateOptionsProblem(gate, timeoutMs) {
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    return `options.gateTimeoutMs: got ${String(timeoutMs).slice(0, 32)}; expected ms >= 0`;
  }
  if (gate === undefined || gate === null) return null;
  if (typeof gate !== 'object' && typeof gate !== 'function') {
    return `options.gate: got ${typeof gate}; expected an object with admit(provider, { ratePerMin, burst })`;
  }
  if (typeof gate.admit !== 'function') {
    return 'options.gate.admit: expected a function (provider, { ratePerMin, burst }) => Promise<{ allowed, retryAfterMs?, reason? }>';
  }
  if (gate.pause !== undefined && typeof gate.pause !== 'function') {
    return 'options.gate.pause: expected a function (provider, ms) or nothing';
  }
  return null;
}
