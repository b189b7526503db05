// The base of the plugin's services: an ElizaOS Service holding a reference on the runtime's
// shared bitcoin-ltl client from static start(runtime) until stop().
import { Service } from '@elizaos/core';
import { LtlError } from '../index.js';
import { acquireClient } from './shared-client.js';

export class LtlService extends Service {
  /** LoadOptions passed to createClient (createBitcoinLtlPlugin sets them on its subclasses). */
  static loadOptions = {};
  #lease = null;
  #unsubscribers = new Set();

  static async start(runtime) {
    const service = new this(runtime);
    service.#lease = await acquireClient(runtime, this.loadOptions);
    return service;
  }

  static async stop(runtime) {
    await runtime.getService(this.serviceType)?.stop();
  }

  /** The shared client; a typed `internal` error once this service is stopped. */
  get client() {
    if (!this.#lease) {
      throw new LtlError({ category: 'internal', severity: 'low', operation: this.constructor.serviceType, message: `${this.constructor.serviceType}: service is stopped` });
    }
    return this.#lease.client;
  }

  get running() {
    return this.#lease !== null;
  }

  /** Registers an unsubscribe function that stop() calls; returns one that also forgets it. */
  track(unsubscribe) {
    this.#unsubscribers.add(unsubscribe);
    return () => {
      this.#unsubscribers.delete(unsubscribe);
      unsubscribe();
    };
  }

  async stop() {
    for (const unsubscribe of this.#unsubscribers) unsubscribe();
    this.#unsubscribers.clear();
    this.#lease?.release();
    this.#lease = null;
  }
}

/** A typed validation error for bad arguments to a service method. */
export function invalidArgument(operation, message) {
  return new LtlError({ category: 'validation', severity: 'low', operation, message });
}
