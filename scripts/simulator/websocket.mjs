// mempool.space's WebSocket (`<api>/v1/ws`) for the simulator: the `want` / `init` / `ping`
// protocol and the pushes of backend/src/api/websocket-handler.ts (upstream-apis.md section 2),
// fed by the deterministic model. Control: refuse upgrades, mute, drop connections, counters.
import { SimulatorInputError } from './errors.mjs';
import { FIAT } from './model.mjs';

const WANT_ITEMS = new Set(['blocks', 'mempool-blocks', 'live-2h-chart', 'stats', 'tomahawk']);
const SNAPSHOT_BLOCKS = 8; // mempool's INITIAL_BLOCKS_AMOUNT: `blocks` holds the last 8
const MAX_MEMPOOL_BLOCKS = 8; // projected blocks; the last one takes whatever is left
const MEMPOOL_BLOCK_VSIZE = 1_000_000; // vB per projected block
const MAX_TRANSACTIONS = 6; // stripped txs in a `transactions` push
const MAX_CLIENT_MESSAGE_BYTES = 50_000; // larger client messages terminate the socket
const RATE_WINDOW_MS = 10_000; // more than RATE_MAX_MESSAGES in this window closes the socket
const RATE_MAX_MESSAGES = 100;
const PRICE_UPDATE_MS = 300_000; // /v1/prices moves every 5 minutes (PRICE_UPDATES_PER_HOUR = 12)
const REAL_CLOCK_TICK_MS = 1_000; // the production mempool poll rate
const TX_STREAM = 1_001; // model stream for sample txids, away from the model's own streams
const MAX_CONTROL_BODY_BYTES = 64 * 1024;
const DROP_MODES = ['terminate', 'close'];
const round8 = (x) => Number(x.toFixed(8));

// ---- bodies, from the model ----

// Bitcoin Core getmempoolinfo: total_fee in BTC, fee rates in BTC/kvB (1e-5 BTC/kvB = 1 sat/vB).
function mempoolInfo(model, t) {
  const { count, vsize, total_fee } = model.mempool(t);
  return {
    loaded: true,
    size: count,
    bytes: vsize,
    usage: vsize * 6,
    total_fee: round8(total_fee / 1e8),
    maxmempool: 300_000_000,
    mempoolminfee: round8(model.fees(t).minimumFee / 1e5),
    minrelaytxfee: 0.000001, // Core 30's 0.1 sat/vB, so the model's 0.1 sat/vB minimum is relayable
    incrementalrelayfee: 0.000001,
    unbroadcastcount: 0,
    fullrbf: true,
  };
}

const vBytesPerSecond = (model, t) => Math.round(1_500 + 4_000 * model.congestion(model.height(t)));

// Projected blocks: the fee histogram (highest rate first) cut into 1 MvB blocks.
function mempoolBlocks(model, t) {
  const blocks = [];
  let current = null;
  for (const [rate, size] of model.mempool(t).fee_histogram) {
    let left = size;
    while (left > 0) {
      current ??= { vsize: 0, segments: [] };
      const last = blocks.length === MAX_MEMPOOL_BLOCKS - 1;
      const take = last ? left : Math.min(left, MEMPOOL_BLOCK_VSIZE - current.vsize);
      current.vsize += take;
      current.segments.push([rate, take]);
      left -= take;
      if (!last && current.vsize === MEMPOOL_BLOCK_VSIZE) {
        blocks.push(current);
        current = null;
      }
    }
  }
  if (current) blocks.push(current);
  return blocks.map(({ vsize, segments }) => {
    const ascending = [...segments].reverse();
    // Fee rate at a fraction of the block's vsize, counted from the cheapest tx.
    const rateAt = (q) => {
      let seen = 0;
      for (const [rate, take] of ascending) {
        seen += take;
        if (seen >= q * vsize) return rate;
      }
      return ascending.at(-1)[0];
    };
    return {
      blockSize: Math.round(vsize * 1.7),
      blockVSize: vsize,
      nTx: Math.max(1, Math.round(vsize / 280)),
      totalFees: Math.round(segments.reduce((sum, [rate, take]) => sum + rate * take, 0)),
      medianFee: rateAt(0.5),
      feeRange: [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1].map(rateAt),
    };
  });
}

