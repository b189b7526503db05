// Normalisation of mempool.space / esplora payloads (units as in upstream-apis.md, in the field
// names): every field checked, a bad one named in a parse RealtimeError.
import { isObject, parseError } from './errors.js';

export const MAX_BLOCKS_PER_MESSAGE = 64; // `blocks` carries 8; more is not mempool.space
const MAX_PROJECTED_BLOCKS = 16; // `mempool-blocks` carries up to 8
const MAX_HISTOGRAM_BANDS = 1_000;
const MAX_CURRENCIES = 64;

function object(value, where) {
  if (!isObject(value)) throw parseError(where, 'an object', value);
  return value;
}

function number(obj, key, where, { integer = false } = {}) {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw parseError(`${where}.${key}`, integer ? 'a non-negative integer' : 'a non-negative number', v);
  }
  return v;
}

// Missing or null stays null (0 is a value).
const optionalNumber = (obj, key, where, flags) => (obj[key] === undefined || obj[key] === null ? null : number(obj, key, where, flags));

function hash(obj, key, where) {
  const v = obj[key];
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw parseError(`${where}.${key}`, 'a 64-digit lower-case hex hash', v);
  return v;
}

const secondsToMs = (s) => s * 1000;

/** A mempool.space / esplora block (WS `block`, an element of `blocks`, REST /v1/blocks). Times in unix s → ms. */
export function normalizeBlock(raw, where = 'block') {
  object(raw, where);
  const extras = raw.extras === undefined || raw.extras === null ? null : object(raw.extras, `${where}.extras`);
  const pool = extras && isObject(extras.pool) && typeof extras.pool.name === 'string' ? extras.pool.name : null;
  const previous = raw.previousblockhash === undefined || raw.previousblockhash === null ? null : hash(raw, 'previousblockhash', where);
  const medianTime = optionalNumber(raw, 'mediantime', where, { integer: true });
  return {
    height: number(raw, 'height', where, { integer: true }),
    hash: hash(raw, 'id', where),
    timestamp_ms: secondsToMs(number(raw, 'timestamp', where, { integer: true })),
    median_time_ms: medianTime === null ? null : secondsToMs(medianTime),
    tx_count: number(raw, 'tx_count', where, { integer: true }),
    size_bytes: optionalNumber(raw, 'size', where, { integer: true }),
    weight_wu: optionalNumber(raw, 'weight', where, { integer: true }),
    difficulty: optionalNumber(raw, 'difficulty', where),
    previous_hash: previous,
    total_fees_sat: extras ? optionalNumber(extras, 'totalFees', `${where}.extras`, { integer: true }) : null,
    median_fee_sat_vb: extras ? optionalNumber(extras, 'medianFee', `${where}.extras`) : null,
    pool_name: pool,
  };
}

/**
 * WS `fees` or REST /v1/fees/precise (mempool's precise calculation: decimals, can be below 1) →
 * sat/vB, labelled `fee_definition: 'mempool_precise'` like the REST fees route.
 */
export function normalizeFees(raw, where = 'fees') {
  object(raw, where);
  return {
    fee_definition: 'mempool_precise',
    fastest_sat_vb: number(raw, 'fastestFee', where),
    half_hour_sat_vb: number(raw, 'halfHourFee', where),
    hour_sat_vb: number(raw, 'hourFee', where),
    economy_sat_vb: number(raw, 'economyFee', where),
    minimum_sat_vb: number(raw, 'minimumFee', where),
  };
}

// BTC → sat and BTC/kvB → sat/vB without float noise (0.00001858 BTC/kvB → 1.858 sat/vB).
const btcToSat = (btc) => Math.round(btc * 1e8);
const btcPerKvbToSatPerVb = (rate) => Math.round(rate * 1e8) / 1000;

/** WS `mempoolInfo` (Core getmempoolinfo: total_fee in BTC, mempoolminfee in BTC/kvB). */
export function normalizeMempoolInfo(raw, where = 'mempoolInfo') {
  object(raw, where);
  const minFee = optionalNumber(raw, 'mempoolminfee', where);
  return {
    count: number(raw, 'size', where, { integer: true }),
    vsize_vb: number(raw, 'bytes', where, { integer: true }),
    total_fee_sat: btcToSat(number(raw, 'total_fee', where)),
    min_fee_sat_vb: minFee === null ? null : btcPerKvbToSatPerVb(minFee),
  };
}

