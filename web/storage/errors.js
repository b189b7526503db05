// Typed failures of the persistent cache tier. The C++ side (src/bindings/platform.cpp)
// reads `message` and `code` from `{"error":{...}}`; the rest is for JS callers and logs.

/** Every code an adapter can report. A corrupted or wrong-version record is not an error: it is a miss. */
export const STORAGE_ERROR_CODES = Object.freeze([
  'unavailable', // the backend does not exist on this host or failed to open
  'blocked', // IndexedDB upgrade blocked by another open connection
  'timeout', // the backend did not answer in time (IndexedDB open)
  'quota_exceeded', // the backend refused a write for lack of space
  'too_large', // a value or record over the adapter's limit
  'invalid_argument', // bad key, entry or option
  'rate_limited', // too many delayed writes queued (KV's 1 write/s/key)
  'closed', // the adapter was closed
  'backend', // any other failure of the backend call
]);

export class StorageError extends Error {
  /**
   * @param {string} code one of STORAGE_ERROR_CODES
   * @param {string} message what failed, where, and what was expected
   * @param {{store?: string, operation?: string, cause?: unknown}} [details]
   */
  constructor(code, message, { store = '', operation = '', cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'StorageError';
    this.code = STORAGE_ERROR_CODES.includes(code) ? code : 'backend';
    this.store = store;
    this.operation = operation;
  }

  /** Retrying later may succeed (the C++ tier bypasses the store meanwhile). */
  get retryable() {
    return !['invalid_argument', 'too_large', 'closed'].includes(this.code);
  }

  toJSON() {
    return {
      error: {
        category: 'storage',
        code: this.code,
        message: this.message,
        store: this.store,
        operation: this.operation,
        retryable: this.retryable,
      },
    };
  }
}

/**
 * Any thrown value as a StorageError: DOMExceptions keep their meaning
 * (QuotaExceededError → quota_exceeded, ...), everything else becomes `backend`.
 */
export function toStorageError(err, store, operation) {
  if (err instanceof StorageError) return err;
  const name = typeof err?.name === 'string' ? err.name : '';
  const detail = typeof err?.message === 'string' && err.message ? err.message : String(err);
  let code = 'backend';
  if (name === 'QuotaExceededError' || /quota/i.test(detail)) code = 'quota_exceeded';
  else if (name === 'InvalidStateError' || name === 'UnknownError' || name === 'SecurityError') code = 'unavailable';
  else if (name === 'TimeoutError') code = 'timeout';
  return new StorageError(code, `${store} ${operation} failed: ${name ? `${name}: ` : ''}${detail}`, {
    store,
    operation,
    cause: err,
  });
}
