// Types of `web/realtime.js`: real-time blocks, fees, mempool and price over the mempool.space
// WebSocket, with polling as the fallback. Units are in the field names; times are unix ms.

export type Topic = 'blocks' | 'fees' | 'mempool' | 'price';
export const TOPICS: readonly Topic[];

/** The chain tip. From WS `block` / `blocks` or REST `/v1/blocks`. */
export interface BlockData {
  height: number;
  hash: string;
  /** Miner's block time (unix ms; upstream sends seconds). */
  timestamp_ms: number;
  median_time_ms: number | null;
  tx_count: number;
  size_bytes: number | null;
  weight_wu: number | null;
  difficulty: number | null;
  previous_hash: string | null;
  /** From mempool.space `extras`; null where the source has none (esplora). */
  total_fees_sat: number | null;
  median_fee_sat_vb: number | null;
  pool_name: string | null;
}

/** Recommended fee rates in sat/vB (the WS sends the precise values, with decimals). */
export interface FeesData {
  /** Always mempool's precise calculation here, the same definition as the REST fees route. */
  fee_definition: 'mempool_precise';
  fastest_sat_vb: number;
  half_hour_sat_vb: number;
  hour_sat_vb: number;
  economy_sat_vb: number;
  minimum_sat_vb: number;
}

export interface ProjectedBlock {
  vsize_vb: number;
  size_bytes: number | null;
  tx_count: number;
  total_fees_sat: number;
  median_fee_sat_vb: number;
  /** Ascending fee rates across the block, sat/vB. */
  fee_range_sat_vb: number[];
}

/** The mempool. WS: `mempoolInfo` (+ `mempool-blocks`); REST: esplora `/mempool`. */
export interface MempoolData {
  count: number;
  vsize_vb: number;
  total_fee_sat: number;
  /** Core's mempoolminfee in sat/vB (WS only, else null). */
  min_fee_sat_vb: number | null;
  /** `[fee rate sat/vB, vsize vB]` bands, highest rate first (REST only, else null). */
  fee_histogram: Array<[number, number]> | null;
  /** Up to 8 projected blocks (WS `mempool-blocks`, else null). */
  projected_blocks: ProjectedBlock[] | null;
}

/** mempool.space prices (WS `conversions`, REST `/v1/prices`). */
export interface PriceData {
  /** When mempool.space updated the prices (unix ms; upstream sends seconds). */
  as_of_ms: number;
  /** Lower-case ISO code → whole fiat units per BTC; null where upstream sent -1 (unavailable). */
  prices: Record<string, number | null>;
}

export interface TopicData {
  blocks: BlockData;
  fees: FeesData;
  mempool: MempoolData;
  price: PriceData;
}

/** One update, deep-frozen. */
export interface Update<T extends Topic = Topic> {
  topic: T;
  data: TopicData[T];
  source: 'websocket' | 'polling';
  /** When it was received (unix ms, from `now`). */
  receivedAt: number;
}

export type ErrorCategory =
  | 'network' | 'timeout' | 'rate_limited' | 'upstream_5xx' | 'upstream_4xx'
  | 'parse' | 'validation' | 'internal';

/** A typed failure, shaped like LtlError. */
export class RealtimeError extends Error {
  readonly name: 'RealtimeError';
  readonly category: ErrorCategory;
  /** The core's severity of the category (its catalogue). */
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly retryable: boolean;
  /** 'mempool' for upstream data, '' otherwise. */
  readonly provider: string;
  /** e.g. 'connect', 'keep-alive', 'realtime', 'subscribe', 'subscriber', 'poll.fees'. */
  readonly operation: string;
  /** The offending field or option, e.g. 'fees.fastestFee', 'backoff.maxMs'. */
  readonly field?: string;
  readonly upstreamStatus: number;
  readonly cause?: unknown;
  toJSON(): { error: { category: ErrorCategory; severity: string; retryable: boolean; provider: string; operation: string; message: string; upstream_status: number; field?: string } };
}

/** Async functions returning the latest normalised data; `undefined` means "nothing new". */
export interface PollFunctions {
  blocks?: () => Promise<BlockData | undefined>;
  fees?: () => Promise<FeesData | undefined>;
  mempool?: () => Promise<MempoolData | undefined>;
  price?: () => Promise<PriceData | undefined>;
}