// The same body as GET /v1/prices at time t: `time` in seconds, whole fiat values.
function conversionsFrom(model, t) {
  const updated = Math.floor(t / PRICE_UPDATE_MS) * PRICE_UPDATE_MS;
  const usd = model.priceUsd(updated);
  const body = { time: updated / 1000 };
  for (const [code, fx] of Object.entries(FIAT)) body[code.toUpperCase()] = Math.round(usd * fx);
  return body;
}

// Up to 6 stripped txs `{txid, fee, vsize, value, rate}`, seeded by the second.
function transactions(model, t) {
  const second = Math.floor(t / 1000);
  const top = model.fees(t).fastestFee;
  return Array.from({ length: MAX_TRANSACTIONS }, (_, k) => {
    const i = second * MAX_TRANSACTIONS + k;
    const vsize = 110 + (model.u32(TX_STREAM, i, 1) % 900);
    const rate = Number((top * (0.3 + 0.7 * model.unit(TX_STREAM, i, 2))).toFixed(2));
    return { txid: model.hex(TX_STREAM, i, 64), fee: Math.round(rate * vsize), vsize, value: model.u32(TX_STREAM, i, 3) % 100_000_000, rate };
  });
}

const blockWithExtras = (model, h) => model.blocks(h, 1, true)[0];

// `stats` keys, in websocket-handler.ts order.
const stats = (model, t) => ({
  mempoolInfo: mempoolInfo(model, t),
  vBytesPerSecond: vBytesPerSecond(model, t),
  fees: model.fees(t), // the precise fees, as the WS sends
  da: model.difficultyAdjustment(t),
});

function initSnapshot(model, t) {
  return {
    backend: 'esplora',
    mempoolInfo: mempoolInfo(model, t),
    vBytesPerSecond: vBytesPerSecond(model, t),
    blocks: model.blocks(model.height(t), SNAPSHOT_BLOCKS, true).reverse(),
    conversions: conversionsFrom(model, t),
    'mempool-blocks': mempoolBlocks(model, t),
    transactions: transactions(model, t),
    backendInfo: { hostname: 'simulator', version: 'simulator', gitCommit: '0000000', lightning: false },
    loadingIndicators: {},
    da: model.difficultyAdjustment(t),
    fees: model.fees(t),
  };
}

// ---- control API (/__sim/websocket) ----

function sendJson(res, status, value, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(value));
}

async function readObject(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_CONTROL_BODY_BYTES) throw new SimulatorInputError('body', `expected at most ${MAX_CONTROL_BODY_BYTES} bytes`);
  }
  if (text.trim() === '') return {};
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SimulatorInputError('body', 'expected valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SimulatorInputError('body', 'expected a JSON object');
  return body;
}

// ---- the endpoint ----

