// Typed failures of the real-time service, shaped like LtlError. Severity, retryability and the
// upstream status rule come from the core's catalogue (src/core/error.cpp, src/resilience/classify.cpp).
import catalogue from '../../wasm/dist/catalogue.js';

const CATEGORIES = new Map(catalogue.errors.categories.map((category) => [category.name, category]));
const STATUS_RULE = catalogue.errors.upstream_status;

/** The category of a non-2xx upstream status, by the core's rule (408 → timeout, 429 → rate_limited, ...). */
export function statusCategory(status) {
  const rule = STATUS_RULE.rules.find((entry) => status >= entry.from && status <= entry.to);
  return rule ? rule.category : STATUS_RULE.default;
}

/** A typed failure, shaped like LtlError: category, severity, retryable, provider, operation, field. */
export class RealtimeError extends Error {
  constructor(category, message, { provider = '', operation = '', field, upstreamStatus = 0, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RealtimeError';
    this.category = category;
    this.severity = CATEGORIES.get(category)?.severity ?? 'high';
    this.retryable = CATEGORIES.get(category)?.retryable ?? false;
    this.provider = provider;
    this.operation = operation;
    this.upstreamStatus = upstreamStatus;
    if (field !== undefined) this.field = field;
  }

  toJSON() {
    const error = { category: this.category, severity: this.severity, retryable: this.retryable, provider: this.provider, operation: this.operation, message: this.message, upstream_status: this.upstreamStatus };
    if (this.field !== undefined) error.field = this.field;
    return { error };
  }
}

/** A short description of a value for messages: never the whole of a long string. */
export const describe = (v) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v.slice(0, 40)}"` : typeof v === 'number' ? String(v) : typeof v);
export const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

export const invalid = (field, expected) => new RealtimeError('validation', `${field}: expected ${expected}`, { operation: 'realtime', field });

export function parseError(field, expected, value) {
  return new RealtimeError('parse', `${field}: expected ${expected}, got ${describe(value)}`, { provider: 'mempool', operation: 'realtime', field });
}
