// The stored record format shared by every adapter: a fixed little-endian header, the tags as
// UTF-8 JSON, then the value bytes (identity or gzip). One binary blob per key, so a backend
// that stores bytes (IndexedDB, Cache API body, KV ArrayBuffer, a Map) stores the same thing.
//
//   offset size  field
//   0      4     magic "LTLE"
//   4      1     format version (ENVELOPE_VERSION)
//   5      1     encoding: 0 identity, 1 gzip
//   6      2     reserved, 0
//   8      4     CRC-32 of every other byte of the record (bytes 0-7 and 12-end)
//   12     8     storedAt   (f64, unix ms)
//   20     8     freshUntil (f64, unix ms; +Infinity = never)
//   28     8     expiresAt  (f64, unix ms; +Infinity = never)
//   36     4     rawBytes: UTF-8 length of the value before compression
//   40     4     tags length (bytes)
//   44     4     payload length (bytes)
//   48     ...   tags JSON, then payload
//
// Checksum: CRC-32 (IEEE), written here, not SHA-256 via crypto.subtle. The threat is accidental
// damage (torn writes, bit rot, a storage bug), which CRC-32 catches (every burst up to 32 bits,
// anything else with probability 1 - 2^-32); an attacker who can write the store can rewrite any
// checksum anyway. It is synchronous, needs no secure context (crypto.subtle is missing on
// plain-http pages other than localhost) and costs ~1 table lookup per byte.
import { compressIfSmaller, DEFAULT_COMPRESSION_THRESHOLD_BYTES, gunzip } from './compression.js';
import { StorageError } from './errors.js';

export const ENVELOPE_VERSION = 1;
export const HEADER_BYTES = 48;
/** Hard cap on a value (the header stores lengths as u32; adapters set lower limits). */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;
/** Cap on the serialized tags of one entry. */
export const MAX_TAGS_BYTES = 16 * 1024;

const MAGIC = [0x4c, 0x54, 0x4c, 0x45]; // "LTLE"
const ENCODINGS = ['identity', 'gzip'];
const CRC_OFFSET = 8;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as in gzip/zip) of `bytes[start, end)`, continuing from `crc`. */
export function crc32(bytes, start = 0, end = bytes.byteLength, crc = 0) {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function recordChecksum(record) {
  return crc32(record, CRC_OFFSET + 4, record.byteLength, crc32(record, 0, CRC_OFFSET));
}

/** Rewrites the checksum of `record` in place (after a deliberate edit, e.g. a migration or a test). */
export function sealRecord(record) {
  new DataView(record.buffer, record.byteOffset, record.byteLength).setUint32(CRC_OFFSET, recordChecksum(record), true);
  return record;
}

/** Why a record was refused: `corrupt` (damaged, truncated, not ours) or `version` (another format). */
export class EnvelopeError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = 'EnvelopeError';
    this.reason = reason;
  }
}

const corrupt = (message) => new EnvelopeError('corrupt', `corrupted cache record: ${message}`);

/** UTF-8 byte length without allocating. */
export function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4; // a surrogate pair (well-formedness is checked separately)
      i++;
    } else bytes += 3;
  }
  return bytes;
}

// Lone surrogates would be replaced by U+FFFD on encoding: silently different data on read.
function isWellFormed(text) {
  if (typeof text.isWellFormed === 'function') return text.isWellFormed();
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** A key as adapters accept it: a non-empty well-formed string of at most `maxKeyBytes` UTF-8 bytes. */
export function checkKey(key, maxKeyBytes, store, operation) {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StorageError('invalid_argument', `${store} ${operation}: key must be a non-empty string`, { store, operation });
  }
  if (!isWellFormed(key)) {
    throw new StorageError('invalid_argument', `${store} ${operation}: key contains a lone UTF-16 surrogate`, { store, operation });
  }
  const bytes = utf8Length(key);
  if (bytes > maxKeyBytes) {
    throw new StorageError('invalid_argument', `${store} ${operation}: key is ${bytes} UTF-8 bytes, limit ${maxKeyBytes}`, {
      store,
      operation,
    });
  }
}

