// gzip through the host's CompressionStream / DecompressionStream (browsers, Node >= 18,
// workerd, Deno): Emscripten's zlib port cannot be fetched at build time here.
import { readAtMost } from './read-at-most.js';
import { StorageError } from './errors.js';

/** Values larger than this many UTF-8 bytes are offered to gzip by default. */
export const DEFAULT_COMPRESSION_THRESHOLD_BYTES = 1024;

export function compressionAvailable() {
  return typeof globalThis.CompressionStream === 'function' && typeof globalThis.DecompressionStream === 'function';
}

// Pipes `bytes` through a transform and collects the output, refusing to hold more than
// `maxOutputBytes` (a corrupted or hostile gzip stream must not balloon memory).
async function transform(bytes, stream, maxOutputBytes) {
  const out = await readAtMost(new Blob([bytes]).stream().pipeThrough(stream), maxOutputBytes);
  if (out === null) throw new RangeError(`output exceeds the expected ${maxOutputBytes} bytes`);
  return out;
}

export function gzip(bytes) {
  // gzip adds at most ~0.03% + 18 bytes header/trailer even on incompressible input.
  return transform(bytes, new CompressionStream('gzip'), bytes.byteLength + (bytes.byteLength >> 6) + 1024);
}

/** Inflates `bytes`; fails unless the result is exactly `expectedBytes` long. */
export async function gunzip(bytes, expectedBytes) {
  if (!compressionAvailable()) {
    throw new StorageError('unavailable', 'gunzip: this host has no DecompressionStream to read a gzip record');
  }
  const out = await transform(bytes, new DecompressionStream('gzip'), expectedBytes);
  if (out.byteLength !== expectedBytes) {
    throw new RangeError(`gunzip produced ${out.byteLength} bytes, expected ${expectedBytes}`);
  }
  return out;
}

function sameBytes(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Chooses the stored encoding of `raw`: gzip when it is larger than `thresholdBytes`, the host
 * can compress, the result is strictly smaller, and it inflates back to exactly `raw`;
 * identity otherwise. `verifyFailed` reports a gzip that did not round-trip (never expected).
 * @param {Uint8Array} raw
 * @param {{thresholdBytes?: number}} [options]
 * @returns {Promise<{encoding: 'identity'|'gzip', bytes: Uint8Array, verifyFailed: boolean}>}
 */
export async function compressIfSmaller(raw, { thresholdBytes = DEFAULT_COMPRESSION_THRESHOLD_BYTES } = {}) {
  const identity = { encoding: 'identity', bytes: raw, verifyFailed: false };
  if (!(raw.byteLength > thresholdBytes) || !compressionAvailable()) return identity;
  const packed = await gzip(raw);
  if (packed.byteLength >= raw.byteLength) return identity;
  let roundTrip;
  try {
    roundTrip = await gunzip(packed, raw.byteLength);
  } catch {
    return { ...identity, verifyFailed: true };
  }
  if (!sameBytes(roundTrip, raw)) return { ...identity, verifyFailed: true };
  return { encoding: 'gzip', bytes: packed, verifyFailed: false };
}
