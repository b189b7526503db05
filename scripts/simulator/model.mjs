// Deterministic chain and market model. Every value is a pure function of (seed, time), so two
// simulators with the same seed serve identical bodies and a manual clock makes tests exact.

export const DEFAULT_START_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const START_HEIGHT = 900_000; // tip height at the start time
export const BLOCK_MS = 600_000;
export const DAY_MS = 86_400_000;
export const EPOCH_BLOCKS = 2016;
const QUARTER_EPOCH_BLOCKS = 504; // mempool's sliding window early in an epoch
const STEP_MS = 10_000; // price random-walk step
const SAMPLE_MS = 600_000; // spacing of the samples behind 24 h high/low/average
const CHECKPOINT_SPAN = 64; // walk steps between cached checkpoints
const GENESIS_DAY = 14_247; // 2009-01-03: first day of the full hashrate history
const FNG_FIRST_DAY = 17_563; // 2018-02-01: first day of the Fear & Greed history
const MAX_TARGET = 0xffff * 2 ** 208;

// Fixed FX ratios to the USD price; key order is the order of mempool's /v1/prices.
export const FIAT = { usd: 1, eur: 0.86, gbp: 0.76, cad: 1.39, chf: 0.8, aud: 1.53, jpy: 155 };
export const fxRate = (code) => (Object.hasOwn(FIAT, code) ? FIAT[code] : undefined);

const FEE_KEYS = ['fastestFee', 'halfHourFee', 'hourFee', 'economyFee', 'minimumFee'];
const ESPLORA_TARGETS = [...Array.from({ length: 25 }, (_, i) => i + 1), 144, 504, 1008];

const STREAM = {
  priceBase: 1, price: 2, blockTime: 3, block: 4, hash: 5, merkle: 6, difficulty: 7, congestion: 8,
  histogram: 9, hashrate: 10, dailyHashrate: 11, volume: 12, fng: 13, pool: 14, ray: 15,
};

// [id, name, slug, share of blocks]
const POOLS = [
  [111, 'Foundry USA', 'foundryusa', 0.3], [44, 'AntPool', 'antpool', 0.18], [73, 'ViaBTC', 'viabtc', 0.12],
  [36, 'F2Pool', 'f2pool', 0.1], [156, 'SpiderPool', 'spiderpool', 0.08], [140, 'MARA Pool', 'marapool', 0.06],
  [105, 'Binance Pool', 'binancepool', 0.05], [141, 'SECPOOL', 'secpool', 0.04], [137, 'Unknown', 'unknown', 0.07],
];

