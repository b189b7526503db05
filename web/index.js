// bitcoin-ltl: the JS shell around the C++ core. It loads the WASM for the
// host (browser, Node, workerd), supplies a fetch()-backed XMLHttpRequest where
// the host has none, and turns the core's callbacks into promises.
import createLtlModule from '../wasm/dist/bitcoin-ltl.mjs';
import { createFetchXMLHttpRequest } from './xhr-fetch.js';

const WASM_FILE = 'bitcoin-ltl.wasm';

/** A typed failure from the core: category, severity, retryability, provider and operation. */
export class LtlError extends Error {
  constructor(fields) {
    super(fields.message);
    this.name = 'LtlError';
    this.category = fields.category;
    this.severity = fields.severity;
    this.retryable = Boolean(fields.retryable);
    this.provider = fields.provider ?? '';
    this.operation = fields.operation ?? '';
    this.upstreamStatus = fields.upstream_status ?? 0;
    this.httpStatus = fields.http_status ?? 500;
    if (fields.retry_after_ms !== undefined) this.retryAfterMs = fields.retry_after_ms;
  }

  static fromJSON(text) {
    return new LtlError(JSON.parse(text).error);
  }

  toJSON() {
    const error = {
      category: this.category,
      severity: this.severity,
      retryable: this.retryable,
      provider: this.provider,
      operation: this.operation,
      message: this.message,
      upstream_status: this.upstreamStatus,
    };
    if (this.retryAfterMs !== undefined) error.retry_after_ms = this.retryAfterMs;
    return { error };
  }
}

function isNode() {
  return typeof process === 'object' && typeof process.versions?.node === 'string';
}

// Tells the Emscripten loader how to obtain the .wasm on this host.
async function wasmLoadOptions(options) {
  if (options.wasmModule) {
    // Edge runtimes hand us a compiled module and forbid compiling from bytes.
    return {
      locateFile: (path) => path,
      instantiateWasm(imports, receiveInstance) {
        WebAssembly.instantiate(options.wasmModule, imports).then((instance) =>
          receiveInstance(instance, options.wasmModule));
        return {};
      },
    };
  }
  if (options.wasmBinary) return { wasmBinary: options.wasmBinary };
  const url = options.wasmUrl ? new URL(options.wasmUrl) : new URL(`../wasm/dist/${WASM_FILE}`, import.meta.url);
  if (isNode() && url.protocol === 'file:') {
    // process.getBuiltinModule (Node >= 20.16) instead of import('node:fs/promises'): edge
    // runtimes and bundlers reject a Node built-in import even on a path they never take.
    const { readFile } = process.getBuiltinModule('node:fs/promises');
    return { wasmBinary: await readFile(url) };
  }
  return { locateFile: () => url.href };
}

class Client {
  #native;
  #pending = new Set();

  constructor(native) {
    this.#native = native;
  }

  price(currency = 'usd') {
    return this.#call((done) => this.#native.price(String(currency), done));
  }

  async health() {
    return this.#parse(this.#alive().health());
  }

  async metrics() {
    return this.#parse(this.#alive().metrics());
  }

  close() {
    if (!this.#native) return;
    this.#native.delete();
    this.#native = null;
    const closed = new LtlError({ category: 'internal', severity: 'low', message: 'client closed', operation: 'close' });
    for (const reject of this.#pending) reject(closed);
    this.#pending.clear();
  }

  #alive() {
    if (!this.#native) throw new LtlError({ category: 'internal', severity: 'low', message: 'client closed', operation: 'call' });
    return this.#native;
  }

  #parse(text) {
    const value = JSON.parse(text);
    if (value.error) throw new LtlError(value.error);
    return value;
  }

  // Runs a callback-style core call as a promise; close() rejects it if still pending.
  #call(start) {
    return new Promise((resolve, reject) => {
      this.#alive();
      this.#pending.add(reject);
      start((errorJson, resultJson) => {
        if (!this.#pending.delete(reject)) return;
        if (errorJson) reject(LtlError.fromJSON(errorJson));
        else resolve(JSON.parse(resultJson));
      });
    });
  }
}

/**
 * Loads the module and returns a configured client.
 * @param {import('./index.d.ts').LtlConfig} config env-style keys (see README)
 * @param {import('./index.d.ts').LoadOptions} options how to obtain the .wasm, which fetch to use
 */
export async function createClient(config = {}, options = {}) {
  const moduleArg = await wasmLoadOptions(options);
  if (options.forceFetchXhr || typeof globalThis.XMLHttpRequest === 'undefined') {
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    moduleArg.XMLHttpRequest = createFetchXMLHttpRequest(fetchImpl);
  }
  const module = await createLtlModule(moduleArg);
  // options.now: an injected wall clock (unix ms), for tests and simulations.
  const native = new module.Client(typeof options.now === 'function' ? options.now : undefined);
  const error = native.configure(JSON.stringify(config));
  if (error) {
    native.delete();
    throw LtlError.fromJSON(error);
  }
  return new Client(native);
}
