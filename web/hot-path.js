// The hot calls into the core (cache get/set/has, data requests) as plain WASM exports: strings
// go in with TextEncoder.encodeInto (or a byte loop for short ASCII keys) and come out with one
// TextDecoder call, never through Embind's per-character marshalling. The core answers a memory
// hit synchronously with a (pointer, length) view of its bytes, read here right after the call.
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SHORT_ASCII = 64; // below this a charCodeAt loop beats encodeInto's call overhead
const MIN_SCRATCH = 4096;

export const STATUS_PENDING = 0;
export const STATUS_ANSWER = 1;
export const STATUS_FAILED = 2;

// Strings in and out of one module's heap: a malloc'd scratch area for inputs, the core's out
// slot ([pointer, length] of the last value a hot call returned) for outputs.
class HeapIO {
  #module;
  #scratch = 0; // grown on demand, freed by close()
  #capacity = 0;
  #outSlot; // index into HEAPU32

  constructor(module) {
    this.#module = module;
    this.#outSlot = module._ltl_out_slot() >>> 2;
  }

  get scratch() {
    return this.#scratch;
  }

  /** The last value a hot call returned: 'bytes' a copy the caller owns, else decoded text. */
  out(as) {
    const slots = this.#module.HEAPU32;
    return this.read(slots[this.#outSlot], slots[this.#outSlot + 1], as);
  }

  read(pointer, length, as) {
    const view = this.#module.HEAPU8.subarray(pointer, pointer + length);
    return as === 'bytes' ? view.slice() : decoder.decode(view);
  }

  /** Writes `text` as UTF-8 at scratch + offset (growing the area); returns its byte length. */
  write(text, offset) {
    const n = text.length;
    this.#reserve(offset + n * 3);
    const heap = this.#module.HEAPU8;
    const at = this.#scratch + offset;
    if (n <= SHORT_ASCII) {
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c > 0x7f) break;
        heap[at + i] = c;
      }
      if (i === n) return n;
    }
    return encoder.encodeInto(text, heap.subarray(at, at + n * 3)).written;
  }

  close() {
    if (this.#scratch) this.#module._free(this.#scratch);
    this.#scratch = 0;
    this.#capacity = 0;
  }

  // Room for `bytes` at the start of the scratch area, keeping what is already written there.
  #reserve(bytes) {
    if (bytes <= this.#capacity) return;
    const capacity = Math.max(MIN_SCRATCH, 2 ** Math.ceil(Math.log2(bytes)));
    const grown = this.#module._malloc(capacity);
    if (!grown) throw new RangeError(`bitcoin-ltl: cannot allocate ${capacity} bytes in the WASM heap`);
    if (this.#scratch) {
      this.#module.HEAPU8.copyWithin(grown, this.#scratch, this.#scratch + this.#capacity);
      this.#module._free(this.#scratch);
    }
    this.#scratch = grown;
    this.#capacity = capacity;
  }
}

// One native object's hot calls: its module, its handle (the C++ object's address) and a heap I/O.
class NativeCalls {
  constructor(module, handle) {
    this.module = module;
    this.handle = handle;
    this.io = new HeapIO(module);
  }

  // exported(handle, key, key length) → 1 with the value in the out slot, or 0 (a miss).
  getText(exported, key) {
    const length = this.io.write(key, 0);
    return exported(this.handle, this.io.scratch, length) === 0 ? undefined : this.io.out('text');
  }

  // exported(handle, key, key length, value, value length, extra) → 1 when stored.
  setText(exported, key, value, extra) {
    const io = this.io;
    const keyLength = io.write(key, 0);
    const valueLength = io.write(value, keyLength);
    return exported(this.handle, io.scratch, keyLength, io.scratch + keyLength, valueLength, extra) === 1;
  }

  close() {
    this.io.close();
  }
}

/** A client's hot calls (bindings.cpp): its memory tier and data requests. */
export class HotPath extends NativeCalls {
  /** The value under `key` as a string, or undefined. */
  cacheGet(key) {
    return this.getText(this.module._ltl_cache_get, key);
  }

  cacheHas(key) {
    const length = this.io.write(key, 0);
    return this.module._ltl_cache_has(this.handle, this.io.scratch, length) === 1;
  }

  cacheSet(key, value, ttlMs) {
    return this.setText(this.module._ltl_cache_set, key, value, ttlMs);
  }

  /** Starts a request: { status, value } when the core answered at once (a memory hit), else { status: PENDING }. */
  request(route, paramsJson, callId, as) {
    const io = this.io;
    const routeLength = io.write(route, 0);
    const paramsLength = io.write(paramsJson, routeLength);
    const status = this.module._ltl_request(this.handle, io.scratch, routeLength, io.scratch + routeLength, paramsLength, callId);
    if (status === STATUS_PENDING) return { status };
    return { status, value: io.out(status === STATUS_ANSWER ? as : 'text') };
  }

  /** The bytes of an answer delivered later (pointer, length valid only during the sink call). */
  read(pointer, length, as) {
    return this.io.read(pointer, length, as);
  }
}

/** A stand-alone memory tier's hot calls (memory_tier.cpp). */
export class TierHotPath extends NativeCalls {
  get(key) {
    return this.getText(this.module._ltl_tier_get, key);
  }

  set(key, value, retainUntil) {
    return this.setText(this.module._ltl_tier_set, key, value, retainUntil);
  }
}
