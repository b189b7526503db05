// Real-time blocks, fees, mempool and price for bitcoin-ltl: the mempool.space WebSocket where the
// host has one (`want` blocks/stats/mempool-blocks, ping/pong keep-alive, reconnect with backoff
// and jitter, resubscribe), polling where it has none or while the socket keeps failing.
// Every update is normalised (units in field names), de-duplicated and delivered as
// { topic, data, source, receivedAt }. All timing runs on injected timers and clock.
// The modules: realtime/errors.js (typed errors, from the core's catalogue), realtime/normalize.js
// (payloads), realtime/polling.js (REST polling, WebSocket URL), realtime/options.js,
// realtime/service.js (createRealtime).

export { RealtimeError } from './realtime/errors.js';
export { normalizeBlock, normalizeFees, normalizeMempoolBlocks, normalizeMempoolInfo, normalizePrices, normalizeRestMempool } from './realtime/normalize.js';
export { createMempoolRestPoll, mempoolWebSocketUrl } from './realtime/polling.js';
export { TOPICS } from './realtime/options.js';
export { createRealtime } from './realtime/service.js';