/** A list prefix: any well-formed string ("" lists everything). */
export function checkPrefix(prefix, store) {
  if (typeof prefix !== 'string' || !isWellFormed(prefix)) {
    throw new StorageError('invalid_argument', `${store} list: prefix must be a well-formed string`, { store, operation: 'list' });
  }
}

const isTime = (value) => typeof value === 'number' && !Number.isNaN(value) && value !== -Infinity;

/**
 * Validates an entry and returns a clean copy. Times are unix ms; freshUntil/expiresAt may be
 * +Infinity (never). Throws StorageError invalid_argument naming the bad field.
 * @returns {{value: string, storedAt: number, freshUntil: number, expiresAt: number, tags: string[]}}
 */
export function normalizeEntry(entry, store = 'store', operation = 'put') {
  const fail = (what) => new StorageError('invalid_argument', `${store} ${operation}: entry.${what}`, { store, operation });
  if (entry === null || typeof entry !== 'object') throw fail('* missing: expected an object');
  const { value, storedAt, freshUntil, expiresAt } = entry;
  const tags = entry.tags ?? [];
  if (typeof value !== 'string') throw fail(`value must be a string, got ${typeof value}`);
  if (!isWellFormed(value)) throw fail('value contains a lone UTF-16 surrogate (not representable in UTF-8)');
  if (typeof storedAt !== 'number' || !Number.isFinite(storedAt)) throw fail('storedAt must be a finite number (unix ms)');
  if (!isTime(freshUntil)) throw fail('freshUntil must be a number (unix ms) or Infinity');
  if (!isTime(expiresAt)) throw fail('expiresAt must be a number (unix ms) or Infinity');
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && isWellFormed(tag))) {
    throw fail('tags must be an array of strings');
  }
  return { value, storedAt, freshUntil, expiresAt, tags: [...tags] };
}

/**
 * Serializes an entry into a record.
 * @param {{value: string, storedAt: number, freshUntil: number, expiresAt: number, tags: string[]}} entry normalized
 * @param {{compressionThresholdBytes?: number, maxValueBytes?: number, store?: string}} [options]
 * @returns {Promise<{record: Uint8Array, rawBytes: number, payloadBytes: number, storedBytes: number, savedBytes: number, encoding: string, verifyFailed: boolean}>}
 */
export async function encodeEntry(entry, options = {}) {
  const { compressionThresholdBytes = DEFAULT_COMPRESSION_THRESHOLD_BYTES, maxValueBytes = MAX_VALUE_BYTES, store = 'store' } = options;
  const raw = utf8Encoder.encode(entry.value);
  const limit = Math.min(maxValueBytes, MAX_VALUE_BYTES);
  if (raw.byteLength > limit) {
    throw new StorageError('too_large', `${store} put: value is ${raw.byteLength} bytes, limit ${limit}`, { store, operation: 'put' });
  }
  const tags = utf8Encoder.encode(JSON.stringify(entry.tags));
  if (tags.byteLength > MAX_TAGS_BYTES) {
    throw new StorageError('too_large', `${store} put: tags are ${tags.byteLength} bytes, limit ${MAX_TAGS_BYTES}`, {
      store,
      operation: 'put',
    });
  }
  const { encoding, bytes: payload, verifyFailed } = await compressIfSmaller(raw, { thresholdBytes: compressionThresholdBytes });

  const record = new Uint8Array(HEADER_BYTES + tags.byteLength + payload.byteLength);
  const view = new DataView(record.buffer);
  record.set(MAGIC, 0);
  view.setUint8(4, ENVELOPE_VERSION);
  view.setUint8(5, ENCODINGS.indexOf(encoding));
  view.setFloat64(12, entry.storedAt, true);
  view.setFloat64(20, entry.freshUntil, true);
  view.setFloat64(28, entry.expiresAt, true);
  view.setUint32(36, raw.byteLength, true);
  view.setUint32(40, tags.byteLength, true);
  view.setUint32(44, payload.byteLength, true);
  record.set(tags, HEADER_BYTES);
  record.set(payload, HEADER_BYTES + tags.byteLength);
  sealRecord(record);
  // What compression saved on the value (gzip is kept only when strictly smaller): never negative.
  const savedBytes = encoding === 'gzip' ? Math.max(0, raw.byteLength - payload.byteLength) : 0;
  return { record, rawBytes: raw.byteLength, payloadBytes: payload.byteLength, storedBytes: record.byteLength, savedBytes, encoding, verifyFailed };
}