/** Anything constructed like the browser's WebSocket (browsers, workerd, Node's --experimental-websocket, `ws`). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
}

export interface RealtimeOptions {
  /** ws:/wss: URL, e.g. `mempoolWebSocketUrl(MEMPOOL_API_URL)`. Without it: polling only. */
  url?: string;
  /** Default `globalThis.WebSocket`; null or absent (Node 20 without the flag): polling only. */
  WebSocket?: (new (url: string) => WebSocketLike) | null;
  /** Polling fallback, and `price` always (the socket pushes prices only when they change). */
  poll?: PollFunctions;
  /** Per topic; defaults blocks 30000, fees 10000, mempool 10000, price 60000. Measured from each answer. */
  pollIntervalMs?: Partial<Record<Topic, number>>;
  /** Wall clock, unix ms. Default Date.now. */
  now?: () => number;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** [0, 1), for jitter. Default Math.random. */
  random?: () => number;
  /** Ping after this long without a message. Default 30000. */
  pingIntervalMs?: number;
  /** Reconnect when a ping gets no answer within this. Default 5000. */
  pongTimeoutMs?: number;
  /** A socket not open within this counts as a failed attempt. Default 10000. */
  connectTimeoutMs?: number;
  /**
   * Reconnect delay after n consecutive failed attempts (0 after a working connection):
   * min(maxMs, baseMs × 2^n) × (0.5 + 0.5 × random()). Defaults baseMs 4000 (2-4 s first), maxMs 60000.
   */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Failed attempts in a row (no message received) before polling takes over. Default 3. */
  maxFailedConnects?: number;
  /** While polling, try the socket again after socketRetryMs × [0.5, 1]. Default 120000. */
  socketRetryMs?: number;
  /** Subscriptions across all topics. Default 100. */
  maxSubscribers?: number;
  /** Longer socket messages (string length) are dropped and reported. Default 2097152. */
  maxMessageChars?: number;
  /** Every new (non-duplicate) update, subscribed or not: the integrator's hook to refresh caches. */
  onUpdate?: (update: Update) => void;
  /** Parse, network, keep-alive, poll and subscriber failures. Never throws into the service. */
  onError?: (error: RealtimeError) => void;
}

export interface TopicState {
  subscribers: number;
  polling: boolean;
  lastUpdateAt: number | null;
  lastSource: 'websocket' | 'polling' | null;
}

export interface RealtimeState {
  /** 'socket': socket topics go over the WebSocket (possibly reconnecting); 'polling': fallback or price only. */
  mode: 'socket' | 'polling' | 'idle';
  connected: boolean;
  socket: 'connecting' | 'open' | 'closed';
  /** The `want` list sent on the current socket. */
  wants: string[];
  /** Connection attempts after the first (reconnects and socket retries while polling). */
  reconnects: number;
  /** Sockets that opened. */
  connects: number;
  /** Consecutive attempts that ended before any message. */
  failedConnects: number;
  reconnectPending: boolean;
  socketRetryPending: boolean;
  lastMessageAt: number | null;
  lastPongAt: number | null;
  lastClose: { code: number; reason: string; at: number } | null;
  lastError: RealtimeError | null;
  subscribers: number;
  topics: Record<Topic, TopicState>;
  counts: { connects: number; reconnects: number; messages: number; pings: number; pongs: number; updates: number; duplicates: number; errors: number };
}

export interface Realtime {
  /**
   * Calls `callback` with each new update of `topic`, and at once with the latest one if any.
   * Throws RealtimeError (validation) for an unknown topic, a non-function, too many subscribers or after close().
   */
  subscribe<T extends Topic>(topic: T, callback: (update: Update<T>) => void): () => void;
  state(): RealtimeState;
  /** Closes the socket, stops timers and polls, drops subscribers. */
  close(): void;
}

export function createRealtime(options?: RealtimeOptions): Realtime;

/** https://mempool.space/api → wss://mempool.space/api/v1/ws (http → ws). */
export function mempoolWebSocketUrl(apiBaseUrl: string): string;

/** Poll functions over mempool.space REST: /v1/blocks, /v1/fees/precise, /mempool, /v1/prices. */
export function createMempoolRestPoll(options: { baseUrl: string; fetch?: typeof fetch }): Required<PollFunctions>;

export function normalizeBlock(raw: unknown, where?: string): BlockData;
export function normalizeFees(raw: unknown, where?: string): FeesData;
export function normalizeMempoolInfo(raw: unknown, where?: string): Pick<MempoolData, 'count' | 'vsize_vb' | 'total_fee_sat' | 'min_fee_sat_vb'>;
export function normalizeMempoolBlocks(raw: unknown, where?: string): ProjectedBlock[];
export function normalizeRestMempool(raw: unknown, where?: string): MempoolData;
export function normalizePrices(raw: unknown, where?: string): PriceData;
