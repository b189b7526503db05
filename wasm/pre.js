// Runs inside the module factory before the runtime. The JS shell passes a
// fetch()-backed XMLHttpRequest where the host has none (Node, workerd, Deno,
// service workers); shadowing the name here keeps it out of the global scope.
var XMLHttpRequest = Module['XMLHttpRequest'] || globalThis.XMLHttpRequest;

// The core's timers (health checks, history samples, cache sweeps, retry waits) must not keep a
// Node process alive by themselves; the JS shell holds the process open while a call is pending.
var setTimeout = function (callback, delay) {
  var timer = globalThis.setTimeout(callback, delay);
  if (timer && typeof timer.unref === 'function') timer.unref();
  return timer;
};
