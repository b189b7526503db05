// Runs inside the module factory before the runtime. The JS shell passes a
// fetch()-backed XMLHttpRequest where the host has none (Node, workerd, Deno,
// service workers); shadowing the name here keeps it out of the global scope.
var XMLHttpRequest = Module['XMLHttpRequest'] || globalThis.XMLHttpRequest;