function refuse(socket, status, reasonPhrase, body = reasonPhrase) {
  if (socket.destroyed) return;
  socket.once('finish', () => socket.destroy()); // do not wait for the client: close() must not hang on it
  socket.end(`HTTP/1.1 ${status} ${reasonPhrase}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function emptyCounts() {
  return {
    accepted: 0,
    refused: 0,
    dropped: 0,
    received: { total: 0, want: 0, init: 0, ping: 0, other: 0, invalid: 0 },
    sent: { total: 0, keys: {} },
  };
}

/**
 * Serves the mempool WebSocket at `path` on `server`'s upgrade event.
 * `tick`: follow a real clock (push every second); with a manual clock call update() after moving it.
 */
export async function attachWebSocket({ server, path, model, now, tick }) {
  // `ws` is a dev dependency; where it is missing (a consumer's install) only this endpoint is off.
  let WebSocketServer = null;
  try {
    ({ WebSocketServer } = await import('ws'));
  } catch {
    WebSocketServer = null;
  }
  const wss = WebSocketServer && new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  const clients = new Set(); // { ws, wants: Set, recent: [ms] }
  let counts = emptyCounts();
  let enabled = true;
  let muted = false;
  const t0 = now();
  let lastHeight = model.height(t0);
  let lastStatsKey = JSON.stringify([mempoolInfo(model, t0), model.fees(t0)]);
  let lastPriceBucket = Math.floor(t0 / PRICE_UPDATE_MS);

  function send(client, message) {
    const keys = Object.keys(message);
    if (muted || keys.length === 0 || client.ws.readyState !== client.ws.OPEN) return;
    client.ws.send(JSON.stringify(message));
    counts.sent.total += 1;
    for (const key of keys) counts.sent.keys[key] = (counts.sent.keys[key] ?? 0) + 1;
  }

  // The snapshot for each item newly wanted, then the new list replaces the old one.
  function want(client, items, t) {
    const next = new Set(items.filter((item) => WANT_ITEMS.has(item)));
    const reply = {};
    if (next.has('blocks') && !client.wants.has('blocks')) reply.blocks = model.blocks(model.height(t), SNAPSHOT_BLOCKS, true).reverse();
    if (next.has('stats') && !client.wants.has('stats')) Object.assign(reply, stats(model, t));
    if (next.has('mempool-blocks') && !client.wants.has('mempool-blocks')) reply['mempool-blocks'] = mempoolBlocks(model, t);
    client.wants = next;
    return reply;
  }

  function onMessage(client, data, isBinary) {
    const t = now();
    counts.received.total += 1;
    client.recent.push(t);
    while (client.recent.length > 0 && client.recent[0] <= t - RATE_WINDOW_MS) client.recent.shift();
    if (client.recent.length > RATE_MAX_MESSAGES) {
      client.ws.close(1008, 'too many messages');
      return;
    }
    let message;
    try {
      message = isBinary ? undefined : JSON.parse(data.toString('utf8'));
    } catch {
      message = undefined;
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      counts.received.invalid += 1; // mempool logs and ignores what it cannot parse
      return;
    }
    switch (message.action) {
      case 'want':
        if (!Array.isArray(message.data)) {
          counts.received.invalid += 1;
          return;
        }
        counts.received.want += 1;
        return send(client, want(client, message.data, t));
      case 'init':
        counts.received.init += 1;
        return send(client, initSnapshot(model, t));
      case 'ping':
        counts.received.ping += 1;
        return send(client, { pong: true });
      default:
        counts.received.other += 1; // track-tx and friends: not simulated
        return undefined;
    }
  }

  function onUpgrade(req, socket, head) {
    const { pathname } = new URL(req.url, 'http://simulator.invalid');
    if (pathname !== path) return refuse(socket, 404, 'Not Found');
    if (!enabled) {
      counts.refused += 1;
      return refuse(socket, 503, 'Service Unavailable');
    }
    if (!wss) return refuse(socket, 501, 'Not Implemented', 'the simulator WebSocket endpoint needs the "ws" package');
    return wss.handleUpgrade(req, socket, head, (ws) => {
      const client = { ws, wants: new Set(), recent: [] };
      clients.add(client);
      counts.accepted += 1;
      ws.on('message', (data, isBinary) => onMessage(client, data, isBinary));
      ws.on('close', () => clients.delete(client));
      ws.on('error', () => {}); // oversized or invalid frames: ws closes the socket itself
    });
  }
  server.on('upgrade', onUpgrade);

  // Pushes what changed since the last call: blocks, mempool stats, prices.
  function update() {
    const t = now();
    const height = model.height(t);
    const anyWants = (item) => [...clients].some((c) => c.wants.has(item));
    if (height > lastHeight) {
      // One `block` per new block (at most the last 8); the tip's message carries stats too.
      for (let h = Math.max(lastHeight + 1, height - SNAPSHOT_BLOCKS + 1); h <= height; h++) {
        const block = blockWithExtras(model, h);
        const tipStats = h === height ? stats(model, t) : null;
        const projected = h === height ? mempoolBlocks(model, t) : null;
        for (const client of clients) {
          const message = {};
          if (client.wants.has('blocks')) message.block = block;
          if (tipStats && client.wants.has('stats')) Object.assign(message, tipStats);
          if (projected && client.wants.has('mempool-blocks')) message['mempool-blocks'] = projected;
          send(client, message);
        }
      }
      lastHeight = height;
      lastStatsKey = JSON.stringify([mempoolInfo(model, t), model.fees(t)]);
    } else {
      const key = JSON.stringify([mempoolInfo(model, t), model.fees(t)]);
      if (key !== lastStatsKey) {
        lastStatsKey = key;
        const { mempoolInfo: info, vBytesPerSecond: rate, fees, da } = stats(model, t);
        const statsPush = { mempoolInfo: info, vBytesPerSecond: rate, transactions: transactions(model, t), da, fees };
        const projected = anyWants('mempool-blocks') ? mempoolBlocks(model, t) : null;
        for (const client of clients) {
          const message = client.wants.has('stats') ? { ...statsPush } : {};
          if (client.wants.has('mempool-blocks')) message['mempool-blocks'] = projected;
          send(client, message);
        }
      }
    }
    const bucket = Math.floor(t / PRICE_UPDATE_MS);
    if (bucket !== lastPriceBucket) {
      lastPriceBucket = bucket;
      const message = { conversions: conversionsFrom(model, t) }; // to every client, wanted or not
      for (const client of clients) send(client, message);
    }
  }

  const ticker = tick ? setInterval(update, REAL_CLOCK_TICK_MS) : null;
  ticker?.unref();

  function dropWebSockets({ mode = 'terminate' } = {}) {
    if (!DROP_MODES.includes(mode)) throw new SimulatorInputError('mode', `expected one of ${DROP_MODES.join(', ')}`);
    const dropped = clients.size;
    for (const { ws } of clients) {
      if (mode === 'terminate') ws.terminate(); // no close frame: the client sees 1006
      else ws.close(1001, 'going away');
    }
    clients.clear();
    counts.dropped += dropped;
    return dropped;
  }

  function checkBoolean(field, value) {
    if (typeof value !== 'boolean') throw new SimulatorInputError(field, 'expected true or false');
  }

  const webSocketCounts = () => ({
    open: clients.size,
    accepted: counts.accepted,
    refused: counts.refused,
    dropped: counts.dropped,
    received: { ...counts.received },
    sent: { total: counts.sent.total, keys: { ...counts.sent.keys } },
  });

  // Members added to the object startSimulator returns.
  const api = {
    dropWebSockets,
    setWebSocketEnabled(value) {
      checkBoolean('enabled', value);
      enabled = value;
    },
    setWebSocketMuted(value) {
      checkBoolean('muted', value);
      muted = value;
    },
    webSocketCounts,
    resetWebSocketCounts() {
      counts = emptyCounts();
    },
    webSocketClients: () => [...clients].map((c) => ({ wants: [...c.wants] })),
  };

  const controlState = () => ({ enabled, muted, available: Boolean(wss), path, counts: webSocketCounts(), clients: api.webSocketClients() });

  // GET|POST /__sim/websocket, POST /__sim/websocket/drop, POST /__sim/websocket/reset-counts.
  async function handleControl(req, res, url) {
    const routes = {
      '/__sim/websocket': ['GET', 'POST'],
      '/__sim/websocket/drop': ['POST'],
      '/__sim/websocket/reset-counts': ['POST'],
    };
    const methods = routes[url.pathname];
    if (!methods) return sendJson(res, 404, { error: `unknown control endpoint; expected one of ${Object.keys(routes).join(', ')}` });
    if (!methods.includes(req.method)) {
      return sendJson(res, 405, { error: `method ${req.method} not allowed; expected ${methods.join(' or ')}` }, { allow: methods.join(', ') });
    }
    try {
      const body = req.method === 'POST' ? await readObject(req) : {};
      if (url.pathname === '/__sim/websocket/drop') return sendJson(res, 200, { dropped: dropWebSockets(body) });
      if (url.pathname === '/__sim/websocket/reset-counts') api.resetWebSocketCounts();
      if (req.method === 'POST' && url.pathname === '/__sim/websocket') {
        const { enabled: on, muted: mute, ...rest } = body;
        const unknown = Object.keys(rest)[0];
        if (unknown !== undefined) throw new SimulatorInputError(unknown, 'unexpected; expected only enabled, muted');
        if (on !== undefined) checkBoolean('enabled', on);
        if (mute !== undefined) checkBoolean('muted', mute);
        if (on !== undefined) enabled = on;
        if (mute !== undefined) muted = mute;
      }
      return sendJson(res, 200, controlState());
    } catch (error) {
      if (!(error instanceof SimulatorInputError)) throw error;
      return sendJson(res, 400, { error: error.message, field: error.field });
    }
  }

  function close() {
    if (ticker) clearInterval(ticker);
    server.off('upgrade', onUpgrade);
    for (const { ws } of clients) ws.terminate();
    clients.clear();
    wss?.close();
  }

  return { api, update, handleControl, close };
}