// murmur3's finaliser: a full-avalanche 32-bit mix, used as a counter-based generator so any value
// can be computed directly from (seed, stream, index) without replaying a sequence.
function fmix(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const round = (x, digits) => Number(x.toFixed(digits));

export const subsidySats = (h) => Math.floor(5e9 / 2 ** Math.floor(h / 210_000));

// Coins issued by blocks 0..h, in satoshis.
export function supplySats(h) {
  let total = 0;
  for (let era = 0, left = h + 1; left > 0 && era < 64; era++, left -= 210_000) {
    total += Math.min(left, 210_000) * Math.floor(5e9 / 2 ** era);
  }
  return total;
}

function compactBits(difficulty) {
  const target = MAX_TARGET / difficulty;
  let size = Math.ceil(Math.log2(target + 1) / 8);
  let mantissa = Math.floor(target / 256 ** (size - 3));
  if (mantissa >= 0x800000) {
    mantissa = Math.floor(mantissa / 256);
    size += 1;
  }
  return size * 0x1000000 + mantissa;
}

const difficultyFromBits = (bits) =>
  MAX_TARGET / ((bits % 0x1000000) * 256 ** (Math.floor(bits / 0x1000000) - 3));

// Sum of increment(i) from step 0; checkpoints every CHECKPOINT_SPAN steps in both directions keep
// any lookup to a short walk, and memory to one number per checkpoint.
class RandomWalk {
  constructor(start, increment) {
    this.increment = increment;
    this.up = [start]; // up[c] = value at step c * SPAN
    this.down = [start]; // down[c] = value at step -c * SPAN
  }

  at(k) {
    const c = Math.floor(k / CHECKPOINT_SPAN);
    let v = c >= 0 ? this.checkpointUp(c) : this.checkpointDown(-c);
    for (let i = c * CHECKPOINT_SPAN; i < k; i++) v += this.increment(i);
    return v;
  }

  checkpointUp(c) {
    for (let n = this.up.length; n <= c; n++) this.up.push(this.up[n - 1] + this.span((n - 1) * CHECKPOINT_SPAN));
    return this.up[c];
  }

  checkpointDown(c) {
    for (let n = this.down.length; n <= c; n++) this.down.push(this.down[n - 1] - this.span(-n * CHECKPOINT_SPAN));
    return this.down[c];
  }

  span(from) {
    let sum = 0;
    for (let i = from; i < from + CHECKPOINT_SPAN; i++) sum += this.increment(i);
    return sum;
  }
}

// Fee levels in sat/vB for a congestion level (0..1) and how far we are into the block interval.
function feeLevels(congestion, fill) {
  const minimum = congestion < 0.3 ? 0.1 : congestion < 0.6 ? 0.5 : 1;
  const fastest = (1 + 30 * congestion ** 3) * (1 + 0.3 * fill);
  const raw = [fastest, fastest * 0.85, fastest * 0.65, fastest * 0.35, minimum];
  const levels = {};
  raw.forEach((value, i) => {
    const previous = levels[FEE_KEYS[i - 1]] ?? Infinity;
    levels[FEE_KEYS[i]] = round(Math.min(previous, Math.max(value, minimum)), 3);
  });
  return levels;
}

/**
 * mempool.space's calcDifficultyAdjustment (backend difficulty-adjustment.ts, the 2024 rule, mainnet)
 * with its mixed units: times in unix seconds in, estimatedRetargetDate in unix ms and durations in
 * ms out. Early in an epoch (fewer than 503 blocks in) the estimate comes from a sliding window of
 * the last 504 blocks, the previous epoch's part scaled by its retarget, and remainingTime is
 * projected from adjustedTimeAvg rather than timeAvg.
 */
export function mempoolDifficultyAdjustment({ daTime, quarterEpochTime, nowS, height, previousRetarget, latestBlockTime }) {
  const diffSeconds = Math.max(0, nowS - daTime);
  const blocksInEpoch = height % EPOCH_BLOCKS;
  const remainingBlocks = EPOCH_BLOCKS - blocksInEpoch;
  const actualTimespan = (blocksInEpoch === EPOCH_BLOCKS - 1 ? latestBlockTime : nowS) - daTime;
  const timeAvgSecs = blocksInEpoch ? diffSeconds / blocksInEpoch : 600;
  let adjustedTimeAvgSecs = timeAvgSecs;
  let difficultyChange;
  if (quarterEpochTime && blocksInEpoch < QUARTER_EPOCH_BLOCKS - 1) {
    const adjustedTimeLastEpoch = (daTime - quarterEpochTime) * (1 + previousRetarget / 100);
    const adjustedTimeSpan = diffSeconds + adjustedTimeLastEpoch;
    adjustedTimeAvgSecs = adjustedTimeSpan / (QUARTER_EPOCH_BLOCKS - 1);
    difficultyChange = (600 / (adjustedTimeSpan / QUARTER_EPOCH_BLOCKS) - 1) * 100;
  } else {
    difficultyChange = (600 / (actualTimespan / (blocksInEpoch + 1)) - 1) * 100;
  }
  difficultyChange = Math.min(300, Math.max(-75, difficultyChange)); // a retarget is capped at x4 either way
  const timeAvg = Math.floor(timeAvgSecs * 1000);
  const adjustedTimeAvg = Math.floor(adjustedTimeAvgSecs * 1000);
  const remainingTime = remainingBlocks * adjustedTimeAvg;
  return {
    progressPercent: (blocksInEpoch / EPOCH_BLOCKS) * 100,
    difficultyChange,
    estimatedRetargetDate: remainingTime + nowS * 1000,
    remainingBlocks,
    remainingTime,
    previousRetarget,
    previousTime: daTime,
    nextRetargetHeight: height + remainingBlocks,
    timeAvg,
    adjustedTimeAvg,
    timeOffset: 0,
    expectedBlocks: diffSeconds / 600,
  };
}

export class Model {
  constructor(seed, startMs) {
    this.startMs = startMs;
    this.key = fmix(fmix((seed | 0) ^ 0x9e3779b9) + (Math.floor(seed / 2 ** 32) | 0));
    const base = Math.log(87_000 * (0.8 + 0.4 * this.unit(STREAM.priceBase, 0)));
    const amplitude = 0.03 * Math.sqrt(3 / (DAY_MS / STEP_MS)); // uniform steps, ~3 % daily volatility
    this.walk = new RandomWalk(base, (k) => amplitude * (2 * this.unit(STREAM.price, k) - 1));
  }

  u32(stream, i, j = 0) {
    return fmix(fmix(fmix(this.key ^ Math.imul(stream, 0x9e3779b1)) ^ i) ^ j);
  }

  unit(stream, i, j) {
    return this.u32(stream, i, j) / 2 ** 32;
  }

  hex(stream, i, length) {
    let s = '';
    for (let j = 0; s.length < length; j++) s += this.u32(stream, i, j).toString(16).padStart(8, '0');
    return s.slice(0, length);
  }

  // ---- market ----

  priceUsd(t) {
    return Math.exp(this.walk.at(Math.floor((t - this.startMs) / STEP_MS)));
  }

  // Open/close/high/low/mean of the USD price over [from, to], sampled every 10 minutes.
  priceRange(from, to) {
    const open = this.priceUsd(from);
    const close = this.priceUsd(to);
    let high = Math.max(open, close);
    let low = Math.min(open, close);
    let sum = open + close;
    let n = 2;
    for (let s = from + SAMPLE_MS; s < to; s += SAMPLE_MS, n++) {
      const p = this.priceUsd(s);
      high = Math.max(high, p);
      low = Math.min(low, p);
      sum += p;
    }
    return { open, close, high, low, mean: sum / n };
  }

  // Rolling 24 h traded volume in BTC, interpolated between hourly seeded levels.
  volumeBtc24h(t) {
    const x = (t - this.startMs) / 3_600_000;
    const i = Math.floor(x);
    const f = x - i;
    return 8000 + 10_000 * (this.unit(STREAM.volume, i) * (1 - f) + this.unit(STREAM.volume, i + 1) * f);
  }

  // 24 h market figures in USD; callers scale by fxRate().
  market(t) {
    const range = this.priceRange(t - DAY_MS, t);
    const volumeBtc = this.volumeBtc24h(t);
    const supply = supplySats(this.height(t)) / 1e8;
    return {
      ...range,
      price: range.close,
      changePct: (range.close / range.open - 1) * 100,
      volumeBtc,
      volumeUsd: volumeBtc * range.mean,
      supply,
      marketCap: range.close * supply,
    };
  }

  // Exchange trade ids grow at 20 trades/s, so ids and 24 h counts are consistent over time.
  tradeId(t) {
    return 5_000_000_000 + Math.floor((t - this.startMs) / 50);
  }

  fearGreed(day) {
    let sum = 0;
    for (let i = 0; i < 7; i++) sum += this.unit(STREAM.fng, day - i);
    return Math.min(100, Math.max(0, Math.round(50 + 180 * (sum / 7 - 0.5))));
  }

  // [{ day, value }] newest first; limit 0 means the full history.
  fearGreedHistory(t, limit) {
    const today = Math.floor(t / DAY_MS);
    const available = Math.max(0, today - FNG_FIRST_DAY + 1);
    const count = limit === 0 ? available : Math.min(limit, available);
    return Array.from({ length: count }, (_, i) => ({ day: today - i, value: this.fearGreed(today - i) }));
  }

  rayId(t) {
    return this.hex(STREAM.ray, Math.floor(t / 1000), 16);
  }

  // ---- chain ----

  height(t) {
    return START_HEIGHT + Math.floor((t - this.startMs) / BLOCK_MS);
  }

  arrivalMs(h) {
    return this.startMs + (h - START_HEIGHT) * BLOCK_MS;
  }

  // Miners' timestamps trail arrival by up to a minute, so block times are not evenly spaced.
  blockTime(h) {
    return Math.floor(this.arrivalMs(h) / 1000) - Math.floor(60 * this.unit(STREAM.blockTime, h));
  }

  medianTime(h) {
    const times = [];
    for (let i = Math.max(0, h - 10); i <= h; i++) times.push(this.blockTime(i));
    return times.sort((a, b) => a - b)[times.length >> 1];
  }

  blockHash(h) {
    return '0'.repeat(19) + this.hex(STREAM.hash, h, 45);
  }

  // Difficulty drifts up ~0.8 % per epoch with seeded noise; the round trip through compact bits
  // keeps a block's `bits` and `difficulty` consistent.
  epochTarget(epoch) {
    const start = Math.floor(START_HEIGHT / EPOCH_BLOCKS);
    const noise = 0.04 * (this.unit(STREAM.difficulty, epoch) - 0.5);
    const bits = compactBits(Math.max(1, 1.3e14 * Math.exp(0.008 * (epoch - start) + noise)));
    return { bits, difficulty: difficultyFromBits(bits) };
  }

  difficulty(h) {
    return this.epochTarget(Math.floor(Math.max(0, h) / EPOCH_BLOCKS)).difficulty;
  }

  // Network hash rate in H/s, as getnetworkhashps would estimate it at height h.
  hashrate(h) {
    return ((this.difficulty(h) * 2 ** 32) / 600) * (0.97 + 0.06 * this.unit(STREAM.hashrate, h));
  }

  dailyHashrate(day) {
    const h = this.height(day * DAY_MS + DAY_MS / 2);
    return ((this.difficulty(h) * 2 ** 32) / 600) * (0.94 + 0.12 * this.unit(STREAM.dailyHashrate, day));
  }

  block(h) {
    const { bits, difficulty } = this.epochTarget(Math.floor(h / EPOCH_BLOCKS));
    return {
      id: this.blockHash(h),
      height: h,
      version: 0x20000000 + (this.u32(STREAM.block, h, 0) & 0x1fffe000),
      timestamp: this.blockTime(h),
      bits,
      nonce: this.u32(STREAM.block, h, 1),
      difficulty,
      merkle_root: this.hex(STREAM.merkle, h, 64),
      tx_count: 1500 + (this.u32(STREAM.block, h, 2) % 3500),
      size: 1_200_000 + (this.u32(STREAM.block, h, 3) % 600_000),
      weight: 3_990_000 + (this.u32(STREAM.block, h, 4) % 9_990),
      previousblockhash: h > 0 ? this.blockHash(h - 1) : null,
      mediantime: this.medianTime(h),
    };
  }

  // mempool.space's `extras` for a block (fees in sat/vB, amounts in sats).
  blockExtras(block) {
    const h = block.height;
    const fees = feeLevels(this.congestion(h), 1);
    const { fastestFee, halfHourFee, hourFee, economyFee, minimumFee } = fees;
    const virtualSize = block.weight / 4;
    const totalFees = Math.round(virtualSize * hourFee * 1.2);
    const feeRange = [minimumFee, economyFee, (economyFee + hourFee) / 2, hourFee, halfHourFee, fastestFee, fastestFee * 8];
    return {
      totalFees,
      medianFee: hourFee,
      feeRange: feeRange.map((x) => round(x, 2)),
      reward: subsidySats(h) + totalFees,
      pool: this.pool(h),
      avgFee: Math.round(totalFees / (block.tx_count - 1)),
      avgFeeRate: Math.round(totalFees / virtualSize),
      virtualSize,
      matchRate: null,
      expectedFees: null,
      expectedWeight: null,
    };
  }

  pool(h) {
    let u = this.unit(STREAM.pool, h); // walk the cumulative shares until u falls inside one
    const [id, name, slug] = POOLS.find(([, , , share]) => (u -= share) < 0) ?? POOLS.at(-1);
    return { id, name, slug, minerNames: null };
  }

  // `count` blocks from height `from` downwards (never below genesis).
  blocks(from, count, withExtras) {
    const list = [];
    for (let h = from; h > from - count && h >= 0; h--) {
      const block = this.block(h);
      list.push(withExtras ? { ...block, extras: this.blockExtras(block) } : block);
    }
    return list;
  }

  // 0 (empty mempool) … 1 (congested): an hourly trend plus per-block noise.
  congestion(h) {
    const x = h / 6;
    const i = Math.floor(x);
    const f = x - i;
    const trend = this.unit(STREAM.congestion, i) * (1 - f) + this.unit(STREAM.congestion, i + 1) * f;
    return 0.75 * trend + 0.25 * this.unit(STREAM.congestion, h, 1);
  }

  // Fraction of the current block interval elapsed: fees and the mempool grow until the next block.
  fill(t) {
    return (t - this.arrivalMs(this.height(t))) / BLOCK_MS;
  }

  fees(t) {
    return feeLevels(this.congestion(this.height(t)), this.fill(t));
  }

  feeEstimates(t) {
    const { fastestFee, minimumFee } = this.fees(t);
    const top = fastestFee * 1.05;
    return Object.fromEntries(
      ESPLORA_TARGETS.map((n) => [String(n), round(minimumFee + (top - minimumFee) * Math.exp(-(n - 1) / 6), 3)]),
    );
  }

  mempool(t) {
    const h = this.height(t);
    const congestion = this.congestion(h);
    const fees = this.fees(t);
    const vsize = Math.round(2e6 + 60e6 * congestion ** 2 + 3e6 * this.fill(t));
    // Eight fee bands, highest rate first, splitting the mempool by seeded weights.
    const weights = Array.from({ length: 8 }, (_, j) => 0.2 + this.unit(STREAM.histogram, h, j));
    const totalWeight = weights.reduce((a, b) => a + b, 0);
    const top = fees.fastestFee * 3;
    let left = vsize;
    let totalFee = 0;
    const histogram = weights.map((w, j) => {
      const rate = round(top * (fees.minimumFee / top) ** (j / 7), 2);
      const size = j === 7 ? left : Math.round((vsize * w) / totalWeight);
      left -= size;
      totalFee += rate * size;
      return [rate, size];
    });
    return { count: Math.round(vsize / 280), vsize, total_fee: Math.round(totalFee), fee_histogram: histogram };
  }

  // mempool.space's /v1/difficulty-adjustment for the model's chain at time t.
  difficultyAdjustment(t) {
    const h = this.height(t);
    const epoch = Math.floor(h / EPOCH_BLOCKS);
    return mempoolDifficultyAdjustment({
      daTime: this.blockTime(epoch * EPOCH_BLOCKS),
      quarterEpochTime: h >= QUARTER_EPOCH_BLOCKS ? this.blockTime(h - QUARTER_EPOCH_BLOCKS) : null,
      nowS: Math.floor(t / 1000),
      height: h,
      previousRetarget: (this.epochTarget(epoch).difficulty / this.epochTarget(epoch - 1).difficulty - 1) * 100,
      latestBlockTime: this.blockTime(h),
    });
  }

  // Daily averages for the last `days` complete days (null: since genesis) and every difficulty
  // adjustment in that window.
  hashrateHistory(t, days) {
    const today = Math.floor(t / DAY_MS);
    const first = days === null ? GENESIS_DAY : Math.max(GENESIS_DAY, today - days);
    const hashrates = [];
    for (let d = first; d < today; d++) hashrates.push({ timestamp: (d * DAY_MS) / 1000, avgHashrate: this.dailyHashrate(d) });
    const h = this.height(t);
    const difficulty = [];
    for (let e = Math.ceil(Math.max(0, this.height(first * DAY_MS)) / EPOCH_BLOCKS); e * EPOCH_BLOCKS <= h; e++) {
      const height = e * EPOCH_BLOCKS;
      difficulty.push({ timestamp: this.blockTime(height), difficulty: this.epochTarget(e).difficulty, height });
    }
    return { hashrates, difficulty, currentHashrate: this.hashrate(h), currentDifficulty: this.difficulty(h) };
  }

  snapshot(t) {
    const height = this.height(t);
    const { count, vsize } = this.mempool(t);
    return {
      height,
      tipHash: this.blockHash(height),
      tipTimestamp: this.blockTime(height),
      priceUsd: this.priceUsd(t),
      difficulty: this.difficulty(height),
      hashrate: this.hashrate(height),
      fees: this.fees(t),
      mempool: { count, vsize },
    };
  }
}
