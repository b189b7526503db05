// Types of `bitcoin-ltl/simulator` (scripts/simulator/index.mjs): one local HTTP server that speaks
// every upstream provider's format, with deterministic data and injectable faults. Times are unix ms.

export interface SimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** Integer; every value is derived from it. Default 1. */
  seed?: number;
  /** `'real'` (default) follows `Date.now()`; `'manual'` starts at `startTimeMs` and moves only with `advance(ms)`. */
  clock?: 'real' | 'manual';
  /** Model anchor (unix ms): the tip height is 900000 at this instant. Default 1767225600000 (2026-01-01Z). */
  startTimeMs?: number;
  /** Default true: `Access-Control-Allow-Origin: *` on every answer and preflights answered, so pages can call it. false: each provider's own headers. */
  cors?: boolean;
}

/** The env-style configuration keys of bitcoin-ltl, each pointing at this simulator. */
export interface SimulatorBaseUrls {
  MEMPOOL_API_URL: string;
  ESPLORA_API_URL: string;
  COINGECKO_API_URL: string;
  COINBASE_API_URL: string;
  KRAKEN_API_URL: string;
  BINANCE_API_URL: string;
  FNG_API_URL: string;
  BLOCKCHAIN_INFO_API_URL: string;
}

/** Faults to inject per route id, `"<provider>.*"` or `"*"`; `times` limits it to the next N matching requests. */
export type SimulatorFault = { times?: number } & (
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: number; retryAfter?: number | string; body?: unknown; contentType?: string }
  | { kind: 'malformed' }
  | { kind: 'truncated' }
  | { kind: 'html'; status?: number }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'body'; status?: number; contentType?: string; body: unknown }
);

export interface SimulatorState {
  now: number;
  seed: number;
  clock: 'real' | 'manual';
  height: number;
  tipHash: string;
  /** Block time of the tip (unix s, as upstream sends it). */
  tipTimestamp: number;
  priceUsd: number;
  difficulty: number;
  /** H/s. */
  hashrate: number;
  /** mempool.space `/v1/fees/recommended` values, sat/vB. */
  fees: { fastestFee: number; halfHourFee: number; hourFee: number; economyFee: number; minimumFee: number };
  /** Transactions and vB. */
  mempool: { count: number; vsize: number };
}

export interface WebSocketCounts {
  open: number;
  accepted: number;
  refused: number;
  dropped: number;
  received: { total: number; want: number; init: number; ping: number; other: number; invalid: number };
  sent: { total: number; keys: Record<string, number> };
}

export interface Simulator {
  /** `http://<host>:<port>`. */
  url: string;
  port: number;
  baseUrls: SimulatorBaseUrls;
  /** mempool.space WebSocket: `ws://<host>:<port>/mempool/api/v1/ws`. */
  webSocketUrl: string;
  /** Throws SimulatorInputError for an unknown route or a bad fault. */
  setFault(route: string, fault: SimulatorFault): void;
  /** One target, or every fault when called without one. */
  clearFaults(route?: string): void;
  faults(): Record<string, SimulatorFault>;
  counts(): { total: number; routes: Record<string, number> };
  resetCounts(): void;
  /** Manual clock only; returns the new time. */
  advance(ms: number): number;
  now(): number;
  state(): SimulatorState;
  routes(): Array<{ id: string; method: 'GET'; path: string }>;
  setWebSocketEnabled(enabled: boolean): void;
  setWebSocketMuted(muted: boolean): void;
  /** Ends every socket; returns how many. `terminate` (default): no close frame; `close`: 1001. */
  dropWebSockets(options?: { mode?: 'terminate' | 'close' }): number;
  webSocketCounts(): WebSocketCounts;
  resetWebSocketCounts(): void;
  webSocketClients(): Array<{ wants: string[] }>;
  /** Stops the server and destroys every socket, including hanging ones. */
  close(): Promise<void>;
}

export function startSimulator(options?: SimulatorOptions): Promise<Simulator>;

/** An `http://127.0.0.1:<port>` URL where nothing listens, for "connection refused" tests. */
export function refusedUrl(): Promise<string>;

/** Bad options or control input; `field` names the culprit. */
export class SimulatorInputError extends Error {
  readonly name: 'SimulatorInputError';
  readonly field: string;
  constructor(field: string, detail: string);
}