function asBytes(record) {
  if (record instanceof Uint8Array) return record;
  if (record instanceof ArrayBuffer) return new Uint8Array(record);
  if (ArrayBuffer.isView(record)) return new Uint8Array(record.buffer, record.byteOffset, record.byteLength);
  // Another realm's ArrayBuffer (structured clone across contexts) fails instanceof.
  if (Object.prototype.toString.call(record) === '[object ArrayBuffer]') return new Uint8Array(record);
  throw corrupt(`expected bytes, got ${record === null ? 'null' : typeof record}`);
}

/**
 * Checks magic, version, lengths and checksum, and returns the metadata without inflating the
 * value. Throws EnvelopeError (`version` or `corrupt`).
 */
export function readHeader(recordLike) {
  const record = asBytes(recordLike);
  if (record.byteLength < HEADER_BYTES) throw corrupt(`${record.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  if (MAGIC.some((byte, i) => record[i] !== byte)) throw corrupt('bad magic');
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const version = view.getUint8(4);
  if (version !== ENVELOPE_VERSION) {
    throw new EnvelopeError('version', `cache record format version ${version}, this build reads ${ENVELOPE_VERSION}`);
  }
  const tagsBytes = view.getUint32(40, true);
  const payloadBytes = view.getUint32(44, true);
  if (HEADER_BYTES + tagsBytes + payloadBytes !== record.byteLength) {
    throw corrupt(`lengths ${HEADER_BYTES}+${tagsBytes}+${payloadBytes} do not add up to ${record.byteLength}`);
  }
  if (view.getUint32(CRC_OFFSET, true) !== recordChecksum(record)) throw corrupt('checksum mismatch');
  const encoding = ENCODINGS[view.getUint8(5)];
  if (!encoding || view.getUint16(6, true) !== 0) throw corrupt('unknown encoding or flags');
  const storedAt = view.getFloat64(12, true);
  const freshUntil = view.getFloat64(20, true);
  const expiresAt = view.getFloat64(28, true);
  if (!Number.isFinite(storedAt) || !isTime(freshUntil) || !isTime(expiresAt)) throw corrupt('bad time field');
  const rawBytes = view.getUint32(36, true);
  if (encoding === 'identity' && rawBytes !== payloadBytes) throw corrupt('identity payload length differs from rawBytes');
  let tags;
  try {
    tags = JSON.parse(utf8Decoder.decode(record.subarray(HEADER_BYTES, HEADER_BYTES + tagsBytes)));
  } catch {
    throw corrupt('tags are not UTF-8 JSON');
  }
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) throw corrupt('tags are not an array of strings');
  return {
    record,
    version,
    encoding,
    storedAt,
    freshUntil,
    expiresAt,
    tags,
    rawBytes,
    storedBytes: record.byteLength,
    payloadOffset: HEADER_BYTES + tagsBytes,
  };
}

/**
 * Verifies and decodes a record into an entry. Throws EnvelopeError (`version` or `corrupt`);
 * StorageError `unavailable` if it is gzip and the host cannot inflate.
 * @returns {Promise<{value: string, storedAt: number, freshUntil: number, expiresAt: number, tags: string[]}>}
 */
export async function decodeRecord(recordLike) {
  const header = readHeader(recordLike);
  let raw = header.record.subarray(header.payloadOffset);
  if (header.encoding === 'gzip') {
    try {
      raw = await gunzip(raw, header.rawBytes);
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw corrupt(`gzip payload does not inflate to ${header.rawBytes} bytes (${err.message})`);
    }
  }
  let value;
  try {
    value = utf8Decoder.decode(raw);
  } catch {
    throw corrupt('value is not UTF-8');
  }
  const { storedAt, freshUntil, expiresAt, tags } = header;
  return { value, storedAt, freshUntil, expiresAt, tags };
}
