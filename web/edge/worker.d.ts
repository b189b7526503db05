// bitcoin-ltl/edge: the front worker (default export) and the coordinator Durable Object class.
// Deploy with the package's web/edge/wrangler.jsonc (see the README's "Deploy to Cloudflare").

/** The Workers Rate Limiting binding's shape. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** Bindings and settings the worker reads (settings are strings, as Workers vars are). */
export interface EdgeEnv {
  /** The coordinator namespace; absent = single-isolate mode. */
  LTL_COORDINATOR?: unknown;
  /** Per-client rate limit, keyed by CF-Connecting-IP. */
  LTL_RATE_LIMITER?: RateLimitBinding;
  /** Optional KV namespace, written by the coordinator only. */
  LTL_CACHE_KV?: unknown;
  OPS_TOKEN?: string;
  ADMIN_TOKEN?: string;
  NEGATIVE_CACHE_MS?: string;
  CLIENT_RATE_LIMIT_PERIOD_S?: string;
  EDGE_COORDINATOR_TIMEOUT_MS?: string;
  EDGE_STALE_TIMEOUT_MS?: string;
  EDGE_KV_MIN_TTL_MS?: string;
  EDGE_ALARM_IDLE_MS?: string;
  /** Any configuration key of the client (see LtlConfig in bitcoin-ltl). */
  [key: string]: unknown;
}

export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/** A finished answer as the coordinator hands it to the fronts (times are unix ms). */
export interface AnswerDocument {
  status: number;
  /** The serialised JSON answer (or error). */
  body: string;
  etag: string | null;
  stored_at: number;
  /** 0: never served from a copy (stale or partial answers). */
  fresh_until: number;
  swr_until: number;
  sie_until: number;
  retry_after_s: number;
  /** A remembered failure (negative caching). */
  negative: boolean;
}

declare const worker: {
  fetch(request: Request, env: EdgeEnv, ctx: ExecutionContextLike): Promise<Response>;
};
export default worker;

/** The coordinator Durable Object: owns every upstream call of the deployment. */
export declare class LtlCoordinator {
  constructor(ctx: unknown, env: EdgeEnv);
  document(route: string, params: Record<string, string>, key: string): Promise<AnswerDocument>;
  health(): Promise<Record<string, unknown>>;
  ops(op: 'metricsText' | 'metrics' | 'history' | 'alerts' | 'errors' | 'config' | 'report', params?: { window_ms?: number }): Promise<unknown>;
  invalidate(what: { key?: string; glob?: string; tag?: string; purge?: boolean }): Promise<unknown>;
  alarm(): Promise<void>;
}