/** WS `mempool-blocks`: blockVSize in vB, totalFees in sat, medianFee and feeRange in sat/vB. */
export function normalizeMempoolBlocks(raw, where = 'mempool-blocks') {
  if (!Array.isArray(raw)) throw parseError(where, 'an array', raw);
  return raw.slice(0, MAX_PROJECTED_BLOCKS).map((block, i) => {
    const at = `${where}[${i}]`;
    object(block, at);
    if (!Array.isArray(block.feeRange) || !block.feeRange.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
      throw parseError(`${at}.feeRange`, 'an array of non-negative numbers', block.feeRange);
    }
    return {
      vsize_vb: number(block, 'blockVSize', at),
      size_bytes: optionalNumber(block, 'blockSize', at, { integer: true }),
      tx_count: number(block, 'nTx', at, { integer: true }),
      total_fees_sat: number(block, 'totalFees', at, { integer: true }),
      median_fee_sat_vb: number(block, 'medianFee', at),
      fee_range_sat_vb: block.feeRange.slice(0, 16),
    };
  });
}

/** REST /mempool (esplora format): vsize in vB, total_fee in sat, fee_histogram [[sat/vB, vB]]. */
export function normalizeRestMempool(raw, where = 'mempool') {
  object(raw, where);
  let histogram = null;
  if (raw.fee_histogram !== undefined && raw.fee_histogram !== null) {
    if (!Array.isArray(raw.fee_histogram)) throw parseError(`${where}.fee_histogram`, 'an array of [sat/vB, vB] pairs', raw.fee_histogram);
    histogram = raw.fee_histogram.slice(0, MAX_HISTOGRAM_BANDS).map((band, i) => {
      if (!Array.isArray(band) || band.length !== 2 || !band.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
        throw parseError(`${where}.fee_histogram[${i}]`, 'a [sat/vB, vB] pair of non-negative numbers', band);
      }
      return [band[0], band[1]];
    });
  }
  return {
    count: number(raw, 'count', where, { integer: true }),
    vsize_vb: number(raw, 'vsize', where, { integer: true }),
    total_fee_sat: number(raw, 'total_fee', where, { integer: true }),
    min_fee_sat_vb: null,
    fee_histogram: histogram,
    projected_blocks: null,
  };
}

/** WS `conversions` or REST /v1/prices: `time` in unix s; whole fiat values; -1 means unavailable (→ null). */
export function normalizePrices(raw, where = 'conversions') {
  object(raw, where);
  const prices = {};
  let n = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'time' || !/^[A-Z]{3}$/.test(key)) continue;
    if (++n > MAX_CURRENCIES) break;
    if (value === -1) prices[key.toLowerCase()] = null;
    else prices[key.toLowerCase()] = number(raw, key, where);
  }
  return { as_of_ms: secondsToMs(number(raw, 'time', where, { integer: true })), prices };
}

// Checks what a poll function returned against the normalised shape; fills optional fields with null.
const OPTIONAL_FIELDS = {
  blocks: ['median_time_ms', 'size_bytes', 'weight_wu', 'difficulty', 'previous_hash', 'total_fees_sat', 'median_fee_sat_vb', 'pool_name'],
  fees: [],
  mempool: ['min_fee_sat_vb', 'fee_histogram', 'projected_blocks'],
  price: [],
};

export function checkPolled(topic, data) {
  const where = `poll.${topic}()`;
  object(data, where);
  switch (topic) {
    case 'blocks':
      number(data, 'height', where, { integer: true });
      if (typeof data.hash !== 'string' || data.hash === '') throw parseError(`${where}.hash`, 'a block hash', data.hash);
      number(data, 'timestamp_ms', where, { integer: true });
      number(data, 'tx_count', where, { integer: true });
      break;
    case 'fees':
      for (const key of ['fastest_sat_vb', 'half_hour_sat_vb', 'hour_sat_vb', 'economy_sat_vb', 'minimum_sat_vb']) number(data, key, where);
      break;
    case 'mempool':
      for (const key of ['count', 'vsize_vb', 'total_fee_sat']) number(data, key, where);
      break;
    default:
      number(data, 'as_of_ms', where, { integer: true });
      object(data.prices, `${where}.prices`);
  }
  const filled = { ...data };
  for (const key of OPTIONAL_FIELDS[topic]) filled[key] ??= null;
  return filled;
}

// JSON with sorted keys, so equal values compare equal whatever their key order.
export function stableKey(value) {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableKey(value[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

export function deepFreeze(value) {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
