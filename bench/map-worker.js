// The reference worker for the soak and throughput benchmarks: answers every GET from a Map of
// fixed JSON bodies, with no WASM, no cache tiers and no coordinator — what workerd itself costs.
// REFERENCE_BODY (a binding) replaces the price body, so a throughput comparison sends the same bytes.
const BODIES = new Map([['/api/v1/price', JSON.stringify({ price: 67187.33, currency: 'usd', source: 'reference' })]]);

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/api/v1/metrics') return new Response('ltl_wasm_heap_bytes 0\n');
    const body = url.pathname === '/api/v1/price' && env?.REFERENCE_BODY ? env.REFERENCE_BODY : BODIES.get(url.pathname);
    return body
      ? new Response(body, { headers: { 'content-type': 'application/json; charset=utf-8' } })
      : new Response('{"error":{"category":"validation","message":"Not found"}}', { status: 404, headers: { 'content-type': 'application/json; charset=utf-8' } });
  },
};
